// Network facts checked before anything is rendered: IPv4 addresses and CIDRs, DNS names, in-cluster Service names,
// and the NetworkPolicy objects built from them. Pure functions, used by config/network-rules.ts, the components and the policy pack.

/** The link-local range (RFC 3927), where clouds serve instance metadata and credentials. */
export const LINK_LOCAL_CIDR = "169.254.0.0/16";
/** The Kubernetes cluster domain, unless the stack says otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/** An IPv4 address as an unsigned 32-bit number. */
export type Ipv4 = number;

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** The network address. */
  readonly base: Ipv4;
  /** Prefix length, 0 to 32. */
  readonly prefix: number;
}

/** One decimal octet: 0 to 255, no leading zeros (the form Kubernetes and Go's net.ParseIP accept). */
const OCTET = /^(0|[1-9][0-9]{0,2})$/;
/** A prefix length: 0 to 32, no leading zeros. */
const PREFIX = /^(0|[1-9][0-9]?)$/;
/** A DNS label (RFC 1123): letters, digits and '-', not at either end, at most 63 characters. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why a string is not an IPv4 address in dotted-quad form, or undefined when it is one. Pure. */
export function ipv4Problem(text: string): string | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return "not four dot-separated octets";
  for (const part of parts) {
    if (!OCTET.test(part))
      return /^0[0-9]+$/.test(part)
        ? `octet "${part}" has a leading zero (read as octal by some parsers; Kubernetes refuses it)`
        : `"${part}" is not a decimal octet`;
    if (Number(part) > 255) return `octet ${part} is over 255`;
  }
  return undefined;
}

/** The address as a number, or undefined when it is not a valid IPv4 address. Pure. */
export function parseIpv4(text: string): Ipv4 | undefined {
  if (ipv4Problem(text) !== undefined) return undefined;
  return text.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Formats a numeric address as a dotted quad. Pure. */
export function formatIpv4(ip: Ipv4): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join(".");
}

/** The mask of a prefix as a count of addresses. Pure. */
function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/**
 * Why a string is not a canonical IPv4 CIDR block (`a.b.c.d/n`: valid octets, a prefix of 0 to 32, no bits set
 * beyond the prefix), or undefined when it is one. Pure.
 */
export function cidrProblem(text: string): string | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return "no /prefix (write a single address as <address>/32)";
  const address = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  const ipProblem = ipv4Problem(address);
  if (ipProblem) return ipProblem;
  if (!PREFIX.test(prefix) || Number(prefix) > 32) return `prefix "/${prefix}" is not 0 to 32`;
  const base = parseIpv4(address) as Ipv4;
  const size = blockSize(Number(prefix));
  if (base % size !== 0) {
    const network = formatIpv4(base - (base % size));
    return `bits are set past the prefix: the block is ${network}/${prefix}`;
  }
  return undefined;
}

/** A valid CIDR, parsed; undefined when it is not one. Pure. */
export function parseCidr(text: string): Cidr | undefined {
  if (cidrProblem(text) !== undefined) return undefined;
  const [address = "", prefix = ""] = text.split("/");
  return { base: parseIpv4(address) as Ipv4, prefix: Number(prefix) };
}

/** Whether `inner` lies inside `outer` (equal blocks included). Pure. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base - (inner.base % blockSize(outer.prefix)) === outer.base;
}

/** Whether two blocks share any address. Pure. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Whether an address lies in a block. Pure. */
export function cidrHas(block: Cidr, ip: Ipv4): boolean {
  return cidrContains(block, { base: ip, prefix: 32 });
}

/** The link-local block, parsed. */
export const LINK_LOCAL = parseCidr(LINK_LOCAL_CIDR) as Cidr;

/**
 * Why an `ipBlock` is wrong, or undefined: its `cidr` and every `except` are canonical CIDRs, and every `except` is a
 * strict subset of the `cidr` (Kubernetes' ValidateIPBlock: "must be a strict subset of `cidr`"). Pure.
 */
