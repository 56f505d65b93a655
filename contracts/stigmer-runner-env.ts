// stigmer-runner's environment, as its README's table states it: each variable's default, secrecy, requirement, source.
// Over 400 lines: one row per variable the runner reads (78), which is the table, and data only.
//
// Source: stigmer/stigmer backend/services/runner (npm @stigmer/runner, binary stigmer-runner). The rows are the
// tables under "## Environment variable reference" of README.md at 0add3192 (0add319220c37f4ececf91e972ab33d1ec7b528f),
// in its order; upstream's src/__tests__/readme-environment.test.ts (0d1c8eb6) fails when the runner's source reads a
// name the README does not hold, so that table is the runner's complete list (it does not check the defaults, which
// the README says are checked by hand). Each row names the file that decides it. Secrets: the runner's custody list,
// src/shared/runner-credential-keys.ts (569228ab) RUNNER_SECRET_ENV_KEYS, plus GITHUB_TOKEN (a user credential the
// list leaves out by design). Two rows are read outside the runner's source and are not in the README (`inReadme:
// false`): STIGMER_AGENT_HOME and STIGMER_SERVER_RELEASE.
// `npm run contract:check -- --service stigmer-runner <checkout>` compares this table with a checkout's README.

/** When the runner refuses to start without a value (or, for `staticUnset`, with one). */
export type RunnerRequiredWhen =
  /** Never refused; the default, or nothing, applies. */
  | "never"
  /** Must stay unset for static mode, the one a Deployment runs (src/main.ts: manager mode, pool mode). */
  | "staticUnset"
  /** MODE=cloud. */
  | "cloudMode"
  /** MODE=cloud, a proxy endpoint set, or the server's sign-in on ("Required environment variable STIGMER_TOKEN"). */
  | "stigmerToken"
  /** The other half of the mutual-TLS client pair is set (half a pair stops the boot). */
  | "clientPair"
  /** Its key is set (a payload key without its id stops the boot). */
  | "withKey"
  /** The harness's engine is used in direct mode (no proxy). */
  | "directEngine"
  /** The model backend that reads it is selected (STIGMER_ANTHROPIC_BACKEND vertex, bedrock or foundry). */
  | "modelBackend"
  /** A run writes back to GitHub. */
  | "gitWriteback";

/** One variable of the runner. */
export interface RunnerEnvVar {
  /**
   * The literal the runner falls back to when the variable is unset; where it depends on the mode or another
   * variable, its literals in the README's order joined by " | " (STIGMER_CHECKPOINTER_TYPE: "sqlite | http").
   * Undefined when there is none, or when the fallback is not a literal (`note` says what it is).
   */
  readonly default?: string;
  /** What the README's row adds to the default: a derived fallback, a condition, a refusal. */
  readonly note?: string;
  /** A credential or a key: delivered through a Secret and `secretKeyRef`, never a plain value. */
  readonly secret: boolean;
  /** When the runner needs it. */
  readonly requiredWhen: RunnerRequiredWhen;
  /** The file (and commit) that decides it, under stigmer/stigmer. */
  readonly source: string;
  /** False for a variable read outside the runner's source, which the README does not list. @default true */
  readonly inReadme?: false;
}

/** The README the rows follow. */
export const RUNNER_README = "backend/services/runner/README.md";
/** The commit of RUNNER_README the rows were read at. */
export const RUNNER_README_COMMIT = "0add319220c37f4ececf91e972ab33d1ec7b528f";

const README = `${RUNNER_README}@0add3192`;
const MAIN = "backend/services/runner/src/main.ts@d1ba5f6c";
const CONFIG = "backend/services/runner/src/config.ts@03c64c81";
const CODECS_CONNECTION = "backend/libs/ts/temporal-codecs/src/connection/config.ts@b53c02fe";
const CODECS_ENCRYPTION = "backend/libs/ts/temporal-codecs/src/encryption/config.ts@2795a960";
const CODECS_CLAIMCHECK = "backend/libs/ts/temporal-codecs/src/claimcheck/config.ts@28e8fce5";
const AGENT_IDENTITY = "backend/services/runner/src/shared/agent-identity.ts@09367945";
const START_SH = "backend/services/runner/layer/start.sh@272bcf73";

