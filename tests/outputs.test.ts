// contracts/stack-outputs.ts: index.ts returns exactly the contract, the example consumer evaluates against it, and renames break the build.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import ts from "typescript";
import { checkStackOutput, STACK_OUTPUT_NAMES, STACK_OUTPUTS_FILE } from "../contracts/stack-outputs";
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

/** What examples/consumer reads from dev: every output of the contract. */
const CONSUMER_SOURCE = {
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
  serviceHubEntryPath: "_ops/planton/service-hub/services/workflow-runner.yaml",
  verifiedImageRef: "",
  verifiedAt: "",
  verifiedBy: "",
};

describe("the outputs' shapes (zod, contracts/stack-outputs.ts)", () => {
  it("hold for every file of outputs under examples/stack-outputs", () => {
    const dir = path.join(PROJECT_DIR, "examples", "stack-outputs");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0);
    for (const f of files) {
      const parsed = STACK_OUTPUTS_FILE.safeParse(JSON.parse(readFileSync(path.join(dir, f), "utf8")));
      assert.ok(parsed.success, `${f}: ${parsed.error?.message}`);
    }
    assert.equal(STACK_OUTPUTS_FILE.safeParse({ imagePinned: "false" }).success, false);
    assert.equal(STACK_OUTPUTS_FILE.safeParse({ imageOrigin: "elsewhere" }).success, false);
  });

  it("refuse an output of the wrong type, naming it, its value and what is allowed", () => {
    assert.equal(checkStackOutput("imagePinned", true, "stack x"), true);
    assert.throws(
      () => checkStackOutput("imagePinned", "false", "stack stigmer/workflow-runner/dev"),
      /^Error: stack stigmer\/workflow-runner\/dev: output imagePinned is "false"; allowed: Invalid input: expected boolean, received string/,
    );
    assert.throws(
      () => checkStackOutput("imageRef", 7, "stack s"),
      /output imageRef is 7; allowed: .*expected string/,
    );
    assert.throws(
      () => checkStackOutput("verifiedAt", 1234567, "stack s", true),
      (err: unknown) =>
        String(err).includes("output verifiedAt is [secret];") && !String(err).includes("1234567"),
    );
  });

  it("refuse promotion evidence of the wrong type where prod reads it (components/image-choice.ts)", async () => {
    const { readStackOutputs: readEvidence } = await import("../components/image-choice");
    // The read's outcome as an output of the program (a refusal caught there, so no promise is left to reject).
    const read = async (verifiedAt: unknown) =>
      (
        await evaluate({
          stack: "prod",
          program: () => ({
            result: pulumi.output(
              readEvidence("stigmer/workflow-runner/dev", ["verifiedAt"], "promote-from").then(
                (got) => `read ${got.verifiedAt}`,
                (err: unknown) => `refused: ${err instanceof Error ? err.message : String(err)}`,
              ),
            ),
          }),
          stackOutputs: { "stigmer/workflow-runner/dev": { verifiedAt } },
        })
      ).outputs.result?.value;
    assert.equal(await read("2026-01-01T00:00:00Z"), "read 2026-01-01T00:00:00Z");
    assert.match(
      String(await read(20260101)),
      /^refused: Invalid stack configuration:\n {2}- stack stigmer\/workflow-runner\/dev: output verifiedAt is 20260101; allowed: Invalid input: expected string, received number/,
    );
  });
});

describe("examples/consumer", () => {
  it("fails when the source stack's output has another type than the contract's (old: a cast let it through)", async () => {
    // The consumer's read alone, as examples/consumer makes it, in a process of its own: a failed apply also rejects
    // the Output's sibling promises a moment later, which the Node language host (like this process) counts as the
    // program failing; node:test would count them against whichever test runs then.
    const script = `
      const pulumi = require("@pulumi/pulumi");
      const { evaluate } = require(${JSON.stringify(path.join(PROJECT_DIR, "build", "tools", "plan", "evaluate.js"))});
      const { readStackOutputs } = require(${JSON.stringify(path.join(PROJECT_DIR, "build", "contracts", "stack-outputs.js"))});
      const program = () => ({
        taskQueue: readStackOutputs(new pulumi.StackReference("stigmer/workflow-runner/dev")).temporalTaskQueue,
      });
      const source = JSON.parse(process.argv[1]);
      evaluate({ stack: "dev", program, stackOutputs: { "stigmer/workflow-runner/dev": source } }).then(
        (ev) => console.log("taskQueue " + ev.outputs.taskQueue.value),
        (err) => { console.log("failed: " + err.message); process.exit(1); },
      );`;
    const run = (taskQueue: unknown) =>
      spawnSync(
        process.execPath,
        ["-e", script, JSON.stringify({ ...CONSUMER_SOURCE, temporalTaskQueue: taskQueue })],
        {
          encoding: "utf8",
          cwd: PROJECT_DIR,
        },
      );
    const ok = run("zigflow_execution");
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, "taskQueue zigflow_execution\n");
    const bad = run(42);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(
      bad.stdout,
      /^failed: .*stack stigmer\/workflow-runner\/dev: output temporalTaskQueue is 42; allowed: Invalid input: expected string, received number/,
    );
  });

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
