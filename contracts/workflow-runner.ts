// workflow-runner's start-up contract, as its Go code reads it: every environment variable, and which mode opens which port.
//
// Source: stigmer/stigmer, folder backend/services/workflow-runner (the same service and image as
// leftbin/stigmer-cloud). Files read, by the commit whose import path is github.com/leftbin/stigmer-cloud (the
// image this program deploys):
//   main.go                       (1520eff4) EXECUTION_MODE, GRPC_PORT, LOG_LEVEL, ENV
//   worker/config/config.go       (ded8651c) Temporal, task queues, concurrency, claim check, R2
//   pkg/config/stigmer_config.go  (1520eff4) STIGMER_BACKEND_ENDPOINT, STIGMER_API_KEY, STIGMER_SERVICE_USE_TLS
//   pkg/grpc/server.go            (824b6802) grpc.health.v1 Health (overall status SERVING) on GRPC_PORT
//   worker/worker.go              (024084fe) three workers, one per task queue; no WorkerStopTimeout
//   _kustomize/base/service.yaml  LOG_FORMAT, OTEL_* (metrics and logs exporters "none")
// A later upstream config.go (413a27be, import path github.com/stigmer/stigmer) hardcodes the task queues and
// reads STIGMER_TASK_QUEUE instead; an image built from it would ignore the three *_TASK_QUEUE variables.

/** How the binary runs (main.go `getExecutionMode`). */
export const EXECUTION_MODES = ["grpc", "temporal", "dual"] as const;
/** One execution mode. */
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** What a mode starts (main.go `startWithMode`). */
export interface ModeSpec {
  /** Starts the gRPC server on GRPC_PORT, with the standard grpc.health.v1 service (pkg/grpc/server.go). */
  readonly servesGrpc: boolean;
  /** Loads worker/config and starts the three Temporal workers (worker/worker.go). */
  readonly runsWorker: boolean;
}

/** main.go: grpc = `startGrpcServer`, temporal = `startTemporalWorker`, dual = `startBothModes`. */
export const MODES: Readonly<Record<ExecutionMode, ModeSpec>> = {
  grpc: { servesGrpc: true, runsWorker: false },
  temporal: { servesGrpc: false, runsWorker: true },
  dual: { servesGrpc: true, runsWorker: true },
};

/** When the binary refuses to start without a value (or, for our purposes, must be given one explicitly). */
export type RequiredWhen =
  /** Every mode: pkg/config/stigmer_config.go is loaded by grpc, temporal and dual alike. */
  | "always"
  /** Modes that run the worker (worker/config/config.go `LoadFromEnv`). */
  | "worker"
  /** The worker with CLAIMCHECK_ENABLED true (worker/config/config.go, "required when Claim Check is enabled"). */
  | "claimCheck"
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

/** One environment variable the binary reads. */
export interface EnvVarContract {
  /** Default the code applies when unset or empty; undefined when there is none. */
  readonly default?: string;
  /** When the value must be present. */
  readonly requiredWhen: RequiredWhen;
  /**
   * The program sets it explicitly even though the code has a default, because the default is wrong in a cluster
   * (TEMPORAL_SERVICE_ADDRESS's localhost:7233, EXECUTION_MODE's local-development grpc).
   */
  readonly mustSet?: boolean;
  /** A credential: delivered through a Secret and `secretKeyRef`, never a ConfigMap. */
  readonly secret: boolean;
  /** How the code parses it. */
  readonly parse: EnvParse;
  /** The file that reads it. */
  readonly source: string;
  /** What it does. */
  readonly description: string;
}

const MAIN = "main.go";
const WORKER_CONFIG = "worker/config/config.go";
const STIGMER_CONFIG = "pkg/config/stigmer_config.go";
const BASE_OVERLAY = "_kustomize/base/service.yaml";

