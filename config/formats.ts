// Value formats of the configuration: grammars and the pure functions that read them (no Pulumi, no key names).
import { SHA256_HEX_SOURCE, TAG_SOURCE } from "./image-reference";

/** An image tag, by the reference grammar (config/image-reference.ts). */
export const OCI_TAG = new RegExp(`^${TAG_SOURCE}$`);
/** A sha256 content digest. */
export const SHA256_DIGEST = new RegExp(`^sha256:${SHA256_HEX_SOURCE}$`);
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
export const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
/** Memory: a number with a unit (a bare number is bytes, never what a worker's memory means). */
export const MEMORY_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)$/;
/** An IPv4 address in dotted-quad form, each octet 0-255. */
export const IPV4 =
  /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
/**
 * `host:port` of a service the worker dials: a dotted DNS name (a cluster Service name ends in .svc or
 * .svc.cluster.local) or an IPv4 address, and a port. A single-label host is refused: it resolves relative to the
 * pod's namespace, which the NetworkPolicy cannot name.
 */
export const SERVICE_ADDRESS =
  /^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+):(?<port>6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$/;
/** A duration: whole days, hours, minutes and seconds, in that order, e.g. 2h, 1h30m, 0s. */
export const DURATION = /^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/;

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
export const REPO_GLOB = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._*/-]+$/;
/**
 * A kubeconfig context name as it reaches the deploy step's script and the pipeline's YAML: a strict character set
 * (EKS ARNs, GKE and kind names fit), so that no value can change the structure it lands in.
 */
export const SCRIPT_SAFE_CONTEXT = /^[A-Za-z0-9][A-Za-z0-9._@:/+-]{0,252}$/;
/** A Pulumi backend URL as it reaches `pulumi login` in the deploy step: no quote, space, `$`, backtick or `\\`. */
export const SCRIPT_SAFE_BACKEND_URL = /^(https|s3|gs|azblob):\/\/[A-Za-z0-9._~:/?=&%@+,-]+$/;
/** A Pulumi backend URL: Pulumi Cloud or a self-hosted service (https), or a DIY backend; script-safe. */
export const PULUMI_BACKEND_URL = SCRIPT_SAFE_BACKEND_URL;
/** Pulumi Cloud's API, the backend an empty pulumiBackendUrl means (the CLI's default). */
export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
/** A Bazel remote cache: grpcs:// or https://, a host, an optional port and path (credentials never in the URL). */
export const BAZEL_REMOTE_CACHE = /^(grpcs|https):\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._/-]*)?$/;
/** A path inside the repository, relative, without `..`. */
export const REPO_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/;

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

/** A Kubernetes label key (optional DNS prefix and a name of at most 63 characters). */
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A Kubernetes label value. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

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
 * pkg/backend/diy/backend.go, formerly filestate, `stackNameAndProjectRegexp`; the service enforces it too).
 */
export const PULUMI_STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** A Pulumi organization name, as promoteFrom's grammar (QUALIFIED_STACK) reads it: it starts with a letter or digit. */
export const PULUMI_ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Splits `host:port`. Pure. */
export function splitAddress(address: string): { host: string; port: number } {
  const groups = SERVICE_ADDRESS.exec(address)?.groups ?? {};
  return { host: groups.host ?? "", port: Number(groups.port ?? "0") };
}

/** `["k=v", ...]` as a label map. Pure. */
export function labelMap(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}
