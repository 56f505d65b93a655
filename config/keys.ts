// Over 400 lines: the one schema of every key of every service (Pulumi.yaml declares the same set); a service's
// keys move to its module when the schema can be assembled from modules.
// The key schema: every config key the program reads, how its raw string parses, and what an error says is allowed.
// Pulumi.yaml's `config:` block declares the same keys; tests/config-keys.test.ts fails when the two differ.
import { z } from "zod";
import { ENV_NAME } from "../contracts/service";
import {
  BAZEL_LABEL,
  BAZEL_REMOTE_CACHE,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  DURATION,
  durationSeconds,
  GIT_BRANCH,
  GITHUB_OWNER,
  GITHUB_REPOSITORY,
  HTTPS_URL,
  isCpuQuantity,
  isMemoryQuantity,
  isPulumiBackendUrl,
  LABEL_KEY,
  LABEL_VALUE,
  OCI_TAG,
  QUALIFIED_STACK,
  REPO_GLOB,
  REPO_PATH,
  SCRIPT_SAFE_CONTEXT,
  SERVICE_ADDRESS,
  SHA256_DIGEST,
} from "./formats";
import { isImageRepository, isPinnedImage, isToolImage } from "./image-reference";
/** The Pulumi project name; every key below lives in its namespace. */
export const PROJECT = "workflow-runner";
/** The service a stack delivers when its stack file names none: the project's first. */
export const DEFAULT_SERVICE = "workflow-runner";

/**
 * Fully qualified names of the keys the pipeline's deploy step sets with `pulumi up -c`.
 * The pipeline component builds its command line from these, so the two can never drift apart.
 */
export const IMAGE_CONFIG_KEYS = {
  tag: `${PROJECT}:imageTag`,
  digest: `${PROJECT}:imageDigest`,
} as const;

/** One config key: how to parse its raw string, and the words an error uses for what is allowed. */
export interface KeySpec<T> {
  readonly schema: z.ZodType<T>;
  readonly allowed: string;
}

function key<T>(schema: z.ZodType<T>, allowed: string): KeySpec<T> {
  return { schema, allowed };
}

const str = (re: RegExp) => z.string().regex(re);
/** A string its grammar's parser accepts (config/image-reference.ts for image references). */
const parsed = (accepts: (v: string) => boolean) => z.string().refine(accepts);
/** A tool image: a tag that is not latest, a sha256 digest, or both. */
const toolImage = parsed(isToolImage);
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
/** A JSON list of strings (how the CLI hands an array key to the program), each checked by `item`. */
const jsonList = (item: z.ZodType<string>) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(item));
const labelSelector = jsonList(
  z.string().refine((kv) => {
    const eq = kv.indexOf("=");
    return eq > 0 && LABEL_KEY.test(kv.slice(0, eq)) && LABEL_VALUE.test(kv.slice(eq + 1));
  }),
).pipe(z.array(z.string()).min(1));
/** `NAME=value` extra variables with valid, distinct names (names of the contract are refused after parsing). */
const extraEnvList = jsonList(
  z.string().refine((kv) => {
    const eq = kv.indexOf("=");
    return eq > 0 && ENV_NAME.test(kv.slice(0, eq));
  }),
).refine((list) => new Set(list.map((kv) => kv.slice(0, kv.indexOf("=")))).size === list.length);
/** IPv4 CIDRs; each is checked by networkConfigProblems, which says what is wrong with it. */
const cidrList = jsonList(z.string());
const labelList = jsonList(z.string().regex(DNS1123_LABEL)).pipe(z.array(z.string()).min(1));

