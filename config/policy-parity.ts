// What the policy pack would refuse at preview, refused at plan: credential-looking values and image references.
import { problem } from "./errors";
import { imageReference } from "./image-reference";
import type { PlainConfig } from "./keys";
import { CREDENTIAL_NAME, SECRET_SHOWN } from "./redact";

/** Value shapes of well-known credentials: GitHub, Pulumi, Slack, AWS, PEM keys, JWTs. */
const SECRET_VALUE =
  /(^(ghp_|gho_|ghs_|ghu_|github_pat_|pul-|xox[abpr]-)[A-Za-z0-9_-]{10,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|^eyJ[A-Za-z0-9_-]{8,}\.eyJ)/;

/** Why a key/value pair looks like a secret, or undefined (a Tekton `$(params.x)` reference is not a value). Pure. */
export function secretLooking(key: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (SECRET_VALUE.test(value)) return `the value of ${key} has the shape of a credential`;
  if (CREDENTIAL_NAME.test(key) && !/^\$\(.*\)$/.test(value)) return `${key} names a credential`;
  return undefined;
}

/**
 * Why an image reference's registry host is refused (it is not lower case; config/image-reference.ts says why the
 * project refuses what the grammar allows), or undefined. Pure.
 */
export function imageRegistryProblem(ref: string): string | undefined {
  const domain = imageReference(ref)?.domain ?? "";
  return domain !== domain.toLowerCase()
    ? `its registry "${domain}" is not lower case (write ${domain.toLowerCase()})`
    : undefined;
}

/**
 * Why an image reference would be refused by the policy pack (images-pinned-by-digest) or by the container runtime,
 * or undefined: the tag `latest` (with or without a digest after it), or a registry host that is not lower case. Pure.
 */
export function imageReferenceProblem(ref: string): string | undefined {
  const registry = imageRegistryProblem(ref);
  if (registry) return registry;
  if (imageReference(ref)?.tag === "latest")
    return "its tag is latest, which names nothing stable (the policy images-pinned-by-digest refuses :latest)";
  return undefined;
}

/** The tool and service images, by key: what the policy pack would see in a pod or a Tekton step. */
export const IMAGE_KEYS = ["verifyImage", "bazelImage", "gitImage", "deployImage", "imagePin"] as const;

/**
 * What the policy pack (policy/rules.ts) would refuse at preview, refused at plan: plain secrets in extraEnv (a
 * credential's name or shape), `:latest` or an upper-case registry in any image reference. Pure.
 */
export function policyParityProblems(cfg: PlainConfig, reservedEnvNames: readonly string[]): string[] {
  const problems: string[] = [];
  for (const kv of cfg.extraEnv) {
    const name = kv.slice(0, kv.indexOf("="));
    // A contract or retired name is refused by extraEnvProblems with the more specific reason: one message an entry.
    if (reservedEnvNames.includes(name)) continue;
    const why = secretLooking(name, kv.slice(kv.indexOf("=") + 1));
    if (why)
      problems.push(
        problem(
          "extraEnv",
          `${name}=${SECRET_SHOWN}`,
          `plain settings only: ${why}; the policy no-plain-secrets refuses it in a ConfigMap. Deliver credentials as secret keys (a Secret), never in extraEnv`,
        ),
      );
  }
  for (const k of IMAGE_KEYS) {
    const ref = cfg[k];
    const why = ref ? imageReferenceProblem(ref) : undefined;
    if (ref && why) problems.push(problem(k, ref, `an image reference the platform runs: ${why}`));
  }
  return problems;
}
