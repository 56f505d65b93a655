// The image flow link by link: push payload -> binding -> PipelineRun -> --define TAG -> IMAGE_DIGEST -> pulumi up -c -> pod.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { IMAGE_CONFIG_KEYS, PLAIN_KEYS, PROJECT } from "../config";
import { type Evaluation, evaluate } from "../tools/plan/evaluate";
import { kubernetesObjects } from "../tools/plan/render";
import { parseAssignment } from "../tools/plan/stack-files";
import { at, digest, one, tempDir } from "./helpers";
import { bindPayload, celMatches, instantiateTemplate, type Obj, runTask, substitute } from "./tekton-sim";

const REPO = "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const PUSHED = digest("7");

const payload = {
  ref: "refs/heads/main",
  after: SHA,
  deleted: false,
  repository: {
    clone_url: "https://github.com/leftbin/stigmer-cloud.git",
    full_name: "leftbin/stigmer-cloud",
  },
};

/** Stubs standing in for git, Bazel, npm and pulumi: they record their arguments and answer like the real ones. */
function stubs(root: string, indexJson: string) {
  const log = path.join(root, "calls.log");
  return {
    log,
    stubs: {
      git: `echo "git $*" >> ${log}; if [ "$1" = rev-parse ]; then echo ${SHA}; fi`,
      bazel: [
        `echo "bazel $*" >> ${log}`,
        'if [[ " $* " == *" cquery "* ]]; then',
        `  mkdir -p ${root}/layout && printf '%s' '${indexJson}' > ${root}/layout/index.json && echo ${root}/layout`,
        "fi",
      ].join("\n"),
      npm: `echo "npm $*" >> ${log}`,
      pulumi: `for a in "$@"; do echo "pulumi-arg $a" >> ${log}; done`,
    },
  };
}

