// components/worker-deployment.ts: the restricted pod, env by contract, no port and no probe, egress, guards.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildDeployment,
  buildNetworkPolicy,
  buildPodDisruptionBudget,
  checkWorkload,
  egressProblems,
  probeProblems,
  settingsChecksum,
} from "../../components/worker-deployment";
import { serviceLabels, versionLabel } from "../../config/labels";
import { clusterServiceNamespace } from "../../config/network";
import { parsePlainConfig } from "../../config/parse";
import type { ServiceDescription } from "../../config/service";
import { describeService } from "../../config/services/workflow-runner";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../../tools/plan/stack-files";

/** The plain config of a stack as its stack file holds it today (the tests assert rules, never today's values). */
function rawConfig(stack: string, overrides: Record<string, string> = {}): Record<string, string> {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, stack), overrides);
  return Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v]),
  );
}

function service(stack: string, overrides: Record<string, string> = {}): ServiceDescription {
  return describeService(parsePlainConfig(rawConfig(stack, overrides)), stack);
}

function spec(s: ServiceDescription) {
  const labels = serviceLabels(s);
  return { service: s, labels, namespace: s.workload.namespace };
}

// Builders return plain objects when given plain inputs; this reads them as such.
// biome-ignore lint/suspicious/noExplicitAny: test access into Pulumi input types that are plain here.
type Plain = any;

function deploymentOf(s: ServiceDescription): Plain {
  return buildDeployment({
    ...spec(s),
    imageRef: "repo:t@sha256:x",
    imagePullSecretName: "pull",
    secretName: "sec",
  });
}

