// The stack's configuration: every key the program reads, its constraint, and the typed service description built from it.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** The Pulumi project name; every key below lives in its namespace. */
export const PROJECT = "workflow-runner";

/**
 * Fully qualified names of the keys the pipeline's deploy step sets with `pulumi up -c`.
 * The pipeline component builds its command line from these, so the two can never drift apart.
 */
export const IMAGE_CONFIG_KEYS = {
  tag: `${PROJECT}:imageTag`,
  digest: `${PROJECT}:imageDigest`,
} as const;

/** Raised for any configuration value that breaks its constraint; lists every bad key at once. */
export class ConfigError extends pulumi.RunError {
  /** One entry per bad key, in declaration order. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

// ---- Grammars -------------------------------------------------------------------------------------------

/** OCI distribution spec tag grammar. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** A sha256 content digest. */
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A repository reference without tag or digest: `host[:port]/path`, lowercase. */
export const IMAGE_REPOSITORY =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
/** A full pinned image reference: repository, optional tag, and a digest. */
export const PINNED_IMAGE = new RegExp(
  `^(${IMAGE_REPOSITORY.source.slice(1, -1)})(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?@(sha256:[a-f0-9]{64})$`,
);
/** RFC 1123 label, as Kubernetes requires for namespace names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain, as Kubernetes requires for most object names. */
export const DNS1123_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const HOST_PORT =
  /^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*):(?<port>[0-9]{1,5})$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/** CPU quantity in millicores ("500m" -> 500, "1.5" -> 1500). */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Memory quantity in bytes ("128Mi" -> 134217728). */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(quantity);
  const units: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match?.[1]) * (units[match?.[2] ?? ""] ?? Number.NaN);
}

// ---- Key table --------------------------------------------------------------------------------------------

/** One config key: how to parse its raw string, and the words an error uses for what is allowed. */
interface KeySpec<T> {
  readonly schema: z.ZodType<T>;
  readonly allowed: string;
}

function key<T>(schema: z.ZodType<T>, allowed: string): KeySpec<T> {
  return { schema, allowed };
}

const str = (re: RegExp) => z.string().regex(re);
/** Optional strings are declared in Pulumi.yaml with default "" (a declared key without default is required). */
const optional = <T>(schema: z.ZodType<T>) =>
  z.union([z.literal("").transform(() => undefined), schema]).optional();
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?[0-9]+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

/** Every plain (non-secret) key the program reads, without the project prefix. Pulumi.yaml declares the same set. */
export const PLAIN_KEYS = {
  environment: key(str(DNS1123_LABEL), "a lowercase environment name (DNS-1123 label), e.g. dev or prod"),
  namespace: key(
    str(DNS1123_LABEL),
    "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
  ),
  createNamespace: key(bool, "true or false"),
  protectNamespace: key(bool, "true or false"),
  kubeContext: key(optional(z.string().regex(/^\S+$/)), "a kubeconfig context name without spaces, or empty"),
  replicas: key(int(1, 50), "an integer from 1 to 50"),
  minAvailable: key(int(0, 49), "an integer from 0 to 49, below replicas"),
  cpuRequest: key(str(CPU_QUANTITY), "a CPU quantity such as 100m or 0.5"),
  cpuLimit: key(str(CPU_QUANTITY), "a CPU quantity such as 500m or 1"),
  memoryRequest: key(str(MEMORY_QUANTITY), "a memory quantity such as 128Mi or 1Gi"),
  memoryLimit: key(str(MEMORY_QUANTITY), "a memory quantity such as 256Mi or 1Gi"),
  temporalHostPort: key(str(HOST_PORT), "host:port, e.g. temporal-frontend.temporal.svc.cluster.local:7233"),
  temporalNamespace: key(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/), "a Temporal namespace name"),
  temporalTaskQueue: key(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,999}$/),
    "a Temporal task queue name",
  ),
  logLevel: key(z.enum(["debug", "info", "warn", "error"]), "one of debug, info, warn, error"),
  healthPort: key(int(1, 65535), "a port number from 1 to 65535"),
  livenessPath: key(str(HTTP_PATH), "an HTTP path starting with /"),
  readinessPath: key(str(HTTP_PATH), "an HTTP path starting with /"),
  metricsPort: key(int(0, 65535), "0 (no metrics port) or a port number from 1 to 65535"),
  imageRepository: key(
    str(IMAGE_REPOSITORY),
    "an image repository without tag or digest, e.g. ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner",
  ),
  imageTag: key(optional(str(OCI_TAG)), "an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"),
  imageDigest: key(optional(str(SHA256_DIGEST)), "empty, or sha256: followed by 64 lowercase hex digits"),
  registryUsername: key(
    z.string().regex(/^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$/),
    "a GitHub user name (letters, digits, single hyphens, at most 39 characters)",
  ),
} as const;

