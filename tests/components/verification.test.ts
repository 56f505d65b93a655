// components/verification.ts: the rollout's verification Job, its evidence, and its script against stub tools.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { readScript } from "../../components/steps";
import { buildVerificationJob, REPLACE_UNREADY, verificationJobName } from "../../components/verification";
import { DIGEST_LABEL } from "../../config/labels";
import { POLLER_IDENTITY_FORMATS, type PollerIdentityFormat } from "../../contracts/poller-identity";
import { WORKFLOW_RUNNER_CONTRACT } from "../../contracts/workflow-runner";
import { type Evaluation, evaluate } from "../../tools/plan/evaluate";
import { kubernetesObjects } from "../../tools/plan/render";
import {
  devOutputs,
  digest,
  kubernetesSchemaError,
  one,
  stackFileValue,
  TOOL_DIGESTS,
  tempDir,
} from "../helpers";
import type { Obj } from "../tekton-sim";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const NOW = Date.parse("2026-11-27T12:00:00Z");

describe("the verification of dev's rollout", () => {
  let ev: Evaluation;
  let objects: Obj[];
  const ref = `${REPO}:v7@${digest("7")}`;
  before(async () => {
    ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      now: NOW,
      config: { imageTag: "v7", imageDigest: digest("7") },
      stackOutputs: devOutputs(),
    });
    objects = kubernetesObjects(ev);
  });
  const job = () => objects.find((o) => o.kind === "Job");

  it("is a Job named after the digest, valid against the Kubernetes schema, run once with no retry", async () => {
    assert.equal(job().metadata.name, `workflow-runner-verify-${"7".repeat(12)}`);
    assert.equal(await kubernetesSchemaError(job()), undefined);
    assert.equal(job().spec.backoffLimit, 0);
    assert.equal(job().spec.template.spec.restartPolicy, "Never");
  });

  it("is replaced, not awaited again, when it failed in an earlier update, so a retry of the digest verifies again", () => {
    assert.equal(job().metadata.annotations[REPLACE_UNREADY], "true");
  });

  it("names the same Job for the same digest (so evidence is not reset) and another for another", () => {
    assert.equal(
      verificationJobName("workflow-runner", ref),
      verificationJobName("workflow-runner", `${REPO}:retag@${digest("7")}`),
    );
    assert.notEqual(
      verificationJobName("workflow-runner", ref),
      verificationJobName("workflow-runner", `${REPO}:v7@${digest("8")}`),
    );
  });

  it("runs restricted, with a short-lived projected token instead of an automounted one", () => {
    const pod = job().spec.template.spec;
    const c = pod.containers[0];
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    const token = pod.volumes.find((v: Obj) => v.name === "api-token").projected.sources[0]
      .serviceAccountToken;
    assert.equal(token.expirationSeconds, 3600);
    assert.match(c.image, /^temporalio\/admin-tools:[\w.-]+@sha256:[a-f0-9]{64}$/);
  });

  it("checks every task queue of the contract, in the worker's Temporal namespace, for pods labelled with the digest", () => {
    const env = Object.fromEntries(
      job().spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]),
    );
    // worker/worker.go: activities only on the orchestration and validation queues, both kinds on the execution one.
    assert.equal(
      env.POLLED_QUEUES,
      "activity:workflow_execution_runner workflow:zigflow_execution activity:zigflow_execution activity:workflow_validation_runner",
    );
    assert.equal(env.TEMPORAL_NAMESPACE, stackFileValue("dev", "temporalNamespace"));
    assert.equal(env.TEMPORAL_ADDRESS, "temporal-frontend.temporal.svc.cluster.local:7233");
    assert.equal(env.IMAGE_REF, ref);
    assert.match(decodeURIComponent(env.POD_SELECTOR), new RegExp(`${DIGEST_LABEL}=${"7".repeat(40)}`));
    const deployment = objects.find((o) => o.kind === "Deployment");
    assert.equal(deployment.spec.template.metadata.labels[DIGEST_LABEL], "7".repeat(40));
  });

  it("matches pollers in the identity format the service's contract names (workflow-runner: the Go SDK's)", () => {
    const env = Object.fromEntries(
      job().spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]),
    );
    assert.equal(WORKFLOW_RUNNER_CONTRACT.pollerIdentity, "go");
    assert.equal(env.IDENTITY_FORMAT, WORKFLOW_RUNNER_CONTRACT.pollerIdentity);
  });

  it("reaches only DNS, the Temporal frontend and the API server, and may only read pods", () => {
    const policy = objects.find(
      (o) => o.kind === "NetworkPolicy" && o.metadata.name === "workflow-runner-verify",
    );
    assert.deepEqual(policy.spec.podSelector, { matchLabels: { "stigmer.ai/verifies": "workflow-runner" } });
    assert.deepEqual(policy.spec.ingress, []);
    assert.deepEqual(
      policy.spec.egress.map((r: Obj) => r.ports.map((p: Obj) => p.port)),
      [[53, 53], [7233], [443, 6443]],
    );
    assert.deepEqual(policy.spec.egress[1].to[0].namespaceSelector.matchLabels, {
      "kubernetes.io/metadata.name": "temporal",
    });
    // No in-cluster address on 443/6443: the API server outside the cluster's ranges (none listed in apiServerCidrs).
    assert.deepEqual(policy.spec.egress[2].to[0].ipBlock.except, [
      "10.0.0.0/8",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "100.64.0.0/10",
      "169.254.0.0/16",
    ]);
    const role = objects.find((o) => o.kind === "Role" && o.metadata.name === "workflow-runner-verify");
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]);
  });

  it("publishes the evidence: the exact image, when it was verified, and what verified it", () => {
    assert.equal(ev.outputs.verifiedImageRef?.value, ref);
    assert.equal(ev.outputs.verifiedAt?.value, new Date(NOW).toISOString());
    assert.match(
      String(ev.outputs.verifiedBy?.value),
      /^job workflow-runner-dev\/workflow-runner-verify-7{12} \(temporalio\/admin-tools:/,
    );
    assert.ok(one(ev, "kubernetes:batch/v1:Job"));
  });

  it("is not rendered, and no evidence published, where verifyRollout is off (prod)", async () => {
    const prod = await evaluate({
      stack: "prod",
      config: { promoteFrom: "", minSoak: "0s", imageTag: "v1", imageDigest: digest("1") },
    });
    assert.ok(!prod.resources.some((r) => r.type === "kubernetes:batch/v1:Job"));
    assert.equal(prod.outputs.verifiedImageRef?.value, "");
  });
});

