// The network rules of the config: canonical CIDRs, denied ranges, link-local destinations, hosts.
import { problem } from "./errors";
import { parseHttpsUrl, splitAddress } from "./formats";
import { PLAIN_KEYS, type PlainConfig, type PlainKey } from "./keys";
import {
  type Cidr,
  cidrContains,
  cidrHas,
  cidrProblem,
  cidrsOverlap,
  hostProblem,
  LINK_LOCAL,
  LINK_LOCAL_CIDR,
  parseCidr,
  parseIpv4,
} from "./network";

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
          ["r2Endpoint", cfg.r2Endpoint, parseHttpsUrl(cfg.r2Endpoint)?.host ?? ""] as [
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
