// stigmer-runner's contract: the unified TypeScript runner (stigmer/stigmer backend/services/runner, npm
// @stigmer/runner) in static mode, one Worker on one queue, as its source reads its environment and needs its pod.
//
// Sources, in stigmer/stigmer, as path@commit (the code index's versions):
//   backend/services/runner/src/config.ts@03c64c81        the queue (STIGMER_TASK_QUEUE ?? legacy alias ?? stigmer_runner),
//                                                        MODE, STIGMER_TOKEN, the backend and proxy endpoints
//   backend/services/runner/src/main.ts@d1ba5f6c          run modes: manager, pool, else static
//   backend/services/runner/README.md@49eb3fe7            the env reference
//   backend/services/runner/layer/start.sh@272bcf73       refuses any uid but 0 ("running as uid N, not root"), exit 78
//   backend/services/runner/src/shared/agent-identity.ts@09367945  SETUID SETGID CHOWN KILL, or exit 78; the newer
//     agent-identity.ts@dba3e707 (and its test: "CapEff with SETUID, SETGID, CHOWN, KILL and DAC_OVERRIDE, as every
//     shipped shape grants") checks DAC_OVERRIDE too, and exits 78 without it, shared volume or not
//   backend/services/runner/src/shared/runner-credential-keys.ts@569228ab  the custody list (secret variables)
//   backend/services/runner/src/exit-backstop.ts@a0f9063f forced exit 0 five seconds after SIGTERM's drain starts
//   backend/services/runner/Dockerfile.sandbox@08b52654   /data is HOME; "in-flight paused sessions die with the container"
//   backend/libs/ts/temporal-codecs/src/connection/config.ts@b53c02fe  TLS and API-key combinations that stop the boot
//   backend/libs/ts/temporal-codecs/src/encryption/config.ts@2795a960  payload keys need their ids
//   deploy/helm/stigmer/values.yaml@08b52654              root, the five capabilities, grace period 60 s and why
//   deploy/helm/stigmer/templates/deployment.yaml@05466897  one replica, Recreate, no probe (stigmer#1101)
//   .github/workflows/release.npm-libs.yaml@02f2f22e      ghcr.io/stigmer/stigmer-runner:v<version>, amd64 and arm64
// It succeeds workflow-runner, whose Go code upstream deleted on 2026-05-21
// (_changelog/2026-05/2026-05-21-153507-delete-legacy-runners-migrate-integration-harness.md@2bc26be0).
import type { PolledQueue, ServiceContract } from "./service";
import { STIGMER_RUNNER_ENV } from "./stigmer-runner-env";

/** A variable of the runner's README table (contracts/stigmer-runner-env.ts, which contract:check compares). */
export type RunnerVarName = keyof typeof STIGMER_RUNNER_ENV;

/** How this program hands a variable to the runner. */
export type RunnerDeployment =
  /** Rendered from a config key into the ConfigMap. */
  | "rendered"
  /** Read from the operator's Kubernetes Secret (secretKeyRef, or a file for a `_PATH`), never a value we hold. */
  | "secretRef"
  /** Not modelled by a key; extraEnv may carry it. */
  | "extraEnv"
  /** Never set: it changes what the runner is (another run mode, a second queue name, a user credential). */
  | "refused";

/** How this program delivers one variable the runner reads. */
export interface RunnerVar {
  /** A credential: in the runner's custody list (agrees with the README table's `secret`, tests/stigmer-runner.test.ts). */
  readonly secret: boolean;
  /** How this program delivers it. */
  readonly deployment: RunnerDeployment;
  /** The file that reads it. */
  readonly source: string;
  /** What it does, and when the boot needs it. */
  readonly description: string;
}

const CONFIG = "src/config.ts@03c64c81";
const MAIN = "src/main.ts@d1ba5f6c";
const README = "README.md@49eb3fe7";
const CONNECTION = "temporal-codecs/src/connection/config.ts@b53c02fe";
const ENCRYPTION = "temporal-codecs/src/encryption/config.ts@2795a960";
const CUSTODY = "src/shared/runner-credential-keys.ts@569228ab";

