// What workflow-runner refuses, or silently gets wrong, at start: the contract's start-up rules, over config.
import {
  CONTRACT_COMMIT_SHORT,
  CONTRACT_VARS,
  type ContractVar,
  WORKFLOW_RUNNER_ENV,
} from "./workflow-runner";

/** The settings the start-up rules read, as config parses them (config/keys.ts PlainConfig has these fields). */
export interface StartSettings {
  /** CLAIMCHECK_ENABLED. */
  readonly claimCheckEnabled: boolean;
  /** STIGMER_PROXY_ENDPOINT; undefined when unset. */
  readonly stigmerProxyEndpoint?: string | undefined;
  /** R2_BUCKET; undefined when unset. */
  readonly r2Bucket?: string | undefined;
  /** R2_ENDPOINT; undefined when unset. */
  readonly r2Endpoint?: string | undefined;
  /** Extra `NAME=value` variables. */
  readonly extraEnv: readonly string[];
}

/**
 * How config words a problem (config/errors.ts): the project of its keys, one key's message, and what a key's grammar
 * allows. The contract states the rules; config owns the words around them.
 */
export interface ConfigWording {
  /** The project every key lives in. */
  readonly project: string;
  /** `<project>:<key>: got <value>; allowed: <allowed>`. */
  readonly problem: (key: string, value: string | undefined, allowed: string) => string;
  /** What a key's grammar allows. */
  readonly allowed: (key: "r2Bucket" | "r2Endpoint") => string;
  /** The config key the program renders a variable from, if any. */
  readonly renderedFrom?: (name: ContractVar) => string | undefined;
}

/** Variables earlier versions rendered, or extraEnv could carry, that the service ignores since CONTRACT_COMMIT. */
export const RETIRED_VARS: readonly string[] = [
  "EXECUTION_MODE",
  "GRPC_PORT",
  "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE",
  "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE",
  "TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE",
];

/** Why extraEnv may not carry a variable of the contract, by how the contract deploys it. Pure. */
function contractNameReason(name: ContractVar, say?: ConfigWording): string {
  switch (name) {
    case "STIGMER_TASK_QUEUE":
      return "it switches the service to sandbox mode (queues <value>:wf-orch and <value>:wf-exec, no validation queue), which is for the cloud's ephemeral runners, never for the Kubernetes worker";
    case "STIGMER_RUNNER_ID":
      return "it is a sandbox runner's id and starts the sandbox heartbeat; the Kubernetes worker has none";
    case "STIGMER_TOKEN":
      return "it takes precedence over STIGMER_API_KEY (pkg/config/stigmer_config.go) and would silently replace stigmerApiKey, in plain text; set stigmerApiKey instead";
    default:
      return WORKFLOW_RUNNER_ENV[name].deployment === "rendered"
        ? say?.renderedFrom?.(name)
          ? `the program renders it from the key ${say.renderedFrom(name)}: set ${say.project}:${say.renderedFrom(name)} instead`
          : "the program renders it from its own config key"
        : "the program does not offer it (a credential would land in a ConfigMap in plain text)";
  }
}

/** extraEnv entries the service would misuse or ignore: names of the contract, and retired names. Pure. */
export function extraEnvProblems(extraEnv: readonly string[], say: ConfigWording): string[] {
  const problems: string[] = [];
  for (const kv of extraEnv) {
    const name = kv.slice(0, kv.indexOf("="));
    if ((CONTRACT_VARS as string[]).includes(name)) {
      problems.push(
        `${say.project}:extraEnv: got ${name}; allowed: a name outside the service contract: ${contractNameReason(name as ContractVar, say)}`,
      );
    } else if (RETIRED_VARS.includes(name)) {
      problems.push(
        `${say.project}:extraEnv: got ${name}; allowed: a name the service reads: it ignores ${name} since stigmer/stigmer ${CONTRACT_COMMIT_SHORT}. Remove it from extraEnv`,
      );
    }
  }
  return problems;
}

/**
 * What workflow-runner itself would refuse at start, or silently get wrong, under this config: the contract's
 * rules (contracts/workflow-runner.ts), checked before anything is registered. Pure.
 */
export function serviceStartProblems(cfg: StartSettings, say: ConfigWording): string[] {
  const problems: string[] = [];
  const proxy = cfg.stigmerProxyEndpoint !== undefined;
  if (cfg.claimCheckEnabled && !proxy) {
    for (const [name, v] of [
      ["r2Bucket", "R2_BUCKET"],
      ["r2Endpoint", "R2_ENDPOINT"],
    ] as const) {
      if (cfg[name] === undefined) {
        problems.push(
          say.problem(
            name,
            undefined,
            `${say.allowed(name)}; required when claimCheckEnabled is true and stigmerProxyEndpoint is empty: the service exits with "${v} is required when Claim Check is enabled in direct mode" (worker/config/config.go)`,
          ),
        );
      }
    }
  }
  if (proxy) {
    for (const name of ["r2Bucket", "r2Endpoint"] as const) {
      if (cfg[name] !== undefined) {
        problems.push(
          say.problem(
            name,
            cfg[name],
            "empty when stigmerProxyEndpoint is set: claim check then asks the proxy for presigned URLs and the service ignores the R2 settings (worker/config/config.go)",
          ),
        );
      }
    }
  }
  problems.push(...extraEnvProblems(cfg.extraEnv, say));
  return problems;
}
