// Settings that contradict each other, and the shared root pipeline's one owner; each message names both keys.
import { problem } from "./errors";
import { durationSeconds, splitAddress } from "./formats";
import { ORG_NAMED_KEYS, type OrgNamedKeySpec, type PlainConfig, type PlainKey } from "./keys";

/** Namespaces Tekton installs itself into: CI's runs never share them. */
export const TEKTON_NAMESPACES: readonly string[] = [
  "tekton-pipelines",
  "tekton-pipelines-resolvers",
  "tekton-chains",
  "tekton-dashboard",
  "tekton-operator",
  "tekton-results",
];

/** Whether a backend host is a Service of this cluster (cluster DNS), where TLS may be off. Pure. */
function inCluster(host: string): boolean {
  return /\.svc(\.cluster\.local)?$/.test(host);
}

/** Settings that contradict each other; each message names both keys. Pure. */
export function contradictionProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  if (cfg.promoteFrom && cfg.buildPipeline) {
    problems.push(
      problem(
        "buildPipeline",
        "true",
        `false when promoteFrom is set (${cfg.promoteFrom}): a stack that promotes deploys another stack's verified image and never builds its own`,
      ),
    );
  }
  if (!cfg.promoteFrom && durationSeconds(cfg.minSoak) > 0) {
    problems.push(
      problem(
        "minSoak",
        cfg.minSoak,
        "0s unless promoteFrom is set: a soak is how long a promoted image must have been verified, and this stack promotes nothing",
      ),
    );
  }
  const backendHost = splitAddress(cfg.stigmerBackendEndpoint).host;
  if (!cfg.stigmerBackendTls && !inCluster(backendHost)) {
    problems.push(
      problem(
        "stigmerBackendTls",
        "false",
        `true for stigmerBackendEndpoint ${cfg.stigmerBackendEndpoint}, a host outside the cluster (TLS may be off only for a Service, <name>.<namespace>.svc[.cluster.local]): the API key would cross the network in clear text`,
      ),
    );
  }
  if (TEKTON_NAMESPACES.includes(cfg.ciNamespace) || cfg.ciNamespace.startsWith("kube-")) {
    problems.push(
      problem(
        "ciNamespace",
        cfg.ciNamespace,
        `a namespace of its own, not a system namespace (kube-*) or Tekton's own (${TEKTON_NAMESPACES.join(", ")}): trigger tekton runs the pipeline there`,
      ),
    );
  }
  if (cfg.serviceHubEntryFormat === "v1" && cfg.manageRepositoryFiles) {
    problems.push(
      problem(
        "serviceHubEntryFormat",
        "v1",
        "v1alpha1 while manageRepositoryFiles is true: the committed entry registers by push as service.yaml, and Planton's push-to-register reads only a v1alpha1 Service (contracts/planton.ts PUSH_TO_REGISTER)",
      ),
    );
  }
  const seen = new Set<string>();
  const repeated = cfg.deploymentEnvironments.filter((e) => seen.has(e) || !seen.add(e));
  if (repeated.length > 0) {
    problems.push(
      problem(
        "deploymentEnvironments",
        JSON.stringify(cfg.deploymentEnvironments),
        `a list of distinct environments (${[...new Set(repeated)].join(", ")} is listed more than once)`,
      ),
    );
  }
  return problems;
}

/**
 * The shared root pipeline, its Tasks and the CI namespace have one owner: a stack with ownsSharedPipeline, which
 * builds (its build description renders them). Pure.
 */
export function sharedOwnershipProblems(cfg: PlainConfig): string[] {
  return cfg.ownsSharedPipeline && !cfg.buildPipeline
    ? [
        problem(
          "ownsSharedPipeline",
          "true",
          "false unless buildPipeline is true: the owner renders the shared pipeline from its build settings",
        ),
      ]
    : [];
}

/** A key naming an organization's record (ORG_NAMED_KEYS) that this stack needs and does not set. Pure. */
export function orgNamedKeyProblems(cfg: PlainConfig): string[] {
  return (Object.entries(ORG_NAMED_KEYS) as [PlainKey, OrgNamedKeySpec][])
    .filter(([name, spec]) => cfg[name] === undefined && spec.neededWhen.test(cfg))
    .map(([name, spec]) =>
      problem(
        name,
        undefined,
        `${spec.names}, set in this stack's file, because ${spec.neededWhen.reason}; no public source names it, so there is no default: find it with \`${spec.find}\` and set it with \`pulumi config set ${name} <name>\``,
      ),
    );
}
