// npm run test:runbook: every block docs/runbook.md marks `sh offline` runs as written, in order, in one copy of this
// program (bash -eo pipefail, npm's own PATH so `node` is the lockfile's), and must end with its exit status and print
// the lines of the `text output` block under it. Slow (real plans): not part of npm test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";
import { offlineBlocks } from "./markdown";

/** A copy of the program as a checkout holds it, with the installed node_modules linked and the current build. */
function copyOfProgram(): string {
  const dir = path.join(tempDir("runbook-"), "workflow-runner");
  const skip = new Set(["node_modules", ".git", "plan", ".build-lock"].map((f) => path.join(PROJECT_DIR, f)));
  // Timestamps kept: the launcher finds the copied build fresh and does not compile again.
  cpSync(PROJECT_DIR, dir, { recursive: true, preserveTimestamps: true, filter: (src) => !skip.has(src) });
  symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** Runs one block's commands in the copy: exit status and the whole output. */
function runBlock(dir: string, script: string): { status: number | null; output: string } {
  const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("docs/runbook.md, offline blocks run as written", () => {
  const runbook = readFileSync(path.join(PROJECT_DIR, "docs", "runbook.md"), "utf8");
  const scripts = Object.keys(
    (JSON.parse(readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: object }).scripts,
  );
  const { blocks, problems } = offlineBlocks(runbook, scripts);
  it("has offline blocks, each runnable", () => {
    assert.deepEqual(problems, []);
    assert.ok(blocks.length >= 8, `only ${blocks.length} offline blocks`);
  });
  const dir = copyOfProgram();
  it("fails a block whose command stopped working: a stack without its file, a flag the plan lacks", () => {
    assert.equal(runBlock(dir, "npm run plan -- --stack staging").status, 1);
    // A flag the plan lacks is a usage error: tools/args.ts prints the usage and exits 2.
    assert.equal(runBlock(dir, "npm run plan -- --stack dev --stack-outputz x").status, 2);
    assert.equal(runBlock(dir, "npm run plan:diff -- plan/none plan/neither").status, 1);
  });
  for (const block of blocks) {
    it(`line ${block.line}: ${block.script.split("\n")[0]?.slice(0, 100)}`, () => {
      const run = runBlock(dir, block.script);
      const output = run.output;
      assert.equal(run.status, block.exit, `exit ${run.status}, not ${block.exit}:\n${output.slice(-3000)}`);
      for (const line of block.expect)
        assert.ok(output.includes(line), `the output lacks "${line}":\n${output.slice(-3000)}`);
    });
  }
});
