// workflow-runner's start-up, transcribed from its Go code (not from the contract table), and a plan's reachability.
//
// Transcribed from stigmer/stigmer backend/services/workflow-runner: main.go (getExecutionMode, getPort,
// startWithMode), pkg/config/stigmer_config.go (LoadStigmerConfig), worker/config/config.go (LoadFromEnv at
// ded8651c: getEnvOrDefault, getEnvAsIntOrDefault, getEnvAsBoolOrDefault, the required checks). Kept apart from
// contracts/workflow-runner.ts on purpose: the rendered Deployment is checked against the service's rules, not
// against the table it was rendered from.

/** What the process does with an environment. */
export interface StartResult {
  /** The mode it runs: what getExecutionMode returns. */
  readonly mode: "grpc" | "temporal" | "dual";
  /** The error `log.Fatal` exits with, or undefined when it starts. */
  readonly exit?: string;
  /** Warnings it logs while quietly falling back to a default. */
  readonly warnings: readonly string[];
  /** The gRPC port it listens on (grpc, dual). */
  readonly grpcPort?: number;
  /** What the Temporal workers use (temporal, dual). */
  readonly worker?: {
    readonly address: string;
    readonly namespace: string;
    readonly queues: readonly string[];
    readonly claimCheck: boolean;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** os.Getenv: unset reads as "". */
const getenv = (env: Env, key: string) => env[key] ?? "";
/** getEnvOrDefault: an empty value means the default. */
const orDefault = (env: Env, key: string, def: string) => getenv(env, key) || def;
/** strconv.Atoi. */
const atoi = (s: string): number | undefined => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined);
/** strconv.ParseBool. */
function parseBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}
const boolOrDefault = (env: Env, key: string, def: boolean) =>
  getenv(env, key) === "" ? def : (parseBool(getenv(env, key)) ?? def);

/** pkg/config/stigmer_config.go LoadStigmerConfig: the error it returns, if any. */
function loadStigmerConfig(env: Env): string | undefined {
  if (getenv(env, "STIGMER_BACKEND_ENDPOINT") === "")
    return "STIGMER_BACKEND_ENDPOINT environment variable is required";
  if (getenv(env, "STIGMER_API_KEY") === "") return "STIGMER_API_KEY environment variable is required";
  return undefined;
}

