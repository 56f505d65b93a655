// The stack's configuration: every key the program reads, its constraint, and the typed service description built from it.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { serviceLabels } from "./components/labels";
import {
  CONTRACT_COMMIT_SHORT,
  CONTRACT_VARS,
  type ContractSettings,
  type ContractVar,
  ENV_NAME,
  EXECUTION_TASK_QUEUE,
  isRequired,
  type PolledQueue,
  TASK_QUEUES,
  WORKFLOW_RUNNER_ENV,
} from "./contracts/workflow-runner";
import {
  type Cidr,
  cidrContains,
  cidrHas,
  cidrProblem,
  cidrsOverlap,
  clusterServiceNamespace,
  hostProblem,
  LINK_LOCAL,
  LINK_LOCAL_CIDR,
  parseCidr,
  parseIpv4,
} from "./network";

/** The Pulumi project name; every key below lives in its namespace. */
export const PROJECT = "workflow-runner";
/** The service this program delivers, and how its labels describe it. */
const SERVICE_NAME = "workflow-runner";
const SERVICE_COMPONENT = "temporal-worker";
const SERVICE_PART_OF = "stigmer";

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
  `^(?<repository>${IMAGE_REPOSITORY.source.slice(1, -1)})(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?@(?<digest>sha256:[a-f0-9]{64})$`,
);
/** Namespaces that belong to the cluster itself: never a workload's or CI's. */
export const RESERVED_NAMESPACES: readonly string[] = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "default",
];
/** RFC 1123 label, as Kubernetes requires for namespace names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain, as Kubernetes requires for most object names. */
export const DNS1123_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** CPU: whole millicores, or cores with at most three decimals (finer is not representable). */
const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
/** Memory: a number with a unit (a bare number is bytes, never what a worker's memory means). */
const MEMORY_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)$/;
/** An IPv4 address in dotted-quad form, each octet 0-255. */
export const IPV4 =
  /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
/** An IPv4 CIDR block. */
export const IPV4_CIDR = new RegExp(`^${IPV4.source.slice(1, -1)}/(3[0-2]|[12]?[0-9])$`);
/**
 * `host:port` of a service the worker dials: a dotted DNS name (a cluster Service name ends in .svc or
 * .svc.cluster.local) or an IPv4 address, and a port. A single-label host is refused: it resolves relative to the
 * pod's namespace, which the NetworkPolicy cannot name.
 */
export const SERVICE_ADDRESS =
  /^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+):(?<port>6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$/;
/** A duration: whole days, hours, minutes and seconds, in that order, e.g. 2h, 1h30m, 0s. */
const DURATION = /^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/;

/** A duration's seconds ("1h30m" -> 5400). Pure. */
export function durationSeconds(duration: string): number {
  const units: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
  return [...duration.matchAll(/(\d+)([dhms])/g)].reduce(
    (sum, m) => sum + Number(m[1]) * (units[m[2] ?? "s"] ?? 0),
    0,
  );
}

/** A Bazel target label in the main repository: `//package/path:target`. */
export const BAZEL_LABEL = /^\/\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*:[A-Za-z0-9_.+=,@~-]+$/;
/** A container image with a tag, a digest or both (a tag alone is allowed for tool images, never `latest`). */
export const TOOL_IMAGE = new RegExp(
  `^(${IMAGE_REPOSITORY.source.slice(1, -1)})(:(?!latest$|latest@)[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$`,
);
/** A git branch name that is safe inside a CEL string literal and a refs/heads/ ref. */
export const GIT_BRANCH = /^(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/;
/** A GitHub owner (user or organization) name. */
export const GITHUB_OWNER = /^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$/;
/** A GitHub repository name. */
export const GITHUB_REPOSITORY = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
/** An https URL with a host and an optional path, no query or fragment. */
export const HTTPS_URL =
  /^https:\/\/(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:[0-9]{1,5})?(?<path>\/[A-Za-z0-9._~/-]*)?$/;
/** A fully qualified stack name `<org>/<project>/<stack>`. */
export const QUALIFIED_STACK =
  /^(?<org>[A-Za-z0-9][A-Za-z0-9_.-]*)\/(?<project>[A-Za-z0-9_.-]+)\/(?<stack>[A-Za-z0-9_.-]+)$/;
/** A path glob inside the repository: relative, no `..` segment (Planton would read it from outside the repository). */
const REPO_GLOB = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._*/-]+$/;
/**
 * A kubeconfig context name as it reaches the deploy step's script and the pipeline's YAML: a strict character set
 * (EKS ARNs, GKE and kind names fit), so that no value can change the structure it lands in.
 */
const SCRIPT_SAFE_CONTEXT = /^[A-Za-z0-9][A-Za-z0-9._@:/+-]{0,252}$/;
/** A Pulumi backend URL as it reaches `pulumi login` in the deploy step: no quote, space, `$`, backtick or `\\`. */
const SCRIPT_SAFE_BACKEND_URL = /^(https|s3|gs|azblob):\/\/[A-Za-z0-9._~:/?=&%@+,-]+$/;
/** A Pulumi backend URL: Pulumi Cloud or a self-hosted service (https), or a DIY backend; script-safe. */
export const PULUMI_BACKEND_URL = SCRIPT_SAFE_BACKEND_URL;
/** Pulumi Cloud's API, the backend an empty pulumiBackendUrl means (the CLI's default). */
export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
/** A Bazel remote cache: grpcs:// or https://, a host, an optional port and path (credentials never in the URL). */
export const BAZEL_REMOTE_CACHE = /^(grpcs|https):\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._/-]*)?$/;
/** A path inside the repository, relative, without `..`. */
const REPO_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/;

/** CPU quantity in whole millicores, exactly ("500m" -> 500, "1.5" -> 1500). Pure. */
export function cpuMillis(quantity: string): number {
  if (quantity.endsWith("m")) return Number(quantity.slice(0, -1));
  const [whole = "0", fraction = ""] = quantity.split(".");
  return Number(whole) * 1000 + Number(fraction.padEnd(3, "0"));
}

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
};

/**
 * Memory quantity as an exact fraction of bytes: `[numerator, denominator]` ("1.5Gi" -> [15 * 2^30, 10]), so two
 * quantities compare without float rounding. Pure.
 */
export function memoryBytes(quantity: string): [bigint, bigint] {
  const match = /^([0-9]+)(?:\.([0-9]+))?([A-Za-z]+)$/.exec(quantity);
  const [whole = "0", fraction = "", unit = ""] = match ? match.slice(1) : [];
  const scale = 10n ** BigInt(fraction.length);
  return [(BigInt(whole) * scale + BigInt(fraction || "0")) * (MEMORY_UNITS[unit] ?? 0n), scale];
}

