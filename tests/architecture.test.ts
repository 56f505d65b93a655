// The shape of the code: no import cycle (madge), imports only down the floors, program files of a readable size.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
// Only the module under test: the SDK and the plan tool stay unloaded, so this file costs little more than madge.
import {
  floorOf,
  type ImportGraph,
  importGraph,
  layerViolations,
  serviceImports,
} from "../tools/architecture/imports";
import { PROJECT_ROOT as PROJECT_DIR } from "../tools/project-root";

describe("imports", () => {
  let graph: ImportGraph;
  let cycles: string[][];
  before(async () => {
    ({ graph, cycles } = await importGraph(PROJECT_DIR));
  });

  it("reads every TypeScript source of the project, with its imports", () => {
    const sources = (dir: string): string[] =>
      readdirSync(path.join(PROJECT_DIR, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.posix.join(dir, f.split(path.sep).join("/")));
    const expected = ["contracts", "config", "components", "policy", "tools", "tests", "examples"]
      .flatMap(sources)
      .concat("index.ts")
      .sort();
    assert.deepEqual(Object.keys(graph).sort(), expected);
    // A type-only import is an edge too (labels.ts takes ServiceDescription's type from service.ts).
    assert.ok(graph["config/labels.ts"]?.includes("config/service.ts"), "type-only import read");
    assert.ok(graph["index.ts"]?.includes("config/load.ts"), "index.ts -> config/load.ts read");
  });

  it("has no cycle in the program, policy, tools or tests", () => {
    assert.deepEqual(cycles, []);
  });

  it("finds a cycle when there is one, through a type-only import too", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cycle-"));
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }),
    );
    writeFileSync(path.join(dir, "a.ts"), 'import { b } from "./b";\nexport const a = () => b;\n');
    writeFileSync(path.join(dir, "b.ts"), 'import type { C } from "./c";\nexport const b: C = 1;\n');
    writeFileSync(path.join(dir, "c.ts"), 'import { a } from "./a";\nexport type C = number;\nvoid a;\n');
    writeFileSync(path.join(dir, "d.ts"), 'import { a } from "./a";\nvoid a;\n');
    const fixture = await importGraph(dir, ["a.ts", "b.ts", "c.ts", "d.ts"]);
    assert.deepEqual(fixture.cycles, [["a.ts", "b.ts", "c.ts"]]);
  });

  it("point down the floors: contracts -> config -> components -> program, policy and tools above, tests on top", () => {
    assert.deepEqual(layerViolations(graph), []);
  });

  it("keeps the components and the program generic: no import of one service's module or contract", () => {
    assert.deepEqual(serviceImports(graph), []);
    // The check sees such an import: a component that imports a service module, or a service's contract.
    assert.deepEqual(
      serviceImports({
        "components/x.ts": ["config/services/stigmer-runner.ts", "contracts/service.ts"],
        "index.ts": ["contracts/stigmer-runner.ts", "config/load.ts"],
        "config/load.ts": ["config/services/index.ts"],
      }),
      [
        "components/x.ts imports config/services/stigmer-runner.ts, a file of one service",
        "index.ts imports contracts/stigmer-runner.ts, a file of one service",
      ],
    );
  });

  it("puts every source on a floor", () => {
    assert.deepEqual(
      Object.keys(graph).filter((f) => floorOf(f) < 0),
      [],
    );
  });

  it("refuses an import up a floor, the program's entry imported, a folder's index.ts from inside (the check can fail)", () => {
    const broken: ImportGraph = {
      "config/labels.ts": ["components/worker-deployment.ts", "config/service.ts"],
      "config/parse.ts": ["config/index.ts"],
      "contracts/planton.ts": ["config/keys.ts"],
      "components/pipeline.ts": ["tools/plan/evaluate.ts", "config/keys.ts"],
      "tools/plan/cli.ts": ["index.ts"],
      "policy/rules.ts": ["tests/helpers.ts"],
      "stray.ts": [],
    };
    assert.deepEqual(layerViolations(broken), [
      "components/pipeline.ts (components) imports tools/plan/evaluate.ts (tools)",
      "config/labels.ts (config) imports components/worker-deployment.ts (components)",
      "config/parse.ts (config) imports config/index.ts (config)",
      "contracts/planton.ts (contracts) imports config/keys.ts (config)",
      "policy/rules.ts (policy) imports tests/helpers.ts (tests)",
      "tools/plan/cli.ts (tools) imports index.ts (program)",
    ]);
  });
});

describe("file size", () => {
  /** Lines of a program file over `limit` without a line near the top saying why it is larger. */
  const oversized = (limit: number): string[] =>
    ["index.ts", "contracts", "config", "components", "policy"]
      .flatMap((dir) =>
        dir.endsWith(".ts")
          ? [dir]
          : readdirSync(path.join(PROJECT_DIR, dir), { recursive: true, encoding: "utf8" })
              .filter((f) => f.endsWith(".ts"))
              .map((f) => path.posix.join(dir, f.split(path.sep).join("/"))),
      )
      .filter((file) => {
        const lines = readFileSync(path.join(PROJECT_DIR, file), "utf8").split("\n");
        return lines.length > limit && !lines.slice(0, 3).some((l) => /^\/\/ Over \d+ lines: /.test(l));
      });

  it("keeps every program file within 400 lines, or says at its top why it is longer", () => {
    assert.deepEqual(oversized(400), []);
  });

  it("finds a long file without a reason (the check can fail)", () => {
    assert.ok(oversized(50).length > 0);
  });
});
