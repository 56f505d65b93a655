// tools/plan/same.ts: two plan folders the same byte for byte, and every kind of difference named.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { planDifferences } from "../../tools/plan/same";

/** A plan-like folder: a dotfile, a top file and a nested one. */
function planDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "same-"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const PLAN = {
  ".workflow-runner-plan": "marker\n",
  "kubernetes.yaml": "kind: Deployment\n",
  "files/.planton/pipeline.yaml": "kind: Pipeline\n",
};

describe("plan:same", () => {
  it("finds nothing between two equal plans", () => {
    assert.deepEqual(planDifferences(planDir(PLAN), planDir(PLAN)), []);
  });

  it("names a changed byte, a missing file and an extra one, dotfiles and nested files included", () => {
    const a = planDir(PLAN);
    const b = planDir({
      ".workflow-runner-plan": "marker \n",
      "kubernetes.yaml": "kind: Deployment\n",
      "files/.planton/tasks/extra.yaml": "kind: Task\n",
    });
    assert.deepEqual(planDifferences(a, b), [
      "differs: .workflow-runner-plan",
      `only in ${a}: files/.planton/pipeline.yaml`,
      `only in ${b}: files/.planton/tasks/extra.yaml`,
    ]);
  });
});