/** a < b, b == a, a > b for two memory quantities, exactly. Pure. */
export function compareMemory(a: string, b: string): -1 | 0 | 1 {
  const [an, ad] = memoryBytes(a);
  const [bn, bd] = memoryBytes(b);
  const [x, y] = [an * bd, bn * ad];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Why a branch name is not a valid ref under `refs/heads/` by git's own rules (git check-ref-format), or
 * undefined. Also refuses a leading '-', which would reach `git fetch` as an option. Pure.
 */
export function gitRefProblem(branch: string): string | undefined {
  if (branch === "" || branch === "@") return "it is empty or '@'";
  if (branch.startsWith("-")) return "it starts with '-' (git would read it as an option)";
  const control = [...branch].some((ch) => (ch.codePointAt(0) ?? 0) <= 0x20 || ch.codePointAt(0) === 0x7f);
  if (control || /[~^:?*[\\]/.test(branch))
    return "it has a space, a control character or one of ~ ^ : ? * [ \\";
  if (branch.includes("..")) return "it contains '..'";
  if (branch.includes("@{")) return "it contains '@{'";
  if (branch.startsWith("/") || branch.endsWith("/") || branch.includes("//"))
    return "it starts or ends with '/' or contains '//'";
  if (branch.endsWith(".")) return "it ends with '.'";
  for (const part of branch.split("/")) {
    if (part.startsWith(".")) return `its component "${part}" starts with '.'`;
    if (part.endsWith(".lock")) return `its component "${part}" ends with '.lock'`;
  }
  return undefined;
}

/**
 * Why a path cannot be an Ingress path (Kubernetes pkg/apis/networking/validation: invalidPathSequences "//",
 * "/./", "/../", "%2f", "%2F"; invalidPathSuffixes "/..", "/."), or undefined. Pure.
 */
export function ingressPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "it does not start with '/'";
  for (const seq of ["//", "/./", "/../", "%2f", "%2F"])
    if (path.includes(seq)) return `it contains '${seq}'`;
  for (const suffix of ["/..", "/."]) if (path.endsWith(suffix)) return `it ends with '${suffix}'`;
  return undefined;
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
/** A tool image: TOOL_IMAGE's grammar, and a tag or a digest after the last "/". */
const toolImage = str(TOOL_IMAGE).refine((v) => /(:[^/]+|@sha256:[a-f0-9]{64})$/.test(v));
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
/** A Kubernetes label key (optional DNS prefix and a name of at most 63 characters). */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A Kubernetes label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
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
  cpuRequest: key(str(CPU_QUANTITY), "a CPU quantity such as 100m or 0.5"),
  cpuLimit: key(str(CPU_QUANTITY), "a CPU quantity such as 500m or 1"),
  memoryRequest: key(str(MEMORY_QUANTITY), "a memory quantity such as 128Mi or 1Gi"),
  memoryLimit: key(str(MEMORY_QUANTITY), "a memory quantity such as 256Mi or 1Gi"),
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
    str(IMAGE_REPOSITORY),
    "an image repository without tag or digest, e.g. ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner",
  ),
  imageTag: key(optional(str(OCI_TAG)), "an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"),
  imageDigest: key(optional(str(SHA256_DIGEST)), "empty, or sha256: followed by 64 lowercase hex digits"),
  imagePin: key(
    optional(str(PINNED_IMAGE)),
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
    optional(str(SCRIPT_SAFE_BACKEND_URL)),
    "empty (Pulumi Cloud), or an https://, s3://, gs:// or azblob:// backend URL of letters, digits and . _ ~ : / ? = & % @ + , -",
  ),
  pulumiBackendAllowList: key(
    jsonList(z.string().regex(PULUMI_BACKEND_URL)).pipe(z.array(z.string()).min(1)),
    'a non-empty list of Pulumi backend URLs the deploy step may send its token to, e.g. ["https://api.pulumi.com"]',
  ),
  bazelRemoteCache: key(
    optional(str(BAZEL_REMOTE_CACHE)),
    "empty (no remote cache), or a grpcs:// or https:// Bazel remote cache URL without credentials",
  ),
  buildCacheSize: key(
    str(MEMORY_QUANTITY),
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
    str(DNS1123_LABEL),
    "a Planton container registry connection name (DNS-1123 label)",
  ),
  deploymentEnvironments: key(labelList, "a non-empty list of environment names (DNS-1123 labels)"),
} as const;

/** A secret key: what it holds, and when the program needs it (undefined: always). */
interface SecretKeySpec {
  readonly allowed: string;
  /** The service's environment variable this key delivers (through the workload's Secret). @default none */
  readonly serviceVar?: ContractVar;
  readonly neededWhen?: { readonly reason: string; readonly test: (cfg: PlainConfig) => boolean };
}

/**
 * Every secret key the program reads. Keys needed by every stack are declared `secret: true` in Pulumi.yaml.
 * Keys only some stacks need are declared with `default: ""` instead, because the CLI rejects a defaulted
 * `secret: true` key (pulumi/pulumi#21865); the program itself refuses them in plain text.
 */
