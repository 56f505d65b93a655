// components/pipeline.ts, triggers.ts, deployer.ts: the shared root pipeline as Planton compiles it, generic over
// services; one trigger; one deployer; the step scripts run with stub tools.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { parse, stringify } from "yaml";
import { ServiceDelivery } from "../../components/delivery";
import { selectImage } from "../../components/image-choice";
import {
  PIPELINE_FILE,
  RootPipeline,
  SERVICE_PARAMS,
  serviceBuildParams,
  TASKS_DIR,
} from "../../components/pipeline";
import { CACHE_WORKSPACES, rootPipelineTasks, TASK_NAMES } from "../../components/pipeline-tasks";
import { parsePlainConfig } from "../../config/parse";
import type { BuildDescription, RootPipelineDescription, ServiceDescription } from "../../config/service";
import { describeService } from "../../config/services/workflow-runner";
import {
  ALWAYS_SUPPLIED_PARAMS,
  BUILD_SECRET_FILES,
  COMPILE_VERDICTS,
  type CompileVerdict,
  MONOREPO_BAZEL_VERSION,
  REGISTRY_PARAM,
} from "../../contracts/planton";
import { type Evaluation, evaluate, PROJECT_DIR } from "../../tools/plan/evaluate";
import { kubernetesObjects, renderKubernetesYaml, repositoryFiles } from "../../tools/plan/render";
import { readProjectFile, readStackFile, resolveConfig } from "../../tools/plan/stack-files";
import { at, digest, TOOL_DIGESTS, tektonLint, tempDir } from "../helpers";
import { type CompileInput, compile, entryParams } from "../planton-compile";
import {
  flagValues,
  type Obj,
  runTask,
  STUB_PUSHED,
  STUB_REPO,
  STUB_SHA,
  stubTools,
  UP_HEAD,
  upArgs,
} from "../tekton-sim";

const REPO = STUB_REPO;
const SHA = STUB_SHA;
const OLDER = "89abcdef0123456789abcdef0123456789abcdef";
const PUSHED = STUB_PUSHED;
const SERVICE_NAMES = /workflow[-_]runner|stigmer[-_]service|agent[-_]runner/;

function service(stack: string, overrides: Record<string, string> = {}): ServiceDescription {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, stack), overrides);
  const raw = Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v]),
  );
  return describeService(parsePlainConfig(raw), `stigmer/workflow-runner/${stack}`);
}

/** The committed files of a plan, by path. */
function filesOf(ev: Evaluation): Record<string, string> {
  return Object.fromEntries(repositoryFiles(ev).map((f) => [f.path, f.content]));
}

/** What Planton compiles for a service: the committed files and the entry's params. */
function compileInputOf(files: Record<string, string>, entryPath: string): CompileInput {
  const entry = parse(files[entryPath] ?? "");
  return {
    pipelineFile: files[PIPELINE_FILE],
    taskFiles: Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(`${TASKS_DIR}/`))),
    entryParams: entryParams(entry),
    registry: true,
    buildSecrets: Object.values(BUILD_SECRET_FILES),
  };
}

const ENTRY = "_ops/planton/service-hub/services/workflow-runner/service.yaml";

