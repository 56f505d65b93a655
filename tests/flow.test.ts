// The image flow link by link, from the parameters Planton supplies: entry params -> root pipeline -> --define TAG ->
// the pushed digest -> pulumi up -c -> the pod's image. And the same from a self-hosted push.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { PIPELINE_FILE, TASKS_DIR } from "../components/pipeline";
import { IMAGE_CONFIG_KEYS, PLAIN_KEYS, PROJECT } from "../config/keys";
import { ALWAYS_SUPPLIED_PARAMS, REGISTRY_PARAM } from "../contracts/planton";
import { type Evaluation, evaluate } from "../tools/plan/evaluate";
import { kubernetesObjects, repositoryFiles } from "../tools/plan/render";
import { parseAssignment } from "../tools/plan/stack-files";
import { at, devOutputs, one, TOOL_DIGESTS, tempDir } from "./helpers";
import { entryParams } from "./planton-compile";
import {
  bindPayload,
  celMatches,
  flagValues,
  instantiateTemplate,
  type Obj,
  runTask,
  STUB_PUSHED,
  STUB_REPO,
  STUB_SHA,
  stubTools,
  substitute,
  UP_HEAD,
  upArgs,
} from "./tekton-sim";

const REPO = STUB_REPO;
const SHA = STUB_SHA;
const PUSHED = STUB_PUSHED;
const ENTRY = "_ops/planton/service-hub/services/workflow-runner/service.yaml";

const payload = {
  ref: "refs/heads/main",
  after: SHA,
  deleted: false,
  repository: {
    clone_url: "https://github.com/stigmer/stigmer-cloud.git",
    full_name: "stigmer/stigmer-cloud",
  },
};

/** Runs the Pipeline's tasks in order with the given run params, as Tekton would; returns every task's results. */
function runPipeline(
  pipeline: Obj,
  tasks: Readonly<Record<string, Obj>>,
  runParams: Readonly<Record<string, string>>,
  root: string,
  tools: Record<string, string>,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const p of pipeline.spec.params) if (p.default !== undefined) vars[`params.${p.name}`] = p.default;
  for (const [k, v] of Object.entries(runParams)) {
    assert.ok(
      pipeline.spec.params.some((p: Obj) => p.name === k),
      `the run passes ${k}, which the Pipeline declares`,
    );
    vars[`params.${k}`] = v;
  }
  for (const p of pipeline.spec.params) assert.ok(`params.${p.name}` in vars, `${p.name} has a value`);
  // The build secrets of the environment, as Planton mounts them (one file each).
  const secrets = path.join(root, "workspaces", "secrets");
  mkdirSync(secrets, { recursive: true });
  writeFileSync(path.join(secrets, "pulumi-access-token"), "pul-flow");
  writeFileSync(path.join(secrets, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
  chmodSync(path.join(secrets, "pulumi-access-token"), 0o600);
  for (const pt of pipeline.spec.tasks) {
    const skip = (pt.when ?? []).some(
      (w: Obj) => (w.operator === "notin") === w.values.includes(substitute(w.input, vars)),
    );
    if (skip) continue;
    const task = tasks[pt.taskRef.name];
    assert.ok(task, `Task ${pt.taskRef.name} is committed beside the pipeline`);
    const params = Object.fromEntries(pt.params.map((p: Obj) => [p.name, substitute(p.value, vars)]));
    // Self-hosted and Planton runs alike leave registry-credentials to the run identity here.
    const result = runTask(task, params, root, tools, {}, ["registry-credentials"]);
    assert.equal(result.status, 0, `${pt.name} failed: ${result.stderr}`);
    for (const [k, v] of Object.entries(result.results)) vars[`tasks.${pt.name}.results.${k}`] = v;
  }
  return vars;
}

describe("the image flow from Planton's parameters to a pod (dev)", () => {
  let ev: Evaluation;
  let pipeline: Obj;
  let tasks: Record<string, Obj>;
  let entry: Obj;
  before(async () => {
    ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      stackOutputs: devOutputs(),
    });
    const files = Object.fromEntries(repositoryFiles(ev).map((f) => [f.path, parse(f.content)]));
    pipeline = files[PIPELINE_FILE];
    tasks = Object.fromEntries(
      Object.entries(files)
        .filter(([p]) => p.startsWith(`${TASKS_DIR}/`))
        .map(([, t]) => [t.metadata.name, t]),
    );
    entry = files[ENTRY];
  });

  it("builds, pushes, and deploys so that the pod runs exactly the pushed digest", async () => {
    const root = tempDir("flow-");
    const { log, stubs: tools } = stubTools(root);
    // What Planton supplies for a push of SHA on main: its nine, image-name, and the entry's params.
    const platform: Record<string, string> = Object.fromEntries(ALWAYS_SUPPLIED_PARAMS.map((p) => [p, ""]));
    Object.assign(platform, {
      "git-url": "https://github.com/stigmer/stigmer-cloud.git",
      "git-revision": SHA,
      "git-branch": "main",
      "project-root": entry.spec.gitRepo.projectRoot,
      [REGISTRY_PARAM]: `ghcr.io/${entry.spec.build.imageRepositoryPath}:${SHA}`,
    });
    const vars = runPipeline(pipeline, tasks, { ...platform, ...entryParams(entry) }, root, tools);
    const calls = readFileSync(log, "utf8");
    // Bazel pushed the monorepo's target for service-name, with --config=ci and the commit as TAG.
    assert.match(
      calls,
      new RegExp(
        `bazel .* run --config=ci --define=TAG=${SHA} \\S+ \\S+ //backend/services/workflow-runner:workflow_runner_push$`,
        "m",
      ),
    );
    const results = Object.fromEntries(
      pipeline.spec.results.map((r: Obj) => [r.name, substitute(r.value, vars)]),
    );
    assert.deepEqual(results, { IMAGE_URL: `${REPO}:${SHA}`, IMAGE_DIGEST: PUSHED });
    assert.equal(vars["tasks.deploy.results.deployed"], "true");

    // pulumi up got exactly the keys the program reads, with the pushed values, for the Deployment only.
    const args = upArgs(log);
    assert.deepEqual(args.slice(0, 6), [...UP_HEAD]);
    assert.deepEqual(flagValues(args, "--target"), [
      one(ev, "kubernetes:apps/v1:Deployment").urn,
      one(ev, "kubernetes:batch/v1:Job").urn,
      "urn:pulumi:dev::workflow-runner::pulumi:pulumi:Stack::workflow-runner-dev",
    ]);
    const config = Object.fromEntries(flagValues(args, "-c").map((a) => parseAssignment(a)));
    assert.deepEqual(config, { [IMAGE_CONFIG_KEYS.tag]: SHA, [IMAGE_CONFIG_KEYS.digest]: PUSHED });
    assert.deepEqual(Object.keys(config).sort(), [`${PROJECT}:imageDigest`, `${PROJECT}:imageTag`]);
    assert.ok("imageTag" in PLAIN_KEYS && "imageDigest" in PLAIN_KEYS);

    // Those keys are the ones the program reads, and the Deployment then runs the pushed digest.
    const deployed = await evaluate({ stack: "dev", config });
    const image = at(
      one(deployed, "kubernetes:apps/v1:Deployment").inputs,
      "spec.template.spec.containers.0.image",
    );
    assert.equal(image, `${REPO}:${SHA}@${PUSHED}`);
    assert.equal(deployed.outputs.imageRef?.value, image);
  });

  it("skips the deploy for a service whose entry names no stack (built only)", () => {
    const root = tempDir("flow-");
    const { log, stubs: tools } = stubTools(root);
    const params = {
      "git-url": "https://github.com/stigmer/stigmer-cloud.git",
      "git-revision": SHA,
      "service-name": "stigmer-service",
    };
    runPipeline(pipeline, tasks, params, root, tools);
    const calls = readFileSync(log, "utf8");
    assert.match(calls, /\/\/backend\/services\/stigmer-service:stigmer_service_push/);
    assert.doesNotMatch(calls, /pulumi-arg/);
  });
});

