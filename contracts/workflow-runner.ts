// workflow-runner's start-up contract, as its Go code reads it: every environment variable, and the task queues it polls.
// Over 400 lines: one row per variable the binary reads, with its source, and the environment accesses the
// contract lists with their reasons (UNRESOLVED_ENV_READS): the table is the contract, kept whole in one place.
//
// Source: stigmer/stigmer, folder backend/services/workflow-runner, the newest versions public code indexes hold
// (import path github.com/stigmer/stigmer/backend/services/workflow-runner). Files read, by the commit each was
// stored at:
//   main.go                       (c532cd93) only the Temporal worker; LOG_LEVEL, ENV; no EXECUTION_MODE, no port
//   worker/config/config.go       (the version worker/config/config_test.go at d775edfd tests) fixed task queues,
//                                 STIGMER_TASK_QUEUE sandbox mode, STIGMER_RUNNER_ID, Temporal, claim check (proxy
//                                 when STIGMER_PROXY_ENDPOINT is set, else R2)
//   pkg/config/stigmer_config.go  STIGMER_BACKEND_ENDPOINT; STIGMER_TOKEN before STIGMER_API_KEY; STIGMER_SERVICE_USE_TLS
//   pkg/config/llm_config.go      (539e2e1d) STIGMER_PROXY_ENDPOINT, ANTHROPIC_API_KEY, OPENAI_API_KEY
//   worker/worker.go              three workers (two in sandbox mode); no WorkerStopTimeout; no health service
//   pkg/heartbeat/heartbeat.go    (2c2f5393) reads no variable; STIGMER_RUNNER_ID switches it on
// pkg/otel (OTEL_EXPORTER_OTLP_ENDPOINT) is imported by no package of the service, so the binary never reads it.
// _kustomize/base/service.yaml (4a8b0102) deploys image ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner
// with `ports: []`; it still sets EXECUTION_MODE, two TEMPORAL_*_TASK_QUEUE, LOG_FORMAT and OTEL_* that this code
// no longer reads.
// `npm run contract:check -- <checkout>` compares this table with a checkout's Go source.
// WORKFLOW_RUNNER_CONTRACT (the end of this file) is what the components get from it: process needs, queues, image.
//
// These are the newest Go versions: upstream deleted backend/services/workflow-runner on 2026-05-21
// (_changelog/2026-05/2026-05-21-153507-delete-legacy-runners-migrate-integration-harness.md: "Deleted:
// backend/services/workflow-runner/ (142 Go source files)"), in favour of a TypeScript runner at
// backend/services/runner that reads other variables (MODE, a single `stigmer_runner` queue). This program deploys
// the Go worker the private monorepo still builds; moving to the TypeScript runner is a new contract, not a drift.

import type { PolledQueue, ServiceContract } from "./service";

/** The upstream commit whose main.go this contract follows: the service ignores what it no longer reads since then. */
export const CONTRACT_COMMIT = "c532cd939b4bc71678d8c24d90fee25c6226cdd0";
/** Short form of CONTRACT_COMMIT, for messages. */
export const CONTRACT_COMMIT_SHORT = CONTRACT_COMMIT.slice(0, 8);

/** When the binary refuses to start without a value. */
export type RequiredWhen =
  /** Always: pkg/config/stigmer_config.go, loaded first by worker/config/config.go `LoadFromEnv`. */
  | "always"
  /** One of STIGMER_TOKEN / STIGMER_API_KEY (STIGMER_TOKEN wins when both are set). */
  | "stigmerAuth"
  /** CLAIMCHECK_ENABLED true and STIGMER_PROXY_ENDPOINT empty: claim check on R2 ("direct mode"). */
  | "claimCheckR2"
  /** Never refused; the default applies. */
  | "never";