export function ipBlockProblem(block: { cidr?: unknown; except?: unknown }): string | undefined {
  const cidr = String(block.cidr ?? "");
  const whyCidr = cidrProblem(cidr);
  if (whyCidr) return `cidr "${cidr}": ${whyCidr}`;
  const outer = parseCidr(cidr) as Cidr;
  const excepts = Array.isArray(block.except) ? block.except.map(String) : [];
  for (const e of excepts) {
    const whyExcept = cidrProblem(e);
    if (whyExcept) return `except "${e}": ${whyExcept}`;
    const inner = parseCidr(e) as Cidr;
    if (!cidrContains(outer, inner) || inner.prefix === outer.prefix)
      return `except "${e}" is not a strict subset of cidr "${cidr}"`;
  }
  return undefined;
}

/**
 * Why a host is neither a DNS name (RFC 1123 labels, at most 253 characters, a top-level label that is not all
 * digits, as RFC 3696 section 2 requires) nor a valid IPv4 address, or undefined. A dotted all-numeric host is taken
 * as an address and must be a valid one. Pure.
 */
export function hostProblem(host: string): string | undefined {
  if (/^[0-9.]+$/.test(host)) {
    const why = ipv4Problem(host);
    return why ? `"${host}" is not a valid IPv4 address: ${why}` : undefined;
  }
  if (host.length > 253) return `"${host}" is longer than the 253 characters of a DNS name`;
  const labels = host.split(".");
  const bad = labels.find((l) => !DNS_LABEL.test(l));
  if (bad !== undefined) return `"${host}" is not a DNS name: label "${bad}" is not an RFC 1123 label`;
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? ""))
    return `"${host}" is not a DNS name: its top-level label is all digits`;
  return undefined;
}

/**
 * The namespace of a host that names a cluster Service, or undefined: `<service>.<namespace>`, `<service>.<namespace>.svc`
 * or `<service>.<namespace>.svc.<cluster domain>`. The short forms are what a pod's resolver completes first with its
 * search list (`<ns>.svc.<domain> svc.<domain> <domain>`, ndots 5: Kubernetes' "DNS for Services and Pods"), so a
 * two-label name is a Service in the cluster before it is anything on the internet. Pure.
 */