/** Every plain (non-secret) key the program reads, without the project prefix. Pulumi.yaml declares the same set. */
export const PLAIN_KEYS = {
  service: key(
    str(DNS1123_LABEL),
    "the service this stack delivers: a service with a module in config/services/ (workflow-runner, stigmer-runner)",
  ),
  environment: key(str(DNS1123_LABEL), "a lowercase environment name (DNS-1123 label), e.g. dev or prod"),
  namespace: key(
    str(DNS1123_LABEL),
    "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
  ),
  createNamespace: key(bool, "true or false"),
  protectNamespace: key(bool, "true or false"),
  kubeContext: key(
    optional(str(SCRIPT_SAFE_CONTEXT)),
    "empty, or a kubeconfig context name of letters, digits and . _ @ : / + - (it reaches the deploy step's script)",
  ),
  replicas: key(int(1, 50), "an integer from 1 to 50"),
  minAvailable: key(int(0, 49), "an integer from 0 to 49, below replicas"),
  cpuRequest: key(parsed(isCpuQuantity), "a CPU quantity such as 100m or 0.5"),
  cpuLimit: key(parsed(isCpuQuantity), "a CPU quantity such as 500m or 1"),
  memoryRequest: key(parsed(isMemoryQuantity), "a memory quantity such as 128Mi or 1Gi"),
  memoryLimit: key(parsed(isMemoryQuantity), "a memory quantity such as 256Mi or 1Gi"),
  temporalAddress: key(
    str(SERVICE_ADDRESS),
    "host:port of the Temporal frontend: <service>.<namespace>.svc[.cluster.local]:<port>, a dotted external host, or an IPv4 address",
  ),
  temporalNamespace: key(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/), "a Temporal namespace name"),
  temporalMaxConcurrency: key(int(1, 10000), "an integer from 1 to 10000"),
  temporalFrontendLabels: key(
    labelSelector,
    "a non-empty list of key=value pod labels of the Temporal frontend, e.g. app.kubernetes.io/component=frontend",
  ),
  stigmerBackendEndpoint: key(
    str(SERVICE_ADDRESS),
    "host:port of the Stigmer backend's gRPC API, e.g. stigmer-prod-api.planton.live:443",
  ),
  stigmerBackendTls: key(bool, "true or false"),
  stigmerProxyEndpoint: key(
    optional(str(HTTPS_URL)),
    "empty, or the https base URL of the Stigmer side-channel proxy (STIGMER_PROXY_ENDPOINT), e.g. https://api.stigmer.ai",
  ),
  claimCheckEnabled: key(bool, "true or false"),
  claimCheckThresholdBytes: key(int(1, 2_147_483_647), "a positive integer (bytes)"),
  claimCheckCompression: key(bool, "true or false"),
  claimCheckTtlDays: key(int(1, 3650), "an integer from 1 to 3650 (days)"),
  r2Bucket: key(
    optional(str(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)),
    "empty, or an R2 bucket name (3 to 63 of a-z, 0-9, '-')",
  ),
  r2Endpoint: key(
    optional(str(HTTPS_URL)),
    "empty, or R2's https endpoint, e.g. https://<account id>.r2.cloudflarestorage.com",
  ),
  r2Region: key(z.string().regex(/^[a-z0-9-]{1,32}$/), "an R2 region, e.g. auto"),
  logLevel: key(z.enum(["debug", "info", "warn", "error"]), "one of debug, info, warn, error"),
  terminationGracePeriodSeconds: key(int(1, 3600), "an integer from 1 to 3600 (seconds)"),
  verifyRollout: key(bool, "true or false"),
  verifyImage: key(
    toolImage,
    "an image with the Temporal CLI, bash, grep and curl, with a tag (not latest) or a digest, e.g. temporalio/admin-tools:1.28.1-tctl-1.18.4-cli-1.4.1",
  ),
  verifyTimeoutSeconds: key(int(30, 3600), "an integer from 30 to 3600 (seconds)"),
  minSoak: key(
    z
      .string()
      .regex(DURATION)
      .refine((d) => durationSeconds(d) <= 30 * 86400),
    "a duration of at most 30 days such as 2h, 90m, 1h30m or 0s",
  ),
  extraEnv: key(
    extraEnvList,
    "a list of NAME=value strings with distinct, valid environment names outside the service contract",
  ),
  egressDeniedCidrs: key(
    cidrList,
    "a list of IPv4 CIDRs the worker's outbound traffic to the internet may not reach, e.g. 10.0.0.0/8",
  ),
  allowedLinkLocalCidrs: key(
    cidrList,
    "a list of IPv4 CIDRs inside 169.254.0.0/16 that a configured destination may be in; empty: none",
  ),
  apiServerCidrs: key(
    cidrList,
    "a list of IPv4 CIDRs of the Kubernetes API server's endpoints; empty: any address outside egressDeniedCidrs",
  ),
  clusterDomain: key(str(DNS1123_SUBDOMAIN), "the cluster's DNS domain, e.g. cluster.local"),
  imageRepository: key(
    parsed(isImageRepository),
    "an image repository without tag or digest, e.g. ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner",
  ),
  imageTag: key(optional(str(OCI_TAG)), "an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"),
  imageDigest: key(optional(str(SHA256_DIGEST)), "empty, or sha256: followed by 64 lowercase hex digits"),
  imagePin: key(
    optional(parsed(isPinnedImage)),
    "empty, or a full digest reference <repository>[:<tag>]@sha256:<64 hex> that overrides tag, digest and promotion",
  ),
  promoteFrom: key(
    optional(str(QUALIFIED_STACK)),
    "empty, or a fully qualified stack name <org>/workflow-runner/<stack> whose imageRef this stack deploys",
  ),
  registryUsername: key(
    str(GITHUB_OWNER),
    "a GitHub user name (letters, digits, single hyphens, at most 39 characters)",
  ),
  buildPipeline: key(bool, "true or false"),
  ownsSharedPipeline: key(bool, "true or false"),
  manageRepositoryFiles: key(bool, "true or false"),
  ciNamespace: key(
    str(DNS1123_LABEL),
    "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
  ),
  gitOwner: key(
    str(GITHUB_OWNER),
    "a GitHub owner name (letters, digits, single hyphens, at most 39 characters)",
  ),
  gitRepository: key(str(GITHUB_REPOSITORY), "a GitHub repository name (letters, digits, '.', '_', '-')"),
  gitBranch: key(
    str(GIT_BRANCH),
    "a non-empty branch name of letters, digits, '.', '_', '-', '/', without '..', '//' or a leading or trailing '/'",
  ),
  bazelPushTarget: key(
    optional(str(BAZEL_LABEL)),
    "empty (the monorepo's naming: //backend/services/<service>:<service with - as _>_push), or a Bazel label //package:target",
  ),
  bazelImageTarget: key(
    optional(str(BAZEL_LABEL)),
    "empty (the monorepo's naming: //backend/services/<service>:<service with - as _>_image), or a Bazel label //package:target",
  ),
  bazelImage: key(
    toolImage,
    "an image with a tag (not latest) or a digest, of the Bazel version in the monorepo's .bazelversion, e.g. gcr.io/bazel-public/bazel:8.0.0",
  ),
  trigger: key(
    z.enum(["planton", "tekton"]),
    "planton (the service-hub entry is the only trigger) or tekton (this program's EventListener and GitHub webhook)",
  ),
  rootPipelineName: key(str(DNS1123_LABEL), "a Tekton name (DNS-1123 label) for the shared root Pipeline"),
  serviceHubEntryFormat: key(z.enum(["v1", "v1alpha1"]), "v1 (the monorepo's form) or v1alpha1"),
  projectRoot: key(str(REPO_PATH), "the service's folder in the repository, relative, without '..'"),
  triggerPaths: key(
    jsonList(z.string().regex(REPO_GLOB)),
    "a list of repository path globs (relative, inside the repository: no leading '/', no '..') whose changes also build the service",
  ),
  deployLockTimeoutSeconds: key(
    int(0, 7200),
    "an integer from 0 to 7200 (seconds the deploy waits for the stack's lock)",
  ),
  gitImage: key(toolImage, "an image with a tag (not latest) or a digest"),
  deployImage: key(
    toolImage,
    "an image with a tag (not latest) or a digest, e.g. pulumi/pulumi-nodejs:3.276.0",
  ),
  programPath: key(str(REPO_PATH), "a relative path inside the repository, without '..'"),
  pulumiBackendUrl: key(
    optional(parsed(isPulumiBackendUrl)),
    "empty (Pulumi Cloud), or an https://, s3://, gs:// or azblob:// backend URL of letters, digits and . _ ~ : / ? = & % @ + , -",
  ),
  pulumiBackendAllowList: key(
    jsonList(parsed(isPulumiBackendUrl)).pipe(z.array(z.string()).min(1)),
    'a non-empty list of Pulumi backend URLs the deploy step may send its token to, e.g. ["https://api.pulumi.com"]',
  ),
  bazelRemoteCache: key(
    optional(str(BAZEL_REMOTE_CACHE)),
    "empty (no remote cache), or a grpcs:// or https:// Bazel remote cache URL without credentials",
  ),
  buildCacheSize: key(
    parsed(isMemoryQuantity),
    "a storage quantity with a unit, e.g. 50Gi (each of the self-hosted pipeline's cache volumes)",
  ),
  webhookUrl: key(
    optional(str(HTTPS_URL)),
    "empty, or an https:// URL with a host name, e.g. https://hooks.dev.stigmer.ai/workflow-runner",
  ),
  ingressClassName: key(str(DNS1123_LABEL), "an IngressClass name (DNS-1123 label)"),
  ingressControllerNamespace: key(
    str(DNS1123_LABEL),
    "the namespace of the ingress controller that forwards the webhook (DNS-1123 label)",
  ),
  tlsClusterIssuer: key(str(DNS1123_SUBDOMAIN), "a cert-manager ClusterIssuer name"),
  serviceHubOrg: key(str(DNS1123_LABEL), "a Planton organization id (DNS-1123 label)"),
  containerRegistryConnection: key(
    optional(str(DNS1123_LABEL)),
    "empty, or the slug of the organization's Planton container registry connection (DNS-1123 label)",
  ),
  deploymentEnvironments: key(labelList, "a non-empty list of environment names (DNS-1123 labels)"),
  runnerMode: key(z.enum(["local", "cloud"]), "local or cloud (MODE)"),
  runnerTaskQueue: key(
    z.string().regex(/^[^\s]{0,1000}$/),
    "a Temporal task queue name without spaces, e.g. stigmer_runner",
  ),
  runnerSecretName: key(
    optional(str(DNS1123_SUBDOMAIN)),
    "empty, or the name of a Kubernetes Secret in the runner's namespace (DNS-1123 subdomain)",
  ),
  runnerSecretKeys: key(
    jsonList(z.string().regex(ENV_NAME)).refine((list) => new Set(list).size === list.length),
    "a list of distinct variable names the Secret holds under the same key names",
  ),
  runnerTemporalTls: key(
    z.enum(["", "true", "false"]).transform((v) => (v === "" ? undefined : v === "true")),
    'empty (the runner decides from the TLS items and the API key), "true" or "false" (STIGMER_TEMPORAL_TLS)',
  ),
  runnerTemporalTlsServerName: key(
    optional(str(DNS1123_SUBDOMAIN)),
    "empty, or the host name the Temporal frontend's certificate names (STIGMER_TEMPORAL_TLS_SERVER_NAME)",
  ),
  runnerPayloadKeyId: key(
    optional(z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/)),
    "empty, or the payload encryption key's id (letters, digits, . _ : -)",
  ),
  runnerPayloadSecondaryKeyId: key(
    optional(z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/)),
    "empty, or the secondary payload encryption key's id (letters, digits, . _ : -)",
  ),
  runnerArtifactStorage: key(
    z.enum(["", "local", "proxy", "none"]).transform((v) => (v === "" ? undefined : v)),
    "empty (the runner's default: proxy with a proxy endpoint, else local), local, proxy or none",
  ),
  runnerArtifactClaim: key(
    optional(str(DNS1123_SUBDOMAIN)),
    "empty, or the name of a PersistentVolumeClaim the runner shares with the server (ReadWriteMany)",
  ),
  runnerArtifactPath: key(
    z.string().regex(/^\/[A-Za-z0-9._/-]*$/),
    "an absolute path, the server's ARTIFACT_LOCAL_BASE_PATH, e.g. /artifacts",
  ),
  runnerDataSize: key(parsed(isMemoryQuantity), "a storage quantity, e.g. 10Gi (the runner's /data claim)"),
  runnerDataStorageClass: key(
    optional(str(DNS1123_SUBDOMAIN)),
    "empty (the cluster's default StorageClass), or a StorageClass name",
  ),
} as const;

