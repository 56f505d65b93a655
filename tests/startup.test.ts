// The real service starts: each stack's rendered Deployment, its env resolved from the plan, run through the service's
// own start-up rules (tests/service-startup.ts), with probes and egress checked against what that start-up serves.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { TASK_QUEUES } from "../contracts/workflow-runner";
import { type Evaluation, evaluate } from "../tools/plan/evaluate";
import { devOutputs, digest, promotable, stackFileValue, TOOL_DIGESTS } from "./helpers";
import { type Destination, egressAllows, resolveEnv, startService } from "./service-startup";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects as plain JSON.
type Obj = any;

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
/** Labels the Temporal Helm chart puts on frontend pods (temporalio/helm-charts, templates/server-deployment.yaml). */
const TEMPORAL_FRONTEND_POD = {
  "app.kubernetes.io/name": "temporal",
  "app.kubernetes.io/instance": "temporal",
  "app.kubernetes.io/component": "frontend",
};
/** A public address (outside every cluster range), the metadata address, and a pod address. */
const PUBLIC_IP = "104.18.2.3";
const METADATA_IP = "169.254.169.254";
const POD_IP = "10.12.0.7";

/** What the stack promises: the Temporal frontend, its address, and the claim check's storage. */
interface Expected {
  readonly temporal: Destination;
  readonly temporalAddress: string;
  readonly claimCheck: "off" | "proxy" | "r2";
}

/**
 * Every reason the rendered objects would not run the service as configured: start-up exits or falls back, the
 * worker polls other queues than the fixed ones or authenticates with another credential than the stack's, a
 * probe, a port or a Service aims at a process that listens on nothing, or egress blocks Temporal or the internet's
 * HTTPS (or opens metadata).
 */
export function startupProblems(objects: readonly Obj[], expected: Expected): string[] {
  const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "workflow-runner");
  const policy = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "workflow-runner");
  if (!deployment || !policy) return ["no workflow-runner Deployment or NetworkPolicy in the plan"];
  const container = deployment.spec.template.spec.containers[0];
  const { env, problems } = resolveEnv(container, objects, deployment.metadata.namespace);
  const started = startService(env);
  if (started.exit) problems.push(`exits: ${started.exit}`);
  problems.push(...started.warnings.map((w) => `falls back: ${w}`));
  const w = started.worker;
  if (w) {
    const fixed = TASK_QUEUES.map((q) => q.name);
    if (w.sandbox || w.queues.join() !== fixed.join())
      problems.push(
        `polls ${w.queues.join(", ")}${w.sandbox ? " (sandbox mode)" : ""}, not ${fixed.join(", ")}`,
      );
    if (w.address !== expected.temporalAddress)
      problems.push(`dials Temporal at ${w.address}, not ${expected.temporalAddress}`);
    if (w.claimCheck !== expected.claimCheck)
      problems.push(`claim check is ${w.claimCheck}, not ${expected.claimCheck}`);
    if (w.authFrom !== "STIGMER_API_KEY")
      problems.push(
        `authenticates with ${w.authFrom}, which takes precedence over the stack's STIGMER_API_KEY`,
      );
  }
  for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const probe = container[kind];
    if (!probe) continue;
    const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
    problems.push(
      `${kind} on ${port === undefined ? "a command" : `port ${String(port)}`}: nothing serves it`,
    );
  }
  for (const p of container.ports ?? [])
    problems.push(`declares port ${p.containerPort}: nothing listens on it`);
  const podLabels = deployment.spec.template.metadata.labels ?? {};
  for (const svc of objects.filter(
    (o) => o.kind === "Service" && o.metadata.namespace === deployment.metadata.namespace,
  )) {
    const selector = svc.spec?.selector ?? {};
    if (Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v))
      problems.push(`Service ${svc.metadata.name} selects the worker: nothing listens`);
  }
  if (w && !egressAllows(policy, expected.temporal)) problems.push("egress blocks the Temporal frontend");
  if (!egressAllows(policy, { ip: PUBLIC_IP, port: 443 }))
    problems.push("egress blocks HTTPS to the internet");
  if (egressAllows(policy, { ip: METADATA_IP, port: 443 }))
    problems.push("egress opens the cloud metadata address");
  if (egressAllows(policy, { ip: POD_IP, port: 443 }))
    problems.push("egress opens cluster-internal addresses");
  return problems;
}

