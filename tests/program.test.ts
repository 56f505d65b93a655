// index.ts evaluated end to end with both real stack files: the wiring from config to registry to Deployment.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError } from "../config/errors";
import {
  type Evaluation,
  EvaluationError,
  evaluate,
  PROJECT_DIR,
  UNKNOWN_MARKER,
} from "../tools/plan/evaluate";
import { repositoryFiles } from "../tools/plan/render";
import { readStackFile } from "../tools/plan/stack-files";
import { at, digest, one, promotable, stackFileValue, TOOL_DIGESTS } from "./helpers";
import { entryParams } from "./planton-compile";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const DEV = "stigmer/workflow-runner/dev";

for (const stack of ["dev", "prod"]) {
  describe(`the ${stack} stack`, () => {
    let ev: Evaluation;
    const dig = digest(stack === "dev" ? "1" : "2");
    it("evaluates with the tag and digest the pipeline passes (dev) or promotes (prod)", async () => {
      ev =
        stack === "dev"
          ? await evaluate({ stack, config: { imageTag: "v1.2.3", imageDigest: dig } })
          : await evaluate({ stack, stackOutputs: { [DEV]: promotable(`${REPO}:v1.2.3@${dig}`) } });
      assert.ok(ev.resources.length > 5);
    });
    it("runs exactly the registry's imageRef in the Deployment", () => {
      const deployment = one(ev, "kubernetes:apps/v1:Deployment");
      const image = at(deployment.inputs, "spec.template.spec.containers.0.image");
      assert.equal(image, `${REPO}:v1.2.3@${dig}`);
      assert.equal(image, ev.outputs.imageRef?.value);
      assert.equal(ev.outputs.imageDigest?.value, dig);
      assert.equal(ev.outputs.imageTag?.value, "v1.2.3");
    });
    it("pulls with the Secret the registry made", () => {
      const deployment = one(ev, "kubernetes:apps/v1:Deployment");
      const secret = one(ev, "kubernetes:core/v1:Secret", "workflow-runner-pull");
      assert.equal(secret.parent.endsWith("stigmer:delivery:GhcrRegistry::workflow-runner"), true);
      assert.deepEqual(at(deployment.inputs, "spec.template.spec.imagePullSecrets"), [
        { name: at(secret.inputs, "metadata.name") },
      ]);
    });
    it("runs the pod non-root with a read-only root filesystem", () => {
      const deployment = one(ev, "kubernetes:apps/v1:Deployment");
      assert.equal(at(deployment.inputs, "spec.template.spec.securityContext.runAsNonRoot"), true);
      assert.equal(
        at(deployment.inputs, "spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem"),
        true,
      );
    });
    it("puts the worker and its pull Secret in the stack's namespace and exports its names", () => {
      const ns = ev.outputs.namespace?.value;
      const workload = ev.resources.filter(
        (x) =>
          x.custom && x.type.startsWith("kubernetes:") && /(WorkerDeployment|GhcrRegistry)::/.test(x.parent),
      );
      assert.ok(workload.length >= 6);
      for (const r of workload) assert.equal(at(r.inputs, "metadata.namespace"), ns, `${r.type} ${r.name}`);
      assert.equal(
        at(
          one(ev, "kubernetes:core/v1:Namespace", "workflow-runner-workload-namespace").inputs,
          "metadata.name",
        ),
        ns,
      );
      assert.equal(ev.outputs.deploymentName?.value, "workflow-runner");
      assert.equal(ev.outputs.serviceAccountName?.value, "workflow-runner");
    });
    it("deploys with the stack's own Kubernetes provider and context", () => {
      const provider = one(ev, "pulumi:providers:kubernetes");
      assert.equal(provider.inputs.context, stackFileValue(stack, "kubeContext"));
    });
  });
}