/** A secret key: what it holds, and when the program needs it (undefined: always). */
export interface SecretKeySpec {
  readonly allowed: string;
  /** The service's environment variable this key delivers (through the workload's Secret). @default none */
  readonly serviceVar?: string;
  readonly neededWhen?: { readonly reason: string; readonly test: (cfg: PlainConfig) => boolean };
}

/**
 * Every secret key the program reads. Keys needed by every stack are declared `secret: true` in Pulumi.yaml.
 * Keys only some stacks need are declared with `default: ""` instead, because the CLI rejects a defaulted
 * `secret: true` key (pulumi/pulumi#21865); the program itself refuses them in plain text.
 */
export const SECRET_KEYS = {
  registryToken: { allowed: "a GHCR personal access token with read:packages" },
  stigmerApiKey: {
    allowed: "the Stigmer backend API key (STIGMER_API_KEY)",
    serviceVar: "STIGMER_API_KEY",
    // workflow-runner's credential (config/services/workflow-runner.ts); stigmer-runner reads its own from a Secret.
    neededWhen: { reason: "service is workflow-runner", test: (c) => c.service === "workflow-runner" },
  },
  r2AccessKeyId: {
    allowed: "the R2 access key id (R2_ACCESS_KEY_ID)",
    serviceVar: "R2_ACCESS_KEY_ID",
    neededWhen: {
      reason: "claimCheckEnabled is true and stigmerProxyEndpoint is empty",
      test: (c) =>
        c.service === "workflow-runner" && c.claimCheckEnabled && c.stigmerProxyEndpoint === undefined,
    },
  },
  r2SecretAccessKey: {
    allowed: "the R2 secret access key (R2_SECRET_ACCESS_KEY)",
    serviceVar: "R2_SECRET_ACCESS_KEY",
    neededWhen: {
      reason: "claimCheckEnabled is true and stigmerProxyEndpoint is empty",
      test: (c) =>
        c.service === "workflow-runner" && c.claimCheckEnabled && c.stigmerProxyEndpoint === undefined,
    },
  },
  registryPushToken: {
    allowed: "a GHCR personal access token with write:packages, distinct from registryToken",
    neededWhen: {
      reason: "buildPipeline is true and trigger is tekton",
      test: (c) => c.buildPipeline && c.trigger === "tekton",
    },
  },
  githubToken: {
    allowed: "a GitHub token that may manage webhooks and write contents on the repository",
    neededWhen: {
      reason: "manageRepositoryFiles is true, or trigger is tekton",
      test: (c) => c.manageRepositoryFiles || (c.buildPipeline && c.trigger === "tekton"),
    },
  },
  pulumiAccessToken: {
    allowed: "a Pulumi access token (or backend credential) for the pipeline's deploy step",
    neededWhen: {
      reason: "buildPipeline is true and trigger is tekton (with Planton the token is a build secret)",
      test: (c) => c.buildPipeline && c.trigger === "tekton",
    },
  },
} as const satisfies Record<string, SecretKeySpec>;