export const SECRET_KEYS = {
  registryToken: { allowed: "a GHCR personal access token with read:packages" },
  stigmerApiKey: { allowed: "the Stigmer backend API key (STIGMER_API_KEY)", serviceVar: "STIGMER_API_KEY" },
  r2AccessKeyId: {
    allowed: "the R2 access key id (R2_ACCESS_KEY_ID)",
    serviceVar: "R2_ACCESS_KEY_ID",
    neededWhen: {
      reason: "claimCheckEnabled is true and stigmerProxyEndpoint is empty",
      test: (c) => c.claimCheckEnabled && c.stigmerProxyEndpoint === undefined,
    },
  },
  r2SecretAccessKey: {
    allowed: "the R2 secret access key (R2_SECRET_ACCESS_KEY)",
    serviceVar: "R2_SECRET_ACCESS_KEY",
    neededWhen: {
      reason: "claimCheckEnabled is true and stigmerProxyEndpoint is empty",
      test: (c) => c.claimCheckEnabled && c.stigmerProxyEndpoint === undefined,
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

/** Variables earlier versions rendered, or extraEnv could carry, that the service ignores since CONTRACT_COMMIT. */
export const RETIRED_VARS: readonly string[] = [
  "EXECUTION_MODE",
  "GRPC_PORT",
  "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE",
  "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE",
  "TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE",
];

/** Why extraEnv may not carry a variable of the contract, by how the contract deploys it. Pure. */
function contractNameReason(name: ContractVar): string {
  switch (name) {
    case "STIGMER_TASK_QUEUE":
      return "it switches the service to sandbox mode (queues <value>:wf-orch and <value>:wf-exec, no validation queue), which is for the cloud's ephemeral runners, never for the Kubernetes worker";
    case "STIGMER_RUNNER_ID":
      return "it is a sandbox runner's id and starts the sandbox heartbeat; the Kubernetes worker has none";
    case "STIGMER_TOKEN":
      return "it takes precedence over STIGMER_API_KEY (pkg/config/stigmer_config.go) and would silently replace stigmerApiKey, in plain text; set stigmerApiKey instead";
    default:
      return WORKFLOW_RUNNER_ENV[name].deployment === "rendered"
        ? "the program renders it from its own config key"
        : "the program does not offer it (a credential would land in a ConfigMap in plain text)";
  }
}

/** extraEnv entries the service would misuse or ignore: names of the contract, and retired names. Pure. */
export function extraEnvProblems(extraEnv: readonly string[]): string[] {
  const problems: string[] = [];
  for (const kv of extraEnv) {
    const name = kv.slice(0, kv.indexOf("="));
    if ((CONTRACT_VARS as string[]).includes(name)) {
      problems.push(
        `${PROJECT}:extraEnv: got ${name}; allowed: a name outside the service contract: ${contractNameReason(name as ContractVar)}`,
      );
    } else if (RETIRED_VARS.includes(name)) {
      problems.push(
        `${PROJECT}:extraEnv: got ${name}; allowed: a name the service reads: it ignores ${name} since stigmer/stigmer ${CONTRACT_COMMIT_SHORT}. Remove it from extraEnv`,
      );
    }
  }
  return problems;
}

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
 * What workflow-runner itself would refuse at start, or silently get wrong, under this config: the contract's
 * rules (contracts/workflow-runner.ts), checked before anything is registered. Pure.
 */
export function serviceStartProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  const proxy = cfg.stigmerProxyEndpoint !== undefined;
  if (cfg.claimCheckEnabled && !proxy) {
    for (const [name, v] of [
      ["r2Bucket", "R2_BUCKET"],
      ["r2Endpoint", "R2_ENDPOINT"],
    ] as const) {
      if (cfg[name] === undefined) {
        problems.push(
          problem(
            name,
            undefined,
            `${PLAIN_KEYS[name].allowed}; required when claimCheckEnabled is true and stigmerProxyEndpoint is empty: the service exits with "${v} is required when Claim Check is enabled in direct mode" (worker/config/config.go)`,
          ),
        );
      }
    }
  }
  if (proxy) {
    for (const name of ["r2Bucket", "r2Endpoint"] as const) {
      if (cfg[name] !== undefined) {
        problems.push(
          problem(
            name,
            cfg[name],
            "empty when stigmerProxyEndpoint is set: claim check then asks the proxy for presigned URLs and the service ignores the R2 settings (worker/config/config.go)",
          ),
        );
      }
    }
  }
  problems.push(...extraEnvProblems(cfg.extraEnv));
  return problems;
}

// ---- What the platform would refuse, contradictions, and the policy pack's rules ------------------------

/**
 * An RFC 3339 date-time with a zone (`Z` or `±hh:mm`), as Go's time.RFC3339 and the Kubernetes API write them.
 * A `t`/`z` in lower case and a space for `T` are refused: RFC 3339 allows them, Go's layout does not.
 */
export const RFC3339 =
  /^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})T(?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?<f>\.\d{1,9})?(?<z>Z|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of an RFC 3339 date-time, or undefined when it is not one: a real calendar date (no
 * 2026-02-30), hours 00-23, minutes and seconds 00-59, a zone offset under 24 h. Computed from its fields with
 * Date.UTC, so the machine's time zone never matters (Date.parse reads a time without a zone as local time). Pure.
 */
export function rfc3339Millis(text: string): number | undefined {
  const g = RFC3339.exec(text)?.groups;
  if (!g) return undefined;
  const [y, mo, d, h, mi, s] = [g.y, g.mo, g.d, g.h, g.mi, g.s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Day 0 of the next month is the last of this one (setUTCFullYear: Date.UTC maps years 0-99 to 1900-1999).
  const last = new Date(0);
  last.setUTCFullYear(y, mo, 0);
  const daysInMonth = last.getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  let offset = 0;
  if (g.z && g.z !== "Z") {
    const [oh, om] = g.z.slice(1).split(":").map(Number) as [number, number];
    if (oh > 23 || om > 59) return undefined;
    offset = (g.z.startsWith("-") ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, Math.floor(Number(`0${g.f ?? ""}`) * 1000));
  return date.getTime() - offset;
}

/**
 * A Pulumi stack name: letters, digits, '_', '.', '-', 1 to 100 characters (pulumi/pulumi
 * pkg/backend/filestate/backend.go `stackNameAndProjectRegexp`, the rule the service enforces too).
 */
export const PULUMI_STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** A Pulumi organization name, as promoteFrom's grammar (QUALIFIED_STACK) reads it: it starts with a letter or digit. */
export const PULUMI_ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * Key names that hold credentials (`*_TOKEN`, `*_KEY`, `*_SECRET`, passwords, API and private keys). The policy pack
 * (policy/rules.ts no-plain-secrets) and extraEnv share it.
 */
const SECRET_KEY_NAME =
  /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|(^|[_-])key$)/i;
/** Value shapes of well-known credentials: GitHub, Pulumi, Slack, AWS, PEM keys, JWTs. */
const SECRET_VALUE =
  /(^(ghp_|gho_|ghs_|ghu_|github_pat_|pul-|xox[abpr]-)[A-Za-z0-9_-]{10,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|^eyJ[A-Za-z0-9_-]{8,}\.eyJ)/;

/** Why a key/value pair looks like a secret, or undefined (a Tekton `$(params.x)` reference is not a value). Pure. */
export function secretLooking(key: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (SECRET_VALUE.test(value)) return `the value of ${key} has the shape of a credential`;
  if (SECRET_KEY_NAME.test(key) && !/^\$\(.*\)$/.test(value)) return `${key} names a credential`;
  return undefined;
}

/** Why an image reference's registry host is refused (it is not lower case), or undefined. Pure. */
export function imageRegistryProblem(ref: string): string | undefined {
  const first = ref.split("/")[0] ?? "";
  const hasRegistry = ref.includes("/") && (/[.:]/.test(first) || first.toLowerCase() === "localhost");
  return hasRegistry && first !== first.toLowerCase()
    ? `its registry "${first}" is not lower case (write ${first.toLowerCase()})`
    : undefined;
}

/**
 * Why an image reference would be refused by the policy pack (images-pinned-by-digest) or by the container runtime,
 * or undefined: the tag `latest` (with or without a digest after it), or a registry host that is not lower case
 * (the reference grammar of distribution/reference allows only lower case there). Pure.
 */
export function imageReferenceProblem(ref: string): string | undefined {
  const registry = imageRegistryProblem(ref);
  if (registry) return registry;
  const last = (ref.split("/").pop() ?? "").split("@")[0] ?? "";
  if (last.includes(":") && last.slice(last.indexOf(":") + 1) === "latest")
    return "its tag is latest, which names nothing stable (the policy images-pinned-by-digest refuses :latest)";
  return undefined;
}

/**
 * Bounds of the worker's CPU and memory. Below: what a Go Temporal worker needs to start (the Go runtime, the gRPC
 * connection and three workers take some 30-50 MiB; a CPU limit under 100m throttles start-up to minutes). Above:
 * the largest node this platform schedules on (64 cores, 256 GiB); a pod asking more is never scheduled.
 */
export const COMPUTE_BOUNDS = {
  cpuRequest: { min: "10m", max: "64" },
  cpuLimit: { min: "100m", max: "64" },
  memoryRequest: { min: "32Mi", max: "256Gi" },
  memoryLimit: { min: "64Mi", max: "256Gi" },
} as const;

/** CPU and memory outside COMPUTE_BOUNDS. Zero is reported by parsePlainConfig already. Pure. */
export function computeBoundsProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  for (const k of ["cpuRequest", "cpuLimit"] as const) {
    const { min, max } = COMPUTE_BOUNDS[k];
    const v = cpuMillis(cfg[k]);
    if (v > 0 && (v < cpuMillis(min) || v > cpuMillis(max)))
      problems.push(problem(k, cfg[k], `a CPU quantity from ${min} to ${max} (${COMPUTE_BOUNDS_WHY})`));
  }
  for (const k of ["memoryRequest", "memoryLimit"] as const) {
    const { min, max } = COMPUTE_BOUNDS[k];
    if (memoryBytes(cfg[k])[0] > 0n && (compareMemory(cfg[k], min) < 0 || compareMemory(cfg[k], max) > 0))
      problems.push(problem(k, cfg[k], `a memory quantity from ${min} to ${max} (${COMPUTE_BOUNDS_WHY})`));
  }
  return problems;
}
const COMPUTE_BOUNDS_WHY = "below, a Go Temporal worker cannot start; above, no node can schedule it";

/** Kubernetes' limit on a ConfigMap's data, summed over its values (pkg/apis/core/validation ValidateConfigMap: MaxSecretSize). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** The worker's settings ConfigMap over Kubernetes' 1 MiB: the API server would refuse it at apply. Pure. */
export function configMapSizeProblems(cfg: PlainConfig): string[] {
  const size = Object.values(workloadEnv(cfg).env).reduce((n, v) => n + Buffer.byteLength(v, "utf8"), 0);
  return size > CONFIGMAP_MAX_BYTES
    ? [
        problem(
          "extraEnv",
          `${cfg.extraEnv.length} variables`,
          `values that fit a ConfigMap: together at most ${CONFIGMAP_MAX_BYTES} bytes (1 MiB, Kubernetes' limit), got ${size}`,
        ),
      ]
    : [];
}

/** The name of the EventListener's trigger for a branch; Tekton stamps it on every run as a label value. Pure. */
export function tektonTriggerName(branch: string): string {
  return `push-${branch.replace(/[^a-z0-9-]/g, "-")}`;
}

/** Why a host cannot be an Ingress host (a DNS-1123 subdomain, not an IP address), or undefined. Pure. */
export function ingressHostProblem(host: string): string | undefined {
  if (IPV4.test(host)) return "its host is an IP address; an Ingress host must be a DNS name";
  if (host.length > 253) return `its host has ${host.length} characters, over the 253 a DNS name may have`;
  const long = host.split(".").find((label) => label.length > 63);
  if (long)
    return `its host's label "${long}" has ${long.length} characters, over the 63 a DNS label may have`;
  if (!DNS1123_SUBDOMAIN.test(host)) return "its host is not a DNS name of lower-case labels";
  return undefined;
}

/**
 * Values Kubernetes, Tekton or the pipeline's scripts would refuse or misread, beyond each key's own grammar: compute
 * bounds, label values we derive, the webhook's Ingress host, the ConfigMap's size. Pure.
 */
export function platformLimitProblems(cfg: PlainConfig): string[] {
  const problems = computeBoundsProblems(cfg);
  if (cfg.buildPipeline && cfg.trigger === "tekton") {
    const name = tektonTriggerName(cfg.gitBranch);
    if (!LABEL_VALUE.test(name))
      problems.push(
        problem(
          "gitBranch",
          cfg.gitBranch,
          `a branch whose trigger name "${name}" is a label value (at most 63 characters, starting and ending with a letter or digit): Tekton labels every run with it (triggers.tekton.dev/trigger)`,
        ),
      );
  }
  const host = cfg.webhookUrl ? (HTTPS_URL.exec(cfg.webhookUrl)?.groups?.host ?? "") : "";
  const hostWhy = host && !IPV4.test(host) ? ingressHostProblem(host) : undefined;
  if (cfg.webhookUrl && hostWhy)
    problems.push(problem("webhookUrl", cfg.webhookUrl, `an https URL an Ingress can serve: ${hostWhy}`));
  problems.push(...configMapSizeProblems(cfg));
  return problems;
}

/** Namespaces Tekton installs itself into: CI's runs never share them. */
export const TEKTON_NAMESPACES: readonly string[] = [
  "tekton-pipelines",
  "tekton-pipelines-resolvers",
  "tekton-chains",
  "tekton-dashboard",
  "tekton-operator",
  "tekton-results",
];

/** Whether a backend host is a Service of this cluster (cluster DNS), where TLS may be off. Pure. */
function inCluster(host: string): boolean {
  return /\.svc(\.cluster\.local)?$/.test(host);
}

/** Settings that contradict each other; each message names both keys. Pure. */
export function contradictionProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  if (cfg.promoteFrom && cfg.buildPipeline) {
    problems.push(
      problem(
        "buildPipeline",
        "true",
        `false when promoteFrom is set (${cfg.promoteFrom}): a stack that promotes deploys another stack's verified image and never builds its own`,
      ),
    );
  }
  if (!cfg.promoteFrom && durationSeconds(cfg.minSoak) > 0) {
    problems.push(
      problem(
        "minSoak",
        cfg.minSoak,
        "0s unless promoteFrom is set: a soak is how long a promoted image must have been verified, and this stack promotes nothing",
      ),
    );
  }
  const backendHost = splitAddress(cfg.stigmerBackendEndpoint).host;
  if (!cfg.stigmerBackendTls && !inCluster(backendHost)) {
    problems.push(
      problem(
        "stigmerBackendTls",
        "false",
        `true for stigmerBackendEndpoint ${cfg.stigmerBackendEndpoint}, a host outside the cluster (TLS may be off only for a Service, <name>.<namespace>.svc[.cluster.local]): the API key would cross the network in clear text`,
      ),
    );
  }
  if (TEKTON_NAMESPACES.includes(cfg.ciNamespace) || cfg.ciNamespace.startsWith("kube-")) {
    problems.push(
      problem(
        "ciNamespace",
        cfg.ciNamespace,
        `a namespace of its own, not a system namespace (kube-*) or Tekton's own (${TEKTON_NAMESPACES.join(", ")}): trigger tekton runs the pipeline there`,
      ),
    );
  }
  const seen = new Set<string>();
  const repeated = cfg.deploymentEnvironments.filter((e) => seen.has(e) || !seen.add(e));
  if (repeated.length > 0) {
    problems.push(
      problem(
        "deploymentEnvironments",
        JSON.stringify(cfg.deploymentEnvironments),
        `a list of distinct environments (${[...new Set(repeated)].join(", ")} is listed more than once)`,
      ),
    );
  }
  return problems;
}

/** The tool and service images, by key: what the policy pack would see in a pod or a Tekton step. */
const IMAGE_KEYS = ["verifyImage", "bazelImage", "gitImage", "deployImage", "imagePin"] as const;

/**
 * What the policy pack (policy/rules.ts) would refuse at preview, refused at plan: plain secrets in extraEnv (a
 * credential's name or shape), `:latest` or an upper-case registry in any image reference. Pure.
 */
export function policyParityProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  for (const kv of cfg.extraEnv) {
    const name = kv.slice(0, kv.indexOf("="));
    // A contract or retired name is refused by extraEnvProblems with the more specific reason: one message an entry.
    if ((CONTRACT_VARS as string[]).includes(name) || RETIRED_VARS.includes(name)) continue;
    const why = secretLooking(name, kv.slice(kv.indexOf("=") + 1));
    if (why)
      problems.push(
        problem(
          "extraEnv",
          `${name}=(not shown)`,
          `plain settings only: ${why}; the policy no-plain-secrets refuses it in a ConfigMap. Deliver credentials as secret keys (a Secret), never in extraEnv`,
        ),
      );
  }
  for (const k of IMAGE_KEYS) {
    const ref = cfg[k];
    const why = ref ? imageReferenceProblem(ref) : undefined;
    if (ref && why) problems.push(problem(k, ref, `an image reference the platform runs: ${why}`));
  }
  return problems;
}