/** How the Go code parses a value: the parse that decides what a bad value turns into. */
export type EnvParse =
  /** `os.Getenv`, `getEnvOrDefault`: an empty value means the default. */
  | "string"
  /** `strconv.Atoi` / `ParseInt`: a value that does not parse silently becomes the default. */
  | "int"
  /** `strconv.ParseBool`: 1 t T TRUE true True 0 f F FALSE false False; anything else silently becomes the default. */
  | "bool"
  /** STIGMER_SERVICE_USE_TLS: true unless exactly "false". */
  | "notFalse";

/** Whether the Kubernetes deployment may hand the variable to the binary. */
export type Deployment =
  /** The program renders it from the stack's config. */
  | "rendered"
  /** Never rendered, and refused in extraEnv: it changes what the binary is (the sandbox runner's variables). */
  | "refused"
  /** Read by the binary but not offered by this program (no config key); refused in extraEnv like every contract name. */
  | "notOffered";

/** One environment variable the binary reads. */
export interface EnvVarContract {
  /** Default the code applies when unset or empty; undefined when there is none. */
  readonly default?: string;
  /** When the value must be present. */
  readonly requiredWhen: RequiredWhen;
  /**
   * The program sets it explicitly even though the code has a default, because the default is wrong in a cluster
   * (TEMPORAL_SERVICE_ADDRESS's localhost:7233).
   */
  readonly mustSet?: boolean;
  /** A credential: delivered through a Secret and `secretKeyRef`, never a ConfigMap. */
  readonly secret: boolean;
  /** How the code parses it. */
  readonly parse: EnvParse;
  /** Whether the Kubernetes deployment renders it. */
  readonly deployment: Deployment;
  /** The file that reads it (first, when several do). */
  readonly source: string;
  /** What it does. */
  readonly description: string;
}

const MAIN = "main.go";
const WORKER_CONFIG = "worker/config/config.go";
const STIGMER_CONFIG = "pkg/config/stigmer_config.go";
const LLM_CONFIG = "pkg/config/llm_config.go";