/** Every variable the binary reads at start, by name. The workload is rendered from this table only. */
export const WORKFLOW_RUNNER_ENV = {
  EXECUTION_MODE: {
    default: "grpc",
    requiredWhen: "never",
    mustSet: true,
    secret: false,
    parse: "string",
    source: MAIN,
    description:
      "grpc, temporal or dual; unset or anything else runs grpc (no Temporal worker), with only a log line",
  },
  GRPC_PORT: {
    default: "8080",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    source: MAIN,
    description: "port of the gRPC server in grpc and dual modes; a non-integer silently becomes 8080",
  },
  LOG_LEVEL: {
    default: "info",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: MAIN,
    description: "zerolog level; an unknown level silently becomes info",
  },
  ENV: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: MAIN,
    description: '"local" switches to console logging; anything else logs JSON',
  },
  TEMPORAL_SERVICE_ADDRESS: {
    default: "localhost:7233",
    requiredWhen: "worker",
    mustSet: true,
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "host:port of the Temporal frontend the workers dial",
  },
  TEMPORAL_NAMESPACE: {
    default: "default",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "Temporal namespace the workers poll",
  },
  TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE: {
    default: "workflow_execution_runner",
    requiredWhen: "worker",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "orchestration queue: the ExecuteWorkflow activity Java workflows call",
  },
  TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE: {
    default: "zigflow_execution",
    requiredWhen: "worker",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "execution queue: ExecuteServerlessWorkflow and the Zigflow activities",
  },
  TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE: {
    default: "workflow_validation_runner",
    requiredWhen: "worker",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "validation queue: the validateWorkflow activity",
  },
  TEMPORAL_MAX_CONCURRENCY: {
    default: "10",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    source: WORKER_CONFIG,
    description: "MaxConcurrentActivityExecutionSize of each worker; a non-integer silently becomes 10",
  },
  STIGMER_BACKEND_ENDPOINT: {
    requiredWhen: "always",
    secret: false,
    parse: "string",
    source: STIGMER_CONFIG,
    description: "host:port of the Stigmer backend's gRPC API, for progress callbacks",
  },
  STIGMER_API_KEY: {
    requiredWhen: "always",
    secret: true,
    parse: "string",
    source: STIGMER_CONFIG,
    description: "bearer token for the Stigmer backend",
  },
  STIGMER_SERVICE_USE_TLS: {
    default: "true",
    requiredWhen: "never",
    secret: false,
    parse: "notFalse",
    source: STIGMER_CONFIG,
    description: 'TLS to the Stigmer backend; only exactly "false" turns it off',
  },
  CLAIMCHECK_ENABLED: {
    default: "false",
    requiredWhen: "never",
    secret: false,
    parse: "bool",
    source: WORKER_CONFIG,
    description: "offload large payloads to R2",
  },
  CLAIMCHECK_THRESHOLD_BYTES: {
    default: "51200",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    source: WORKER_CONFIG,
    description: "payloads above this many bytes are offloaded",
  },
  CLAIMCHECK_COMPRESSION_ENABLED: {
    default: "true",
    requiredWhen: "never",
    secret: false,
    parse: "bool",
    source: WORKER_CONFIG,
    description: "compress offloaded payloads",
  },
  CLAIMCHECK_TTL_DAYS: {
    default: "30",
    requiredWhen: "never",
    secret: false,
    parse: "int",
    source: WORKER_CONFIG,
    description: "days an offloaded payload is kept",
  },
  R2_BUCKET: {
    requiredWhen: "claimCheck",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "Cloudflare R2 bucket of the claim check",
  },
  R2_ENDPOINT: {
    requiredWhen: "claimCheck",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "R2's S3 API endpoint (https, outside the cluster)",
  },
  R2_ACCESS_KEY_ID: {
    requiredWhen: "claimCheck",
    secret: true,
    parse: "string",
    source: WORKER_CONFIG,
    description: "R2 access key id",
  },
  R2_SECRET_ACCESS_KEY: {
    requiredWhen: "claimCheck",
    secret: true,
    parse: "string",
    source: WORKER_CONFIG,
    description: "R2 secret access key",
  },
  R2_REGION: {
    default: "auto",
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: WORKER_CONFIG,
    description: "R2 region",
  },
  LOG_FORMAT: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: BASE_OVERLAY,
    description: "json, as the base overlay sets it",
  },
  OTEL_SERVICE_NAME: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: BASE_OVERLAY,
    description: "OpenTelemetry service name",
  },
  OTEL_METRICS_EXPORTER: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: BASE_OVERLAY,
    description: 'OpenTelemetry metrics exporter; "none" in the base overlay (no metrics port)',
  },
  OTEL_LOGS_EXPORTER: {
    requiredWhen: "never",
    secret: false,
    parse: "string",
    source: BASE_OVERLAY,
    description: 'OpenTelemetry logs exporter; "none" in the base overlay',
  },
  OTEL_EXPORTER_PROMETHEUS_PORT: {
    requiredWhen: "never",
    secret: false,
    parse: "int",
    source: "OpenTelemetry environment-variable specification (prometheus exporter)",
    description: "port the prometheus metrics exporter serves on, only with OTEL_METRICS_EXPORTER=prometheus",
  },
} as const satisfies Readonly<Record<string, EnvVarContract>>;

/** A variable of the contract. */
export type ContractVar = keyof typeof WORKFLOW_RUNNER_ENV;

/** The contract's variables, in table order. */
export const CONTRACT_VARS = Object.keys(WORKFLOW_RUNNER_ENV) as ContractVar[];

/** The contract's secret variables: delivered through one Secret, read with `secretKeyRef`. */
export const SECRET_VARS = CONTRACT_VARS.filter((v) => WORKFLOW_RUNNER_ENV[v].secret);

/** The three task-queue variables, each polled by one worker (worker/worker.go). */
export const TASK_QUEUE_VARS = [
  "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE",
  "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE",
  "TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE",
] as const satisfies readonly ContractVar[];

/** A kind of Temporal task a worker polls for. */
export type PollerType = "workflow" | "activity";

/** A task queue by name, with the kinds of task its worker polls it for. */
export interface PolledQueue {
  readonly name: string;
  readonly pollers: readonly PollerType[];
}

/**
 * What each worker polls for. worker/worker.go (024084fe) registers only an activity on the orchestration worker
 * (ExecuteWorkflow) and on the validation worker (validateWorkflow), and ExecuteServerlessWorkflow plus the Zigflow
 * activities on the execution worker; the Go SDK starts a workflow or an activity poller only for a worker that has
 * something of that kind registered (temporalio/sdk-go internal_worker.go, AggregatedWorker.Start: "No workflows
 * registered. Skipping workflow worker start"). So two of the three queues never have a workflow poller.
 */
export const TASK_QUEUE_POLLERS = {
  TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE: ["activity"],
  TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE: ["workflow", "activity"],
  TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE: ["activity"],
} as const satisfies Record<(typeof TASK_QUEUE_VARS)[number], readonly PollerType[]>;

/** A POSIX environment variable name, as Kubernetes accepts it for a container's env (C identifier form). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether the program must hand the binary a non-empty value under a mode and a claim-check setting: what start-up
 * refuses without, plus what it would silently default to a wrong value (`mustSet`). Pure.
 */
export function isRequired(name: ContractVar, mode: ExecutionMode, claimCheck: boolean): boolean {
  const spec: EnvVarContract = WORKFLOW_RUNNER_ENV[name];
  switch (spec.requiredWhen) {
    case "always":
      return true;
    case "worker":
      return MODES[mode].runsWorker;
    case "claimCheck":
      return MODES[mode].runsWorker && claimCheck;
    case "never":
      return spec.mustSet === true;
  }
}