/** The plan's Kubernetes objects with secret values shown (the kubelet sees them). */
function objectsOf(ev: Evaluation): Obj[] {
  return ev.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
    .map((r) => structuredClone(r.revealedInputs));
}

const temporalFrontend: Destination = { namespace: "temporal", podLabels: TEMPORAL_FRONTEND_POD, port: 7233 };
const devRef = `${REPO}:abc1234@${digest("a")}`;

describe("the real service starts from each stack's rendering", () => {
  const plans: Record<string, Obj[]> = {};
  before(async () => {
    const secrets = { stigmerApiKey: "sk-test", r2AccessKeyId: "r2-id", r2SecretAccessKey: "r2-secret" };
    plans.dev = objectsOf(
      await evaluate({
        stack: "dev",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        secrets,
        stackOutputs: devOutputs(),
      }),
    );
    plans.prod = objectsOf(
      await evaluate({
        stack: "prod",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        secrets,
        stackOutputs: { "stigmer/workflow-runner/dev": promotable(devRef) },
      }),
    );
    // prod with claim check through the Stigmer proxy instead of R2: no R2 setting, no R2 key.
    plans.proxy = objectsOf(
      await evaluate({
        stack: "prod",
        preview: false,
        secrets: { stigmerApiKey: "sk-test" },
        config: { stigmerProxyEndpoint: "https://api.stigmer.ai", r2Bucket: "", r2Endpoint: "" },
        stackOutputs: { "stigmer/workflow-runner/dev": promotable(devRef) },
      }),
    );
  });
  const address = "temporal-frontend.temporal.svc.cluster.local:7233";
  const expected: Record<string, Expected> = {
    dev: { temporal: temporalFrontend, temporalAddress: address, claimCheck: "off" },
    prod: { temporal: temporalFrontend, temporalAddress: address, claimCheck: "r2" },
    proxy: { temporal: temporalFrontend, temporalAddress: address, claimCheck: "proxy" },
  };

  for (const stack of ["dev", "prod", "proxy"] as const) {
    it(`${stack}: starts the worker on the fixed queues with every value it needs, no probe, egress matching`, () => {
      assert.deepEqual(startupProblems(plans[stack] ?? [], expected[stack] as Expected), []);
    });
  }

  it("prod: the workers poll the real queues in the stack file's Temporal namespace, with claim check on R2", () => {
    const objects = plans.prod ?? [];
    const d = objects.find((o) => o.kind === "Deployment");
    const { env } = resolveEnv(d.spec.template.spec.containers[0], objects, d.metadata.namespace);
    assert.deepEqual(startService(env).worker, {
      address: "temporal-frontend.temporal.svc.cluster.local:7233",
      namespace: stackFileValue("prod", "temporalNamespace"),
      sandbox: false,
      queues: ["workflow_execution_runner", "zigflow_execution", "workflow_validation_runner"],
      maxConcurrency: 10,
      claimCheck: "r2",
      authFrom: "STIGMER_API_KEY",
      backend: {
        endpoint: stackFileValue("prod", "stigmerBackendEndpoint"),
        tls: stackFileValue("prod", "stigmerBackendTls") === "true",
      },
    });
    assert.equal(env.STIGMER_API_KEY, "sk-test");
    assert.equal(env.R2_SECRET_ACCESS_KEY, "r2-secret");
  });

  it("prod with the proxy: claim check through STIGMER_PROXY_ENDPOINT, authenticated with the stack's key, no R2", () => {
    const objects = plans.proxy ?? [];
    const d = objects.find((o) => o.kind === "Deployment");
    const { env } = resolveEnv(d.spec.template.spec.containers[0], objects, d.metadata.namespace);
    assert.equal(startService(env).worker?.claimCheck, "proxy");
    assert.equal(env.STIGMER_PROXY_ENDPOINT, "https://api.stigmer.ai");
    assert.deepEqual(
      Object.keys(env).filter((k) => k.startsWith("R2_")),
      [],
    );
  });

  /** A copy of prod's objects, broken by `mutate`. */
  function broken(mutate: (objects: Obj[]) => void): Obj[] {
    const objects = structuredClone(plans.prod ?? []);
    mutate(objects);
    return objects;
  }
  const container = (objects: Obj[]) =>
    objects.find((o) => o.kind === "Deployment").spec.template.spec.containers[0];
  const configMap = (objects: Obj[]) =>
    objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "workflow-runner-settings");
  const policy = (objects: Obj[]) => objects.find((o) => o.kind === "NetworkPolicy");

  const breakages: [string, (objects: Obj[]) => void, string][] = [
    [
      "neither STIGMER_TOKEN nor STIGMER_API_KEY",
      (o) => {
        container(o).env = container(o).env.filter((e: Obj) => e.name !== "STIGMER_API_KEY");
      },
      "exits: failed to load worker config: failed to load Stigmer config: STIGMER_TOKEN or STIGMER_API_KEY environment variable is required",
    ],
    [
      "a STIGMER_TOKEN next to the stack's key",
      (o) => {
        configMap(o).data.STIGMER_TOKEN = "user-jwt";
      },
      "authenticates with STIGMER_TOKEN, which takes precedence over the stack's STIGMER_API_KEY",
    ],
    [
      "claim check on R2 without its bucket",
      (o) => {
        delete configMap(o).data.R2_BUCKET;
      },
      "exits: failed to load worker config: R2_BUCKET is required when Claim Check is enabled in direct mode",
    ],
    [
      "claim check on R2 without its secret key",
      (o) => {
        container(o).env = container(o).env.filter((e: Obj) => e.name !== "R2_SECRET_ACCESS_KEY");
      },
      "exits: failed to load worker config: R2_SECRET_ACCESS_KEY is required when Claim Check is enabled in direct mode",
    ],
    [
      "the sandbox's STIGMER_TASK_QUEUE",
      (o) => {
        configMap(o).data.STIGMER_TASK_QUEUE = "runner:abc";
      },
      "polls runner:abc:wf-orch, runner:abc:wf-exec (sandbox mode), not workflow_execution_runner, zigflow_execution, workflow_validation_runner",
    ],
    [
      "TEMPORAL_SERVICE_ADDRESS dropped",
      (o) => {
        delete configMap(o).data.TEMPORAL_SERVICE_ADDRESS;
      },
      "dials Temporal at localhost:7233, not temporal-frontend.temporal.svc.cluster.local:7233",
    ],
    [
      "a probe on a port nothing serves",
      (o) => {
        container(o).readinessProbe = { grpc: { port: 8080 } };
      },
      "readinessProbe on port 8080: nothing serves it",
    ],
    [
      "a container port",
      (o) => {
        container(o).ports = [{ name: "grpc", containerPort: 8080 }];
      },
      "declares port 8080: nothing listens on it",
    ],
    [
      "egress without Temporal",
      (o) => {
        policy(o).spec.egress = policy(o).spec.egress.filter(
          (r: Obj) => !r.ports.some((p: Obj) => p.port === 7233),
        );
      },
      "egress blocks the Temporal frontend",
    ],
    [
      "the Secret reference renamed",
      (o) => {
        container(o).env[0].valueFrom.secretKeyRef.name = "workflow-runner-secrets";
      },
      "env STIGMER_API_KEY: Secret workflow-runner-secrets has no key STIGMER_API_KEY",
    ],
    [
      "HTTPS opened to the metadata address",
      (o) => {
        policy(o).spec.egress[1].to[0].ipBlock.except = [];
      },
      "egress opens the cloud metadata address",
    ],
  ];
  for (const [title, mutate, problem] of breakages) {
    it(`fails a rendering with ${title}`, () => {
      assert.ok(
        startupProblems(broken(mutate), expected.prod as Expected).includes(problem),
        `expected "${problem}" among ${JSON.stringify(startupProblems(broken(mutate), expected.prod as Expected))}`,
      );
    });
  }
});