describe("the root pipeline, as Planton compiles it", () => {
  let ev: Evaluation;
  let files: Record<string, string>;
  let input: CompileInput;
  before(async () => {
    ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5") },
    });
    files = filesOf(ev);
    input = compileInputOf(files, ENTRY);
  });

  it("commits one Pipeline and its three Tasks, and the entry", () => {
    assert.deepEqual(Object.keys(files).sort(), [
      PIPELINE_FILE,
      `${TASKS_DIR}/${TASK_NAMES.buildPush}.yaml`,
      `${TASKS_DIR}/${TASK_NAMES.deploy}.yaml`,
      `${TASKS_DIR}/${TASK_NAMES.checkout}.yaml`,
      ENTRY,
    ]);
  });

  it("compiles with no verdict", () => {
    assert.deepEqual(compile(input), []);
  });

  it("declares every parameter Planton always supplies, and image-name", () => {
    const declared = parse(files[PIPELINE_FILE] ?? "").spec.params.map((p: Obj) => p.name);
    for (const name of [...ALWAYS_SUPPLIED_PARAMS, REGISTRY_PARAM]) assert.ok(declared.includes(name), name);
  });

  it("names no service in the shared files", () => {
    for (const [file, content] of Object.entries(files)) {
      if (file.startsWith(".planton/")) assert.doesNotMatch(content, SERVICE_NAMES, file);
    }
  });

  it("passes tekton-lint, which does catch an undefined param", async () => {
    const dir = tempDir("lint-");
    const good = path.join(dir, "good.yaml");
    writeFileSync(
      good,
      Object.entries(files)
        .filter(([p]) => p.startsWith(".planton/"))
        .map(([, c]) => `---\n${c}`)
        .join(""),
    );
    assert.deepEqual(
      (await tektonLint([good])).filter((p) => p.level === "error"),
      [],
    );
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync(good, "utf8").replace("$(params.git-url)", "$(params.git-urls)"));
    assert.ok((await tektonLint([bad])).some((p) => p.rule === "no-undefined-param"));
  });

  /** Breaks a copy of the compile input; each verdict has one. */
  const mutatePipeline = (i: CompileInput, f: (p: Obj) => void): CompileInput => {
    const p = parse(i.pipelineFile ?? "");
    f(p);
    return { ...i, pipelineFile: stringify(p) };
  };
  const mutateTask = (i: CompileInput, name: string, f: (t: Obj) => void): CompileInput => {
    const file = `${TASKS_DIR}/${name}.yaml`;
    const t = parse(i.taskFiles[file] ?? "");
    f(t);
    return { ...i, taskFiles: { ...i.taskFiles, [file]: stringify(t) } };
  };
  const breakers: Record<CompileVerdict, (i: CompileInput) => CompileInput> = {
    invalid_yaml: (i) => ({ ...i, pipelineFile: `${i.pipelineFile}\n  broken: [unclosed\n` }),
    invalid_pipeline_schema: (i) => mutatePipeline(i, (p) => (p.apiVersion = "tekton.dev/v1beta1")),
    multiple_pipeline_documents: (i) => ({ ...i, pipelineFile: `${i.pipelineFile}---\n${i.pipelineFile}` }),
    unexpected_document_kind: (i) => ({
      ...i,
      taskFiles: {
        ...i.taskFiles,
        [`${TASKS_DIR}/settings.yaml`]: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
      },
    }),
    duplicate_task_definition: (i) => ({
      ...i,
      taskFiles: {
        ...i.taskFiles,
        [`${TASKS_DIR}/copy.yaml`]: i.taskFiles[`${TASKS_DIR}/${TASK_NAMES.deploy}.yaml`] ?? "",
      },
    }),
    unresolved_task_ref: (i) => ({
      ...i,
      taskFiles: Object.fromEntries(
        Object.entries(i.taskFiles).filter(([p]) => !p.endsWith(`${TASK_NAMES.checkout}.yaml`)),
      ),
    }),
    resolver_ref_unsupported: (i) =>
      mutatePipeline(i, (p) => (p.spec.tasks[0].taskRef = { resolver: "hub", params: [] })),
    undeclared_param: (i) => ({ ...i, entryParams: { ...i.entryParams, "node-version": "20" } }),
    missing_required_param: (i) => ({
      ...i,
      entryParams: Object.fromEntries(Object.entries(i.entryParams).filter(([k]) => k !== "service-name")),
    }),
    unbindable_workspace: (i) =>
      mutatePipeline(
        i,
        (p) => (p.spec.workspaces.find((w: Obj) => w.name === "registry-credentials").optional = false),
      ),
    secrets_workspace_without_secrets: (i) => ({
      ...mutatePipeline(
        i,
        (p) => (p.spec.workspaces.find((w: Obj) => w.name === "secrets").optional = false),
      ),
      buildSecrets: [],
    }),
    build_secrets_never_mounted: (i) =>
      mutatePipeline(i, (p) => {
        p.spec.workspaces = p.spec.workspaces.filter((w: Obj) => w.name !== "secrets");
        for (const t of p.spec.tasks) t.workspaces = t.workspaces.filter((w: Obj) => w.name !== "secrets");
      }),
    dangling_result_reference: (i) =>
      mutatePipeline(i, (p) => (p.spec.results[1].value = "$(tasks.build-push.results.IMAGE_DIGESTS)")),
    literal_secret_env: (i) =>
      mutateTask(i, TASK_NAMES.deploy, (t) =>
        t.spec.steps[0].env.push({ name: "PULUMI_ACCESS_TOKEN", value: "pul-0123456789abcdef" }),
      ),
    repo_file_unreadable: (i) => ({ ...i, pipelineFile: undefined }),
  };
  for (const code of COMPILE_VERDICTS) {
    it(`refuses a broken copy with ${code}`, () => {
      const verdicts = compile(breakers[code](input));
      assert.ok(
        verdicts.some((v) => v.code === code),
        `expected ${code} among ${JSON.stringify(verdicts)}`,
      );
    });
  }
});