/** worker/config/config.go LoadFromEnv. */
function loadWorkerConfig(env: Env): { error?: string; worker?: StartResult["worker"] } {
  const stigmer = loadStigmerConfig(env);
  if (stigmer) return { error: `failed to load Stigmer config: ${stigmer}` };
  const address = orDefault(env, "TEMPORAL_SERVICE_ADDRESS", "localhost:7233");
  const namespace = orDefault(env, "TEMPORAL_NAMESPACE", "default");
  const queues = [
    orDefault(env, "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE", "workflow_execution_runner"),
    orDefault(env, "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE", "zigflow_execution"),
    orDefault(env, "TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE", "workflow_validation_runner"),
  ];
  const claimCheck = boolOrDefault(env, "CLAIMCHECK_ENABLED", false);
  if (claimCheck) {
    for (const key of ["R2_BUCKET", "R2_ENDPOINT", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"]) {
      if (getenv(env, key) === "") return { error: `${key} is required when Claim Check is enabled` };
    }
  }
  return { worker: { address, namespace, queues, claimCheck } };
}

/** main.go: the mode, the port, and whether start-up gets past loading its configuration. */
export function startService(env: Env): StartResult {
  const warnings: string[] = [];
  const modeStr = getenv(env, "EXECUTION_MODE");
  let mode: StartResult["mode"] = "grpc";
  if (modeStr === "") warnings.push("EXECUTION_MODE not set, defaulting to 'grpc' for local development");
  else if (modeStr === "grpc" || modeStr === "temporal" || modeStr === "dual") mode = modeStr;
  else warnings.push(`Invalid execution mode ${modeStr}, defaulting to 'grpc'`);
  let port = 8080;
  const portStr = getenv(env, "GRPC_PORT");
  if (portStr !== "") {
    const parsed = atoi(portStr);
    if (parsed === undefined) warnings.push(`Invalid GRPC_PORT ${portStr}, using default 8080`);
    else port = parsed;
  }
  const grpcPort = mode === "temporal" ? {} : { grpcPort: port };
  if (mode !== "temporal") {
    const err = loadStigmerConfig(env);
    if (err)
      return { mode, warnings, exit: `failed to load Stigmer Service configuration: ${err}`, ...grpcPort };
  }
  if (mode === "grpc") return { mode, warnings, ...grpcPort };
  const { error, worker } = loadWorkerConfig(env);
  if (error) return { mode, warnings, exit: `failed to load worker config: ${error}`, ...grpcPort };
  return { mode, warnings, ...grpcPort, ...(worker ? { worker } : {}) };
}

// ---- Reading a plan as the kubelet and the CNI would ---------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects as plain JSON.
type Obj = any;

/**
 * A container's environment as the kubelet builds it: envFrom sources in order, then env entries, each
 * `configMapKeyRef` / `secretKeyRef` resolved against the objects of the same plan. A reference to an object or key
 * that does not exist is a failure (the pod would not start: CreateContainerConfigError).
 */
export function resolveEnv(
  container: Obj,
  objects: readonly Obj[],
  namespace: string,
): { env: Record<string, string>; problems: string[] } {
  const problems: string[] = [];
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name && o.metadata?.namespace === namespace);
  const dataOf = (o: Obj): Record<string, string> =>
    o.kind === "Secret"
      ? {
          ...Object.fromEntries(
            Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString()]),
          ),
          ...o.stringData,
        }
      : { ...o.data };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const [kind, ref] = source.configMapRef
      ? ["ConfigMap", source.configMapRef]
      : ["Secret", source.secretRef];
    const obj = find(kind, ref?.name);
    if (!obj) problems.push(`envFrom ${kind} ${ref?.name} does not exist`);
    else Object.assign(env, dataOf(obj));
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = String(entry.value);
      continue;
    }
    const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    const kind = entry.valueFrom?.secretKeyRef ? "Secret" : "ConfigMap";
    const obj = ref ? find(kind, ref.name) : undefined;
    const value = obj ? dataOf(obj)[ref.key] : undefined;
    if (value === undefined) problems.push(`env ${entry.name}: ${kind} ${ref?.name} has no key ${ref?.key}`);
    else env[entry.name] = value;
  }
  return { env, problems };
}

/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base = "", bits = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

/** A destination the worker dials: a pod in a namespace, or an address outside the cluster. */
export type Destination =
  | {
      readonly namespace: string;
      readonly podLabels: Readonly<Record<string, string>>;
      readonly port: number;
    }
  | { readonly ip: string; readonly port: number };

function selects(selector: Obj, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const expressions = (selector.matchExpressions ?? []).every((e: Obj) =>
    e.operator === "In"
      ? e.values.includes(labels[e.key])
      : e.operator === "Exists"
        ? e.key in labels
        : false,
  );
  return matchLabels && expressions;
}

/** Whether a NetworkPolicy's egress rules let a TCP connection reach a destination (NetworkPolicy semantics). */
export function egressAllows(policy: Obj, to: Destination): boolean {
  if (!(policy.spec?.policyTypes ?? []).includes("Egress")) return true;
  return (policy.spec.egress ?? []).some((rule: Obj) => {
    const portOk =
      !rule.ports ||
      rule.ports.length === 0 ||
      rule.ports.some((p: Obj) => (p.protocol ?? "TCP") === "TCP" && p.port === to.port);
    if (!portOk) return false;
    if (!rule.to || rule.to.length === 0) return true;
    return rule.to.some((peer: Obj) => {
      if ("ip" in to) {
        return (
          peer.ipBlock !== undefined &&
          inCidr(to.ip, peer.ipBlock.cidr) &&
          !(peer.ipBlock.except ?? []).some((c: string) => inCidr(to.ip, c))
        );
      }
      if (peer.ipBlock) return false;
      const nsOk = peer.namespaceSelector
        ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": to.namespace })
        : to.namespace === policy.metadata.namespace;
      return nsOk && selects(peer.podSelector, to.podLabels);
    });
  });
}
