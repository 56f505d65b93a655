// Credentials in a value that reaches a file this program commits: refused, the credential never shown.
import { problem } from "./errors";
import type { PlainConfig, PlainKey } from "./keys";
import { credentialProblem } from "./redact";

/**
 * The keys whose values reach a file this program commits to the repository (the root pipeline `.planton/` and the
 * service-hub entry) or its Pulumi backend address: everyone who can read the repository reads them.
 * tests/credentials.test.ts plans the owner stack and fails when a key's value shows in a committed file and the key is
 * not listed here.
 */
export const COMMITTED_KEYS = [
  "service",
  "registryUsername",
  "trigger",
  "serviceHubEntryFormat",
  "pulumiBackendUrl",
  "pulumiBackendAllowList",
  "bazelRemoteCache",
  "webhookUrl",
  "gitOwner",
  "gitRepository",
  "gitBranch",
  "imageRepository",
  "projectRoot",
  "programPath",
  "triggerPaths",
  "kubeContext",
  "rootPipelineName",
  "bazelImage",
  "gitImage",
  "deployImage",
  "bazelPushTarget",
  "bazelImageTarget",
  "serviceHubOrg",
  "containerRegistryConnection",
] as const satisfies readonly PlainKey[];

/**
 * Values of COMMITTED_KEYS that carry a credential (credentialProblem): refused naming the key and what is wrong,
 * the value shown with the credential as [secret]. Pure.
 */
export function committedCredentialProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  for (const key of COMMITTED_KEYS) {
    const value: unknown = cfg[key];
    const items = Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
    for (const item of items) {
      const why = credentialProblem(item);
      if (!why) continue;
      problems.push(
        problem(
          key,
          Array.isArray(value) ? JSON.stringify(value) : item,
          `a value without credentials: ${why}; it is written into a file this stack commits (or the deploy step's command line), which everyone who can read the repository reads. Give the credential as a secret key (pulumiAccessToken) or to the tool's own login, never in the URL`,
        ),
      );
      break;
    }
  }
  return problems;
}