/** Runs the verification script with stub curl and temporal; `pollers` is keyed by `<type>:<queue>`. */
function verify(opts: {
  pods: string[];
  pollers: Record<string, string[]>;
  timeout?: number;
  /** The server reports task queue stats. @default false */
  serverStats?: boolean;
  /** The script's text. @default verify-pollers.sh */
  script?: string;
  /** IDENTITY_FORMAT; unset: the script's default. */
  identityFormat?: string;
  /** POLLED_QUEUES. @default "activity:orch workflow:exec activity:exec activity:valid" */
  polledQueues?: string;
  /**
   * The folder of the image's own tools, first on PATH (busybox applets for temporalio/admin-tools' Alpine base).
   * @default none: this machine's
   */
  imageTools?: string;
}) {
  const root = tempDir("verify-");
  const bin = path.join(root, "bin");
  const sa = path.join(root, "sa");
  mkdirSync(bin, { recursive: true });
  mkdirSync(sa, { recursive: true });
  writeFileSync(path.join(sa, "token"), "t");
  writeFileSync(path.join(sa, "ca.crt"), "ca");
  // The API server's compact pod list: each object's metadata starts with its name.
  const podList = JSON.stringify({
    kind: "PodList",
    items: opts.pods.map((name) => ({ metadata: { name, namespace: "ns" } })),
  });
  const stubs: Record<string, string> = {
    curl: `printf '%s' '${podList}'`,
    temporal: [
      // Like the CLI: without --task-queue-type it reports workflow pollers only (the 0.x default). Like CLI 1.4.1
      // (temporalio/cli temporalcli/commands.taskqueue.go, fixed in 1.6.0 by 90af49c3 "fetch task-queue stats only
      // if available"), it dies on a nil pointer when the server returns no stats, unless --disable-stats.
      'q=""; t=workflow; stats=true',
      'while [ $# -gt 0 ]; do case "$1" in --task-queue) q="$2" ;; --task-queue-type) t="$2" ;; --disable-stats) stats=false ;; esac; shift; done',
      `if [ "$stats" = true ] && [ "${opts.serverStats ?? false}" = false ]; then echo "panic: runtime error: invalid memory address or nil pointer dereference" >&2; exit 2; fi`,
      'case "$t:$q" in',
      ...Object.entries(opts.pollers).map(
        ([key, ids]) =>
          `  ${key}) printf '%s' '${JSON.stringify({ pollers: ids.map((identity) => ({ identity })) })}' ;;`,
      ),
      "  *) printf '{}' ;;",
      "esac",
    ].join("\n"),
    sleep: "true",
  };
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  return spawnSync("bash", ["-c", opts.script ?? readScript("verify-pollers.sh")], {
    encoding: "utf8",
    env: {
      PATH: opts.imageTools ? `${bin}:${opts.imageTools}` : `${bin}:${process.env.PATH}`,
      ...(opts.identityFormat !== undefined ? { IDENTITY_FORMAT: opts.identityFormat } : {}),
      TEMPORAL_ADDRESS: "temporal:7233",
      TEMPORAL_NAMESPACE: "stigmer-dev",
      POLLED_QUEUES: opts.polledQueues ?? "activity:orch workflow:exec activity:exec activity:valid",
      IMAGE_REF: `${REPO}:v7@${digest("7")}`,
      POD_SELECTOR: "x",
      POD_NAMESPACE: "ns",
      TIMEOUT_SECONDS: String(opts.timeout ?? 0),
      SA_DIR: sa,
    },
  });
}

