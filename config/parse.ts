// Parsing one stack's plain config: each key by its schema, then every rule that joins several keys.
import { contradictionProblems, orgNamedKeyProblems, sharedOwnershipProblems } from "./contradictions";
import { committedCredentialProblems } from "./credentials";
import { ConfigError, problem } from "./errors";
import {
  compareMemory,
  cpuMillis,
  gitRefProblem,
  LABEL_VALUE,
  memoryBytes,
  PULUMI_CLOUD_URL,
  QUALIFIED_STACK,
  RESERVED_NAMESPACES,
} from "./formats";
import { explicitRegistry } from "./image-reference";
import { type KeySpec, PLAIN_KEYS, type PlainConfig, type PlainKey, PROJECT } from "./keys";
import { serviceLabels } from "./labels";
import { networkConfigProblems } from "./network-rules";
import { nulProblem, platformLimitProblems } from "./platform-limits";
import { IMAGE_KEYS, imageRegistryProblem, policyParityProblems } from "./policy-parity";
import type { ServiceModule } from "./service";
import { SERVICE_MODULES, serviceModule } from "./services/index";

/** What exactly is wrong with a value its key's grammar refused, where more can be said; "" otherwise. Pure. */
function valueHint(name: string, value: string | undefined): string {
  const images: readonly string[] = [...IMAGE_KEYS, "imageRepository"];
  const why = value && images.includes(name) ? imageRegistryProblem(value) : undefined;
  return why ? ` (${why})` : "";
}

/**
 * Keys another service owns, set to anything but their default in a stack of `module`'s service: the stack would
 * not deliver what it says. Compared as the key's schema parses them, so a list's spacing does not matter. Pure.
 */
export function ownershipProblems(cfg: PlainConfig, module: ServiceModule): string[] {
  const problems: string[] = [];
  for (const [service, other] of Object.entries(SERVICE_MODULES)) {
    if (other === module) continue;
    for (const [name, raw] of Object.entries(other.ownedKeys) as [PlainKey, string][]) {
      const spec: KeySpec<unknown> = PLAIN_KEYS[name];
      const byDefault = JSON.stringify(spec.schema.safeParse(raw).data);
      const value = cfg[name];
      if (JSON.stringify(value) === byDefault) continue;
      problems.push(
        problem(
          name,
          Array.isArray(value) ? JSON.stringify(value) : String(value ?? ""),
          `its default (${raw === "" ? "empty" : raw}) in a stack of ${module.contract.name}: ${name} belongs to ${service}, which this stack (service: ${module.contract.name}) does not deliver. Remove the line from the stack file`,
        ),
      );
    }
  }
  return problems;
}

/**
 * Parses raw config strings (as `pulumi.Config.get` returns them) into typed values, checking each key
 * and the rules that join several keys. Throws one ConfigError listing every problem. Pure.
 */
