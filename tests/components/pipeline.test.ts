// components/pipeline.ts and triggers.ts: lint-clean Tekton objects, least-privilege identities, one webhook token.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { deployCommand, PIPELINE_FILE } from "../../components/pipeline";
import { pushFilter } from "../../components/triggers";
import { type Evaluation, evaluate, type RecordedResource, SECRET_MARKER } from "../../tools/plan/evaluate";
import { kubernetesObjects, renderKubernetesYaml, repositoryFiles } from "../../tools/plan/render";
import { at, CUSTOM_RESOURCE_GROUPS, digest, one, tektonLint, tempDir } from "../helpers";
import type { Obj } from "../tekton-sim";

describe("the dev stack's build side", () => {
  let ev: Evaluation;
  let objects: Obj[];
  before(async () => {
    ev = await evaluate({ stack: "dev", preview: false, config: { imageDigest: digest("5") } });
    objects = kubernetesObjects(ev);
  });

  it("passes tekton-lint with no errors", async () => {
    const file = path.join(tempDir("lint-"), "tekton.yaml");
    const tekton = objects.filter((o) =>
      CUSTOM_RESOURCE_GROUPS.some((g) => String(o.apiVersion).startsWith(g)),
    );
    assert.deepEqual(tekton.map((o) => o.kind).sort(), [
      "EventListener",
      "Pipeline",
      "Task",
      "Task",
      "Task",
      "TriggerBinding",
      "TriggerTemplate",
    ]);
    writeFileSync(file, renderKubernetesYaml(tekton));
    const problems = await tektonLint([file]);
    assert.deepEqual(
      problems.filter((p) => p.level === "error"),
      [],
    );
  });

  it("defines its own tasks: no hub resolver anywhere", () => {
    assert.doesNotMatch(JSON.stringify(objects), /"resolver"/);
    const pipeline = objects.find((o) => o.kind === "Pipeline");
    for (const t of pipeline.spec.tasks) assert.equal(t.taskRef.kind, "Task");
  });

  it("runs every step non-root with requests and limits", () => {
    for (const task of objects.filter((o) => o.kind === "Task")) {
      for (const step of task.spec.steps) {
        assert.equal(step.securityContext.runAsNonRoot, true, `${task.metadata.name}/${step.name}`);
        assert.equal(step.securityContext.allowPrivilegeEscalation, false);
        assert.ok(step.computeResources.requests && step.computeResources.limits);
      }
    }
  });

  it("gives the deployer rights on Deployments in the workload namespace only", () => {
    const role = one(ev, "kubernetes:rbac.authorization.k8s.io/v1:Role");
    assert.equal(at(role.inputs, "metadata.namespace"), "workflow-runner-dev");
    const rules = role.inputs.rules as Obj[];
    const writable = rules.filter((r) =>
      r.verbs.some((v: string) => ["create", "update", "patch", "delete"].includes(v)),
    );
    assert.deepEqual(
      writable.map((r) => r.resources),
      [["deployments"]],
    );
    assert.ok(
      !rules.some(
        (r) => r.verbs.includes("*") || r.resources.includes("*") || r.resources.includes("secrets"),
      ),
    );
    const binding = ev.resources.find((r) => r.name === "workflow-runner-deployer-binding");
    assert.deepEqual(at(binding?.inputs, "subjects.0"), {
      kind: "ServiceAccount",
      name: "workflow-runner-deployer",
      namespace: "workflow-runner-ci",
    });
  });

  it("binds the listener to the shipped Triggers ClusterRoles", () => {
    const rb = ev.resources.find((r) => r.name === "workflow-runner-roles");
    const crb = one(ev, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    assert.equal(at(rb?.inputs, "roleRef.name"), "tekton-triggers-eventlistener-roles");
    assert.equal(at(crb.inputs, "roleRef.name"), "tekton-triggers-eventlistener-clusterroles");
    const listener = objects.find((o) => o.kind === "EventListener");
    assert.equal(at(rb?.inputs, "subjects.0.name"), listener.spec.serviceAccountName);
  });

  it("keeps the push token apart from the pull token", () => {
    const push = one(ev, "kubernetes:core/v1:Secret", "workflow-runner-push-secret");
    const pull = one(ev, "kubernetes:core/v1:Secret", "workflow-runner-pull");
    assert.equal(push.inputs.stringData, SECRET_MARKER);
    const token = (r: RecordedResource): string =>
      JSON.parse(String((r.revealedInputs.stringData as Record<string, string>)[".dockerconfigjson"])).auths[
        "ghcr.io"
      ].password;
    assert.notEqual(token(push), token(pull));
    assert.match(token(push), /registryPushToken/);
  });

  it("hands GitHub and the EventListener the same webhook token, secret everywhere", () => {
    const webhook = one(ev, "github:index/repositoryWebhook:RepositoryWebhook");
    const secret = ev.resources.find((r) => r.name === "workflow-runner-webhook-secret");
    const inGithub = at(webhook.revealedInputs, "configuration.secret");
    const inCluster = at(secret?.revealedInputs, "stringData.secretToken");
    assert.equal(typeof inGithub, "string");
    assert.equal(inGithub, inCluster);
    // The provider marks the whole configuration secret, so the plan redacts all of it.
    assert.equal(webhook.inputs.configuration, SECRET_MARKER);
    assert.equal(
      at(webhook.revealedInputs, "configuration.url"),
      "https://hooks.dev.stigmer.ai/workflow-runner",
    );
    const listener = objects.find((o) => o.kind === "EventListener");
    assert.equal(
      listener.spec.triggers[0].interceptors[0].params[0].value.secretName,
      "workflow-runner-github-webhook",
    );
  });

  it("publishes the listener's Service at the webhook URL over TLS", () => {
    const ingress = objects.find((o) => o.kind === "Ingress");
    assert.equal(ingress.spec.rules[0].host, "hooks.dev.stigmer.ai");
    assert.equal(ingress.spec.rules[0].http.paths[0].path, "/workflow-runner");
    assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service, {
      name: "el-workflow-runner",
      port: { number: 8080 },
    });
    assert.deepEqual(ingress.spec.tls[0].hosts, ["hooks.dev.stigmer.ai"]);
  });

  it("commits the same Pipeline it applies, and the service-hub entry points at it", () => {
    const files = repositoryFiles(ev);
    assert.deepEqual(
      files.map((f) => f.path),
      [
        ".planton/pipeline.yaml",
        ".planton/tasks/build-push.yaml",
        ".planton/tasks/clone.yaml",
        ".planton/tasks/deploy.yaml",
        "_ops/planton/service-hub/services/workflow-runner.yaml",
      ],
    );
    const applied = objects.find((o) => o.kind === "Pipeline");
    const committed = files.find((f) => f.path === PIPELINE_FILE)?.content ?? "";
    assert.match(committed, /^# Generated by the workflow-runner Pulumi program/);
    assert.deepEqual(parse(committed), applied);
    const entry = parse(files.find((f) => f.path.startsWith("_ops/"))?.content ?? "");
    assert.equal(entry.spec.pipelineConfiguration.tektonPipelineYamlFile, PIPELINE_FILE);
    assert.equal(entry.spec.pipelineConfiguration.pipelineProvider, "self");
    assert.deepEqual(entry.spec.pipelineConfiguration.params, { "service-name": "workflow-runner" });
    assert.equal(
      entry.spec.pipelineConfiguration.imageRepositoryPath,
      "leftbin/stigmer-cloud/backend/services/workflow-runner",
    );
    for (const f of files) assert.equal(f.branch, "main");
    assert.equal(
      ev.outputs.serviceHubEntryPath?.value,
      "_ops/planton/service-hub/services/workflow-runner.yaml",
    );
  });
});

describe("tekton-lint", () => {
  it("reports an error for a task that references an undeclared param", async () => {
    const file = path.join(tempDir("lint-"), "broken.yaml");
    writeFileSync(
      file,
      stringify({
        apiVersion: "tekton.dev/v1",
        kind: "Task",
        metadata: { name: "broken" },
        spec: {
          params: [{ name: "declared", type: "string", description: "d" }],
          steps: [
            {
              name: "s",
              image: "alpine:3.20",
              script: "#!/bin/sh\necho $(params.declared) $(params.undeclared)\n",
            },
          ],
        },
      }),
    );
    const errors = (await tektonLint([file])).filter((p) => p.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.rule, "no-undefined-param");
    assert.match(errors[0]?.message ?? "", /undeclared/);
  });
});

describe("prod, which does not build", () => {
  it("has no Tekton, triggers, webhook or repository files, and needs no build credentials", async () => {
    const ev = await evaluate({
      stack: "prod",
      config: { promoteFrom: "", imageTag: "v1", imageDigest: digest("6") },
    });
    assert.equal(ev.resources.filter((r) => /tekton|github:/.test(r.type)).length, 0);
    assert.equal(ev.outputs.pipelineName?.value, "");
    assert.equal(ev.outputs.eventListenerUrl?.value, "");
  });
});

describe("pure builders", () => {
  it("filters on the branch and repository from config", () => {
    const build = { git: { branch: "release/1.x", owner: "o", repository: "r" } } as Parameters<
      typeof pushFilter
    >[0];
    assert.equal(
      pushFilter(build),
      "body.ref == 'refs/heads/release/1.x' && body.repository.full_name.lowerAscii() == 'o/r' && !body.deleted",
    );
  });
  it("targets each URN given and passes the two image keys", () => {
    const cmd = deployCommand(["urn:a", "urn:b"]);
    assert.match(cmd, /--target 'urn:a' \\\n {2}--target 'urn:b'/);
    assert.match(cmd, /-c "workflow-runner:imageTag=\$IMAGE_TAG"/);
    assert.match(cmd, /-c "workflow-runner:imageDigest=\$IMAGE_DIGEST"/);
  });
});
