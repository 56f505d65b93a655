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
/**
 * A TCP port, 1 to 65535 in decimal without a leading zero: the range a NetworkPolicy port and a Service port take
 * (Kubernetes validation: IsValidPortNum). RFC 3986's `port = *DIGIT` bounds nothing; every URL and address here
 * takes this one.
 */
const PORT_SOURCE = "6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}";

/**
 * `host:port` of a service the worker dials: a dotted DNS name (a cluster Service name ends in .svc or
 * .svc.cluster.local) or an IPv4 address, and a port. A single-label host is refused: it resolves relative to the
 * pod's namespace, which the NetworkPolicy cannot name.
 */
export const SERVICE_ADDRESS = new RegExp(
  `^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+):(?<port>${PORT_SOURCE})$`,
);
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
/**
 * An https URL (RFC 3986, narrowed): a dotted DNS host in lower case, an optional port of 1 to 65535, an optional path
 * of unreserved characters and '/', no userinfo, query or fragment. Read it with parseHttpsUrl.
 */
export const HTTPS_URL = new RegExp(
  `^https://(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:(?<port>${PORT_SOURCE}))?(?<path>/[A-Za-z0-9._~/-]*)?$`,
);

/** An https URL's parts: the host, the port (443 unless one is written), whether one was written, the path. */
export interface HttpsUrl {
  readonly host: string;
  readonly port: number;
  readonly explicitPort: boolean;
  readonly path: string;
}

/** Parses an https URL (HTTPS_URL's grammar); undefined when it is not one. Pure. */
export function parseHttpsUrl(text: string): HttpsUrl | undefined {
  const g = HTTPS_URL.exec(text)?.groups;
  if (!g) return undefined;
  return {
    host: g.host ?? "",
    port: Number(g.port ?? 443),
    explicitPort: g.port !== undefined,
    path: g.path ?? "/",
  };
}
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

/**
 * A Pulumi backend URL (PULUMI_BACKEND_URL's characters) whose https host, when it names a port, names one of 1 to
 * 65535 (PORT_SOURCE, as every URL here). Pure.
 */
export function isPulumiBackendUrl(text: string): boolean {
  if (!PULUMI_BACKEND_URL.test(text)) return false;
  if (!text.startsWith("https://")) return true;
  const authority = text.slice("https://".length).split(/[/?]/)[0] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  const colon = host.indexOf(":");
  return colon < 0 || new RegExp(`^(${PORT_SOURCE})$`).test(host.slice(colon + 1));
}
/** Pulumi Cloud's API, the backend an empty pulumiBackendUrl means (the CLI's default). */
export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
/** A Bazel remote cache: grpcs:// or https://, a host, an optional port and path (credentials never in the URL). */
export const BAZEL_REMOTE_CACHE = new RegExp(
  `^(grpcs|https)://[A-Za-z0-9.-]+(:(${PORT_SOURCE}))?(/[A-Za-z0-9._/-]*)?$`,
);
/** A path inside the repository, relative, without `..`. */
export const REPO_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/;

/**
 * A Kubernetes quantity by apimachinery's grammar (k8s.io/apimachinery pkg/api/resource/quantity.go, the comment on
 * `Quantity`, kubernetes/apimachinery at 357557a; older copies, 009f497 among them, left n and u out of the comment,
 * while the parser has always read them):
 *   <quantity> ::= <signedNumber><suffix>; <signedNumber> ::= [+|-]<number>;
 *   <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>;
 *   <suffix> ::= <binarySI> (Ki Mi Gi Ti Pi Ei) | <decimalSI> (n u m "" k M G T P E) | <decimalExponent> (e|E<integer>).
 * The exponent is an integer although the comment says <signedNumber>: ParseQuantity's scanner takes only digits after
 * the sign there. Stricter than that scanner (parseQuantityString, read, not run), which also reads "+", "." or a bare
 * suffix ("Ki") as zero: those are no <signedNumber>, so they are refused here.
 */
const QUANTITY =
  /^(?<sign>[+-]?)(?<whole>[0-9]*)(?:\.(?<fraction>[0-9]*))?(?<suffix>[KMGTPE]i|[eE][+-]?[0-9]+|[numkMGTPE])?$/;
const BINARY_SI: Readonly<Record<string, bigint>> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_SI: Readonly<Record<string, bigint>> = {
  n: -9n,
  u: -6n,
  m: -3n,
  "": 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
};

/** A parsed quantity, exactly: numerator / denominator, and the suffix it was written with. */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
  readonly suffix: string;
}