export function parsePlainConfig(raw: Readonly<Record<string, string | undefined>>): PlainConfig {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PLAIN_KEYS) as [PlainKey, KeySpec<unknown>][]) {
    const nul = nulProblem(raw[name]);
    if (nul) {
      problems.push(problem(name, raw[name], nul));
      continue;
    }
    const result = spec.schema.safeParse(raw[name]);
    if (result.success) parsed[name] = result.data;
    else problems.push(problem(name, raw[name], `${spec.allowed}${valueHint(name, raw[name])}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const cfg = parsed as PlainConfig;
  const module = serviceModule(cfg.service);
  if (!module) {
    throw new ConfigError([
      problem(
        "service",
        cfg.service,
        `a service with a module in config/services/: ${Object.keys(SERVICE_MODULES).join(", ")}`,
      ),
    ]);
  }
  problems.push(...ownershipProblems(cfg, module));

  if (cfg.minAvailable >= cfg.replicas) {
    problems.push(
      problem(
        "minAvailable",
        String(cfg.minAvailable),
        `an integer below replicas (${cfg.replicas}), or voluntary evictions are blocked for good`,
      ),
    );
  }
  for (const k of ["cpuRequest", "cpuLimit"] as const) {
    if (cpuMillis(cfg[k]) === 0) problems.push(problem(k, cfg[k], `${PLAIN_KEYS[k].allowed}, above zero`));
  }
  for (const k of ["memoryRequest", "memoryLimit"] as const) {
    if (memoryBytes(cfg[k])[0] === 0n)
      problems.push(problem(k, cfg[k], `${PLAIN_KEYS[k].allowed}, above zero`));
  }
  if (cpuMillis(cfg.cpuRequest) > cpuMillis(cfg.cpuLimit)) {
    problems.push(
      problem("cpuRequest", cfg.cpuRequest, `a quantity no larger than cpuLimit (${cfg.cpuLimit})`),
    );
  }
  if (compareMemory(cfg.memoryRequest, cfg.memoryLimit) > 0) {
    problems.push(
      problem(
        "memoryRequest",
        cfg.memoryRequest,
        `a quantity no larger than memoryLimit (${cfg.memoryLimit})`,
      ),
    );
  }
  for (const k of ["namespace", "ciNamespace"] as const) {
    if (RESERVED_NAMESPACES.includes(cfg[k])) {
      problems.push(
        problem(
          k,
          cfg[k],
          `a namespace of its own, not one of ${RESERVED_NAMESPACES.join(", ")} (the cluster's own)`,
        ),
      );
    }
  }
  // What a mandatory policy of the pack (policy/rules.ts) would reject at preview, refused here first.
  if (cfg.environment === "prod" && cfg.createNamespace && !cfg.protectNamespace) {
    problems.push(
      problem(
        "protectNamespace",
        "false",
        "true in prod: the policy prod-namespace-protected refuses a prod namespace that pulumi destroy could delete",
      ),
    );
  }
  if (cfg.imageTag === "latest") {
    problems.push(
      problem(
        "imageTag",
        "latest",
        "a tag other than latest: the policy images-pinned-by-digest refuses :latest",
      ),
    );
  }
  if (!cfg.createNamespace && cfg.protectNamespace) {
    problems.push(
      problem(
        "protectNamespace",
        "true",
        "false when createNamespace is false: this stack does not own the namespace, so it cannot protect it (protect it in the stack that creates it)",
      ),
    );
  }
  const branchProblem = gitRefProblem(cfg.gitBranch);
  if (branchProblem) {
    problems.push(
      problem(
        "gitBranch",
        cfg.gitBranch,
        `a branch name git accepts (git check-ref-format): ${branchProblem}`,
      ),
    );
  }
  if (cfg.gitRepository.toLowerCase().endsWith(".git")) {
    problems.push(
      problem(
        "gitRepository",
        cfg.gitRepository,
        `the repository name without ".git" (${cfg.gitRepository.slice(0, -4)}), as GitHub reports it in push events`,
      ),
    );
  }
  const firstSegment = cfg.imageRepository.split("/")[0] ?? "";
  if (explicitRegistry(cfg.imageRepository) === undefined) {
    problems.push(
      problem(
        "imageRepository",
        cfg.imageRepository,
        `a repository that starts with its registry host (a name with a '.' or ':', e.g. ghcr.io/${cfg.imageRepository}); "${firstSegment}" would be taken as the registry`,
      ),
    );
  }
  const labels = serviceLabels({ ...module.contract, environment: cfg.environment });
  for (const [label, value] of Object.entries(labels.common)) {
    if (!LABEL_VALUE.test(value)) {
      problems.push(
        problem(
          "environment",
          cfg.environment,
          `a shorter name: the label ${label} becomes "${value}" (${value.length} characters), over the 63 a label value may have`,
        ),
      );
    }
  }
  problems.push(...module.startProblems(cfg));
  problems.push(
    ...platformLimitProblems(cfg, module.plainEnv(cfg)),
    ...contradictionProblems(cfg),
    ...policyParityProblems(cfg, module.reservedEnvNames),
  );
  problems.push(...networkConfigProblems(cfg));
  problems.push(...committedCredentialProblems(cfg));
  problems.push(...sharedOwnershipProblems(cfg), ...orgNamedKeyProblems(cfg));
  const promoted = cfg.promoteFrom ? QUALIFIED_STACK.exec(cfg.promoteFrom)?.groups : undefined;
  if (promoted && promoted.project !== PROJECT) {
    problems.push(
      problem(
        "promoteFrom",
        cfg.promoteFrom,
        `a stack of this project: <org>/${PROJECT}/<stack>, not project "${promoted.project}"`,
      ),
    );
  }
  if (cfg.buildPipeline && cfg.trigger === "tekton" && cfg.webhookUrl === undefined) {
    problems.push(
      problem(
        "webhookUrl",
        raw.webhookUrl,
        `${PLAIN_KEYS.webhookUrl.allowed} (required when trigger is tekton)`,
      ),
    );
  }
  if (cfg.buildPipeline && cfg.trigger === "tekton" && cfg.ciNamespace === cfg.namespace) {
    problems.push(
      problem("ciNamespace", cfg.ciNamespace, `a namespace other than the worker's (${cfg.namespace})`),
    );
  }
  const backend = cfg.pulumiBackendUrl ?? PULUMI_CLOUD_URL;
  if (cfg.buildPipeline && !cfg.pulumiBackendAllowList.includes(backend)) {
    problems.push(
      problem(
        "pulumiBackendUrl",
        raw.pulumiBackendUrl,
        `a backend in pulumiBackendAllowList (${cfg.pulumiBackendAllowList.join(", ")})${cfg.pulumiBackendUrl ? "" : `: empty means Pulumi Cloud, ${PULUMI_CLOUD_URL}`}; the deploy step sends its Pulumi token there`,
      ),
    );
  }
  if (cfg.manageRepositoryFiles && !cfg.buildPipeline) {
    problems.push(
      problem(
        "manageRepositoryFiles",
        "true",
        "false unless buildPipeline is true: the committed pipeline is the one this stack applies",
      ),
    );
  }
  if (!cfg.deploymentEnvironments.includes(cfg.environment)) {
    problems.push(
      problem(
        "deploymentEnvironments",
        raw.deploymentEnvironments,
        `a list that includes this stack's environment (${cfg.environment})`,
      ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}