/** What exactly is wrong with a value its key's grammar refused, where more can be said; "" otherwise. Pure. */
function valueHint(name: string, value: string | undefined): string {
  const images: readonly string[] = [...IMAGE_KEYS, "imageRepository"];
  const why = value && images.includes(name) ? imageRegistryProblem(value) : undefined;
  return why ? ` (${why})` : "";
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
    else problems.push(problem(name, raw[name], `${spec.allowed}${valueHint(name, raw[name])}`));
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
  if (!/[.:]/.test(firstSegment) && firstSegment !== "localhost") {
    problems.push(
      problem(
        "imageRepository",
        cfg.imageRepository,
        `a repository that starts with its registry host (a name with a '.' or ':', e.g. ghcr.io/${cfg.imageRepository}); "${firstSegment}" would be taken as the registry`,
      ),
    );
  }
  if (cfg.webhookUrl) {
    const {
      host = "",
      port,
      path = "/",
    } = /^https:\/\/(?<host>[^/:]+)(?::(?<port>[0-9]+))?(?<path>\/.*)?$/.exec(cfg.webhookUrl)?.groups ?? {};
    const why = IPV4.test(host)
      ? "its host is an IP address; an Ingress host must be a DNS name"
      : port !== undefined
        ? `it names port ${port}; the Ingress serves HTTPS on 443 only, so drop the port`
        : ingressPathProblem(path);
    if (why)
      problems.push(problem("webhookUrl", cfg.webhookUrl, `an https URL an Ingress can serve: ${why}`));
  }
  const labels = serviceLabels({
    name: SERVICE_NAME,
    environment: cfg.environment,
    component: SERVICE_COMPONENT,
    partOf: SERVICE_PART_OF,
  });
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
  problems.push(...serviceStartProblems(cfg));
  problems.push(...platformLimitProblems(cfg), ...contradictionProblems(cfg), ...policyParityProblems(cfg));
  problems.push(...networkConfigProblems(cfg));
  problems.push(...sharedOwnershipProblems(cfg));
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

// ---- Network and shared ownership ------------------------------------------------------------------------

/**
 * The network rules of the config (network.ts): every CIDR canonical, `egressDeniedCidrs` strict subsets of the
 * internet rule's 0.0.0.0/0 that keep the link-local range denied, link-local destinations only where
 * allowedLinkLocalCidrs allows them, hosts that are DNS names or IPv4 addresses, and a metrics port only with the
 * namespaces allowed to scrape it. Pure.
 */
export function networkConfigProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  const cidrKeys = ["egressDeniedCidrs", "allowedLinkLocalCidrs", "apiServerCidrs"] as const;
  let valid = true;
  for (const k of cidrKeys) {
    for (const cidr of cfg[k]) {
      const why = cidrProblem(cidr);
      if (why) {
        valid = false;
        problems.push(problem(k, JSON.stringify(cfg[k]), `${PLAIN_KEYS[k].allowed}; "${cidr}": ${why}`));
      }
    }
  }
  if (!valid) return problems;
  const parsed = (list: readonly string[]) => list.map((c) => parseCidr(c) as Cidr);
  const denied = parsed(cfg.egressDeniedCidrs);
  const linkLocalAllowed = parsed(cfg.allowedLinkLocalCidrs);
  for (const [i, block] of denied.entries()) {
    if (block.prefix === 0)
      problems.push(
        problem(
          "egressDeniedCidrs",
          JSON.stringify(cfg.egressDeniedCidrs),
          `ranges that are a strict subset of 0.0.0.0/0 (Kubernetes refuses an except equal to its cidr); "${cfg.egressDeniedCidrs[i]}" is not`,
        ),
      );
  }
  if (!denied.some((d) => cidrContains(d, LINK_LOCAL)))
    problems.push(
      problem(
        "egressDeniedCidrs",
        JSON.stringify(cfg.egressDeniedCidrs),
        `a list that keeps ${LINK_LOCAL_CIDR} (cloud metadata and credentials) denied; a link-local destination is opened by allowedLinkLocalCidrs, not by removing the range`,
      ),
    );
  for (const [i, block] of linkLocalAllowed.entries()) {
    if (!cidrContains(LINK_LOCAL, block))
      problems.push(
        problem(
          "allowedLinkLocalCidrs",
          JSON.stringify(cfg.allowedLinkLocalCidrs),
          `ranges inside ${LINK_LOCAL_CIDR}; "${cfg.allowedLinkLocalCidrs[i]}" is not`,
        ),
      );
  }
  for (const [i, block] of parsed(cfg.apiServerCidrs).entries()) {
    const cidr = cfg.apiServerCidrs[i];
    const why =
      block.prefix < 16
        ? "a range wider than /16 is not an API server's endpoints"
        : cidrsOverlap(block, LINK_LOCAL)
          ? `it reaches into ${LINK_LOCAL_CIDR}`
          : undefined;
    if (why)
      problems.push(
        problem(
          "apiServerCidrs",
          JSON.stringify(cfg.apiServerCidrs),
          `API server endpoints; "${cidr}": ${why}`,
        ),
      );
  }
  const hosts: [PlainKey, string, string][] = [
    ["temporalAddress", cfg.temporalAddress, splitAddress(cfg.temporalAddress).host],
    ["stigmerBackendEndpoint", cfg.stigmerBackendEndpoint, splitAddress(cfg.stigmerBackendEndpoint).host],
    ...(cfg.r2Endpoint
      ? [
          ["r2Endpoint", cfg.r2Endpoint, HTTPS_URL.exec(cfg.r2Endpoint)?.groups?.host ?? ""] as [
            PlainKey,
            string,
            string,
          ],
        ]
      : []),
  ];
  for (const [k, value, host] of hosts) {
    const why = hostProblem(host);
    if (why) {
      problems.push(
        problem(k, value, `${PLAIN_KEYS[k].allowed}; the host must be a DNS name or an IPv4 address: ${why}`),
      );
      continue;
    }
    const ip = parseIpv4(host);
    if (ip !== undefined && cidrHas(LINK_LOCAL, ip) && !linkLocalAllowed.some((a) => cidrHas(a, ip)))
      problems.push(
        problem(
          k,
          value,
          `a destination outside ${LINK_LOCAL_CIDR} (cloud metadata and credentials), unless allowedLinkLocalCidrs lists a range that holds ${host}`,
        ),
      );
  }
  return problems;
}