/** Names of the secret keys. */
export type SecretKey = keyof typeof SECRET_KEYS;

/** A plain key naming a record only the organization knows: when a stack needs it, and how to find the name. */
export interface OrgNamedKeySpec {
  /** What the value names. */
  readonly names: string;
  readonly neededWhen: { readonly reason: string; readonly test: (cfg: PlainConfig) => boolean };
  /** The command that lists the names to choose from. */
  readonly find: string;
}

/**
 * Plain keys that name a record in another system which no public source names for this organization, so they have
 * no default (a guessed name fails only at Planton's apply): a stack that needs one refuses to run without it. The
 * offline plan, which cannot ask Planton, plans with a marked stand-in and says so.
 */
export const ORG_NAMED_KEYS = {
  containerRegistryConnection: {
    names: "the slug of the organization's Planton container registry connection for GHCR",
    neededWhen: {
      reason: "manageRepositoryFiles is true: the committed service-hub entry names it (spec.build.registry)",
      test: (c) => c.manageRepositoryFiles,
    },
    // plantonhq/planton's first-service tutorial: build.registry is "the slug of your container registry connection".
    find: "planton get container-registry-connection",
  },
} as const satisfies Partial<Record<PlainKey, OrgNamedKeySpec>>;

/**
 * Keys earlier versions of this program read for things workflow-runner no longer reads (main.go at
 * CONTRACT_COMMIT runs only the Temporal worker: no EXECUTION_MODE, no GRPC_PORT, no gRPC or health server; the
 * task queues are fixed names; OTEL_* and LOG_FORMAT are read by no package of the binary). A stack file that still
 * sets one is refused with the step that migrates it, never silently ignored.
 */