describe("a second service through the same components", () => {
  it("renders byte-identical pipeline and task files and its own entry", async () => {
    const base = service("dev");
    const build = base.build;
    assert.ok(build);
    const others: ServiceDescription[] = ["stigmer-service", "agent-runner"].map((name) => ({
      ...base,
      name,
      workload: { ...base.workload, namespace: `${name}-dev` },
      build: { ...build, projectRoot: `backend/services/${name}` },
    }));
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      program: () => {
        const kubernetes = new k8s.Provider("kubernetes", {});
        const githubProvider = new github.Provider("github", { owner: base.repository.owner, token: "t" });
        const commitTo = { repository: base.repository.name, branch: base.repository.branch };
        const root = new RootPipeline(
          "root-pipeline",
          { pipeline: build.pipeline, commitTo },
          { providers: [kubernetes, githubProvider] },
        );
        for (const s of [base, ...others]) {
          new ServiceDelivery(
            s.name,
            {
              service: s,
              image: selectImage({ ...s.image, digest: digest("1") }),
              registryUsername: "u",
              registryToken: "t",
              serviceSecrets: { STIGMER_API_KEY: "k" },
              rootPipeline: root,
              githubProvider,
            },
            { providers: [kubernetes] },
          );
        }
        return {};
      },
    });
    const fleet = filesOf(ev);
    const single = filesOf(
      await evaluate({
        stack: "dev",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        config: { imageDigest: digest("5") },
      }),
    );
    for (const file of Object.keys(single).filter((p) => p.startsWith(".planton/"))) {
      assert.equal(fleet[file], single[file], `${file} differs`);
    }
    for (const name of ["workflow-runner", "stigmer-service", "agent-runner"]) {
      const entryPath = `_ops/planton/service-hub/services/${name}/service.yaml`;
      const entry = parse(fleet[entryPath] ?? "");
      assert.equal(entry.metadata.name, name);
      assert.equal(entryParams(entry)["service-name"], name);
      assert.equal(entry.spec.gitRepo.projectRoot, `backend/services/${name}`);
      assert.deepEqual(compile(compileInputOf(fleet, entryPath)), [], name);
    }
  });
});

