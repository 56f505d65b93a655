// CiNetworkPolicy: default-deny for the self-hosted CI namespace, opened only for what runs there.
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { apiServerPeers, internetPeer, NAMESPACE_NAME_LABEL } from "./network-peers";

/** Arguments of CiNetworkPolicy. */
export interface CiNetworkPolicyArgs {
  /** The CI namespace. */
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the ingress controller that forwards GitHub's webhook to the EventListeners. */
  readonly ingressControllerNamespace: string;
  /** Namespace of Tekton Triggers' core interceptors (the GitHub and CEL interceptors). @default "tekton-pipelines" */
  readonly interceptorNamespace?: string;
  /** IPv4 ranges outbound HTTPS may not reach: the cluster's own ranges and the cloud metadata range. */
  readonly deniedCidrs: readonly string[];
  /** The API server's endpoints; empty: any address outside `deniedCidrs` (a public endpoint). @default [] */
  readonly apiServerCidrs?: readonly string[];
  /** Labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Label Tekton Triggers puts on every EventListener pod, valued with the listener's name (tektoncd/triggers
 * examples/selectors/label README: `kubectl get pod -l eventlistener=<name>`).
 */
const EVENT_LISTENER_POD_LABEL = "eventlistener";
/** Port of an EventListener's Service, and of Triggers' core interceptors. */
const EVENT_LISTENER_PORT = 8080;
const INTERCEPTOR_PORT = 8443;

/**
 * The CI namespace's NetworkPolicies: deny everything; then, for every pod, DNS, TCP 443 outside `deniedCidrs`
 * (GitHub, GHCR, Bazel's downloads, the Pulumi backend) and the API server on 443 and 6443; for the EventListeners,
 * the webhook from the ingress controller and the interceptors. No in-cluster address inside `deniedCidrs` is
 * reachable. Pure.
 */
export function buildCiNetworkPolicies(
  a: CiNetworkPolicyArgs,
): Record<string, Input.networking.v1.NetworkPolicy> {
  const meta = (name: string) => ({ name, namespace: a.namespace, labels: { ...a.labels } });
  const inNamespace = (ns: string) => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } },
  });
  return {
    "default-deny": {
      metadata: meta("default-deny"),
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    "allow-dns-and-https": {
      metadata: meta("allow-dns-and-https"),
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ...inNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { port: 53, protocol: "UDP" },
              { port: 53, protocol: "TCP" },
            ],
          },
          { to: [internetPeer(a.deniedCidrs)], ports: [{ port: 443, protocol: "TCP" }] },
          {
            to: apiServerPeers(a.apiServerCidrs ?? [], a.deniedCidrs),
            ports: [
              { port: 443, protocol: "TCP" },
              { port: 6443, protocol: "TCP" },
            ],
          },
        ],
      },
    },
    "allow-event-listeners": {
      metadata: meta("allow-event-listeners"),
      spec: {
        podSelector: { matchExpressions: [{ key: EVENT_LISTENER_POD_LABEL, operator: "Exists" }] },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [inNamespace(a.ingressControllerNamespace)],
            ports: [{ port: EVENT_LISTENER_PORT, protocol: "TCP" }],
          },
        ],
        egress: [
          {
            to: [inNamespace(a.interceptorNamespace ?? "tekton-pipelines")],
            ports: [{ port: INTERCEPTOR_PORT, protocol: "TCP" }],
          },
        ],
      },
    },
  };
}

/** Default-deny NetworkPolicies for the self-hosted CI namespace. */
export class CiNetworkPolicy extends pulumi.ComponentResource {
  constructor(name: string, args: CiNetworkPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:CiNetworkPolicy", name, {}, opts);
    for (const [key, policy] of Object.entries(buildCiNetworkPolicies(args))) {
      // One policy per purpose: deny all, DNS and HTTPS out, the EventListeners' webhook and interceptors.
      new k8s.networking.v1.NetworkPolicy(`${name}-${key}`, policy, { parent: this });
    }
    this.registerOutputs({});
  }
}