/** Parses a Kubernetes quantity (QUANTITY's grammar), exactly; undefined when it is not one. Pure. */
export function parseQuantity(text: string): Quantity | undefined {
  const g = QUANTITY.exec(text)?.groups;
  if (!g || (g.whole === "" && !g.fraction)) return undefined;
  const fraction = g.fraction ?? "";
  const suffix = g.suffix ?? "";
  let numerator = BigInt(`${g.whole || "0"}${fraction}`) * (g.sign === "-" ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY_SI[suffix];
  const exponent = binary === undefined ? (DECIMAL_SI[suffix] ?? BigInt(suffix.slice(1))) : 0n;
  if (binary !== undefined) numerator *= 2n ** binary;
  else if (exponent >= 0n) numerator *= 10n ** exponent;
  else denominator *= 10n ** -exponent;
  return { numerator, denominator, suffix };
}

/**
 * A CPU request or limit: cores (`0.5`, at most three decimals) or whole millicores (`500m`), unsigned: the forms that
 * are exact in millicores (quantity.go rounds anything finer up). Pure.
 */
export function isCpuQuantity(text: string): boolean {
  const q = parseQuantity(text);
  return (
    q !== undefined &&
    /^[0-9]/.test(text) &&
    (q.suffix === "" || q.suffix === "m") &&
    cpuMillisOf(q) !== undefined
  );
}

/**
 * A memory or storage size: unsigned, with a unit of Ki, Mi, Gi, Ti, k, M, G or T (a bare number is bytes, never what a
 * worker's memory or a cache volume means). Pure.
 */
export function isMemoryQuantity(text: string): boolean {
  const q = parseQuantity(text);
  return (
    q !== undefined && /^[0-9.]/.test(text) && ["Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T"].includes(q.suffix)
  );
}

/** A quantity's millicores when they are whole, else undefined. Pure. */
function cpuMillisOf(q: Quantity): number | undefined {
  const scaled = q.numerator * 1000n;
  return scaled % q.denominator === 0n ? Number(scaled / q.denominator) : undefined;
}

/** CPU quantity in whole millicores, exactly ("500m" -> 500, "1.5" -> 1500); 0 when it is not one. Pure. */
export function cpuMillis(quantity: string): number {
  const q = parseQuantity(quantity);
  return (q && cpuMillisOf(q)) ?? 0;
}

/**
 * Memory quantity as an exact fraction of bytes: `[numerator, denominator]` ("1.5Gi" -> [15 * 2^30, 10]), so two
 * quantities compare without float rounding; [0, 1] when it is not one. Pure.
 */
export function memoryBytes(quantity: string): [bigint, bigint] {
  const q = parseQuantity(quantity);
  return q ? [q.numerator, q.denominator] : [0n, 1n];
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
  // git refuses refs/heads/HEAD as a branch (refs.c check_branch_ref; git check-ref-format --branch HEAD fails).
  if (branch === "HEAD") return "it is HEAD, which git reserves for the checked-out commit";
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
 * An RFC 3339 date-time read as Go's `time.Parse(time.RFC3339, s)` reads it, so a time means here what it means to
 * Kubernetes and the Go tools that write these times (golang/go src/time: Parse tries format_rfc3339.go's fast
 * `parseRFC3339` (commit 1e0d731), then format.go's general `parse` (08d2403), which accepts more and so decides):
 * `2006-01-02T15:04:05Z07:00` with a 4-digit year; 2-digit month 01-12 and day
 * (a real date); a literal upper-case `T`; an hour of one or two digits, 0-23; 2-digit minutes and seconds 00-59 (no
 * leap second 60); an optional fraction after `.` or `,` of any number of digits (nanoseconds: the first nine count);
 * then `Z` (upper case only) or `±hh:mm` with hh up to 24 and mm up to 60 (Go's "some people do write offsets of 24
 * hours or 60 minutes"); nothing after.
 */
const GO_RFC3339 =
  /^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})T(?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})(?:[.,](?<f>\d+))?(?:(?<utc>Z)|(?<sign>[+-])(?<oh>\d{2}):(?<om>\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 date-time as Go's time.Parse(time.RFC3339) takes it (GO_RFC3339), or
 * undefined when Go would refuse it. Computed from its fields with Date.UTC, so the machine's time zone never matters
 * (Date.parse reads a time without a zone as local time). Pure.
 */
export function rfc3339Millis(text: string): number | undefined {
  const g = GO_RFC3339.exec(text)?.groups;
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
  if (g.sign) {
    const [oh, om] = [Number(g.oh), Number(g.om)];
    if (oh > 24 || om > 60) return undefined;
    offset = (g.sign === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, Number((g.f ?? "").slice(0, 3).padEnd(3, "0")));
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