describe("one trigger", () => {
  let planton: Obj[];
  let tekton: Obj[];
  let tektonFiles: Record<string, string>;
  before(async () => {
    planton = kubernetesObjects(
      await evaluate({ stack: "dev", registryDigests: TOOL_DIGESTS, config: { imageDigest: digest("5") } }),
    );
    const tev = await evaluate({
      stack: "dev",
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5"), trigger: "tekton" },
    });
    tekton = kubernetesObjects(tev);
    tektonFiles = filesOf(tev);
  });

  it("planton (the default): no EventListener, Ingress, template or Tekton object in any cluster", () => {
    const kinds = new Set(planton.map((o) => o.kind));
    for (const kind of ["EventListener", "TriggerTemplate", "TriggerBinding", "Ingress", "Pipeline", "Task"])
      assert.ok(!kinds.has(kind), kind);
  });

  it("tekton: the EventListener, its template and the root pipeline applied, from the same files", () => {
    const kinds = new Set(tekton.map((o) => o.kind));
    for (const kind of ["EventListener", "TriggerTemplate", "TriggerBinding", "Ingress", "Pipeline", "Task"])
      assert.ok(kinds.has(kind), kind);
    const committed = parse(tektonFiles[PIPELINE_FILE] ?? "");
    const applied = tekton.find((o) => o.kind === "Pipeline");
    assert.deepEqual(applied.spec, committed.spec);
    assert.equal(applied.metadata.namespace, "workflow-runner-ci");
  });

  it("tekton: the template hands the pipeline exactly what Planton would, and the files compile with it", () => {
    const template = tekton.find((o) => o.kind === "TriggerTemplate");
    const run = template.spec.resourcetemplates[0];
    const params = Object.fromEntries(run.spec.params.map((p: Obj) => [p.name, p.value]));
    const entry = entryParams(parse(tektonFiles[ENTRY] ?? ""));
    assert.deepEqual(
      Object.keys(params).sort(),
      [...ALWAYS_SUPPLIED_PARAMS, REGISTRY_PARAM, ...Object.keys(entry)].sort(),
    );
    for (const [k, v] of Object.entries(entry)) assert.equal(params[k], v, k);
    assert.equal(params[REGISTRY_PARAM], `${REPO}:$(tt.params.git-revision)`);
    assert.deepEqual(
      run.spec.workspaces.map((w: Obj) => w.name),
      ["source", "secrets", "registry-credentials", "build-cache", "deploy-cache"],
    );
    // The caches are claims that outlive the run, applied beside the pipeline in the CI namespace.
    for (const cache of Object.values(CACHE_WORKSPACES)) {
      const bound = run.spec.workspaces.find((w: Obj) => w.name === cache.workspace);
      assert.deepEqual(bound.persistentVolumeClaim, { claimName: cache.claimName });
      const claim = tekton.find(
        (o) => o.kind === "PersistentVolumeClaim" && o.metadata.name === cache.claimName,
      );
      assert.equal(claim?.metadata.namespace, "workflow-runner-ci", cache.claimName);
      assert.deepEqual(claim.spec.resources.requests, { storage: "50Gi" });
    }
    const platform = Object.fromEntries(Object.entries(params).filter(([k]) => !(k in entry)));
    const verdicts = compile({
      ...compileInputOf(tektonFiles, ENTRY),
      entryParams: { ...entry, ...Object.fromEntries(Object.keys(platform).map((k) => [k, ""])) },
    });
    assert.deepEqual(
      verdicts.filter((v) => v.code !== "undeclared_param"),
      [],
    );
    // The run's labels carry the owner identifier, and Tekton propagates them to every TaskRun and Pod.
    assert.equal(
      run.metadata.labels[params["owner-identifier-label-key"]],
      params["owner-identifier-label-value"],
    );
  });

  it("tekton: the CI namespace denies by default, and opens DNS, HTTPS out and the webhook from the ingress controller", () => {
    const policies = tekton.filter(
      (o) => o.kind === "NetworkPolicy" && o.metadata.namespace === "workflow-runner-ci",
    );
    const byName = Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec]));
    assert.deepEqual(byName["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    // HTTPS out to the internet less the cluster's ranges and metadata; the API server alone on 443 and 6443.
    const [, out, api] = byName["allow-dns-and-https"].egress;
    assert.deepEqual(
      out.ports.map((p: Obj) => p.port),
      [443],
    );
    const denied = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];
    assert.deepEqual(out.to[0].ipBlock.except, denied);
    assert.deepEqual(
      api.ports.map((p: Obj) => p.port),
      [443, 6443],
    );
    assert.deepEqual(api.to, [{ ipBlock: { cidr: "0.0.0.0/0", except: denied } }]);
    assert.deepEqual(byName["allow-event-listeners"].ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
    assert.ok(
      !planton.some((o) => o.kind === "NetworkPolicy" && o.metadata.namespace === "workflow-runner-ci"),
    );
  });

  it("tekton: the EventListener's own least roles, no Secret reads, no impersonation", () => {
    const roles = tekton.filter(
      (o) => (o.kind === "Role" || o.kind === "ClusterRole") && o.metadata.name.includes("triggers"),
    );
    assert.equal(roles.length, 2);
    for (const role of roles) {
      for (const rule of role.rules) {
        assert.ok(!rule.resources.includes("secrets"), JSON.stringify(rule));
        assert.ok(!rule.verbs.includes("impersonate") && !rule.verbs.includes("*"), JSON.stringify(rule));
      }
    }
    const bindings = tekton.filter((o) => o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding");
    for (const b of bindings) assert.doesNotMatch(b.roleRef.name, /tekton-triggers-eventlistener/);
  });
});