/** Every variable of the runner, by name, in the README's order. */
export const STIGMER_RUNNER_ENV = {
  STIGMER_RUNNER_MODE: { default: "static", secret: false, requiredWhen: "staticUnset", source: MAIN },
  STIGMER_POOL_MEMBER_ID: { secret: false, requiredWhen: "staticUnset", source: MAIN },
  STIGMER_ATTACH_PORT: {
    default: "80",
    note: "the attach entry only (src/attach/entry.ts); not passed to the runner",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_SANDBOX_NAME_FILE: {
    default: "/run/ate/actor-name",
    note: "the attach entry only; not passed to the runner",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  MODE: { default: "local", secret: false, requiredWhen: "never", source: CONFIG },
  STIGMER_WEB_FETCH_ALLOW_PRIVATE: {
    note: "follows MODE: strict in cloud, relaxed in local",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_MCP_ALLOW_STDIO: {
    note: "follows MODE: forbidden in cloud, allowed in local",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_TASK_QUEUE: {
    default: "stigmer_runner",
    note: "else the legacy alias TEMPORAL_AGENT_EXECUTION_RUNNER_TASK_QUEUE (`??`: an empty value is a queue)",
    secret: false,
    requiredWhen: "never",
    source: CONFIG,
  },
  TEMPORAL_SERVICE_ADDRESS: {
    note: "an explicit value; else discovered from the control plane (getRunnerBootstrapConfig) when STIGMER_TOKEN is set, a failed discovery aborting the boot; else localhost:7233",
    secret: false,
    requiredWhen: "never",
    source: CONFIG,
  },
  TEMPORAL_NAMESPACE: { default: "default", secret: false, requiredWhen: "never", source: CONFIG },
  STIGMER_TEMPORAL_API_KEY: {
    note: "implies TLS",
    secret: true,
    requiredWhen: "never",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS: {
    note: "true, 1, false or 0; any other value fails the boot",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_SERVER_NAME: {
    note: "implies TLS",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_DATA: {
    note: "one of _DATA and _PATH; implies TLS",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_PATH: {
    note: "one of _DATA and _PATH; implies TLS",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_CLIENT_CERT_DATA: {
    secret: false,
    requiredWhen: "clientPair",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_CLIENT_CERT_PATH: {
    secret: false,
    requiredWhen: "clientPair",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_CLIENT_KEY_DATA: {
    secret: true,
    requiredWhen: "clientPair",
    source: CODECS_CONNECTION,
  },
  STIGMER_TEMPORAL_TLS_CLIENT_KEY_PATH: {
    secret: false,
    requiredWhen: "clientPair",
    source: CODECS_CONNECTION,
  },
  STIGMER_BACKEND_ENDPOINT: {
    default: "http://localhost:7234",
    note: "in local mode; a bare host:port becomes http://, or https:// for port 443",
    secret: false,
    requiredWhen: "cloudMode",
    source: CONFIG,
  },
  STIGMER_TOKEN: { secret: true, requiredWhen: "stigmerToken", source: CONFIG },
  CURSOR_API_KEY: {
    note: "proxy-managed under the proxy",
    secret: true,
    requiredWhen: "directEngine",
    source: CONFIG,
  },
  STIGMER_PROXY_ENDPOINT: { secret: false, requiredWhen: "never", source: CONFIG },
  WORKSPACE_ROOT_DIR: {
    default: "~/.stigmer/workspaces/runner",
    note: "with a warning; never the working directory",
    secret: false,
    requiredWhen: "never",
    source: CONFIG,
  },
  TEMPORAL_MAX_CONCURRENCY: {
    default: "5",
    note: "maxConcurrentActivityTaskExecutions (parseInt)",
    secret: false,
    requiredWhen: "never",
    source: CONFIG,
  },
  STIGMER_CHECKPOINTER_TYPE: {
    default: "sqlite | http",
    note: "sqlite in local mode, http in cloud; memory also accepted",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_CHECKPOINTER_PROXY_ENDPOINT: {
    note: "the value of STIGMER_PROXY_ENDPOINT",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_PRIMARY_MODEL: { default: "gpt-4.1", secret: false, requiredWhen: "never", source: README },
  STIGMER_CURSOR_CLOUD_MODE_ENABLED: {
    default: "false",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_IDLE_TIMEOUT_SECONDS: {
    note: "reserved: parsed, honoured by nothing",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  ARTIFACT_STORAGE_TYPE: {
    default: "proxy | local",
    note: "proxy if STIGMER_ARTIFACT_PROXY_ENDPOINT or STIGMER_PROXY_ENDPOINT is set, else local; none refuses artifact features",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_ARTIFACT_PROXY_ENDPOINT: {
    note: "the value of STIGMER_PROXY_ENDPOINT",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  LOCAL_ARTIFACT_PATH: {
    default: "~/.stigmer/data/artifacts",
    note: "must equal the server's ARTIFACT_LOCAL_BASE_PATH",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  LOCAL_ARTIFACT_SERVE_URL: {
    default: "http://localhost:7235",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_PAYLOAD_ENCRYPTION_KEY: {
    note: "unset: encryption off; base64 of 32 bytes",
    secret: true,
    requiredWhen: "never",
    source: CODECS_ENCRYPTION,
  },
  STIGMER_PAYLOAD_ENCRYPTION_KEY_ID: { secret: false, requiredWhen: "withKey", source: CODECS_ENCRYPTION },
  STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY: {
    note: "decrypt-only, for rotation",
    secret: true,
    requiredWhen: "never",
    source: CODECS_ENCRYPTION,
  },
  STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY_ID: {
    secret: false,
    requiredWhen: "withKey",
    source: CODECS_ENCRYPTION,
  },
  CLAIMCHECK_ENABLED: {
    default: "false",
    note: 'on only for exactly "true"',
    secret: false,
    requiredWhen: "never",
    source: CODECS_CLAIMCHECK,
  },
  CLAIMCHECK_THRESHOLD_BYTES: {
    default: "131072",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CLAIMCHECK,
  },
  CLAIMCHECK_COMPRESSION_ENABLED: {
    default: "true",
    note: 'off only for exactly "false"',
    secret: false,
    requiredWhen: "never",
    source: CODECS_CLAIMCHECK,
  },
  CLAIMCHECK_KEY_PREFIX: {
    default: "claimcheck/",
    secret: false,
    requiredWhen: "never",
    source: CODECS_CLAIMCHECK,
  },
  OPENAI_API_KEY: { secret: true, requiredWhen: "directEngine", source: README },
  ANTHROPIC_API_KEY: { secret: true, requiredWhen: "directEngine", source: README },
  ANTHROPIC_BASE_URL: {
    note: "api.anthropic.com; a value that is not http(s) fails the boot",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_LLM_REQUEST_TIMEOUT_MS: {
    default: "0",
    note: "no timeout",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_CLOUD_API_URL: {
    note: "the proxy endpoint, else the backend endpoint",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_AUTH_TOKEN: {
    note: "the value of STIGMER_TOKEN",
    secret: true,
    requiredWhen: "never",
    source: README,
  },
  GITHUB_TOKEN: {
    note: "not in the runner's custody list: a user credential",
    secret: true,
    requiredWhen: "gitWriteback",
    source: README,
  },
  STIGMER_RUNNER_HITL_SECRET: {
    note: "a random secret per process",
    secret: true,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_ANTHROPIC_BACKEND: {
    default: "public",
    note: "an unknown value fails the boot",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  CLOUD_ML_REGION: { secret: false, requiredWhen: "modelBackend", source: README },
  AWS_REGION: { secret: false, requiredWhen: "modelBackend", source: README },
  AWS_BEARER_TOKEN_BEDROCK: {
    note: "the AWS credential chain",
    secret: true,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_BEDROCK_INFERENCE_PREFIX: { secret: false, requiredWhen: "never", source: README },
  STIGMER_BEDROCK_MODEL_MAP: {
    note: "a malformed value fails the boot",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  ANTHROPIC_FOUNDRY_RESOURCE: {
    note: "this or ANTHROPIC_FOUNDRY_BASE_URL",
    secret: false,
    requiredWhen: "modelBackend",
    source: README,
  },
  ANTHROPIC_FOUNDRY_BASE_URL: {
    note: "this or ANTHROPIC_FOUNDRY_RESOURCE",
    secret: false,
    requiredWhen: "modelBackend",
    source: README,
  },
  ANTHROPIC_FOUNDRY_API_KEY: {
    note: "a Microsoft Entra ID token",
    secret: true,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_FOUNDRY_DEPLOYMENT_MAP: {
    note: "a malformed value fails the boot",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    note: "unset: OpenTelemetry off",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STREAMING_MIN_INTERVAL_MS: { default: "500", secret: false, requiredWhen: "never", source: README },
  STREAMING_MAX_INTERVAL_MS: { default: "5000", secret: false, requiredWhen: "never", source: README },
  STREAMING_BURST_THRESHOLD: { default: "50", secret: false, requiredWhen: "never", source: README },
  STIGMER_PROGRESS_CAPTURE_MIN_INTERVAL_MS: {
    default: "2000",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  CURSOR_STREAM_STALL_TIMEOUT_MS: {
    default: "180000",
    note: "parsed, not yet honoured (stigmer#1731)",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  CURSOR_AGENT_RESOLVE_TIMEOUT_MS: {
    default: "120000",
    note: "parsed, not yet honoured",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_CURSOR_AGENT_CACHE_TTL_MS: {
    default: "1800000",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  WORKSPACE_LOCK_TIMEOUT_MS: {
    default: "900000",
    note: "parsed, not yet honoured",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_MCP_BRIDGE_ENDPOINT: {
    note: "unset: memory and channel attachments spawn `stigmer mcp-server` over stdio",
    secret: false,
    requiredWhen: "never",
    source: README,
  },
  STIGMER_WORKFLOW_BUNDLE: { note: "discovered", secret: false, requiredWhen: "never", source: README },
  SKIP_MCP_CONNECT_BACKFILL: { default: "false", secret: false, requiredWhen: "never", source: README },
  STIGMER_MCP_PUBLIC_ENDPOINT: { secret: false, requiredWhen: "never", source: README },
  CURSOR_EVENT_RECORD_DIR: { secret: false, requiredWhen: "never", source: README },
  V3_EVENT_RECORD_DIR: { secret: false, requiredWhen: "never", source: README },
  RECORD_FIXTURES: { default: "0", secret: false, requiredWhen: "never", source: README },
  STIGMER_AGENT_HOME: {
    default: "/home/stigmer-agent",
    note: "the agent user's home",
    secret: false,
    requiredWhen: "never",
    source: AGENT_IDENTITY,
    inReadme: false,
  },
  STIGMER_SERVER_RELEASE: {
    note: "set: start.sh exits 78 when it differs from /runner/RELEASE",
    secret: false,
    requiredWhen: "never",
    source: START_SH,
    inReadme: false,
  },
} as const satisfies Readonly<Record<string, RunnerEnvVar>>;

/** A variable of the runner. */
export type RunnerVar = keyof typeof STIGMER_RUNNER_ENV;