describe("the same flow from a self-hosted push (trigger tekton)", () => {
  let objects: Obj[];
  let pipeline: Obj;
  const named = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  before(async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { trigger: "tekton" },
      stackOutputs: devOutputs(),
    });
    objects = kubernetesObjects(ev);
    pipeline = objects.find((o) => o.kind === "Pipeline");
  });

  it("filters pushes to main of this repository, in any case, not other branches or deletions", () => {
    const filter = objects.find((o) => o.kind === "EventListener").spec.triggers[0].interceptors[1].params[0]
      .value;
    assert.equal(celMatches(filter, payload), true);
    assert.equal(celMatches(filter, { ...payload, ref: "refs/heads/feature" }), false);
    assert.equal(celMatches(filter, { ...payload, deleted: true }), false);
    // GitHub's push payload always carries `deleted`; without it CEL errors (no such key), which Triggers takes as no match.
    const { deleted: _, ...withoutDeleted } = payload;
    assert.equal(celMatches(filter, withoutDeleted), false);
    assert.equal(
      celMatches(filter, { ...payload, repository: { ...payload.repository, full_name: "x/y" } }),
      false,
    );
    assert.equal(
      celMatches(filter, {
        ...payload,
        repository: { ...payload.repository, full_name: "Stigmer/Stigmer-Cloud" },
      }),
      true,
    );
  });

  it("runs the same root pipeline to the same deploy, from the payload through binding and template", () => {
    const listener = objects.find((o) => o.kind === "EventListener");
    const run = instantiateTemplate(
      named("TriggerTemplate", listener.spec.triggers[0].template.ref),
      bindPayload(named("TriggerBinding", listener.spec.triggers[0].bindings[0].ref), payload),
    );
    assert.equal(run.spec.pipelineRef.name, pipeline.metadata.name);
    const params = Object.fromEntries(run.spec.params.map((p: Obj) => [p.name, p.value]));
    assert.equal(params["git-revision"], SHA);
    assert.equal(params[REGISTRY_PARAM], `${REPO}:${SHA}`);
    const root = tempDir("flow-tk-");
    const { log, stubs: tools } = stubTools(root);
    const tasks = Object.fromEntries(
      objects.filter((o) => o.kind === "Task").map((t) => [t.metadata.name, t]),
    );
    const vars = runPipeline(pipeline, tasks, params, root, tools);
    assert.equal(vars["tasks.build-push.results.IMAGE_DIGEST"], PUSHED);
    assert.match(readFileSync(log, "utf8"), new RegExp(`pulumi-arg ${IMAGE_CONFIG_KEYS.digest}=${PUSHED}`));
  });
});