describe("the verification script, with stub Temporal CLI outputs", () => {
  const NEW = "workflow-runner-7d9f8c6b5-abcde";
  const OLD = "workflow-runner-5c4b3a291-zyxwv";
  const ALL = (id: string, extra: string[] = []) => ({
    "activity:orch": [id],
    "workflow:exec": [id, ...extra],
    "activity:exec": [id, ...extra],
    "activity:valid": [id],
  });
  it("succeeds when every task queue has pollers of every kind from a pod that runs the new digest", () => {
    const run = verify({ pods: [NEW], pollers: ALL(`1@${NEW}@`, [`1@${OLD}@`]) });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /verified ghcr\.io\S+: every task queue \(activity:orch workflow:exec/);
  });
  it("fails when a task queue has no pollers at all", () => {
    const { "activity:valid": _, ...rest } = ALL(`1@${NEW}@`);
    const run = verify({ pods: [NEW], pollers: rest });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no poller from a pod that runs sha256:7{64} on: activity:valid$/m);
  });
  it("asks for each kind of poller: the execution queue's activity pollers do not stand in for its workflow pollers", () => {
    const { "workflow:exec": _, ...noWorkflow } = ALL(`1@${NEW}@`);
    const run = verify({ pods: [NEW], pollers: noWorkflow });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /on: workflow:exec$/m);
  });
  it("fails when only the old pods poll", () => {
    const run = verify({ pods: [NEW], pollers: ALL(`1@${OLD}@`) });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /on: activity:orch workflow:exec activity:exec activity:valid$/m);
  });
  it("asks with --disable-stats, which CLI 1.4.1 needs against a server that reports no stats", () => {
    const pollers = ALL(`1@${NEW}@`);
    const without = readScript("verify-pollers.sh").replace(" --disable-stats", "");
    assert.notEqual(without, readScript("verify-pollers.sh"));
    assert.equal(verify({ pods: [NEW], pollers, script: without, serverStats: true }).status, 0);
    const crashed = verify({ pods: [NEW], pollers, script: without });
    assert.equal(crashed.status, 1);
    assert.match(crashed.stderr, /no poller from a pod that runs/);
    assert.equal(verify({ pods: [NEW], pollers }).status, 0);
  });
  it("fails when no pod runs the new digest by the timeout", () => {
    const run = verify({ pods: [], pollers: {}, timeout: 0 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /failed after 0 s: no running pod runs sha256:7{64} yet/);
  });
});