/**
 * The shared root pipeline, its Tasks and the CI namespace have one owner: a stack with ownsSharedPipeline, which
 * builds (its build description renders them). Pure.
 */
export function sharedOwnershipProblems(cfg: PlainConfig): string[] {
  return cfg.ownsSharedPipeline && !cfg.buildPipeline
    ? [
        problem(
          "ownsSharedPipeline",
          "true",
          "false unless buildPipeline is true: the owner renders the shared pipeline from its build settings",
        ),
      ]
    : [];
}

// ---- The service description ----------------------------------------------------------------------------

/** Where the image comes from and how it is pinned. */
export interface ImageSource {
  /** Repository without tag or digest. */
  readonly repository: string;
  /** The tag the pipeline pushed; "" when this run names none (the stack keeps what it runs). */
  readonly tag: string;
  /** The digest the pipeline reported; absent when it must be looked up on the registry. */
  readonly digest?: string;
  /** A full digest reference an operator pinned; overrides tag, digest and promotion. */
  readonly pin?: string;
  /** Fully qualified stack whose `imageRef` this stack deploys. */
  readonly promoteFrom?: string;
  /** This stack, fully qualified: where its current image is read when nothing names a new one. */
  readonly self: string;
  /** How long a promoted image must have been verified on the stack it comes from, in seconds. @default 0 */
  readonly minSoakSeconds?: number;
}

