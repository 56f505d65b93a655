// NetworkPolicy peers every component's policy is made of: the internet less denied ranges, the API server, a target.
import type { input as Input } from "@pulumi/kubernetes/types";
import { clusterServiceNamespace, parseIpv4 } from "../config/network";
import type { EgressTarget } from "../config/service";

/** The label the API server puts on every namespace, valued with its name: how a policy selects a namespace. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The internet less `denied`: where registries, GitHub and the Pulumi backend are. Pure. */
export function internetPeer(denied: readonly string[]): Input.networking.v1.NetworkPolicyPeer {
  return { ipBlock: { cidr: "0.0.0.0/0", ...(denied.length ? { except: [...denied] } : {}) } };
}

/**
 * Where a pod reaches the API server (443 and 6443): its listed endpoints, or, with none listed, any address outside
 * `denied` (a public endpoint); never an in-cluster address inside `denied`. Pure.
 */
export function apiServerPeers(
  apiServerCidrs: readonly string[],
  denied: readonly string[],
): Input.networking.v1.NetworkPolicyPeer[] {
  return apiServerCidrs.length > 0
    ? apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } }))
    : [internetPeer(denied)];
}

/** The peer an egress target is reached at: a cluster namespace (and pods), one IP, or the internet. Pure. */
export function egressPeer(
  target: EgressTarget,
  denied: readonly string[],
): Input.networking.v1.NetworkPolicyPeer {
  const namespace = target.clusterNamespace ?? clusterServiceNamespace(target.host);
  if (namespace) {
    return {
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
      ...(target.podLabels ? { podSelector: { matchLabels: { ...target.podLabels } } } : {}),
    };
  }
  if (parseIpv4(target.host) !== undefined) return { ipBlock: { cidr: `${target.host}/32` } };
  return internetPeer(denied);
}