describe("buildDeployment", () => {
  const s = service("prod");
  const d = deploymentOf(s);
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
  it("sets the stack file's requests and limits, and the configured grace period", () => {
    const raw = rawConfig("prod");
    assert.deepEqual(container.resources, {
      requests: { cpu: raw.cpuRequest, memory: raw.memoryRequest },
      limits: { cpu: raw.cpuLimit, memory: raw.memoryLimit },
    });
    assert.equal(pod.terminationGracePeriodSeconds, Number(raw.terminationGracePeriodSeconds));
    // The values are passed through, not today's figures: other ones reach the pod as given.
    const other = deploymentOf(
      service("prod", { cpuRequest: "250m", cpuLimit: "3", memoryRequest: "1Gi", memoryLimit: "3Gi" }),
    );
    assert.deepEqual(other.spec.template.spec.containers[0].resources, {
      requests: { cpu: "250m", memory: "1Gi" },
      limits: { cpu: "3", memory: "3Gi" },
    });
  });
  it("reads plain settings from the ConfigMap, rolling pods when they change", () => {
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "workflow-runner-settings" } }]);
    const annotation = d.spec.template.metadata.annotations["stigmer.ai/settings-checksum"];
    assert.equal(annotation, settingsChecksum(s.workload.env));
    assert.notEqual(annotation, settingsChecksum({ ...s.workload.env, LOG_LEVEL: "debug" }));
  });
  it("reads each credential by secretKeyRef from the Secret, and never from the ConfigMap", () => {
    assert.deepEqual(
      container.env.map((e: Plain) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]),
      [
        ["STIGMER_API_KEY", "sec", "STIGMER_API_KEY"],
        ["R2_ACCESS_KEY_ID", "sec", "R2_ACCESS_KEY_ID"],
        ["R2_SECRET_ACCESS_KEY", "sec", "R2_SECRET_ACCESS_KEY"],
      ],
    );
    for (const name of ["STIGMER_API_KEY", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"])
      assert.equal(s.workload.env[name], undefined);
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

describe("no port, no probe", () => {
  it("the Temporal worker: no port, no probe, no ingress", () => {
    for (const stack of ["dev", "prod"]) {
      const s = service(stack);
      const c = deploymentOf(s).spec.template.spec.containers[0];
      assert.equal(c.ports, undefined);
      assert.equal(c.livenessProbe ?? c.readinessProbe ?? c.startupProbe, undefined);
      assert.deepEqual((buildNetworkPolicy(spec(s)) as Plain).spec.ingress, []);
      assert.deepEqual(probeProblems(c), []);
    }
  });
  it("refuses any probe and any container port: the worker opens none and has no health command", () => {
    assert.deepEqual(probeProblems({ readinessProbe: { grpc: { port: 8080 } } }, "workflow-runner"), [
      "readinessProbe is set, but workflow-runner opens no port and has no health command to probe",
    ]);
    assert.deepEqual(
      probeProblems(
        { livenessProbe: { exec: { command: ["true"] } }, ports: [{ containerPort: 8080 }] },
        "workflow-runner",
      ),
      [
        "livenessProbe is set, but workflow-runner opens no port and has no health command to probe",
        "a container port is declared, but workflow-runner opens no port",
      ],
    );
  });
});

describe("disruption budget", () => {
  it("keeps the stack file's minAvailable pods through drains", () => {
    const pdb: Plain = buildPodDisruptionBudget(spec(service("prod")));
    assert.equal(pdb.spec.minAvailable, Number(rawConfig("prod").minAvailable));
    const other: Plain = buildPodDisruptionBudget(
      spec(service("prod", { replicas: "5", minAvailable: "2" })),
    );
    assert.equal(other.spec.minAvailable, 2);
  });
});

describe("egress", () => {
  const internet = {
    ipBlock: {
      cidr: "0.0.0.0/0",
      except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
    },
  };
  it("allows DNS, the internet's HTTPS less cluster ranges and metadata, and the in-cluster Temporal frontend", () => {
    const np: Plain = buildNetworkPolicy(spec(service("prod")));
    assert.deepEqual(np.spec.egress[1], { to: [internet], ports: [{ port: 443, protocol: "TCP" }] });
    assert.deepEqual(np.spec.egress[2], {
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "temporal" } },
          podSelector: {
            matchLabels: { "app.kubernetes.io/name": "temporal", "app.kubernetes.io/component": "frontend" },
          },
        },
      ],
      ports: [{ port: 7233, protocol: "TCP" }],
    });
    // The backend and R2 are both on 443 outside the cluster: the HTTPS rule covers them; no duplicate rule.
    assert.equal(np.spec.egress.length, 3);
    assert.deepEqual(egressProblems(np), []);
  });
  it("reaches Temporal by ipBlock when its address is an IP, and by port on the internet when it is external", () => {
    const byIp: Plain = buildNetworkPolicy(spec(service("dev", { temporalAddress: "10.20.30.40:7233" })));
    assert.deepEqual(byIp.spec.egress[2], {
      to: [{ ipBlock: { cidr: "10.20.30.40/32" } }],
      ports: [{ port: 7233, protocol: "TCP" }],
    });
    const external: Plain = buildNetworkPolicy(
      spec(service("dev", { temporalAddress: "ns.tmprl.cloud:7233" })),
    );
    assert.deepEqual(external.spec.egress[2], { to: [internet], ports: [{ port: 7233, protocol: "TCP" }] });
    assert.equal(clusterServiceNamespace("ns.tmprl.cloud"), undefined);
  });
  it("opens a denied range only when it is removed from egressDeniedCidrs", () => {
    const np: Plain = buildNetworkPolicy(spec(service("dev", { egressDeniedCidrs: '["169.254.0.0/16"]' })));
    assert.deepEqual(np.spec.egress[1].to[0].ipBlock.except, ["169.254.0.0/16"]);
  });
  it("finds a rule without a destination or ports", () => {
    assert.deepEqual(egressProblems({ spec: { egress: [{ ports: [{ port: 7233 }] }, { to: [{}] }] } }), [
      "egress rule 0 has no destination (it would allow every address)",
      "egress rule 1 has no ports (it would allow every port)",
    ]);
  });
});

describe("checkWorkload", () => {
  it("refuses a missing secret value, a probe on a closed port, and an open egress rule, all at once", () => {
    const s = service("prod");
    const d = deploymentOf(s);
    d.spec.template.spec.containers[0].readinessProbe = { grpc: { port: 8080 } };
    assert.throws(
      () =>
        checkWorkload(s, { STIGMER_API_KEY: "k", R2_ACCESS_KEY_ID: "i" }, d, {
          spec: { podSelector: {}, egress: [{ ports: [{ port: 7233 }] }] },
        }),
      new Error(
        "WorkerDeployment workflow-runner: R2_SECRET_ACCESS_KEY is required by the service but no value was given; readinessProbe is set, but workflow-runner opens no port and has no health command to probe; egress rule 0 has no destination (it would allow every address)",
      ),
    );
  });
});

describe("labels", () => {
  it("labels the version only with a tag that is a valid label value", () => {
    assert.deepEqual(versionLabel("v1.2.3"), { "app.kubernetes.io/version": "v1.2.3" });
    assert.deepEqual(versionLabel("x".repeat(64)), {});
    assert.deepEqual(versionLabel("-bad"), {});
  });
});