/** Every variable the binary reads, by name. The workload is rendered from this table only. */
export const WORKFLOW_RUNNER_ENV = {
  LOG_LEVEL: {
    default: "info",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: MAIN,
    description: "zerolog level; an unknown level silently becomes info",
  },
  ENV: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: MAIN,
    description: '"local" switches to console logging; anything else logs JSON',
  },
  STIGMER_TASK_QUEUE: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "refused",
    source: WORKER_CONFIG,
    description:
      "sandbox mode: polls <value>:wf-orch and <value>:wf-exec instead of the fixed queues, and no validation queue; set by the cloud's sandbox launcher for ephemeral runners, never for the Kubernetes worker (the one pod that serves validation)",
  },
  STIGMER_RUNNER_ID: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "refused",
    source: WORKER_CONFIG,
    description:
      "the sandbox runner's id; set, it starts the heartbeat stream to the backend (pkg/heartbeat)",
  },
  TEMPORAL_SERVICE_ADDRESS: {
    default: "localhost:7233",
    requiredWhen: "never",
    mustSet: true,
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "host:port of the Temporal frontend the workers dial",
  },
  TEMPORAL_NAMESPACE: {
    default: "default",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "Temporal namespace the workers poll",
  },
  TEMPORAL_MAX_CONCURRENCY: {
    default: "10",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "MaxConcurrentActivityExecutionSize of each worker; a non-integer silently becomes 10",
  },
  STIGMER_BACKEND_ENDPOINT: {
    requiredWhen: "always",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: STIGMER_CONFIG,
    description: "host:port of the Stigmer backend's gRPC API, for progress callbacks",
  },
  STIGMER_TOKEN: {
    requiredWhen: "stigmerAuth",
    secret: true,
    parse: "string",
    deployment: "refused",
    source: STIGMER_CONFIG,
    description:
      "bearer token for the Stigmer backend, before STIGMER_API_KEY: the sandbox launcher's user JWT; set, it silently replaces STIGMER_API_KEY",
  },
  STIGMER_API_KEY: {
    requiredWhen: "stigmerAuth",
    secret: true,
    parse: "string",
    deployment: "rendered",
    source: STIGMER_CONFIG,
    description: "bearer token for the Stigmer backend (platform API key), used when STIGMER_TOKEN is empty",
  },
  STIGMER_SERVICE_USE_TLS: {
    default: "true",
    requiredWhen: "never",
    secret: false,
    parse: "notFalse",
    deployment: "rendered",
    source: STIGMER_CONFIG,
    description: 'TLS to the Stigmer backend; only exactly "false" turns it off',
  },
  STIGMER_PROXY_ENDPOINT: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description:
      "Stigmer side-channel proxy base URL: claim check asks it for presigned R2 URLs (no R2 settings needed) and LLM calls go through it; authenticates with STIGMER_TOKEN, else STIGMER_API_KEY",
  },
  CLAIMCHECK_ENABLED: {
    default: "false",
    requiredWhen: "never",
    secret: false,
    parse: "bool",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "offload large payloads: through the proxy when STIGMER_PROXY_ENDPOINT is set, else to R2",
  },
  CLAIMCHECK_THRESHOLD_BYTES: {
    default: "51200",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "payloads above this many bytes are offloaded",
  },
  CLAIMCHECK_COMPRESSION_ENABLED: {
    default: "true",
    requiredWhen: "never",
    secret: false,
    parse: "bool",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "compress offloaded payloads",
  },
  CLAIMCHECK_TTL_DAYS: {
    default: "30",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "days an offloaded payload is kept",
  },
  R2_BUCKET: {
    requiredWhen: "claimCheckR2",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "Cloudflare R2 bucket of the claim check (direct mode)",
  },
  R2_ENDPOINT: {
    requiredWhen: "claimCheckR2",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "R2's S3 API endpoint (https, outside the cluster)",
  },
  R2_ACCESS_KEY_ID: {
    requiredWhen: "claimCheckR2",
    secret: true,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "R2 access key id",
  },
  R2_SECRET_ACCESS_KEY: {
    requiredWhen: "claimCheckR2",
    secret: true,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "R2 secret access key",
  },
  R2_REGION: {
    default: "auto",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    deployment: "rendered",
    source: WORKER_CONFIG,
    description: "R2 region",
  },
  ANTHROPIC_API_KEY: {
    requiredWhen: "never",
    secret: true,
    parse: "string",
    deployment: "notOffered",
    source: LLM_CONFIG,
    description:
      "direct Anthropic key for claude-* model tasks when no proxy is set (checked when such a task runs)",
  },
  OPENAI_API_KEY: {
    requiredWhen: "never",
    secret: true,
    parse: "string",
    deployment: "notOffered",
    source: LLM_CONFIG,
    description:
      "direct OpenAI key for gpt-* model tasks when no proxy is set (checked when such a task runs)",
  },
} as const satisfies Readonly<Record<string, EnvVarContract>>;

/**
 * Environment accesses of the binary that name no variable, which `npm run contract:check` accepts: each is listed by
 * file and call (as the check prints them) with the reason it asks nothing of the deployment. Any other such access
 * fails the check.
 */
export const UNRESOLVED_ENV_READS: readonly {
  readonly file: string;
  readonly call: string;
  readonly reason: string;
}[] = [
  {
    // stigmer/stigmer 2d7adbe8, runExecCommand: `envvars := os.Environ()`, then the task's own variables, as cmd.Env.
    file: "pkg/zigflow/tasks/task_builder_run_activities.go",
    call: "os.Environ()",
    reason:
      "a workflow's run (shell/script) task starts its command with the worker's whole environment plus the task's own variables; the worker reads no variable by name here",
  },
  {
    // stigmer/stigmer b070f18a, LoadEnvvars(prefix): the variables starting with a prefix its caller chooses.
    file: "pkg/utils/envvars.go",
    call: "os.Environ()",
    reason:
      "LoadEnvvars(prefix) is called by cmd/worker only (as of b070f18a), a command outside the binary's main package; the package is linked for its other helpers",
  },
];

