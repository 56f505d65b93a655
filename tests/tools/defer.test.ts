// The plan at the floor: what it defers is still what the SDK loads, a plan never needs it, and the compiled plan
// writes exactly what the transpiled one does.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { DEFERRED_MODULES } from "../../tools/plan/defer-sdk-modules";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { digest, filesUnder, promotable, tempDir } from "../helpers";

/** The SDK version DEFERRED_MODULES was checked against; an update must re-check it (and this line). */
const CHECKED_SDK = "3.248.0";
const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";

/** Runs a script with plain node in the project folder; returns its parsed JSON stdout. */
function nodeJson(script: string): unknown {
  const run = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_DIR, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe("deferred SDK modules", () => {
  before(() => {
    // The compiled tools, fresh: the launcher compiles when a source is newer than the build.
    const built = spawnSync(process.execPath, ["tools/launch.cjs", "--fresh"], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    assert.equal(built.status, 0, built.stderr);
  });

  it(`were checked against the installed SDK (${CHECKED_SDK})`, () => {
    const sdk = JSON.parse(
      readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
    ) as { version: string };
    assert.equal(
      sdk.version,
      CHECKED_SDK,
      "@pulumi/pulumi changed: re-check DEFERRED_MODULES in tools/plan/defer-sdk-modules.ts against what it loads, then update CHECKED_SDK",
    );
  });

  it("are each still required by the SDK file named, when @pulumi/pulumi is imported without stand-ins", () => {
    const loads = nodeJson(`
      const Module = require("node:module");
      const seen = [];
      const load = Module._load;
      Module._load = function (request, parent, isMain) {
        seen.push({ request, from: (parent && parent.filename || "").split("\\\\").join("/") });
        return load.apply(this, arguments);
      };
      require("@pulumi/pulumi");
      process.stdout.write(JSON.stringify(seen));
    `) as { request: string; from: string }[];
    for (const m of DEFERRED_MODULES) {
      assert.ok(
        loads.some((l) => l.request === m.request && l.from.endsWith(`/node_modules/${m.from}`)),
        `the SDK no longer requires ${m.request} from ${m.from}: remove or correct it in DEFERRED_MODULES`,
      );
    }
  });

  it("are deferred by the plan and never loaded by a whole dev or prod plan", () => {
    const outputs = path.join(tempDir("defer-"), "dev.json");
    writeFileSync(outputs, JSON.stringify(promotable(`${REPO}:v1@${digest("1")}`)));
    const result = nodeJson(`
      const cli = require("./build/tools/plan/cli");
      const defer = require("./build/tools/plan/defer-sdk-modules");
      const quiet = { out: () => {}, err: (l) => process.stderr.write(l + "\\n") };
      (async () => {
        const codes = [
          await cli.runPlanCommand(["--stack", "dev", "--out", ${JSON.stringify(tempDir("defer-dev-"))},
            "--stack-outputs", "stigmer/workflow-runner/dev=${outputs}"], quiet),
          await cli.runPlanCommand(["--stack", "prod", "--out", ${JSON.stringify(tempDir("defer-prod-"))},
            "--stack-outputs", "stigmer/workflow-runner/dev=${outputs}"], quiet),
        ];
        const loaded = Object.keys(require.cache).filter((id) => /node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(id));
        process.stdout.write(JSON.stringify({ codes, deferred: defer.deferred, materialized: defer.materialized, loaded }));
      })();
    `) as { codes: number[]; deferred: string[]; materialized: string[]; loaded: string[] };
    assert.deepEqual(result.codes, [0, 0]);
    assert.deepEqual([...new Set(result.deferred)].sort(), DEFERRED_MODULES.map((m) => m.request).sort());
    assert.deepEqual(result.materialized, [], "a plan used a deferred module: it is no longer safe to defer");
    assert.deepEqual(result.loaded, []);
  });

  it("stand in for the real module once touched (a plan that did need one would still work)", () => {
    const result = nodeJson(`
      const defer = require("./build/tools/plan/defer-sdk-modules");
      const shim = require("@pulumi/pulumi/typescript-shim");
      const kind = shim.SyntaxKind.Identifier;
      process.stdout.write(JSON.stringify({ kind, version: shim.version, materialized: defer.materialized }));
    `) as { kind: number; version: string; materialized: string[] };
    assert.equal(typeof result.kind, "number");
    assert.match(result.version, /^5\./);
    assert.deepEqual(result.materialized, ["typescript"]);
  });
});

/** Plans dev and prod in one process (compiled, or transpiled by tsx); returns each stack's summary and files. */
function planBoth(
  loader: "compiled" | "tsx",
  outputs: string,
): Record<string, { summary: string; files: Record<string, string> }> {
  const outs = {
    dev: path.join(tempDir(`${loader}-`), "dev"),
    prod: path.join(tempDir(`${loader}-`), "prod"),
  };
  const cli = loader === "compiled" ? "./build/tools/plan/cli" : "./tools/plan/cli.ts";
  const script = `
    const { runPlanCommand } = require(${JSON.stringify(cli)});
    (async () => {
      const summaries = {};
      for (const [stack, out] of Object.entries(${JSON.stringify(outs)})) {
        const lines = [];
        const code = await runPlanCommand(
          ["--stack", stack, "--out", out, "--stack-outputs", "stigmer/workflow-runner/dev=${outputs}"],
          { out: (l) => lines.push(l), err: (l) => process.stderr.write(l + "\\n") },
        );
        if (code !== 0) process.exit(code);
        summaries[stack] = lines.join("\\n").replace(/ -> \\S+$/, " -> OUT");
      }
      process.stdout.write(JSON.stringify(summaries));
    })();`;
  const args = loader === "tsx" ? ["--import", "tsx", "-e", script] : ["-e", script];
  const run = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const summaries = JSON.parse(run.stdout) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(outs).map(([stack, dir]) => [
      stack,
      { summary: summaries[stack] ?? "", files: filesUnder(dir) },
    ]),
  );
}

describe("the compiled plan", () => {
  it("writes byte-identical files and summaries to the transpiled (tsx) path, for dev and prod", () => {
    const outputs = path.join(tempDir("same-"), "dev.json");
    writeFileSync(outputs, JSON.stringify(promotable(`${REPO}:v1@${digest("1")}`)));
    const compiled = planBoth("compiled", outputs);
    const transpiled = planBoth("tsx", outputs);
    for (const stack of ["dev", "prod"]) {
      assert.ok(Object.keys(compiled[stack]?.files ?? {}).length >= 3, stack);
      assert.deepEqual(compiled[stack], transpiled[stack], stack);
      assert.match(compiled[stack]?.summary ?? "", /Plan for workflow-runner\/\w+: .* -> OUT$/);
    }
  });
});