/** Every secret key the program reads; Pulumi.yaml declares each with `secret: true`. */
export const SECRET_KEYS = {
  /** GHCR personal access token with read:packages, for the cluster's pull Secret and the digest lookup. */
  registryToken: "a GHCR personal access token with read:packages",
} as const;

type PlainKey = keyof typeof PLAIN_KEYS;
/** The parsed plain configuration, one typed field per key. */
export type PlainConfig = { -readonly [K in PlainKey]: z.output<(typeof PLAIN_KEYS)[K]["schema"]> };

function describe(value: string | undefined): string {
  return value === undefined ? "(not set)" : JSON.stringify(value);
}

function problem(name: string, value: string | undefined, allowed: string): string {
  return `${PROJECT}:${name}: got ${describe(value)}; allowed: ${allowed}`;
}

/**
 * Parses raw config strings (as `pulumi.Config.get` returns them) into typed values, checking each key
 * and the rules that join several keys. Throws one ConfigError listing every problem. Pure.
 */
export function parsePlainConfig(raw: Readonly<Record<string, string | undefined>>): PlainConfig {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PLAIN_KEYS) as [PlainKey, KeySpec<unknown>][]) {
    const result = spec.schema.safeParse(raw[name]);
    if (result.success) parsed[name] = result.data;
    else problems.push(problem(name, raw[name], spec.allowed));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const cfg = parsed as PlainConfig;

  if (cfg.minAvailable >= cfg.replicas) {
    problems.push(
      problem(
        "minAvailable",
        String(cfg.minAvailable),
        `an integer below replicas (${cfg.replicas}), or voluntary evictions are blocked for good`,
      ),
    );
  }
  if (cpuMillis(cfg.cpuRequest) > cpuMillis(cfg.cpuLimit)) {
    problems.push(
      problem("cpuRequest", cfg.cpuRequest, `a quantity no larger than cpuLimit (${cfg.cpuLimit})`),
    );
  }
  if (memoryBytes(cfg.memoryRequest) > memoryBytes(cfg.memoryLimit)) {
    problems.push(
      problem(
        "memoryRequest",
        cfg.memoryRequest,
        `a quantity no larger than memoryLimit (${cfg.memoryLimit})`,
      ),
    );
  }
  const temporalPort = Number(HOST_PORT.exec(cfg.temporalHostPort)?.groups?.port);
  if (temporalPort < 1 || temporalPort > 65535) {
    problems.push(
      problem("temporalHostPort", cfg.temporalHostPort, "a port from 1 to 65535 after the colon"),
    );
  }
  if (cfg.metricsPort === cfg.healthPort) {
    problems.push(problem("metricsPort", String(cfg.metricsPort), `0 or a port other than healthPort`));
  }
  if (cfg.imageTag === undefined) {
    problems.push(problem("imageTag", raw.imageTag, `${PLAIN_KEYS.imageTag.allowed} (required)`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

// ---- The service description ----------------------------------------------------------------------------

/** Where the image comes from and how it is pinned. */
export interface ImageSource {
  /** Repository without tag or digest. */
  readonly repository: string;
  /** The tag the pipeline pushed. */
  readonly tag: string;
  /** The digest the pipeline reported; absent when it must be looked up on the registry. */
  readonly digest?: string;
}

/** A container's CPU and memory requests and limits. */
export interface ComputeResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Everything the components need to know about one service in one environment. */
export interface ServiceDescription {
  /** Service name; the Deployment, ServiceAccount and labels use it. */
  readonly name: string;
  /** What the service is, for `app.kubernetes.io/component`. */
  readonly component: string;
  /** The larger system it belongs to, for `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** Environment name (dev, prod). */
  readonly environment: string;
  /** The image to run. */
  readonly image: ImageSource;
  /** Workload settings. */
  readonly workload: {
    readonly namespace: string;
    readonly createNamespace: boolean;
    readonly protectNamespace: boolean;
    readonly replicas: number;
    readonly minAvailable: number;
    readonly resources: ComputeResources;
    readonly healthPort: number;
    readonly livenessPath: string;
    readonly readinessPath: string;
    /** Port that serves metrics, or undefined for none. */
    readonly metricsPort?: number;
    /** Non-secret settings, handed to the container as environment variables from a ConfigMap. */
    readonly settings: Readonly<Record<string, string>>;
    /** Where the Temporal frontend is, for the NetworkPolicy's egress rule. */
    readonly temporal: { readonly host: string; readonly port: number };
  };
}

/** Builds the service description of workflow-runner from parsed config. Pure. */
export function describeService(cfg: PlainConfig): ServiceDescription {
  const { host = "", port = "0" } = HOST_PORT.exec(cfg.temporalHostPort)?.groups ?? {};
  return {
    name: "workflow-runner",
    component: "temporal-worker",
    partOf: "stigmer",
    environment: cfg.environment,
    image: {
      repository: cfg.imageRepository,
      tag: cfg.imageTag ?? "",
      ...(cfg.imageDigest ? { digest: cfg.imageDigest } : {}),
    },
    workload: {
      namespace: cfg.namespace,
      createNamespace: cfg.createNamespace,
      protectNamespace: cfg.protectNamespace,
      replicas: cfg.replicas,
      minAvailable: cfg.minAvailable,
      resources: {
        requests: { cpu: cfg.cpuRequest, memory: cfg.memoryRequest },
        limits: { cpu: cfg.cpuLimit, memory: cfg.memoryLimit },
      },
      healthPort: cfg.healthPort,
      livenessPath: cfg.livenessPath,
      readinessPath: cfg.readinessPath,
      ...(cfg.metricsPort > 0 ? { metricsPort: cfg.metricsPort } : {}),
      settings: {
        TEMPORAL_HOST_PORT: cfg.temporalHostPort,
        TEMPORAL_NAMESPACE: cfg.temporalNamespace,
        TEMPORAL_TASK_QUEUE: cfg.temporalTaskQueue,
        LOG_LEVEL: cfg.logLevel,
      },
      temporal: { host, port: Number(port) },
    },
  };
}

/** The stack's configuration as the program uses it. */
export interface StackConfig {
  /** Plain values, parsed. */
  readonly plain: PlainConfig;
  /** The service description built from them. */
  readonly service: ServiceDescription;
  /** Secret values; they stay Outputs marked secret. */
  readonly secrets: { readonly [K in keyof typeof SECRET_KEYS]: pulumi.Output<string> };
  /** Kubernetes context to deploy with; undefined means the ambient kubeconfig's current context. */
  readonly kubeContext?: string;
}

/** Reads and validates the whole stack configuration. Call before creating any resource. */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config(PROJECT);
  const raw = Object.fromEntries(Object.keys(PLAIN_KEYS).map((name) => [name, config.get(name)]));
  const plain = parsePlainConfig(raw);
  const missing = Object.keys(SECRET_KEYS).filter((name) => config.get(name) === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map(
        (name) =>
          `${PROJECT}:${name}: got (not set); allowed: ${SECRET_KEYS[name as keyof typeof SECRET_KEYS]}, set with \`pulumi config set --secret ${name}\``,
      ),
    );
  }
  const secrets = Object.fromEntries(
    Object.keys(SECRET_KEYS).map((name) => [name, config.requireSecret(name)]),
  ) as StackConfig["secrets"];
  return {
    plain,
    service: describeService(plain),
    secrets,
    ...(plain.kubeContext ? { kubeContext: plain.kubeContext } : {}),
  };
}
