// contracts/stack-outputs.ts: index.ts returns exactly the contract, the example consumer evaluates against it, and renames break the build.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { STACK_OUTPUT_NAMES } from "../contracts/stack-outputs";
import { evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { at, digest, one, promotable, TOOL_DIGESTS } from "./helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";

/** Type-checks fixture files in one program against the project's compiler options; errors by fixture name. */
function typeErrorsOf(sources: Readonly<Record<string, string>>): Record<string, string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "contract-"));
  const files = Object.fromEntries(Object.keys(sources).map((name) => [name, path.join(dir, `${name}.ts`)]));
  for (const [name, source] of Object.entries(sources)) writeFileSync(files[name] ?? "", source);
  const program = ts.createProgram(Object.values(files), {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    types: ["node"],
    typeRoots: [path.join(PROJECT_DIR, "node_modules", "@types")],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return Object.fromEntries(
    Object.entries(files).map(([name, file]) => [
      name,
      diagnostics
        .filter((d) => d.file?.fileName === file)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    ]),
  );
}

const outputsModule = JSON.stringify(path.join(PROJECT_DIR, "contracts", "stack-outputs"));

/** The contract fixtures: one that matches, one with a renamed output, one reading an output that does not exist. */
const FIXTURES = {
  ok: `
      import type { StackOutputsInput } from ${outputsModule};
      export const ok: StackOutputsInput = {
        imageRef: "r", imageTag: "t", imageDigest: "d", imageOrigin: "config", imagePinned: false, namespace: "n",
        serviceAccountName: "s", deploymentName: "d", temporalNamespace: "tn", temporalTaskQueue: "q",
        pipelineName: "", eventListenerUrl: "", serviceHubEntryPath: "p",
        verifiedImageRef: "", verifiedAt: "", verifiedBy: "",
      };`,
  renamed: `
      import type { StackOutputsInput } from ${outputsModule};
      export const renamed: StackOutputsInput = {
        imageRef: "r", imageTag: "t", imageDigest: "d", imageOrigin: "config", imagePinned: false, namespace: "n",
        serviceAccountName: "s", deploymentName: "d", temporalNamespace: "tn", taskQueue: "q",
        pipelineName: "", eventListenerUrl: "", serviceHubEntryPath: "p",
      };`,
  unknown: `
      import * as pulumi from "@pulumi/pulumi";
      import { readStackOutputs } from ${outputsModule};
      const o = readStackOutputs(new pulumi.StackReference("stigmer/workflow-runner/dev"));
      export const q = o.temporalQueue;`,
};

describe("the outputs contract", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack} exports exactly the contract's outputs, none secret`, async () => {
      const ev = await evaluate({
        stack,
        config: { imageTag: "v1", imageDigest: digest("1") },
        stackOutputs: { "stigmer/workflow-runner/dev": promotable(`${REPO}:v1@${digest("1")}`) },
      });
      assert.deepEqual(Object.keys(ev.outputs).sort(), [...STACK_OUTPUT_NAMES].sort());
      for (const [name, out] of Object.entries(ev.outputs)) assert.equal(out.secret, false, name);
      assert.equal(ev.outputs.temporalTaskQueue?.value, "zigflow_execution");
    });
  }

  // The three fixtures, type-checked together once (one TypeScript program, not three).
  let checked: Record<string, string[]> | undefined;
  const typeErrors = (name: "ok" | "renamed" | "unknown") => {
    checked ??= typeErrorsOf(FIXTURES);
    return checked[name] ?? [];
  };

  it("compiles a return value that matches the contract", () => {
    const errors = typeErrors("ok");
    assert.deepEqual(errors, []);
  });

  it("fails the type check when an output is renamed", () => {
    const errors = typeErrors("renamed");
    assert.ok(
      errors.some((e) => /taskQueue/.test(e)),
      errors.join("\n"),
    );
  });

  it("fails the type check when a consumer reads an output that does not exist", () => {
    const errors = typeErrors("unknown");
    assert.ok(
      errors.some((e) => /temporalQueue/.test(e)),
      errors.join("\n"),
    );
  });
});

describe("examples/consumer", () => {
  it("reads the outputs through the contract and configures a client of the task queue", async () => {
    const ev = await evaluate({
      stack: "dev",
      projectDir: path.join(PROJECT_DIR, "examples", "consumer"),
      preview: false,
      registryDigests: TOOL_DIGESTS,
      stackOutputs: {
        "stigmer/workflow-runner/dev": {
          imageRef: `${REPO}:v1@${digest("2")}`,
          temporalNamespace: "stigmer-dev",
          temporalTaskQueue: "zigflow_execution",
          imageTag: "v1",
          imageDigest: digest("2"),
          imageOrigin: "config",
          imagePinned: false,
          namespace: "workflow-runner-dev",
          serviceAccountName: "workflow-runner",
          deploymentName: "workflow-runner",
          pipelineName: "workflow-runner",
          eventListenerUrl: "https://hooks.dev.stigmer.ai/workflow-runner",
          serviceHubEntryPath: "_ops/planton/service-hub/services/workflow-runner/service.yaml",
          verifiedImageRef: "",
          verifiedAt: "",
          verifiedBy: "",
        },
      },
    });
    const cm = one(ev, "kubernetes:core/v1:ConfigMap");
    assert.equal(at(cm.inputs, "data.TEMPORAL_TASK_QUEUE"), "zigflow_execution");
    assert.equal(at(cm.inputs, "data.WORKFLOW_RUNNER_IMAGE"), `${REPO}:v1@${digest("2")}`);
    assert.equal(at(cm.inputs, "metadata.namespace"), "stigmer-api-dev");
    assert.equal(ev.outputs.taskQueue?.value, "zigflow_execution");
  });
});