const v = (
  secret: boolean,
  deployment: RunnerDeployment,
  source: string,
  description: string,
): RunnerVar => ({ secret, deployment, source, description });

/** The Temporal TLS items, each given as PEM text (`_DATA`) or as a file path (`_PATH`), never both. */
export const TLS_ITEMS = ["SERVER_CA_CERT", "CLIENT_CERT", "CLIENT_KEY"] as const;

/**
 * How this program delivers each variable of the runner's table it models, by name; a name of the table missing here
 * is not modelled (extraEnv may carry it, unless it is a credential).
 */
export const RUNNER_DELIVERY: Readonly<Partial<Record<RunnerVarName, RunnerVar>>> = {
  MODE: v(
    false,
    "rendered",
    CONFIG,
    "local or cloud; cloud requires STIGMER_BACKEND_ENDPOINT and STIGMER_TOKEN",
  ),
  STIGMER_TASK_QUEUE: v(false, "rendered", CONFIG, "the one static queue; default stigmer_runner"),
  // src/config.ts@03c64c81 also read the legacy alias TEMPORAL_AGENT_EXECUTION_RUNNER_TASK_QUEUE; the README at
  // 0add3192 (contracts/stigmer-runner-env.ts) no longer lists it, so it is not modelled.
  TEMPORAL_SERVICE_ADDRESS: v(
    false,
    "rendered",
    CONFIG,
    "the Temporal frontend; unset means discovery or localhost:7233",
  ),
  TEMPORAL_NAMESPACE: v(false, "rendered", CONFIG, "the Temporal namespace; default default"),
  TEMPORAL_MAX_CONCURRENCY: v(false, "rendered", CONFIG, "maxConcurrentActivityTaskExecutions; default 5"),
  STIGMER_TEMPORAL_API_KEY: v(true, "secretRef", CONNECTION, "Temporal API key; implies TLS"),
  STIGMER_TEMPORAL_TLS: v(false, "rendered", CONNECTION, "true, 1, false or 0; anything else stops the boot"),
  STIGMER_TEMPORAL_TLS_SERVER_NAME: v(false, "rendered", CONNECTION, "SNI override; implies TLS"),
  ...Object.fromEntries(
    TLS_ITEMS.flatMap((item) =>
      ["DATA", "PATH"].map((form) => [
        `STIGMER_TEMPORAL_TLS_${item}_${form}`,
        v(
          item === "CLIENT_KEY" && form === "DATA",
          "secretRef",
          CONNECTION,
          `${item.toLowerCase().replace(/_/g, " ")} as ${form === "DATA" ? "PEM text" : "a file path"}; implies TLS`,
        ),
      ]),
    ),
  ),
  STIGMER_BACKEND_ENDPOINT: v(false, "rendered", CONFIG, "the Stigmer server; required when MODE=cloud"),
  STIGMER_TOKEN: v(
    true,
    "secretRef",
    CONFIG,
    "the runner's API key; required when MODE=cloud or a proxy is set",
  ),
  STIGMER_PROXY_ENDPOINT: v(false, "rendered", CONFIG, "proxy transport for Cursor traffic and artifacts"),
  ARTIFACT_STORAGE_TYPE: v(false, "rendered", README, "local, proxy or none"),
  STIGMER_ARTIFACT_PROXY_ENDPOINT: v(false, "extraEnv", README, "artifact presigning on another host"),
  LOCAL_ARTIFACT_PATH: v(false, "rendered", README, "must equal the server's ARTIFACT_LOCAL_BASE_PATH"),
  LOCAL_ARTIFACT_SERVE_URL: v(false, "extraEnv", README, "the server's artifact HTTP port"),
  CLAIMCHECK_ENABLED: v(false, "rendered", README, 'on only for exactly "true"'),
  CLAIMCHECK_THRESHOLD_BYTES: v(false, "rendered", README, "offload threshold; default 131072"),
  CLAIMCHECK_COMPRESSION_ENABLED: v(false, "rendered", README, 'on unless "false"'),
  CLAIMCHECK_KEY_PREFIX: v(false, "extraEnv", README, "default claimcheck/"),
  STIGMER_PAYLOAD_ENCRYPTION_KEY: v(true, "secretRef", ENCRYPTION, "base64 of 32 bytes; needs its id"),
  STIGMER_PAYLOAD_ENCRYPTION_KEY_ID: v(false, "rendered", ENCRYPTION, "the key's id"),
  STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY: v(
    true,
    "secretRef",
    ENCRYPTION,
    "decrypt-only key; needs its id",
  ),
  STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY_ID: v(false, "rendered", ENCRYPTION, "the secondary key's id"),
  WORKSPACE_ROOT_DIR: v(false, "rendered", README, "agent workspaces; on /data, as the chart sets it"),
  STIGMER_AGENT_HOME: v(false, "rendered", "src/shared/agent-identity.ts@09367945", "the agent user's home"),
  STIGMER_RUNNER_HITL_SECRET: v(true, "secretRef", CUSTODY, "keeps pending approvals valid across restarts"),
  STIGMER_CHECKPOINTER_TYPE: v(false, "extraEnv", README, "sqlite (local), http (cloud) or memory"),
  STIGMER_MCP_PUBLIC_ENDPOINT: v(false, "extraEnv", README, "the server's public URL for MCP dial-back"),
  STIGMER_MCP_BRIDGE_ENDPOINT: v(false, "extraEnv", README, "unset: stdio `stigmer mcp-server`"),
  STIGMER_WEB_FETCH_ALLOW_PRIVATE: v(false, "extraEnv", README, "overrides MODE's web_fetch guard"),
  STIGMER_MCP_ALLOW_STDIO: v(false, "extraEnv", README, "overrides MODE's stdio MCP guard"),
  OTEL_EXPORTER_OTLP_ENDPOINT: v(false, "extraEnv", README, "OTLP/gRPC traces and metrics"),
  ANTHROPIC_API_KEY: v(true, "secretRef", CUSTODY, "model credential"),
  OPENAI_API_KEY: v(true, "secretRef", CUSTODY, "model credential"),
  CURSOR_API_KEY: v(true, "secretRef", CUSTODY, "model credential"),
  ANTHROPIC_FOUNDRY_API_KEY: v(true, "secretRef", CUSTODY, "model credential"),
  AWS_BEARER_TOKEN_BEDROCK: v(true, "secretRef", CUSTODY, "model credential"),
  STIGMER_AUTH_TOKEN: v(true, "secretRef", CUSTODY, "registry credential"),
  GITHUB_TOKEN: v(true, "refused", CUSTODY, "a user credential, outside the runner's custody by design"),
  STIGMER_SERVER_RELEASE: v(
    false,
    "extraEnv",
    "layer/start.sh@272bcf73",
    "start.sh exits 78 when it differs",
  ),
  STIGMER_RUNNER_MODE: v(false, "refused", MAIN, "manager selects the desktop app's stdin/stdout mode"),
  STIGMER_POOL_MEMBER_ID: v(
    false,
    "refused",
    MAIN,
    "selects the hosted warm pool; a self-hosted runner never sets it",
  ),
};