describe("the verification's poller identity format (contracts/poller-identity.ts)", () => {
  const ref = `${REPO}:v7@${digest("7")}`;
  const job = (identityFormat?: PollerIdentityFormat) =>
    buildVerificationJob({
      serviceName: "stigmer-runner",
      namespace: "ns",
      imageRef: ref,
      podSelector: { "app.kubernetes.io/name": "stigmer-runner" },
      temporal: {
        address: "temporal:7233",
        namespace: "default",
        taskQueues: [{ name: "stigmer_runner", pollers: ["workflow", "activity"] }],
      },
      apiServerPeers: [],
      image: "temporalio/admin-tools:1",
      timeoutSeconds: 60,
      serviceAccountName: "stigmer-runner-verify",
      ...(identityFormat ? { identityFormat } : {}),
    });
  const env = (j: ReturnType<typeof job>) =>
    Object.fromEntries((j.spec as Obj).template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));

  it("is go unless the service says otherwise, and the Job hands it to the script with the runner's one queue", () => {
    assert.equal(env(job()).IDENTITY_FORMAT, "go");
    assert.equal(env(job("typescript")).IDENTITY_FORMAT, "typescript");
    assert.equal(env(job("typescript")).POLLED_QUEUES, "workflow:stigmer_runner activity:stigmer_runner");
  });

  // The runner's pod and identities: one queue, workflow and activity pollers on it.
  const POD = "stigmer-runner-6b7c8d9f4-qwert";
  const RUNNER_QUEUES = "workflow:stigmer_runner activity:stigmer_runner";
  const both = (id: string) => ({ "workflow:stigmer_runner": [id], "activity:stigmer_runner": [id] });
  const IDENTITY: Readonly<Record<PollerIdentityFormat, (pod: string) => string>> = {
    go: (pod) => `7@${pod}@stigmer_runner`,
    typescript: (pod) => `7@${pod}`,
  };
  /** temporalio/admin-tools' tools: Alpine's busybox applets (grep, sed, sort, tr, cat), bash first on PATH. */
  let alpine = "";
  before(() => {
    alpine = path.join(tempDir("alpine-"), "bin");
    mkdirSync(alpine, { recursive: true });
    for (const applet of ["grep", "sed", "sort", "tr", "cat"])
      symlinkSync("/usr/bin/busybox", path.join(alpine, applet));
    symlinkSync("/usr/bin/bash", path.join(alpine, "bash"));
  });
  const run = (format: string | undefined, pods: string[], pollers: Record<string, string[]>) =>
    verify({
      pods,
      pollers,
      polledQueues: RUNNER_QUEUES,
      imageTools: alpine,
      ...(format !== undefined ? { identityFormat: format } : {}),
    });

  for (const format of POLLER_IDENTITY_FORMATS) {
    const other = POLLER_IDENTITY_FORMATS.find((f) => f !== format) as PollerIdentityFormat;
    it(`${format}: accepts the pod's own identity, refuses the ${other} form of it`, () => {
      const ok = run(format, [POD], both(IDENTITY[format](POD)));
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /verified .*\(workflow:stigmer_runner activity:stigmer_runner\)/);
      const refused = run(format, [POD], both(IDENTITY[other](POD)));
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /on: workflow:stigmer_runner activity:stigmer_runner$/m);
    });
    it(`${format}: refuses the identity of a pod whose name only starts with the new pod's (a vs ab)`, () => {
      const refused = run(format, ["a"], both(IDENTITY[format]("ab")));
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /no poller from a pod that runs sha256:7{64} on: workflow:stigmer_runner/);
      assert.equal(run(format, ["ab"], both(IDENTITY[format]("ab"))).status, 0);
      // Nor a longer name that ends with it, nor an identity without a pid.
      assert.equal(run(format, ["b"], both(IDENTITY[format]("ab"))).status, 1);
      assert.equal(run(format, [POD], both(IDENTITY[format](POD).replace(/^7/, "x"))).status, 1);
    });
  }

  it("defaults to go where IDENTITY_FORMAT is unset, and refuses a format it does not know", () => {
    assert.equal(run(undefined, [POD], both(IDENTITY.go(POD))).status, 0);
    assert.equal(run(undefined, [POD], both(IDENTITY.typescript(POD))).status, 1);
    const bad = run("java", [POD], both(IDENTITY.go(POD)));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^IDENTITY_FORMAT=java: expected go or typescript$/m);
  });
});