describe("one deployer", () => {
  let ev: Evaluation;
  let files: Record<string, string>;
  before(async () => {
    ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5") },
    });
    files = filesOf(ev);
  });

  it("turns Planton's deploy stage off, maps main to dev, and names the deploy's build secrets (v1alpha1, the default)", () => {
    const entry = parse(files[ENTRY] ?? "");
    assert.equal(entry.apiVersion, "service-hub.planton.ai/v1alpha1");
    assert.deepEqual(entry.spec.deploy, {
      branchDeployments: [{ branch: "main", env: "dev" }],
      disableDeployments: true,
    });
    assert.deepEqual(
      entry.spec.build.tektonPipeline.secrets.map((s: Obj) => s.name),
      Object.values(BUILD_SECRET_FILES),
    );
  });

  it("gives the build secrets to the deploy task only, as files, never as params or env literals", () => {
    const pipeline = parse(files[PIPELINE_FILE] ?? "");
    const byTask = Object.fromEntries(
      pipeline.spec.tasks.map((t: Obj) => [t.name, t.workspaces.map((w: Obj) => w.name)]),
    );
    assert.deepEqual(byTask, {
      checkout: ["source"],
      "build-push": ["source", "registry-credentials", "build-cache"],
      deploy: ["secrets", "deploy-cache"],
    });
    for (const [file, content] of Object.entries(files).filter(([p]) => p.startsWith(TASKS_DIR))) {
      for (const step of parse(content).spec.steps) {
        for (const e of step.env ?? [])
          assert.ok(e.valueFrom === undefined, `${file}: ${e.name} from a Secret`);
        assert.equal(step.envFrom, undefined, file);
      }
    }
    assert.doesNotMatch(JSON.stringify(pipeline.spec.params), /token|password/i);
  });

  it("lets the deployer patch the one Deployment by name, create only Jobs (the verification), and touch no Secret", () => {
    const role = ev.resources.find((r) => r.name === "workflow-runner-deployer-role");
    const rules = role?.inputs.rules as Obj[];
    const writes = rules.filter((r) =>
      r.verbs.some((v: string) => ["create", "update", "patch", "delete"].includes(v)),
    );
    assert.deepEqual(writes, [
      {
        apiGroups: ["apps"],
        resources: ["deployments"],
        resourceNames: ["workflow-runner"],
        verbs: ["get", "patch", "update"],
      },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
    ]);
    assert.ok(!rules.some((r) => r.resources.includes("secrets")));
    assert.equal(at(role?.inputs, "metadata.namespace"), "workflow-runner-dev");
  });

  it("builds with the monorepo's Bazel version", () => {
    const task = parse(files[`${TASKS_DIR}/${TASK_NAMES.buildPush}.yaml`] ?? "");
    assert.match(
      task.spec.steps[0].image,
      new RegExp(
        `^gcr\\.io/bazel-public/bazel:${MONOREPO_BAZEL_VERSION.replace(/\./g, "\\.")}(@sha256:[a-f0-9]{64})?$`,
      ),
    );
  });

  it("renders valid Kubernetes schemas for every object in both trigger modes", async () => {
    const { kubernetesSchemaError, CUSTOM_RESOURCE_GROUPS } = await import("../helpers");
    const tev = await evaluate({
      stack: "dev",
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5"), trigger: "tekton" },
    });
    for (const o of kubernetesObjects(tev)) {
      if (CUSTOM_RESOURCE_GROUPS.some((g) => String(o.apiVersion).startsWith(g))) continue;
      assert.equal(await kubernetesSchemaError(o), undefined, `${o.kind} ${o.metadata.name}`);
    }
    assert.ok(renderKubernetesYaml(kubernetesObjects(tev)).length > 0);
  });
});