/** The variables the operator's Secret may hold: the runner's custody list and the Temporal TLS items. */
export const SECRET_REF_VARS: readonly string[] = Object.entries(RUNNER_DELIVERY)
  .filter(([, spec]) => spec?.deployment === "secretRef")
  .map(([name]) => name);

/** How the program delivers a variable, or undefined for a name it does not model. Pure. */
export function runnerDelivery(name: string): RunnerVar | undefined {
  return Object.hasOwn(RUNNER_DELIVERY, name) ? RUNNER_DELIVERY[name as RunnerVarName] : undefined;
}

/** Whether the runner's README table marks a variable as a credential. Pure. */
export function runnerVarIsSecret(name: string): boolean {
  return Object.hasOwn(STIGMER_RUNNER_ENV, name) && STIGMER_RUNNER_ENV[name as RunnerVarName].secret;
}

/** The queue the runner polls unless configured (src/config.ts@03c64c81). */
export const DEFAULT_RUNNER_QUEUE = "stigmer_runner";

/** The runner's pollers on its queue: MCP connect and discover workflows, and activities (src/worker.ts@242b0202). */
export function runnerQueues(queue: string): readonly PolledQueue[] {
  return [{ name: queue, pollers: ["workflow", "activity"] }];
}

/** Where the image keeps the runner's state: HOME (Dockerfile.sandbox@08b52654). */
export const RUNNER_DATA_PATH = "/data";

