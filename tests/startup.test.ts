// The real service starts: each stack's rendered Deployment, its env resolved from the plan, run through the service's
// own start-up rules (tests/service-startup.ts), with probes and egress checked against what that start-up serves.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type Evaluation, evaluate } from "../tools/plan/evaluate";
import { devOutputs, digest, promotable, TOOL_DIGESTS } from "./helpers";
import { type Destination, egressAllows, resolveEnv, startService } from "./service-startup";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects as plain JSON.
type Obj = any;

const REPO = "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner";
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

/** What the stack promises: the mode it configures and the Temporal frontend's address. */
interface Expected {
  readonly mode: string;
  readonly temporal: Destination;
  readonly claimCheck: boolean;
}

/**
 * Every reason the rendered objects would not run the service as configured: start-up exits or falls back, a probe
 * aims at a port the process does not serve, or egress blocks Temporal or the internet's HTTPS (or opens metadata).
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
  if (started.mode !== expected.mode) problems.push(`runs mode ${started.mode}, not ${expected.mode}`);
  if (expected.mode !== "grpc" && started.worker === undefined && !started.exit)
    problems.push("runs no worker");
  if (started.worker && started.worker.claimCheck !== expected.claimCheck)
    problems.push(`claim check is ${started.worker.claimCheck}, not ${expected.claimCheck}`);
  const served = new Set<unknown>(started.grpcPort === undefined ? [] : [started.grpcPort]);
  const named = new Map<unknown, unknown>((container.ports ?? []).map((p: Obj) => [p.name, p.containerPort]));
  for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const probe = container[kind];
    if (!probe) continue;
    const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
    const number = named.get(port) ?? port;
    if (!probe.grpc || !served.has(number))
      problems.push(`${kind} on port ${String(port)}: nothing serves it`);
  }
  if (served.size > 0 && !container.readinessProbe) problems.push("the gRPC server has no readiness probe");
  if (started.worker && !egressAllows(policy, expected.temporal))
    problems.push("egress blocks the Temporal frontend");
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
  });
  const expected: Record<string, Expected> = {
    dev: { mode: "temporal", temporal: temporalFrontend, claimCheck: false },
    prod: { mode: "temporal", temporal: temporalFrontend, claimCheck: true },
  };

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: starts in its mode with every value it needs, probes and egress matching`, () => {
      assert.deepEqual(startupProblems(plans[stack] ?? [], expected[stack] as Expected), []);
    });
  }

  it("prod: the workers poll the real queues in Temporal's default namespace, with claim check on R2", () => {
    const objects = plans.prod ?? [];
    const d = objects.find((o) => o.kind === "Deployment");
    const { env } = resolveEnv(d.spec.template.spec.containers[0], objects, d.metadata.namespace);
    assert.deepEqual(startService(env).worker, {
      address: "temporal-frontend.temporal.svc.cluster.local:7233",
      namespace: "default",
      queues: ["workflow_execution_runner", "zigflow_execution", "workflow_validation_runner"],
      claimCheck: true,
    });
    assert.equal(env.STIGMER_API_KEY, "sk-test");
    assert.equal(env.R2_SECRET_ACCESS_KEY, "r2-secret");
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
      "STIGMER_API_KEY dropped",
      (o) => {
        container(o).env = container(o).env.filter((e: Obj) => e.name !== "STIGMER_API_KEY");
      },
      "exits: failed to load worker config: failed to load Stigmer config: STIGMER_API_KEY environment variable is required",
    ],
    [
      "a mode typo",
      (o) => {
        configMap(o).data.EXECUTION_MODE = "temporl";
      },
      "falls back: Invalid execution mode temporl, defaulting to 'grpc'",
    ],
    [
      "a probe on a closed port",
      (o) => {
        container(o).readinessProbe = { grpc: { port: 8080 } };
      },
      "readinessProbe on port 8080: nothing serves it",
    ],
    [
      "claim check without R2",
      (o) => {
        delete configMap(o).data.R2_BUCKET;
      },
      "exits: failed to load worker config: R2_BUCKET is required when Claim Check is enabled",
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
