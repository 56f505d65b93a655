// OCI image references: the one parser of `[domain/]path[:tag][@digest]` every config key, component and tool uses.
//
// The grammar is distribution/reference's (reference.go's "Grammar" comment and regexp.go's productions, at commit
// 0965666 of 2026-04-18): a path of lowercase components separated by `.`, `_`, `__` or
// dashes; a domain (DNS-like components of either case, an IPv4 address, or an IPv6 address in brackets) with an
// optional port, recognised only before the first `/`; a tag `[\w][\w.-]{0,127}`; a digest `algorithm:hex`. Parse's
// further checks follow reference.go `Parse`: a path over 255 characters is refused, and a name that only fails for its
// upper case says so. The digest is checked as go-digest's `Parse` does (opencontainers/go-digest algorithm.go):
// sha256, sha384 or sha512, lower-case hex of 64, 96 or 128 digits.

/** The parts of an image reference. */
export interface ImageReference {
  /** The registry host with its port, or "" (`ghcr.io`, `localhost:5000`, `[::1]:5000`). */
  readonly domain: string;
  /** The repository path under the domain (`stigmer/stigmer-cloud/...`). */
  readonly path: string;
  /** The repository: domain and path, without tag or digest. */
  readonly repository: string;
  /** The tag, or undefined. */
  readonly tag?: string;
  /** The digest `algorithm:hex`, or undefined. */
  readonly digest?: string;
}

const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_HOST = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6_HOST})(?::[0-9]+)?`;
/** The tag grammar (a regular-expression source without anchors), as CEL and RE2 read it too. */
export const TAG_SOURCE = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
const DIGEST_SOURCE = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG_SOURCE}))?(?:@(${DIGEST_SOURCE}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})$`);
/** The longest repository path (reference.go RepositoryNameTotalLengthMax). */
const PATH_MAX = 255;
/** go-digest's registered algorithms and the lengths of their lower-case hex. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
/** A sha256 digest's hex, as the program pins images (the only algorithm GHCR and Kubernetes give it). */
export const SHA256_HEX_SOURCE = "[a-f0-9]{64}";

/** Why a digest `algorithm:hex` is not one go-digest accepts, or undefined. Pure. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(":");
  const algorithm = colon < 0 ? "" : digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon < 0 || !new RegExp(`^${DIGEST_SOURCE}$`).test(digest)) return "invalid digest format";
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined)
    return `unsupported digest algorithm ${JSON.stringify(algorithm)} (sha256, sha384, sha512)`;
  if (hex.length !== length)
    return `invalid digest length: ${algorithm} has ${length} hex digits, got ${hex.length}`;
  if (!/^[a-f0-9]+$/.test(hex)) return "invalid digest format: the hex must be lower case";
  return undefined;
}

/** The reference's parts, or the reason it is not one (distribution/reference `Parse`'s errors). Pure. */
export function parseImageReference(text: string): ImageReference | { readonly problem: string } {
  if (text === "") return { problem: "repository name must have at least one component" };
  const match = REFERENCE.exec(text);
  if (!match) {
    const lower = text.toLowerCase();
    if (lower !== text && REFERENCE.test(lower)) return { problem: "repository name must be lowercase" };
    return { problem: "invalid reference format" };
  }
  const [, name = "", tag, digest] = match;
  const named = ANCHORED_NAME.exec(name);
  const domain = named?.[1] ?? "";
  const path = named ? (named[2] ?? "") : name;
  if (path.length > PATH_MAX)
    return { problem: `repository name must not be more than ${PATH_MAX} characters` };
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem) return { problem };
  }
  return {
    domain,
    path,
    repository: name,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The reference's parts, or undefined when it is not a reference. Pure. */
export function imageReference(text: string): ImageReference | undefined {
  const parsed = parseImageReference(text);
  return "problem" in parsed ? undefined : parsed;
}

/**
 * A reference the project takes as written: in a registry namespace (at least `owner/name`) and with a lower-case
 * registry host. The grammar accepts an upper-case domain, but a host name is case-insensitive, so `GHCR.io/x` and
 * `ghcr.io/x` would be one repository spelt two ways, while the admission rules and the policy pack compare strings.
 */
function projectReference(text: string): ImageReference | undefined {
  const ref = imageReference(text);
  return ref?.repository.includes("/") && ref.domain === ref.domain.toLowerCase() ? ref : undefined;
}

/** A repository name alone (no tag, no digest), as the project takes it. Pure. */
export function isImageRepository(text: string): boolean {
  const ref = projectReference(text);
  return ref !== undefined && ref.tag === undefined && ref.digest === undefined;
}

/** A reference pinned by a sha256 digest, with or without a tag, as the project takes it. Pure. */
export function isPinnedImage(text: string): boolean {
  return projectReference(text)?.digest?.startsWith("sha256:") === true;
}

/** A tool image, as the project takes it: a tag that is not `latest`, a sha256 digest, or both. Pure. */
export function isToolImage(text: string): boolean {
  const ref = projectReference(text);
  if (!ref || ref.tag === "latest") return false;
  return ref.tag !== undefined || ref.digest?.startsWith("sha256:") === true;
}

/** The sha256 hex of a reference's digest, or undefined without one. Pure. */
export function sha256Hex(text: string): string | undefined {
  const digest = imageReference(text)?.digest;
  return digest?.startsWith("sha256:") ? digest.slice("sha256:".length) : undefined;
}

/**
 * The registry host a reference names explicitly, as a container runtime reads it (distribution/reference
 * normalize.go `splitDockerDomain` at 0965666): the first component when it is `localhost`, holds a `.` or `:`, or is
 * not lower case; undefined when the runtime would take the reference from Docker Hub. Pure.
 */
export function explicitRegistry(text: string): string | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const first = text.slice(0, slash);
  return first === "localhost" || /[.:]/.test(first) || first.toLowerCase() !== first ? first : undefined;
}
