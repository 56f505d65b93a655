// The network rules of the config: canonical CIDRs, denied ranges, link-local destinations, hosts.
import { problem } from "./errors";
import { parseHttpsUrl, SERVICE_ADDRESS } from "./formats";
import { PLAIN_KEYS, type PlainConfig, type PlainKey } from "./keys";
import {
  type Cidr,
  cidrContains,
  cidrProblem,
  cidrsOverlap,
  endpointProblem,
  LINK_LOCAL,
  LINK_LOCAL_CIDR,
  parseCidr,
} from "./network";

/**
 * Every key whose value is a destination the workload dials, so a NetworkPolicy egress rule is opened for it, of
 * every service (config/services/*: each module's egress targets come from these keys, which
 * tests/config/endpoints.test.ts checks): `address` is `host:port` (splitAddress's grammar), `url` an https URL
 * (parseHttpsUrl). Each goes
 * through the one check, endpointProblem.
 */
export const ENDPOINT_KEYS = {
  temporalAddress: "address",
  stigmerBackendEndpoint: "address",
  stigmerProxyEndpoint: "url",
  r2Endpoint: "url",
} as const satisfies Partial<Record<PlainKey, "address" | "url">>;

/** An endpoint key's value, and the host and port it leads to. */
export interface Endpoint {
  readonly key: PlainKey;
  readonly value: string;
  readonly host: string;
  readonly port?: number;
}

/** The destinations the endpoint keys set in this config lead to. Pure. */
export function endpointsOf(cfg: PlainConfig): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [key, kind] of Object.entries(ENDPOINT_KEYS) as [PlainKey, "address" | "url"][]) {
    const value = cfg[key];
    if (typeof value !== "string" || value === "") continue;
    if (kind === "address") {
      const g = SERVICE_ADDRESS.exec(value)?.groups;
      out.push({ key, value, host: g?.host ?? value, ...(g?.port ? { port: Number(g.port) } : {}) });
    } else {
      const url = parseHttpsUrl(value);
      out.push({ key, value, host: url?.host ?? "", ...(url ? { port: url.port } : {}) });
    }
  }
  // CI endpoints: the deploy step sends its Pulumi token to the backend, the build talks to the remote cache; the
  // same check holds them (their schemes differ, so the WHATWG URL parser reads their host and port).
  const ciUrls: [PlainKey, string][] = [
    ...(cfg.pulumiBackendUrl ? [["pulumiBackendUrl", cfg.pulumiBackendUrl] as [PlainKey, string]] : []),
    ...(cfg.bazelRemoteCache ? [["bazelRemoteCache", cfg.bazelRemoteCache] as [PlainKey, string]] : []),
    ...cfg.pulumiBackendAllowList.map((u) => ["pulumiBackendAllowList", u] as [PlainKey, string]),
  ];
  for (const [key, value] of ciUrls) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // the key's own grammar refuses it
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    out.push({ key, value, host, ...(url.port ? { port: Number(url.port) } : {}) });
  }
  return out;
}

/**
 * The network rules of the config (config/network.ts): every CIDR canonical, `egressDeniedCidrs` strict subsets of the
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
  if (!valid) return [...problems, ...endpointProblems(cfg)];
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
  problems.push(...endpointProblems(cfg));
  return problems;
}

/** Every endpoint key whose destination endpointProblem refuses, with the key, its value and what is allowed. Pure. */
export function endpointProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  for (const endpoint of endpointsOf(cfg)) {
    const why = endpointProblem(endpoint.host, endpoint.port, cfg.allowedLinkLocalCidrs);
    if (why)
      problems.push(
        problem(
          endpoint.key,
          endpoint.value,
          why.startsWith("a destination") ? why : `${PLAIN_KEYS[endpoint.key].allowed}; ${why}`,
        ),
      );
  }
  return problems;
}