describe("the step scripts, with stub tools", () => {
  let tasks: Record<string, Obj>;
  before(async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5") },
    });
    const files = filesOf(ev);
    tasks = Object.fromEntries(
      Object.values(TASK_NAMES).map((n) => [n, parse(files[`${TASKS_DIR}/${n}.yaml`] ?? "")]),
    );
  });
  const buildParams = (extra: Record<string, string> = {}) => ({
    "service-name": "workflow-runner",
    commit: SHA,
    "image-name": `${REPO}:${SHA}`,
    ...extra,
  });

  it("build-push derives the monorepo's targets from service-name and builds with --config=ci and TAG", () => {
    const root = tempDir("bp-");
    const { log, stubs } = stubTools(root, {
      refs: `ghcr.io/stigmer/stigmer-cloud/backend/services/agent-runner@${PUSHED}`,
    });
    const run = runTask(
      tasks[TASK_NAMES.buildPush],
      buildParams({ "service-name": "agent-runner", "image-name": "" }),
      root,
      stubs,
    );
    assert.equal(run.status, 0, run.stderr);
    const calls = readFileSync(log, "utf8");
    const flags = `--config=ci --define=TAG=${SHA} --repository_cache=\\S+ --disk_cache=\\S+`;
    assert.match(calls, new RegExp(`run ${flags} //backend/services/agent-runner:agent_runner_push$`, "m"));
    assert.match(
      calls,
      new RegExp(`cquery ${flags} --output=files //backend/services/agent-runner:agent_runner_image$`, "m"),
    );
    assert.doesNotMatch(calls, /--image-refs/, "rules_oci's push script ignores a caller's --image-refs");
    assert.equal(run.results.IMAGE_DIGEST, PUSHED);
  });

  it("build-push takes the tag from image-name, honours target overrides, and reports the Chains pair", () => {
    const root = tempDir("bp-");
    const { log, stubs } = stubTools(root);
    const run = runTask(
      tasks[TASK_NAMES.buildPush],
      buildParams({
        "image-name": `${REPO}:v2`,
        "push-target": "//x/y:push_all",
        "image-target": "//x/y:img",
      }),
      root,
      stubs,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(log, "utf8"), /run --config=ci --define=TAG=v2 \S+ \S+ \/\/x\/y:push_all$/m);
    assert.deepEqual(run.results, { IMAGE_URL: `${REPO}:v2`, IMAGE_DIGEST: PUSHED, IMAGE_TAG: "v2" });
  });

  for (const [title, opts, params, message] of [
    [
      "a push that prints no reference",
      { refs: `${REPO}:latest` },
      {},
      /the push printed no pushed reference/,
    ],
    [
      "a layout digest that differs from the printed one",
      { index: `{"manifests":[{"digest":"${digest("9")}"}]}` },
      {},
      /index\.json names sha256:9{64}/,
    ],
    [
      "a registry that serves another digest for the tag",
      { served: digest("8") },
      {},
      /the registry serves 'sha256:8{64}'/,
    ],
    [
      "a push to another repository than image-name's",
      {},
      { "image-name": `ghcr.io/other/repo:${SHA}` },
      /but Planton's image-name names ghcr.io\/other\/repo/,
    ],
    ["a tag that is not an OCI tag", {}, { "image-name": `${REPO}:-bad` }, /not an OCI tag/],
    ["a service name that is not one", {}, { "service-name": "../etc" }, /not a service name/],
  ] as const) {
    it(`build-push fails on ${title}, before deploy`, () => {
      const root = tempDir("bp-");
      const { stubs } = stubTools(root, opts);
      const run = runTask(tasks[TASK_NAMES.buildPush], buildParams(params), root, stubs);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, message);
      assert.equal(run.results.IMAGE_DIGEST, undefined);
    });
  }

  const deployParams = (extra: Record<string, string> = {}) => ({
    stack: "stigmer/workflow-runner/dev",
    "program-path": "_ops/pulumi/workflow-runner",
    targets:
      "urn:pulumi:dev::workflow-runner::kubernetes:apps/v1:Deployment::a urn:pulumi:dev::workflow-runner::kubernetes:apps/v1:Deployment::b",
    "image-tag": SHA,
    "image-digest": PUSHED,
    "git-url": "https://github.com/stigmer/stigmer-cloud.git",
    "git-revision": SHA,
    ...extra,
  });
  /** Writes the build secrets a deploy reads. */
  function secrets(
    root: string,
    files: Record<string, string> = { "pulumi-access-token": "pul-test", kubeconfig: "apiVersion: v1\n" },
  ) {
    const dir = path.join(root, "workspaces", "secrets");
    mkdirSync(dir, { recursive: true });
    for (const [f, c] of Object.entries(files)) {
      writeFileSync(path.join(dir, f), c);
      chmodSync(path.join(dir, f), 0o600);
    }
  }
  it("deploy runs pulumi up from a fresh clone with the pushed tag and digest, targets and the policy pack", () => {
    const root = tempDir("dp-");
    secrets(root);
    const { log, stubs } = stubTools(root, { running: OLDER, ancestor: true });
    const run = runTask(tasks[TASK_NAMES.deploy], deployParams(), root, stubs);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.results.deployed, "true");
    const args = upArgs(log);
    assert.deepEqual(args.slice(0, 6), [...UP_HEAD]);
    assert.deepEqual(flagValues(args, "--target"), [
      "urn:pulumi:dev::workflow-runner::kubernetes:apps/v1:Deployment::a",
      "urn:pulumi:dev::workflow-runner::kubernetes:apps/v1:Deployment::b",
      "urn:pulumi:dev::workflow-runner::pulumi:pulumi:Stack::workflow-runner-dev",
    ]);
    assert.deepEqual(flagValues(args, "-c"), [
      `workflow-runner:imageTag=${SHA}`,
      `workflow-runner:imageDigest=${PUSHED}`,
    ]);
    const calls = readFileSync(log, "utf8");
    assert.match(calls, new RegExp(`git -C \\S+ fetch -q --filter=blob:none origin ${SHA}`));
    assert.doesNotMatch(calls, /workspaces\/source/, "the deploy never touches the build's checkout");
  });

  it("deploy skips, and succeeds, when the running commit is not an ancestor of the built one", () => {
    const root = tempDir("dp-");
    secrets(root);
    const { log, stubs } = stubTools(root, { running: OLDER, ancestor: false });
    const run = runTask(tasks[TASK_NAMES.deploy], deployParams(), root, stubs);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.results.deployed, "false");
    assert.match(run.stdout, /not an ancestor of it/);
    assert.deepEqual(upArgs(log), []);
  });

  it("deploy waits for another update's lock instead of failing", () => {
    const root = tempDir("dp-");
    secrets(root);
    const { log, stubs } = stubTools(root, { lockedTimes: 2 });
    const run = runTask(tasks[TASK_NAMES.deploy], deployParams(), root, stubs, { LOCK_POLL_SECONDS: "1" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.results.deployed, "true");
    assert.equal((readFileSync(log, "utf8").match(/^sleep 1$/gm) ?? []).length, 2);
  });

  it("deploy gives up when the lock outlasts its timeout", () => {
    const root = tempDir("dp-");
    secrets(root);
    const { stubs } = stubTools(root, { lockedTimes: 99 });
    const run = runTask(tasks[TASK_NAMES.deploy], deployParams(), root, stubs, {
      LOCK_POLL_SECONDS: "1",
      LOCK_TIMEOUT_SECONDS: "0",
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /pulumi up failed/);
  });

  for (const [title, params, files, message] of [
    [
      "without a sha256 digest",
      { "image-digest": "" },
      undefined,
      /refusing to deploy without a sha256 digest/,
    ],
    ["a revision that is not a SHA", { "git-revision": "main" }, undefined, /not a commit SHA/],
    ["without a Pulumi token file", {}, { kubeconfig: "x" }, /no pulumi-access-token file/],
  ] as const) {
    it(`deploy refuses ${title} and never calls pulumi up`, () => {
      const root = tempDir("dp-");
      secrets(root, files);
      const { log, stubs } = stubTools(root);
      const run = runTask(tasks[TASK_NAMES.deploy], deployParams(params), root, stubs);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, message);
      assert.deepEqual(upArgs(log), []);
    });
  }
});

