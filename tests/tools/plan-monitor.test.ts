// The plan's monitor answers most registrations itself (tools/plan/evaluate.ts recordRegistrations): whole plans
// made that way must equal plans made entirely by the SDK's mock monitor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type EvaluateOptions, type Evaluation, evaluate } from "../../tools/plan/evaluate";
import { PlanMocks } from "../../tools/plan/mocks";
import { devOutputs, digest, promotable, TOOL_DIGESTS } from "../helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const DEV = "stigmer/workflow-runner/dev";

/** Everything a plan is written from, in URN order. */
function view(ev: Evaluation) {
  return {
    resources: [...ev.resources]
      .sort((a, b) => (a.urn < b.urn ? -1 : 1))
      .map((r) => ({
        urn: r.urn,
        type: r.type,
        parent: r.parent,
        custom: r.custom,
        protect: r.protect,
        provider: r.provider,
        inputs: r.inputs,
        revealed: r.revealedInputs,
      })),
    outputs: ev.outputs,
  };
}

describe("the plan's monitor", () => {
  const cases: [string, EvaluateOptions][] = [
    ["dev, preview", { stack: "dev", stackOutputs: devOutputs() }],
    [
      "dev, update (computed values known)",
      {
        stack: "dev",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        config: { imageTag: "v1.2.3", imageDigest: digest("1") },
      },
    ],
    [
      "prod, promoting dev",
      { stack: "prod", stackOutputs: { [DEV]: promotable(`${REPO}:v1@${digest("2")}`) } },
    ],
  ];
  for (const [label, options] of cases) {
    it(`records the same plan as the SDK's own monitor: ${label}`, async () => {
      const answered = await evaluate({ ...options, now: Date.parse("2026-06-01T00:00:00Z") });
      const sdk = await evaluate({
        ...options,
        now: Date.parse("2026-06-01T00:00:00Z"),
        answerInputs: false,
      });
      assert.ok(answered.resources.length > 10, `${answered.resources.length} resources`);
      assert.deepEqual(view(answered), view(sdk));
    });
  }

  it("answers here only types whose state is their inputs, and hands back the inputs object itself", () => {
    const mocks = new PlanMocks({ preview: true });
    const inputs = { metadata: { name: "x" } };
    for (const type of ["kubernetes:apps/v1:Deployment", "github:index/repositoryFile:RepositoryFile"]) {
      assert.equal(mocks.answersWithInputs(type), true, type);
      assert.equal(mocks.newResource({ type, name: "x", inputs, custom: true }).state, inputs, type);
    }
    for (const type of [
      "random:index/randomId:RandomId",
      "kubernetes:batch/v1:Job",
      "pulumi:pulumi:StackReference",
    ]) {
      assert.equal(mocks.answersWithInputs(type), false, type);
    }
    assert.notEqual(
      mocks.newResource({ type: "kubernetes:batch/v1:Job", name: "x", inputs, custom: true }).state,
      inputs,
    );
  });

  it("keeps no state for a getResource invoke, and says so; the SDK's monitor answers it", async () => {
    const program = () => {
      const provider = new k8s.Provider("k", {});
      const cm = new k8s.core.v1.ConfigMap(
        "cm",
        { metadata: { name: "cm" }, data: { a: "b" } },
        { provider },
      );
      const found = cm.urn.apply((urn) => pulumi.runtime.invoke("pulumi:pulumi:getResource", { urn }));
      return { data: found.apply((r) => (r as { state: { data: unknown } }).state.data) };
    };
    await assert.rejects(
      evaluate({ stack: "dev", program }),
      /the plan's monitor keeps no state for urn:pulumi:dev::workflow-runner::kubernetes:core\/v1:ConfigMap::cm: evaluate with answerInputs: false/,
    );
    const sdk = await evaluate({ stack: "dev", program, answerInputs: false });
    assert.deepEqual(sdk.outputs.data?.value, { a: "b" });
  });
});
