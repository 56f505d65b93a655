// components/worker-deployment.ts: the restricted pod, probes and resources, disruption budget and network policy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serviceLabels, versionLabel } from "../../components/labels";
import {
  buildDeployment,
  buildMetricsService,
  buildNetworkPolicy,
  buildPodDisruptionBudget,
  clusterServiceNamespace,
  settingsChecksum,
} from "../../components/worker-deployment";
import { describeService, parsePlainConfig, type ServiceDescription } from "../../config";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../../tools/plan/stack-files";

function service(stack: string, overrides: Record<string, string> = {}): ServiceDescription {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, stack), overrides);
  const raw = Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v]),
  );
  return describeService(parsePlainConfig(raw), stack);
}

function spec(s: ServiceDescription) {
  const labels = serviceLabels(s);
  return { service: s, labels, namespace: s.workload.namespace };
}

// Builders return plain objects when given plain inputs; this reads them as such.
// biome-ignore lint/suspicious/noExplicitAny: test access into Pulumi input types that are plain here.
type Plain = any;

describe("buildDeployment", () => {
  const s = service("prod");
  const d: Plain = buildDeployment({ ...spec(s), imageRef: "repo:t@sha256:x", imagePullSecretName: "pull" });
  const pod = d.spec.template.spec;
  const container = pod.containers[0];

  it("meets the restricted Pod Security Standard", () => {
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    assert.ok(container.securityContext.runAsUser > 0);
  });
  it("mounts no API token and runs under its own ServiceAccount", () => {
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, "workflow-runner");
  });
  it("sets requests, limits and both probes from config", () => {
    assert.deepEqual(container.resources, {
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
    assert.equal(container.livenessProbe.httpGet.path, "/healthz");
    assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  });
  it("reads the Temporal settings from the ConfigMap and rolls pods when they change", () => {
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "workflow-runner-settings" } }]);
    const annotation = d.spec.template.metadata.annotations["stigmer.ai/settings-checksum"];
    assert.equal(annotation, settingsChecksum(s.workload.settings));
    assert.notEqual(annotation, settingsChecksum({ ...s.workload.settings, LOG_LEVEL: "debug" }));
  });
  it("selects on the immutable labels only and labels the pods with the full set", () => {
    assert.deepEqual(d.spec.selector.matchLabels, {
      "app.kubernetes.io/name": "workflow-runner",
      "app.kubernetes.io/instance": "workflow-runner-prod",
    });
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels))
      assert.equal(d.spec.template.metadata.labels[k], v);
  });
  it("spreads replicas over nodes in prod and rolls without losing capacity", () => {
    assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
  });
});

describe("disruption budget, network policy, metrics", () => {
  it("keeps minAvailable pods through drains", () => {
    const pdb: Plain = buildPodDisruptionBudget(spec(service("prod")));
    assert.equal(pdb.spec.minAvailable, 2);
  });
  it("allows egress to DNS and Temporal's namespace and port only, and no ingress without metrics", () => {
    const np: Plain = buildNetworkPolicy(spec(service("dev")));
    assert.deepEqual(np.spec.ingress, []);
    assert.equal(np.spec.egress.length, 2);
    assert.deepEqual(np.spec.egress[1], {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "temporal" } } }],
      ports: [{ port: 7233, protocol: "TCP" }],
    });
    assert.equal(buildMetricsService(spec(service("dev"))), undefined);
  });
  it("opens only the metrics port, behind a Service, when one is configured", () => {
    const np: Plain = buildNetworkPolicy(spec(service("prod")));
    assert.deepEqual(np.spec.ingress, [{ ports: [{ port: 9090, protocol: "TCP" }] }]);
    const svc: Plain = buildMetricsService(spec(service("prod")));
    assert.equal(svc.spec.ports[0].targetPort, "metrics");
  });
  it("allows Temporal on any address, by port, when the host is outside the cluster", () => {
    const np: Plain = buildNetworkPolicy(spec(service("dev", { temporalHostPort: "ns.tmprl.cloud:7233" })));
    assert.deepEqual(np.spec.egress[1], { ports: [{ port: 7233, protocol: "TCP" }] });
    assert.equal(clusterServiceNamespace("ns.tmprl.cloud"), undefined);
  });
});

describe("labels", () => {
  it("labels the version only with a tag that is a valid label value", () => {
    assert.deepEqual(versionLabel("v1.2.3"), { "app.kubernetes.io/version": "v1.2.3" });
    assert.deepEqual(versionLabel("x".repeat(64)), {});
    assert.deepEqual(versionLabel("-bad"), {});
  });
});