export const RETIRED_KEYS: Readonly<Record<string, { readonly ignores: string; readonly because: string }>> =
  {
    executionMode: { ignores: "EXECUTION_MODE", because: "the binary runs only the Temporal worker" },
    grpcPort: { ignores: "GRPC_PORT", because: "the binary serves no gRPC API and opens no port" },
    grpcIngressNamespaces: {
      ignores: "its gRPC API",
      because: "the binary opens no port, so nothing can call it",
    },
    orchestrationTaskQueue: {
      ignores: "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE",
      because: "the queue is fixed: workflow_execution_runner",
    },
    executionTaskQueue: {
      ignores: "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE",
      because: "the queue is fixed: zigflow_execution",
    },
    validationTaskQueue: {
      ignores: "TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE",
      because: "the queue is fixed: workflow_validation_runner",
    },
    metricsPort: {
      ignores: "OTEL_EXPORTER_PROMETHEUS_PORT",
      because: "the binary starts no metrics exporter and opens no port",
    },
    otelMetricsExporter: {
      ignores: "OTEL_METRICS_EXPORTER",
      because: "the binary starts no OpenTelemetry exporter",
    },
  };

/** Names of the plain keys. */
export type PlainKey = keyof typeof PLAIN_KEYS;
/** The parsed plain configuration, one typed field per key. */
export type PlainConfig = { -readonly [K in PlainKey]: z.output<(typeof PLAIN_KEYS)[K]["schema"]> };

/** Which secret keys a stack with this plain config needs. Pure. */
export function neededSecretKeys(cfg: PlainConfig): SecretKey[] {
  return (Object.keys(SECRET_KEYS) as SecretKey[]).filter((name) => {
    const spec: SecretKeySpec = SECRET_KEYS[name];
    return spec.neededWhen?.test(cfg) ?? true;
  });
}

/** Every key Pulumi.yaml declares (plain and secret), without the project prefix. */
export const DECLARED_KEYS: readonly string[] = [...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)];