/**
 * The capabilities the runner needs: agent-identity.ts drops the agent's processes to stigmer-agent (uid 10001) with
 * setpriv, and exits 78 when its effective set lacks one. @09367945 checked four; the newer @dba3e707 checks
 * DAC_OVERRIDE too, so it is granted always, not only with a volume shared with the server as the chart's comment
 * (values.yaml@08b52654) suggests.
 */
export const RUNNER_CAPABILITIES = {
  SETUID: "to drop the agent's processes to the stigmer-agent user",
  SETGID: "to drop the agent's processes to the stigmer-agent group",
  CHOWN: "to hand that user its home and workspace",
  KILL: "to end the agent's host when it will not exit",
  DAC_OVERRIDE:
    "to write its own state on a volume it shares with the server; agent-identity.ts@dba3e707 exits 78 without it",
} as const;

/** Why the runner's namespace enforces Pod Security baseline, not restricted. */
export const RUNNER_POD_SECURITY_REASON =
  "stigmer-runner must run as uid 0 (layer/start.sh@272bcf73 exits 78 otherwise) and add SETUID, SETGID, CHOWN, KILL, DAC_OVERRIDE to run agents as their own user (agent-identity.ts@dba3e707); restricted forbids both, baseline allows them";

/** stigmer-runner as a service. */
export const STIGMER_RUNNER_CONTRACT = {
  name: "stigmer-runner",
  component: "agent-runner",
  partOf: "stigmer",
  upstream: "stigmer/stigmer backend/services/runner (npm @stigmer/runner, binary stigmer-runner)",
  pollerIdentity: "typescript",
  process: {
    uid: 0,
    gid: 0,
    // The runner installs packages at run time and appends its agent user to /etc/passwd (start.sh, ensureAgentUser).
    writesRootFilesystem: true,
    capabilities: RUNNER_CAPABILITIES,
    maxReplicas: {
      count: 1,
      why: 'two runners polling one queue would race the disk: each keeps its own sqlite checkpoints on /data, and "running a second shared runner isn\'t something these guides teach" (deployment.yaml@05466897, runners.mdx@0add3192)',
    },
    strategy: {
      type: "Recreate",
      why: "the old pod must release /data before the new one mounts it: a ReadWriteOnce claim cannot follow a rolling pod (deployment.yaml@05466897)",
    },
    minGracePeriodSeconds: {
      seconds: 60,
      why: "the runner finishes in-flight activities with no deadline of its own, so the grace period is the only cap; 60 s costs at most a turn redone from its checkpoint (values.yaml@08b52654)",
    },
    persistentClaims:
      'its paused sessions\' sqlite checkpoints and HITL gate live on /data: "in-flight paused sessions die with the container" without a volume there (Dockerfile.sandbox@08b52654); local artifacts are read from a claim shared with the server (stigmer#285)',
    ports: [],
    probes: false,
    podSecurity: { level: "baseline", why: RUNNER_POD_SECURITY_REASON },
  },
  image: {
    kind: "released",
    repository: "ghcr.io/stigmer/stigmer-runner",
    tagFormat: /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/,
    source: ".github/workflows/release.npm-libs.yaml@02f2f22e: v<version>, an index of amd64 and arm64",
  },
} as const satisfies ServiceContract;