describe("the deploy's Pulumi backend allow-list", () => {
  it("refuses at plan time a backend outside pulumiBackendAllowList, naming the key, the value and the list", () => {
    assert.throws(
      () => service("dev", { "workflow-runner:pulumiBackendUrl": "https://attacker.example" }),
      (err: Error) =>
        err.message.includes(
          'workflow-runner:pulumiBackendUrl: got "https://attacker.example"; allowed: a backend in pulumiBackendAllowList (https://api.pulumi.com); the deploy step sends its Pulumi token there',
        ),
    );
    assert.throws(
      () =>
        service("dev", {
          "workflow-runner:pulumiBackendAllowList": '["https://pulumi.internal.example"]',
        }),
      /pulumiBackendUrl: got .*: empty means Pulumi Cloud, https:\/\/api\.pulumi\.com/,
    );
  });

  it("accepts an allow-listed self-hosted backend, and the committed Task carries the list the step checks", () => {
    const s = service("dev", {
      "workflow-runner:pulumiBackendUrl": "https://pulumi.internal.example",
      "workflow-runner:pulumiBackendAllowList":
        '["https://api.pulumi.com","https://pulumi.internal.example"]',
    });
    const task = rootPipelineTasks(s.build?.pipeline as RootPipelineDescription)[TASK_NAMES.deploy];
    const env = Object.fromEntries((task?.spec.steps[0]?.env ?? []).map((e: Obj) => [e.name, e.value]));
    assert.equal(env.PULUMI_BACKEND_ALLOWED, "https://api.pulumi.com https://pulumi.internal.example");
    assert.equal(
      serviceBuildParams(s.name, s.build as BuildDescription, [])[SERVICE_PARAMS.pulumiBackendUrl],
      "https://pulumi.internal.example",
    );
  });
});