/** A variable of the contract. */
export type ContractVar = keyof typeof WORKFLOW_RUNNER_ENV;

/** The contract's variables, in table order. */
export const CONTRACT_VARS = Object.keys(WORKFLOW_RUNNER_ENV) as ContractVar[];

/** The contract's secret variables: delivered through one Secret, read with `secretKeyRef`. */
export const SECRET_VARS = CONTRACT_VARS.filter((v) => WORKFLOW_RUNNER_ENV[v].secret);

// The queue shapes are every service's (contracts/service.ts); re-exported for the files that name them from here.
export type { PolledQueue, PollerType } from "./service";

/**
 * The fixed task queues of the Kubernetes worker (STIGMER_TASK_QUEUE unset), in worker/config/config.go's order:
 * orchestration, execution, validation. worker/worker.go registers only an activity on the orchestration worker
 * (ExecuteWorkflow) and on the validation worker (validateWorkflow), and ExecuteServerlessWorkflow plus the Zigflow
 * activities on the execution worker; the Go SDK starts a workflow or an activity poller only for a worker that has
 * something of that kind registered (temporalio/sdk-go internal_worker.go, AggregatedWorker.Start: "No workflows
 * registered. Skipping workflow worker start"). So two of the three queues never have a workflow poller.
 */
export const TASK_QUEUES = [
  { name: "workflow_execution_runner", pollers: ["activity"] },
  { name: "zigflow_execution", pollers: ["workflow", "activity"] },
  { name: "workflow_validation_runner", pollers: ["activity"] },
] as const satisfies readonly PolledQueue[];

/** The queue clients start ExecuteServerlessWorkflow on: the execution worker's. */
export const EXECUTION_TASK_QUEUE = TASK_QUEUES[1].name;

export { ENV_NAME } from "./service";

/** What decides the conditional rules: whether claim check is on, and whether it goes through the proxy. */
export interface ContractSettings {
  readonly claimCheck: boolean;
  readonly proxy: boolean;
}

/**
 * Whether the program must hand the binary a non-empty value: what start-up refuses without, plus what it would
 * silently default to a wrong value (`mustSet`). Of the STIGMER_TOKEN / STIGMER_API_KEY pair the program renders
 * STIGMER_API_KEY only (STIGMER_TOKEN is the sandbox's). Pure.
 */
export function isRequired(name: ContractVar, settings: ContractSettings): boolean {
  const spec: EnvVarContract = WORKFLOW_RUNNER_ENV[name];
  if (spec.deployment !== "rendered") return false;
  switch (spec.requiredWhen) {
    case "always":
    case "stigmerAuth":
      return true;
    case "claimCheckR2":
      return settings.claimCheck && !settings.proxy;
    case "never":
      return spec.mustSet === true;
  }
}

/**
 * workflow-runner as a service: what its process needs from the pod, how it names its pollers, where its image comes
 * from. A Go binary in a distroless image that opens no port (main.go), writes nothing outside /tmp, needs no
 * capability, and drains on SIGTERM with no stop timeout of its own (worker/worker.go: no WorkerStopTimeout).
 */
export const WORKFLOW_RUNNER_CONTRACT = {
  name: "workflow-runner",
  component: "temporal-worker",
  partOf: "stigmer",
  upstream:
    "stigmer/stigmer backend/services/workflow-runner (deleted upstream 2026-05-21; the last Go code)",
  pollerIdentity: "go",
  process: {
    // The distroless image's `nonroot` user.
    uid: 65532,
    gid: 65532,
    writesRootFilesystem: false,
    capabilities: {},
    strategy: {
      type: "RollingUpdate",
      why: "replicas share nothing (no volume, no local state): a new pod polls before an old one stops (the prod overlay: maxUnavailable 0, maxSurge 1)",
    },
    ports: [],
    probes: false,
    podSecurity: { level: "restricted" },
  },
  image: { kind: "built", repository: "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner" },
} as const satisfies ServiceContract;