const OCI_INDEX = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1234,"digest":"${PUSHED}"}]}`;

describe("the image flow from a push to a pod (dev)", () => {
  let ev: Evaluation;
  let objects: Obj[];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => byKind(kind).find((o) => o.metadata.name === name);

  before(async () => {
    ev = await evaluate({ stack: "dev", preview: false, registryDigests: { [`${REPO}:main`]: digest("0") } });
    objects = kubernetesObjects(ev);
  });

  it("filters pushes to main of this repository, not other branches or deletions", () => {
    const filter = byKind("EventListener")[0].spec.triggers[0].interceptors[1].params[0].value;
    assert.equal(celMatches(filter, payload), true);
    assert.equal(celMatches(filter, { ...payload, ref: "refs/heads/feature" }), false);
    assert.equal(celMatches(filter, { ...payload, deleted: true }), false);
    assert.equal(
      celMatches(filter, { ...payload, repository: { ...payload.repository, full_name: "x/y" } }),
      false,
    );
    // GitHub reports the canonical case; the filter matches whatever case config or payload uses.
    assert.equal(
      celMatches(filter, {
        ...payload,
        repository: { ...payload.repository, full_name: "Leftbin/Stigmer-Cloud" },
      }),
      true,
    );
  });

  it("carries the commit SHA from the payload through the binding into the PipelineRun's image-tag", () => {
    const listener = byKind("EventListener")[0];
    const binding = named("TriggerBinding", listener.spec.triggers[0].bindings[0].ref);
    const template = named("TriggerTemplate", listener.spec.triggers[0].template.ref);
    assert.ok(binding && template, "the listener's binding and template exist");
    const run = instantiateTemplate(template, bindPayload(binding, payload));
    assert.equal(run.kind, "PipelineRun");
    assert.equal(run.spec.pipelineRef.name, byKind("Pipeline")[0].metadata.name);
    const params = Object.fromEntries(run.spec.params.map((p: Obj) => [p.name, p.value]));
    assert.equal(params["git-revision"], SHA);
    assert.equal(params["image-tag"], SHA);
    assert.equal(params["deploy-stack"], "dev");
  });

  it("runs clone, build-push and deploy so that pulumi up receives the pushed tag and digest", async () => {
    const root = tempDir("flow-");
    const { log, stubs: tools } = stubs(root, OCI_INDEX);
    const listener = byKind("EventListener")[0];
    const run = instantiateTemplate(
      named("TriggerTemplate", listener.spec.triggers[0].template.ref),
      bindPayload(named("TriggerBinding", listener.spec.triggers[0].bindings[0].ref), payload),
    );
    const pipeline = byKind("Pipeline")[0];
    const vars: Record<string, string> = {};
    for (const p of pipeline.spec.params) vars[`params.${p.name}`] = p.default;
    for (const p of run.spec.params) {
      assert.ok(`params.${p.name}` in vars, `the PipelineRun passes ${p.name}, which the Pipeline declares`);
      vars[`params.${p.name}`] = p.value;
    }
    // The deploy step's program checkout, where it runs npm ci and pulumi up.
    const programDir = path.join(root, "workspaces", "source", "_ops", "pulumi", "workflow-runner");
    mkdirSync(programDir, { recursive: true });
    for (const pt of pipeline.spec.tasks) {
      const task = named("Task", pt.taskRef.name);
      assert.ok(task, `Task ${pt.taskRef.name} exists`);
      const params = Object.fromEntries(pt.params.map((p: Obj) => [p.name, substitute(p.value, vars)]));
      const result = runTask(task, params, root, tools);
      assert.equal(result.status, 0, `${pt.name} failed: ${result.stderr}`);
      for (const [k, v] of Object.entries(result.results)) vars[`tasks.${pt.name}.results.${k}`] = v;
    }
    const calls = readFileSync(log, "utf8");
    // Bazel pushed the service description's target with the commit as TAG.
    assert.match(
      calls,
      new RegExp(
        `bazel .* run //backend/services/workflow-runner:workflow_runner_push --stamp --define TAG=${SHA}\\n`,
      ),
    );
    // The results are the Tekton Chains pair, with the digest from the image layout.
    assert.equal(vars["tasks.build-push.results.IMAGE_DIGEST"], PUSHED);
    assert.equal(vars["tasks.build-push.results.IMAGE_URL"], `${REPO}:${SHA}`);
    const results = Object.fromEntries(
      pipeline.spec.results.map((r: Obj) => [r.name, substitute(r.value, vars)]),
    );
    assert.deepEqual(results, { IMAGE_URL: `${REPO}:${SHA}`, IMAGE_DIGEST: PUSHED });
    // pulumi up got exactly the keys the program reads, with the pushed values, for the Deployment only.
    const args = calls
      .split("\n")
      .filter((l) => l.startsWith("pulumi-arg "))
      .map((l) => l.slice("pulumi-arg ".length));
    assert.deepEqual(args.slice(0, 5), ["up", "--yes", "--non-interactive", "--skip-preview", "--stack"]);
    assert.equal(args[5], "dev");
    const targets = args.flatMap((a, i) => (args[i - 1] === "--target" ? [a] : []));
    // The Deployment, and the stack's root resource so that its outputs (what prod promotes) follow.
    assert.deepEqual(targets, [
      one(ev, "kubernetes:apps/v1:Deployment").urn,
      "urn:pulumi:dev::workflow-runner::pulumi:pulumi:Stack::workflow-runner-dev",
    ]);
    const config = Object.fromEntries(
      args.flatMap((a, i) => (args[i - 1] === "-c" ? [parseAssignment(a)] : [])),
    );
    assert.deepEqual(config, { [IMAGE_CONFIG_KEYS.tag]: SHA, [IMAGE_CONFIG_KEYS.digest]: PUSHED });
    // The in-cluster kubeconfig carries the stack's context name, so the provider sees the same context.
    const kubeconfig = readFileSync(path.join(root, "deploy-home", ".kube", "config"), "utf8");
    assert.match(kubeconfig, /current-context: stigmer-dev/);

    // Those keys are the ones the program reads, and the Deployment then runs the pushed digest.
    assert.deepEqual(Object.keys(config).sort(), [`${PROJECT}:imageDigest`, `${PROJECT}:imageTag`]);
    assert.ok("imageTag" in PLAIN_KEYS && "imageDigest" in PLAIN_KEYS);
    const deployed = await evaluate({ stack: "dev", config });
    const image = at(
      one(deployed, "kubernetes:apps/v1:Deployment").inputs,
      "spec.template.spec.containers.0.image",
    );
    assert.equal(image, `${REPO}:${SHA}@${PUSHED}`);
    assert.equal(deployed.outputs.imageRef?.value, image);
  });

  it("fails the build when the image layout names no digest, so nothing is deployed", () => {
    const root = tempDir("flow-");
    const { stubs: tools } = stubs(root, '{"manifests":[]}');
    const task = named("Task", "workflow-runner-build-push");
    const run = runTask(task, { "image-tag": SHA, commit: SHA }, root, tools);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /no sha256 digest/);
    assert.equal(run.results.IMAGE_DIGEST, undefined);
  });

  it("refuses to deploy without a sha256 digest and never calls pulumi", () => {
    const root = tempDir("flow-");
    const { log, stubs: tools } = stubs(root, OCI_INDEX);
    const task = named("Task", "workflow-runner-deploy");
    const run = runTask(task, { "image-tag": SHA, "image-digest": "", stack: "dev" }, root, tools);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /refusing to deploy without a sha256 digest/);
    assert.throws(() => readFileSync(log, "utf8"));
  });

  it("falls back to the commit as the tag when the run gives none", () => {
    const root = tempDir("flow-");
    const { log, stubs: tools } = stubs(root, OCI_INDEX);
    const run = runTask(
      named("Task", "workflow-runner-build-push"),
      { "image-tag": "", commit: SHA },
      root,
      tools,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.results.IMAGE_TAG, SHA);
    assert.match(readFileSync(log, "utf8"), new RegExp(`--define TAG=${SHA}`));
  });
});