describe("stack differences", () => {
  it("protects prod's namespace and keeps the stack file's replicas and minAvailable", async () => {
    const prod = await evaluate({
      stack: "prod",
      config: { promoteFrom: "", minSoak: "0s", imageTag: "v1", imageDigest: digest("3") },
    });
    assert.equal(one(prod, "kubernetes:core/v1:Namespace").protect, true);
    const file = readStackFile(PROJECT_DIR, "prod");
    assert.equal(
      at(one(prod, "kubernetes:apps/v1:Deployment").inputs, "spec.replicas"),
      Number(file["workflow-runner:replicas"]),
    );
    assert.equal(
      at(one(prod, "kubernetes:policy/v1:PodDisruptionBudget").inputs, "spec.minAvailable"),
      Number(file["workflow-runner:minAvailable"]),
    );
    const dev = await evaluate({ stack: "dev", config: { imageDigest: digest("3") } });
    assert.equal(
      one(dev, "kubernetes:core/v1:Namespace", "workflow-runner-workload-namespace").protect,
      false,
    );
  });
  it("adopts an existing namespace without managing it", async () => {
    const ev = await evaluate({
      stack: "dev",
      config: { createNamespace: "false", imageDigest: digest("4") },
    });
    assert.equal(ev.resources.filter((r) => r.name === "workflow-runner-workload-namespace").length, 0);
    assert.equal(
      at(one(ev, "kubernetes:apps/v1:Deployment").inputs, "metadata.namespace"),
      "workflow-runner-dev",
    );
  });
  it("shows the image as unknown, not as a bare tag, when a tag comes without a digest", async () => {
    const ev = await evaluate({ stack: "dev", config: { imageTag: "v1" } });
    assert.equal(
      at(one(ev, "kubernetes:apps/v1:Deployment").inputs, "spec.template.spec.containers.0.image"),
      UNKNOWN_MARKER,
    );
  });
});

describe("bad config", () => {
  it("stops before a single resource is registered", async () => {
    await assert.rejects(evaluate({ stack: "prod", config: { replicas: "-1" } }), (err: unknown) => {
      assert.ok(err instanceof EvaluationError);
      // The program loads its own copy of config/ on each evaluation, so compare by name.
      assert.equal((err.cause as Error).name, ConfigError.name);
      assert.equal(
        err.message,
        'Invalid stack configuration:\n  - workflow-runner:replicas: got "-1"; allowed: an integer from 1 to 50',
      );
      assert.equal(err.resources.length, 0);
      return true;
    });
  });
});

describe("explicit providers", () => {
  it("manages every Kubernetes object with the stack's Kubernetes provider and every GitHub resource with its GitHub provider", async () => {
    const ev = await evaluate({ stack: "dev", config: { imageDigest: digest("5") } });
    const k8sProvider = one(ev, "pulumi:providers:kubernetes").urn;
    const githubProvider = one(ev, "pulumi:providers:github").urn;
    const managed = ev.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    for (const r of managed.filter((x) => x.type.startsWith("kubernetes:"))) {
      assert.equal(r.provider.split("::").slice(0, -1).join("::"), k8sProvider, `${r.type} ${r.name}`);
    }
    const gh = managed.filter((x) => x.type.startsWith("github:"));
    // The root pipeline's four files and the entry; Planton owns the webhook.
    assert.equal(gh.length, 5);
    for (const r of gh)
      assert.equal(r.provider.split("::").slice(0, -1).join("::"), githubProvider, `${r.type} ${r.name}`);
  });
});

describe("URNs as the engine forms them", () => {
  it("carry the whole parent-type chain, as pulumi.createUrn builds them, in the plan and the deploy targets", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("5") },
    });
    const deployment = one(ev, "kubernetes:apps/v1:Deployment");
    const parent = ev.resources.find((r) => r.urn === deployment.parent);
    assert.ok(parent);
    const sdk = await new Promise<string>((resolve) =>
      pulumi.createUrn(deployment.name, deployment.type, parent.urn, "workflow-runner", "dev").apply(resolve),
    );
    assert.equal(deployment.urn, sdk);
    assert.equal(
      deployment.urn,
      "urn:pulumi:dev::workflow-runner::stigmer:delivery:ServiceDelivery$stigmer:delivery:WorkerDeployment$kubernetes:apps/v1:Deployment::workflow-runner-deployment",
    );
    // The entry hands the pipeline's deploy step exactly those URNs to target: the Deployment and its verification.
    const entry = repositoryFiles(ev).find((f) => f.path.endsWith("services/workflow-runner/service.yaml"));
    assert.equal(
      entryParams(parse(entry?.content ?? ""))["deploy-targets"],
      `${deployment.urn} ${one(ev, "kubernetes:batch/v1:Job").urn}`,
    );
    // A top-level resource has no parent type, as under the engine's root Stack.
    assert.equal(
      one(ev, "pulumi:providers:kubernetes").urn,
      "urn:pulumi:dev::workflow-runner::pulumi:providers:kubernetes::kubernetes",
    );
  });
});
