// workflow-runner's start-up, transcribed from its Go code (not from the contract table), and a plan's reachability.
//
// Transcribed from stigmer/stigmer backend/services/workflow-runner, the versions contracts/workflow-runner.ts names:
// main.go at c532cd93 (dotenv.Load, setupLogging, startTemporalWorker: the Temporal worker only, no port),
// pkg/config/stigmer_config.go (LoadStigmerConfig: STIGMER_TOKEN before STIGMER_API_KEY), worker/config/config.go
// (LoadFromEnv, as worker/config/config_test.go at d775edfd tests it: STIGMER_TASK_QUEUE sandbox queues or the
// fixed ones, getEnvOrDefault / getEnvAsIntOrDefault / getEnvAsBoolOrDefault, claim check on the proxy when
// STIGMER_PROXY_ENDPOINT is set, else on R2, and the required checks with their messages). Kept apart from
// contracts/workflow-runner.ts on purpose: the rendered Deployment is checked against the service's rules, not
// against the table it was rendered from.

import { cidrHas, cidrProblem, ipv4Problem, parseCidr, parseIpv4 } from "../config/network";

/** What the process does with an environment. */
export interface StartResult {
  /** The error `log.Fatal` exits with, or undefined when it starts. */
  readonly exit?: string;
  /** Values it silently replaces by a default (the Go code logs nothing for these). */
  readonly warnings: readonly string[];
  /** What the Temporal workers use, when start-up gets past loading its configuration. */
  readonly worker?: {
    readonly address: string;
    readonly namespace: string;
    /** STIGMER_TASK_QUEUE set: the sandbox runner's two derived queues, no validation queue. */
    readonly sandbox: boolean;
    /** The queues polled, orchestration, execution, then validation (absent in sandbox mode). */
    readonly queues: readonly string[];
    readonly maxConcurrency: number;
    /** Claim check: off, through the proxy (STIGMER_PROXY_ENDPOINT), or on R2 (direct mode). */
    readonly claimCheck: "off" | "proxy" | "r2";
    /** The variable the backend credential came from. */
    readonly authFrom: "STIGMER_TOKEN" | "STIGMER_API_KEY";
    readonly backend: { readonly endpoint: string; readonly tls: boolean };
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
/** getEnvAsIntOrDefault: a value that does not parse silently becomes the default. */
function intOrDefault(env: Env, key: string, def: number, warnings: string[]): number {
  const v = getenv(env, key);
  if (v === "") return def;
  const parsed = atoi(v);
  if (parsed === undefined) warnings.push(`${key} ${JSON.stringify(v)} is not an integer, using ${def}`);
  return parsed ?? def;
}
/** getEnvAsBoolOrDefault: likewise for strconv.ParseBool. */
function boolOrDefault(env: Env, key: string, def: boolean, warnings: string[]): boolean {
  const v = getenv(env, key);
  if (v === "") return def;
  const parsed = parseBool(v);
  if (parsed === undefined) warnings.push(`${key} ${JSON.stringify(v)} is not a boolean, using ${def}`);
  return parsed ?? def;
}
/** zerolog.ParseLevel's names. */
const ZEROLOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled"];

/** pkg/config/stigmer_config.go LoadStigmerConfig. */
function loadStigmerConfig(
  env: Env,
):
  | { error: string }
  | { config: NonNullable<StartResult["worker"]>["backend"]; authFrom: "STIGMER_TOKEN" | "STIGMER_API_KEY" } {
  const endpoint = getenv(env, "STIGMER_BACKEND_ENDPOINT");
  if (endpoint === "") return { error: "STIGMER_BACKEND_ENDPOINT environment variable is required" };
  const authFrom = getenv(env, "STIGMER_TOKEN") !== "" ? "STIGMER_TOKEN" : "STIGMER_API_KEY";
  if (getenv(env, authFrom) === "")
    return { error: "STIGMER_TOKEN or STIGMER_API_KEY environment variable is required" };
  return { config: { endpoint, tls: getenv(env, "STIGMER_SERVICE_USE_TLS") !== "false" }, authFrom };
}

/** worker/config/config.go LoadFromEnv: the error it returns, or what the workers use. */
function loadWorkerConfig(env: Env, warnings: string[]): { error?: string; worker?: StartResult["worker"] } {
  const stigmer = loadStigmerConfig(env);
  if ("error" in stigmer) return { error: `failed to load Stigmer config: ${stigmer.error}` };
  const base = getenv(env, "STIGMER_TASK_QUEUE");
  const sandbox = base !== "";
  const queues = sandbox
    ? [`${base}:wf-orch`, `${base}:wf-exec`]
    : ["workflow_execution_runner", "zigflow_execution", "workflow_validation_runner"];
  const address = orDefault(env, "TEMPORAL_SERVICE_ADDRESS", "localhost:7233");
  const namespace = orDefault(env, "TEMPORAL_NAMESPACE", "default");
  const maxConcurrency = intOrDefault(env, "TEMPORAL_MAX_CONCURRENCY", 10, warnings);
  const enabled = boolOrDefault(env, "CLAIMCHECK_ENABLED", false, warnings);
  intOrDefault(env, "CLAIMCHECK_THRESHOLD_BYTES", 51200, warnings);
  boolOrDefault(env, "CLAIMCHECK_COMPRESSION_ENABLED", true, warnings);
  intOrDefault(env, "CLAIMCHECK_TTL_DAYS", 30, warnings);
  const proxy = getenv(env, "STIGMER_PROXY_ENDPOINT").trim() !== "";
  if (enabled && proxy) {
    if ((getenv(env, "STIGMER_TOKEN") || getenv(env, "STIGMER_API_KEY")) === "")
      return { error: "STIGMER_TOKEN or STIGMER_API_KEY is required when claim check uses proxy mode" };
  } else if (enabled) {
    for (const key of ["R2_BUCKET", "R2_ENDPOINT", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"]) {
      if (getenv(env, key) === "")
        return { error: `${key} is required when Claim Check is enabled in direct mode` };
    }
  }
  return {
    worker: {
      address,
      namespace,
      sandbox,
      queues,
      maxConcurrency,
      claimCheck: !enabled ? "off" : proxy ? "proxy" : "r2",
      authFrom: stigmer.authFrom,
      backend: stigmer.config,
    },
  };
}

/** main.go: logging, then the Temporal worker's configuration; whether start-up gets past it. */
export function startService(env: Env): StartResult {
  const warnings: string[] = [];
  const level = getenv(env, "LOG_LEVEL") || "info";
  if (!ZEROLOG_LEVELS.includes(level))
    warnings.push(`LOG_LEVEL ${JSON.stringify(level)} is not a zerolog level, using info`);
  const { error, worker } = loadWorkerConfig(env, warnings);
  if (error) return { warnings, exit: `failed to load worker config: ${error}` };
  return { warnings, ...(worker ? { worker } : {}) };
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

/** Whether an IPv4 address lies in a CIDR block (config/network.ts's parsers; either one invalid throws). */
export function inCidr(ip: string, cidr: string): boolean {
  const address = parseIpv4(ip);
  const block = parseCidr(cidr);
  if (address === undefined) throw new Error(`not an IPv4 address: ${ip}: ${ipv4Problem(ip)}`);
  if (block === undefined) throw new Error(`not a CIDR: ${cidr}: ${cidrProblem(cidr)}`);
  return cidrHas(block, address);
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
