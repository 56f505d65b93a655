// SDK work a plan skips (tools/plan/evaluate.ts): still where the SDK does it, skipped only while a plan evaluates,
// and a plan made without it records exactly what one made with it does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  CODE_DIR,
  type Evaluation,
  evaluate,
  NO_CALLSITES,
  PLAIN_PROMISE,
  PROJECT_DIR,
  type SdkCallsites,
  sdkDebuggable,
} from "../../tools/plan/evaluate";
import { devOutputs } from "../helpers";

describe("the SDK work a plan skips", () => {
  const statics = pulumi.Resource as unknown as SdkCallsites & { stackTrace?: unknown };
  const sdkFile = (file: string) =>
    readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/pulumi", file), "utf8");

  it("is still where the SDK does it: Resource.stackTrace reads Resource.callsites", () => {
    assert.equal(
      typeof statics.callsites,
      "function",
      "the SDK no longer has Resource.callsites: re-check evaluate",
    );
    assert.match(
      String(statics.stackTrace),
      /Resource\.callsites\(\)/,
      "Resource.stackTrace no longer reads Resource.callsites: the plan's skip (tools/plan/evaluate.ts) does nothing",
    );
  });

  it("is still where the SDK does it: its modules wrap promises through runtime/debuggable's export", () => {
    assert.equal(typeof sdkDebuggable.debuggablePromise, "function");
    // Called through the module object, so replacing the export reaches each call; never bound to a local name.
    for (const file of ["runtime/resource.js", "runtime/rpc.js", "runtime/invoke.js"]) {
      const text = sdkFile(file);
      assert.match(text, /debuggable_1\.debuggablePromise\(/, file);
      assert.doesNotMatch(text, /\{[^}]*\bdebuggablePromise\b[^}]*\}\s*=\s*require/, file);
    }
  });

  it("is skipped while a plan evaluates, restored after it, and changes nothing the plan records", async () => {
    const original = { callsites: statics.callsites, wrap: sdkDebuggable.debuggablePromise };
    let during: unknown[] = [];
    const run = (): Promise<Evaluation> =>
      evaluate({
        stack: "dev",
        stackOutputs: devOutputs(),
        program: () => {
          during = [statics.callsites, sdkDebuggable.debuggablePromise];
          return require(path.join(CODE_DIR, "index")) as Record<string, unknown>;
        },
      });
    const skipped = await run();
    assert.deepEqual(during, [NO_CALLSITES, PLAIN_PROMISE]);
    assert.deepEqual(
      [statics.callsites, sdkDebuggable.debuggablePromise],
      [original.callsites, original.wrap],
    );
    process.env.PLAN_STACK_TRACES = "1";
    let traced: Evaluation;
    try {
      traced = await run();
    } finally {
      delete process.env.PLAN_STACK_TRACES;
    }
    assert.deepEqual(during, [original.callsites, original.wrap], "PLAN_STACK_TRACES keeps the SDK's own");
    const view = (ev: Evaluation) => ({
      resources: ev.resources.map((r) => [r.urn, r.parent, r.provider, r.inputs]).sort(),
      outputs: ev.outputs,
    });
    assert.ok(skipped.resources.length > 20);
    assert.deepEqual(view(skipped), view(traced));
  });
});