/** A container's CPU and memory requests and limits. */
export interface ComputeResources {
  /** What the scheduler reserves. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** What the kubelet enforces. */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Who triggers a build: Planton's service-hub entry, or this program's own Tekton Triggers. */
export type TriggerMode = "planton" | "tekton";

/**
 * The monorepo's shared root pipeline: what its committed files are made of. Nothing here names a service, so every
 * service built by it renders the same files. Pure data.
 */
export interface RootPipelineDescription {
  /** Name of the Pipeline (`.planton/pipeline.yaml`). */
  readonly name: string;
  /** Image Bazel runs in (the version of the monorepo's .bazelversion). */
  readonly bazelImage: string;
  /** Image the checkout step runs git in. */
  readonly gitImage: string;
  /** Image the deploy step runs `pulumi up` in (Pulumi CLI, Node.js, git). */
  readonly deployImage: string;
  /** Seconds the deploy step waits for the stack's lock before failing. */
  readonly lockTimeoutSeconds: number;
  /** Pulumi backends the deploy step may send its token to (it refuses any other). */
  readonly pulumiBackendAllowList: readonly string[];
  /** Size of each cache volume of the self-hosted pipeline (Bazel's caches; npm's and Pulumi's). */
  readonly cacheSize: string;
}

/** How the service's image is built and delivered: the root pipeline, who triggers it, and the deploy step. */
export interface BuildDescription {
  /** Who triggers: Planton (the entry) or this program's EventListener and webhook. */
  readonly trigger: TriggerMode;
  /** The shared root pipeline. */
  readonly pipeline: RootPipelineDescription;
  /** Namespace the self-hosted pipeline, its runs and its triggers live in (trigger tekton). */
  readonly ciNamespace: string;
  /** The monorepo. */
  readonly git: {
    /** GitHub owner. */
    readonly owner: string;
    /** Repository name. */
    readonly repository: string;
    /** Branch whose pushes build and deploy. */
    readonly branch: string;
    /** https clone URL. */
    readonly url: string;
  };
  /** The service's folder in the monorepo, and other paths whose changes build it. */
  readonly projectRoot: string;
  /** Globs whose changes also build the service. */
  readonly triggerPaths: readonly string[];
  /** Bazel targets when they differ from the monorepo's naming; undefined: derived from the service name. */
  readonly bazel: { readonly pushTarget?: string; readonly imageTarget?: string };
  /** Path of this program inside the monorepo. */
  readonly programPath: string;
  /** Pulumi backend URL for the deploy step; undefined for Pulumi Cloud. */
  readonly pulumiBackendUrl?: string;
  /** Bazel remote cache the build uses; undefined: none (the build-cache workspace, when bound, is the cache). */
  readonly bazelRemoteCache?: string;
  /** Public https URL GitHub sends push events to (trigger tekton); "" otherwise. */
  readonly webhookUrl: string;
  /** IngressClass of the webhook's Ingress. */
  readonly ingressClassName: string;
  /** Namespace of the ingress controller: the only source the CI namespace accepts traffic from. */
  readonly ingressControllerNamespace: string;
  /** cert-manager ClusterIssuer that signs the webhook's certificate. */
  readonly tlsClusterIssuer: string;
  /** The fully qualified stack the deploy step updates. */
  readonly deployStack: string;
  /** Kubernetes context name the deploy step gives its credentials, matching the stack's provider. */
  readonly deployKubeContext?: string;
  /** Which form of the service-hub entry to write. */
  readonly entryFormat: "v1" | "v1alpha1";
}

/** The service's Planton service-hub catalog entry. */
export interface ServiceHubDescription {
  /** Planton organization. */
  readonly org: string;
  /** Planton container registry connection the platform pushes and pulls with. */
  readonly containerRegistry: string;
  /** Environments the service is deployed to. */
  readonly environments: readonly string[];
}

/** A host the worker dials, for the NetworkPolicy's egress rules. */
export interface EgressTarget {
  /** What it is, for the rule's comment and the plan summary. */
  readonly purpose: string;
  /** Host name or IPv4 address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Namespace of the target when its host names a cluster Service (network.ts clusterServiceNamespace). @default none */
  readonly clusterNamespace?: string;
  /** Pod labels of the target, when it is a cluster Service whose pods are known. @default the whole namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The worker in one environment: how it runs, what it reads, where it may connect. */
export interface WorkloadDescription {
  /** Namespace the worker runs in. */
  readonly namespace: string;
  /** Create the namespace (false: adopt an existing one). */
  readonly createNamespace: boolean;
  /** Protect the namespace from deletion. */
  readonly protectNamespace: boolean;
  /** Pod replicas. */
  readonly replicas: number;
  /** PodDisruptionBudget minAvailable, below replicas. */
  readonly minAvailable: number;
  /** Container requests and limits. */
  readonly resources: ComputeResources;
  /** Seconds between SIGTERM and SIGKILL. */
  readonly terminationGracePeriodSeconds: number;
  /** Plain environment variables (contract variables and extras), handed to the container from a ConfigMap. */
  readonly env: Readonly<Record<string, string>>;
  /** Contract variables the container reads from the Secret (secretKeyRef), by name. */
  readonly secretEnv: readonly ContractVar[];
  /** Where the worker connects besides DNS and the internet's HTTPS. */
  readonly egress: readonly EgressTarget[];
  /** IPv4 ranges outbound internet traffic may not reach (cluster ranges, cloud metadata). */
  readonly egressDeniedCidrs: readonly string[];
  /** Link-local ranges a configured destination may be in (the internet rule always denies 169.254.0.0/16). */
  readonly allowedLinkLocalCidrs: readonly string[];
  /** The API server's endpoints; empty: any address outside egressDeniedCidrs on 443 and 6443. */
  readonly apiServerCidrs: readonly string[];
  /** The rollout's verification (pollers of the new digest on every task queue), where configured. */
  readonly verification?: { readonly image: string; readonly timeoutSeconds: number };
  /** The Temporal side, for outputs and verification. */
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    /** The fixed task queues the three workers poll, each with what it is polled for. */
    readonly taskQueues: readonly PolledQueue[];
    /** The queue clients start ExecuteServerlessWorkflow on: the execution worker's. */
    readonly executionTaskQueue: string;
  };
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
  readonly workload: WorkloadDescription;
  /** The build side; undefined when this stack does not run the pipeline. */
  readonly build?: BuildDescription;
  /** The monorepo (owner, name, branch), for the files this stack commits and the service-hub entry. */
  readonly repository: { readonly owner: string; readonly name: string; readonly branch: string };
  /** Whether this stack commits the pipeline and service-hub files to the repository. */
  readonly manageRepositoryFiles: boolean;
  /** The service-hub entry. */
  readonly serviceHub: ServiceHubDescription;
}

/** Splits `host:port`. Pure. */
function splitAddress(address: string): { host: string; port: number } {
  const groups = SERVICE_ADDRESS.exec(address)?.groups ?? {};
  return { host: groups.host ?? "", port: Number(groups.port ?? "0") };
}

/** `["k=v", ...]` as a label map. Pure. */
function labelMap(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** What decides the contract's conditional rules under this config. Pure. */
export function contractSettings(cfg: PlainConfig): ContractSettings {
  return { claimCheck: cfg.claimCheckEnabled, proxy: cfg.stigmerProxyEndpoint !== undefined };
}

/**
 * The environment the binary gets, from the contract's table: each contract variable this config sets, and the
 * extras. Values the service would ignore (R2 settings with the proxy, claim-check tuning with claim check off) are
 * left out, so the rendered env says only what the service uses. Pure.
 */
export function workloadEnv(cfg: PlainConfig): {
  env: Record<string, string>;
  secretEnv: ContractVar[];
} {
  const settings = contractSettings(cfg);
  const values: Partial<Record<ContractVar, string>> = {
    LOG_LEVEL: cfg.logLevel,
    ENV: cfg.environment,
    STIGMER_BACKEND_ENDPOINT: cfg.stigmerBackendEndpoint,
    STIGMER_SERVICE_USE_TLS: String(cfg.stigmerBackendTls),
    ...(cfg.stigmerProxyEndpoint ? { STIGMER_PROXY_ENDPOINT: cfg.stigmerProxyEndpoint } : {}),
    TEMPORAL_SERVICE_ADDRESS: cfg.temporalAddress,
    TEMPORAL_NAMESPACE: cfg.temporalNamespace,
    TEMPORAL_MAX_CONCURRENCY: String(cfg.temporalMaxConcurrency),
    CLAIMCHECK_ENABLED: String(cfg.claimCheckEnabled),
    ...(cfg.claimCheckEnabled
      ? {
          CLAIMCHECK_THRESHOLD_BYTES: String(cfg.claimCheckThresholdBytes),
          CLAIMCHECK_COMPRESSION_ENABLED: String(cfg.claimCheckCompression),
          CLAIMCHECK_TTL_DAYS: String(cfg.claimCheckTtlDays),
        }
      : {}),
    ...(cfg.claimCheckEnabled && !settings.proxy
      ? { R2_BUCKET: cfg.r2Bucket ?? "", R2_ENDPOINT: cfg.r2Endpoint ?? "", R2_REGION: cfg.r2Region }
      : {}),
  };
  const env: Record<string, string> = {};
  for (const name of CONTRACT_VARS) {
    const spec: EnvVarContractLike = WORKFLOW_RUNNER_ENV[name];
    const value = values[name];
    if (value !== undefined && !spec.secret && spec.deployment === "rendered") env[name] = value;
  }
  for (const kv of cfg.extraEnv) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  const secretEnv = CONTRACT_VARS.filter(
    (name) => WORKFLOW_RUNNER_ENV[name].secret && isRequired(name, settings),
  );
  return { env, secretEnv };
}

/** The fields of a contract entry the renderer looks at. */
type EnvVarContractLike = { readonly secret: boolean; readonly deployment: string };

/** The worker's part of the service description. Pure. */
export function describeWorkload(cfg: PlainConfig): WorkloadDescription {
  const { env, secretEnv } = workloadEnv(cfg);
  const temporal = splitAddress(cfg.temporalAddress);
  const backend = splitAddress(cfg.stigmerBackendEndpoint);
  const httpsTarget = (purpose: string, url: string): EgressTarget[] => {
    const host = HTTPS_URL.exec(url)?.groups?.host;
    const port = Number(/:([0-9]{1,5})(\/|$)/.exec(url.slice(8))?.[1] ?? 443);
    return host ? [{ purpose, host, port, ...inCluster(host) }] : [];
  };
  const inCluster = (host: string) => {
    const namespace = clusterServiceNamespace(host, cfg.clusterDomain);
    return namespace ? { clusterNamespace: namespace } : {};
  };
  const egress: EgressTarget[] = [
    {
      purpose: "Temporal frontend",
      ...temporal,
      ...inCluster(temporal.host),
      podLabels: labelMap(cfg.temporalFrontendLabels),
    },
    { purpose: "Stigmer backend", ...backend, ...inCluster(backend.host) },
    ...(cfg.stigmerProxyEndpoint ? httpsTarget("Stigmer proxy", cfg.stigmerProxyEndpoint) : []),
    ...(cfg.claimCheckEnabled && !cfg.stigmerProxyEndpoint && cfg.r2Endpoint
      ? httpsTarget("Cloudflare R2 (claim check)", cfg.r2Endpoint)
      : []),
  ];
  return {
    namespace: cfg.namespace,
    createNamespace: cfg.createNamespace,
    protectNamespace: cfg.protectNamespace,
    replicas: cfg.replicas,
    minAvailable: cfg.minAvailable,
    resources: {
      requests: { cpu: cfg.cpuRequest, memory: cfg.memoryRequest },
      limits: { cpu: cfg.cpuLimit, memory: cfg.memoryLimit },
    },
    terminationGracePeriodSeconds: cfg.terminationGracePeriodSeconds,
    env,
    secretEnv,
    egress,
    egressDeniedCidrs: cfg.egressDeniedCidrs,
    allowedLinkLocalCidrs: cfg.allowedLinkLocalCidrs,
    apiServerCidrs: cfg.apiServerCidrs,
    ...(cfg.verifyRollout
      ? { verification: { image: cfg.verifyImage, timeoutSeconds: cfg.verifyTimeoutSeconds } }
      : {}),
    temporal: {
      address: cfg.temporalAddress,
      namespace: cfg.temporalNamespace,
      taskQueues: TASK_QUEUES,
      executionTaskQueue: EXECUTION_TASK_QUEUE,
    },
  };
}

/** Builds the service description of workflow-runner from parsed config. Pure. */
export function describeService(cfg: PlainConfig, stack: string): ServiceDescription {
  return {
    name: SERVICE_NAME,
    component: SERVICE_COMPONENT,
    partOf: SERVICE_PART_OF,
    environment: cfg.environment,
    image: {
      repository: cfg.imageRepository,
      self: stack,
      tag: cfg.imageTag ?? "",
      ...(cfg.imageDigest ? { digest: cfg.imageDigest } : {}),
      ...(cfg.imagePin ? { pin: cfg.imagePin } : {}),
      ...(cfg.promoteFrom
        ? { promoteFrom: cfg.promoteFrom, minSoakSeconds: durationSeconds(cfg.minSoak) }
        : {}),
    },
    workload: describeWorkload(cfg),
    ...(cfg.buildPipeline
      ? {
          build: {
            trigger: cfg.trigger,
            pipeline: {
              name: cfg.rootPipelineName,
              bazelImage: cfg.bazelImage,
              gitImage: cfg.gitImage,
              deployImage: cfg.deployImage,
              lockTimeoutSeconds: cfg.deployLockTimeoutSeconds,
              pulumiBackendAllowList: cfg.pulumiBackendAllowList,
              cacheSize: cfg.buildCacheSize,
            },
            ciNamespace: cfg.ciNamespace,
            git: {
              owner: cfg.gitOwner,
              repository: cfg.gitRepository,
              branch: cfg.gitBranch,
              url: `https://github.com/${cfg.gitOwner}/${cfg.gitRepository}.git`,
            },
            projectRoot: cfg.projectRoot,
            triggerPaths: cfg.triggerPaths,
            bazel: {
              ...(cfg.bazelPushTarget ? { pushTarget: cfg.bazelPushTarget } : {}),
              ...(cfg.bazelImageTarget ? { imageTarget: cfg.bazelImageTarget } : {}),
            },
            programPath: cfg.programPath,
            ...(cfg.pulumiBackendUrl ? { pulumiBackendUrl: cfg.pulumiBackendUrl } : {}),
            ...(cfg.bazelRemoteCache ? { bazelRemoteCache: cfg.bazelRemoteCache } : {}),
            webhookUrl: cfg.webhookUrl ?? "",
            ingressClassName: cfg.ingressClassName,
            ingressControllerNamespace: cfg.ingressControllerNamespace,
            tlsClusterIssuer: cfg.tlsClusterIssuer,
            deployStack: stack,
            ...(cfg.kubeContext ? { deployKubeContext: cfg.kubeContext } : {}),
            entryFormat: cfg.serviceHubEntryFormat,
          },
        }
      : {}),
    repository: { owner: cfg.gitOwner, name: cfg.gitRepository, branch: cfg.gitBranch },
    manageRepositoryFiles: cfg.manageRepositoryFiles,
    serviceHub: {
      org: cfg.serviceHubOrg,
      containerRegistry: cfg.containerRegistryConnection,
      environments: cfg.deploymentEnvironments,
    },
  };
}

/** The stack's configuration as the program uses it. */
export interface StackConfig {
  /** Plain values, parsed. */
  readonly plain: PlainConfig;
  /** The service description built from them. */
  readonly service: ServiceDescription;
  /** Secret values this stack needs; they stay Outputs marked secret. Keys the stack does not need are absent. */
  readonly secrets: {
    readonly registryToken: pulumi.Output<string>;
    readonly stigmerApiKey: pulumi.Output<string>;
  } & {
    readonly [K in Exclude<SecretKey, "registryToken" | "stigmerApiKey">]?: pulumi.Output<string>;
  };
  /** Kubernetes context to deploy with; undefined means the ambient kubeconfig's current context. */
  readonly kubeContext?: string;
}

/** Whether the running program was handed a key as a secret (set with --secret); true when it cannot tell. */
function isSecretConfig(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? true;
}

/** The service's secret variables, each from its secret key: what the workload's Secret holds. Pure. */
export function serviceSecretValues(
  secrets: StackConfig["secrets"],
): Partial<Record<ContractVar, pulumi.Output<string>>> {
  const out: Partial<Record<ContractVar, pulumi.Output<string>>> = {};
  for (const [name, spec] of Object.entries(SECRET_KEYS) as [SecretKey, SecretKeySpec][]) {
    const value = secrets[name];
    if (spec.serviceVar && value) out[spec.serviceVar] = value;
  }
  return out;
}

/** Which secret keys a stack with this plain config needs. Pure. */
export function neededSecretKeys(cfg: PlainConfig): SecretKey[] {
  return (Object.keys(SECRET_KEYS) as SecretKey[]).filter((name) => {
    const spec: SecretKeySpec = SECRET_KEYS[name];
    return spec.neededWhen?.test(cfg) ?? true;
  });
}

/** Edit distance between two short strings (Levenshtein). Pure. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The declared key a mistyped one most likely meant, or undefined. Pure. */
export function didYouMean(name: string, declared: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const ranked = declared
    .map((k) => ({ k, d: k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.k : undefined;
}

/** Every key Pulumi.yaml declares (plain and secret), without the project prefix. */
export const DECLARED_KEYS: readonly string[] = [...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)];

/**
 * What is wrong with the set of keys the engine handed the program, before any value is read: keys of this project
 * that Pulumi.yaml does not declare (typos are otherwise ignored, and the default silently used), and plain keys
 * given as secrets (the value is never shown). Pure over its arguments.
 */
export function configKeyProblems(
  all: Readonly<Record<string, string>>,
  isSecret: (fullKey: string) => boolean,
  stack?: string,
): string[] {
  const problems: string[] = [];
  for (const full of Object.keys(all).sort()) {
    if (!full.startsWith(`${PROJECT}:`)) continue;
    const name = full.slice(PROJECT.length + 1);
    const retired = RETIRED_KEYS[name];
    if (retired !== undefined) {
      problems.push(
        `${full}: no longer a key of this project: the service ignores ${retired.ignores} since stigmer/stigmer ${CONTRACT_COMMIT_SHORT} (${retired.because}). Remove it: \`pulumi config rm ${name}\`${stack ? ` (deletes the line ${full} from Pulumi.${stack}.yaml)` : ""}`,
      );
    } else if (!DECLARED_KEYS.includes(name)) {
      const hint = didYouMean(name, DECLARED_KEYS);
      problems.push(
        `${full}: not a key of this project${hint ? ` (did you mean ${hint}?)` : ""}; allowed: one of the keys Pulumi.yaml declares. Remove it with \`pulumi config rm ${name}\``,
      );
    } else if (name in PLAIN_KEYS && isSecret(full)) {
      problems.push(
        `${full}: got a secret value (not shown); allowed: a plain value: ${name} is not a credential. Set it with \`pulumi config set ${name} <value>\` (without --secret)`,
      );
    }
  }
  return problems;
}

/** Reads and validates the whole stack configuration. Call before creating any resource. */
export function loadStackConfig(): StackConfig {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const keyProblems = configKeyProblems(
    pulumi.runtime.allConfig(),
    (k) => runtime.isConfigSecret?.(k) ?? false,
    pulumi.getStack(),
  );
  if (keyProblems.length > 0) throw new ConfigError(keyProblems);
  const config = new pulumi.Config(PROJECT);
  const raw = Object.fromEntries(Object.keys(PLAIN_KEYS).map((name) => [name, config.get(name)]));
  const plain = parsePlainConfig(raw);
  const self = `${pulumi.getOrganization()}/${PROJECT}/${pulumi.getStack()}`;
  const stack = pulumi.getStack();
  if (stack !== plain.environment && !stack.startsWith(`${plain.environment}-`)) {
    throw new ConfigError([
      problem(
        "environment",
        plain.environment,
        `the environment of stack "${stack}" (its name, or its prefix before '-'): the ${"stigmer.ai/environment"} label it stamps decides which policies apply (prod-namespace-protected)`,
      ),
    ]);
  }
  if (plain.promoteFrom !== undefined && plain.promoteFrom === self) {
    throw new ConfigError([
      problem(
        "promoteFrom",
        plain.promoteFrom,
        `another stack than this one (${self}): a stack cannot promote its own image`,
      ),
    ]);
  }
  const problems: string[] = [];
  const needed = neededSecretKeys(plain);
  for (const name of needed) {
    const spec: SecretKeySpec = SECRET_KEYS[name];
    const how = `set with \`pulumi config set --secret ${name}\`${spec.neededWhen ? ` (needed because ${spec.neededWhen.reason})` : ""}`;
    const value = config.get(name);
    if (value === undefined || value === "")
      problems.push(`${PROJECT}:${name}: got (not set); allowed: ${spec.allowed}, ${how}`);
    else if (!isSecretConfig(`${PROJECT}:${name}`)) {
      problems.push(
        `${PROJECT}:${name}: got a plain-text value (not shown); allowed: an encrypted value, ${how}`,
      );
    }
  }
  if (
    plain.buildPipeline &&
    needed.includes("registryPushToken") &&
    config.get("registryPushToken") === config.get("registryToken")
  ) {
    problems.push(
      `${PROJECT}:registryPushToken: got the same value as registryToken (not shown); allowed: ${SECRET_KEYS.registryPushToken.allowed}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const secrets = Object.fromEntries(
    needed.map((name) => [name, config.requireSecret(name)]),
  ) as unknown as StackConfig["secrets"];
  return {
    plain,
    // The deploy step names the stack fully qualified: its org, this project, this stack.
    service: describeService(plain, self),
    secrets,
    ...(plain.kubeContext ? { kubeContext: plain.kubeContext } : {}),
  };
}