export function clusterServiceNamespace(
  host: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string | undefined {
  const labels = host.split(".");
  if (labels.length < 2 || !labels.every((l) => DNS_LABEL.test(l))) return undefined;
  const [, namespace, ...rest] = labels;
  const tail = rest.join(".");
  if (tail === "" || tail === "svc" || tail === `svc.${clusterDomain}`) return namespace;
  return undefined;
}

/** Whether a NetworkPolicy port is valid: a number 1 to 65535, or an IANA_SVC_NAME (a named container port). Pure. */
export function portProblem(port: unknown): string | undefined {
  if (port === undefined) return undefined;
  if (typeof port === "number")
    return Number.isInteger(port) && port >= 1 && port <= 65535
      ? undefined
      : `port ${port} is not 1 to 65535`;
  if (typeof port === "string" && /^(?=.{1,15}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(port) && /[a-z]/.test(port))
    return undefined;
  return `port ${JSON.stringify(port)} is neither 1 to 65535 nor a port name`;
}

/** The parts of a NetworkPolicy the check reads (plain objects, as rendered). */
interface PolicyLike {
  readonly spec?: {
    readonly ingress?: readonly {
      readonly from?: readonly PeerLike[];
      readonly ports?: readonly PortLike[];
    }[];
    readonly egress?: readonly { readonly to?: readonly PeerLike[]; readonly ports?: readonly PortLike[] }[];
  };
}
interface PeerLike {
  readonly ipBlock?: { readonly cidr?: unknown; readonly except?: unknown };
}
interface PortLike {
  readonly port?: unknown;
  readonly endPort?: unknown;
}

/**
 * Everything wrong with a rendered NetworkPolicy: an ingress rule without `from` (it admits every source), an egress
 * rule without `to`, an invalid ipBlock, an ipBlock that reaches into the link-local range other than through an
 * allowed block, an invalid port. Pure.
 */
export function networkPolicyProblems(
  policy: PolicyLike,
  allowedLinkLocal: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const allowed = allowedLinkLocal.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const peers = (where: string, list: readonly PeerLike[] | undefined) => {
    for (const [i, peer] of (list ?? []).entries()) {
      if (!peer.ipBlock) continue;
      const why = ipBlockProblem(peer.ipBlock);
      if (why) {
        problems.push(`${where}[${i}].ipBlock: ${why}`);
        continue;
      }
      const block = parseCidr(String(peer.ipBlock.cidr)) as Cidr;
      const excepts = (Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : []).map(
        (e) => parseCidr(String(e)) as Cidr,
      );
      // Link-local addresses the block opens: the block's part of 169.254.0.0/16 not excepted nor allowed.
      if (
        cidrsOverlap(block, LINK_LOCAL) &&
        !excepts.some((e) => cidrContains(e, LINK_LOCAL)) &&
        !allowed.some((a) => cidrContains(a, block))
      )
        problems.push(
          `${where}[${i}].ipBlock: cidr "${peer.ipBlock.cidr}" reaches the link-local range ${LINK_LOCAL_CIDR}`,
        );
    }
  };
  const ports = (where: string, list: readonly PortLike[] | undefined) => {
    for (const [i, p] of (list ?? []).entries()) {
      const why = portProblem(p.port) ?? (p.endPort !== undefined ? portProblem(p.endPort) : undefined);
      if (why) problems.push(`${where}.ports[${i}]: ${why}`);
    }
  };
  for (const [i, rule] of (policy.spec?.ingress ?? []).entries()) {
    if (!rule.from || rule.from.length === 0)
      problems.push(`ingress[${i}]: no from (it admits every source)`);
    peers(`ingress[${i}].from`, rule.from);
    ports(`ingress[${i}]`, rule.ports);
  }
  for (const [i, rule] of (policy.spec?.egress ?? []).entries()) {
    if (!rule.to || rule.to.length === 0) problems.push(`egress[${i}]: no to (it reaches every destination)`);
    peers(`egress[${i}].to`, rule.to);
    ports(`egress[${i}]`, rule.ports);
  }
  return problems;
}

/**
 * Host names that resolve to a cloud's instance metadata service (169.254.169.254): Google Cloud's
 * `metadata.google.internal` (Compute Engine docs, "Query VM metadata"). Refused as the address itself is.
 */
export const METADATA_HOSTS: Readonly<Record<string, string>> = {
  "metadata.google.internal": "169.254.169.254",
};

/** The cloud metadata services' IPv6 address (AWS Nitro instances: fd00:ec2::254). */
const METADATA_IPV6 = /^\[fd00:ec2:(0{0,4}:){0,4}:?254\]$/i;

/**
 * Why a destination (host, and port when one is given) must not open egress, or undefined. A reason that starts with
 * "a destination" is itself what is allowed (a cloud metadata address or name, a link-local address no range of
 * `allowedLinkLocal` holds: 169.254.0.0/16 serves cloud metadata and credentials); any other follows the key's own
 * words (a host that is not a DNS name or an IPv4 address, since an IPv6 literal cannot be an ipBlock here; a port
 * outside 1 to 65535). The one check every endpoint key goes through (config/network-rules.ts ENDPOINT_KEYS). Pure.
 */
export function endpointProblem(
  host: string,
  port: number | undefined,
  allowedLinkLocal: readonly string[],
): string | undefined {
  if (METADATA_IPV6.test(host))
    return `a destination that is not a cloud metadata service: ${host} is AWS's IPv6 metadata address (cloud metadata and credentials)`;
  if (host.startsWith("["))
    return `the host must be a DNS name or an IPv4 address: ${host} is an IPv6 address`;
  const why = hostProblem(host);
  if (why) return `the host must be a DNS name or an IPv4 address: ${why}`;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    return `a port from 1 to 65535: ${Number.isNaN(port) ? "the port is not a number" : `got port ${port}`}`;
  const allowed = allowedLinkLocal.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const metadata = METADATA_HOSTS[host];
  const address = metadata ?? host;
  const ip = parseIpv4(address);
  if (ip !== undefined && cidrHas(LINK_LOCAL, ip) && !allowed.some((a) => cidrHas(a, ip)))
    return `a destination outside ${LINK_LOCAL_CIDR} (cloud metadata and credentials), unless allowedLinkLocalCidrs lists a range that holds ${address}${metadata ? ` (${host} resolves to ${metadata})` : ""}`;
  return undefined;
}
