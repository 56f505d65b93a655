// The runbook's Resize task as a user does it: the change it shows, committed to Pulumi.prod.yaml, through the PR workflow.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { fencedBlocks } from "../runbook/markdown";
import { createWorld, pullRequest, type World } from "./journey";
import { PROGRAM_PATH } from "./monorepo";
import { describeRun } from "./runner";

const PROD_FILE = `${PROGRAM_PATH}/Pulumi.prod.yaml`;

/** The stack-file lines of the runbook's Resize section (its `yaml resize` block), as key -> line. */
function runbookResize(): Map<string, string> {
  const runbook = readFileSync(path.join(PROJECT_DIR, "docs", "runbook.md"), "utf8");
  const block = fencedBlocks(runbook).find((b) => b.lang === "yaml" && b.attrs.includes("resize"));
  assert.ok(block, "docs/runbook.md has a `yaml resize` block in its Resize section");
  const lines = block.text.split("\n").filter((l) => l.trim() !== "");
  return new Map(lines.map((l) => [l.trim().split(":").slice(0, 2).join(":"), l.trim()]));
}

/** Replaces each key's line of a stack file (or adds it), keeping the file's indentation. Pure. */
function withLines(file: string, lines: Map<string, string>): string {
  let out = file;
  for (const [key, line] of lines) {
    const at = new RegExp(`^( *)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:.*$`, "m");
    out = at.test(out) ? out.replace(at, `$1${line}`) : `${out}  ${line}\n`;
  }
  return out;
}

/** main's sizing before the change: figures this test owns, so the journey does not depend on today's file. */
const BEFORE = new Map(
  Object.entries({
    "workflow-runner:replicas": "3",
    "workflow-runner:minAvailable": "1",
    "workflow-runner:cpuRequest": "60m",
    "workflow-runner:cpuLimit": '"2"',
    "workflow-runner:memoryRequest": "100Mi",
    "workflow-runner:memoryLimit": "2Gi",
  }).map(([k, v]) => [k, `${k}: ${v}`]),
);

describe("the runbook's Resize, as a pull request", () => {
  let world: World;
  before(async () => {
    world = await createWorld();
  });
  after(() => world.dispose());

  it("passes every job the runner runs, and the comment shows prod's new size and the restart", async () => {
    const resize = runbookResize();
    assert.deepEqual([...resize.keys()].sort(), [...BEFORE.keys()].sort(), "the runbook sizes the six keys");
    // main at the size before the change; the commit only when today's file holds another size (git refuses an empty one).
    const today = readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
    const base =
      withLines(today, BEFORE) === today
        ? world.repo.tip()
        : world.repo.commit("main", "prod: the size before the change", {
            [PROD_FILE]: (old) => withLines(old, BEFORE),
          });
    const head = world.repo.commit(
      "resize-prod",
      "prod: the runbook's Resize",
      { [PROD_FILE]: (old) => withLines(old, resize) },
      base,
    );
    // Every job runs but `check`, which pr.journey.ts runs (with and without its apt-get line); this is the plan's.
    const run = await world.run("workflow-runner-pr.yml", pullRequest(world, 11, base, head, "resize-prod"), {
      notRun: ["check"],
    });
    for (const job of run.jobs)
      assert.equal(job.result, job.id === "check" ? "not-run" : "success", describeRun(run));
    const body = world.boundary.github.comments.get(11)?.[0]?.body ?? "";
    assert.match(body, /- `dev`: no changes/);
    const prod = body.slice(body.indexOf("### Stack `prod`"));
    const value = (key: string) =>
      (resize.get(`workflow-runner:${key}`) ?? "").split(": ")[1]?.replace(/"/g, "");
    assert.ok(prod.includes(`\`spec.replicas\`: \`3\` -> \`${value("replicas")}\``), prod);
    assert.ok(prod.includes(`\`spec.minAvailable\`: \`1\` -> \`${value("minAvailable")}\``), prod);
    assert.ok(prod.includes(`\`"${value("cpuLimit")}"\``), prod);
    assert.ok(prod.includes(`\`"${value("memoryLimit")}"\``), prod);
    // New limits change the pod template: the comment says the pods restart.
    assert.match(
      prod,
      /- pods restart: workflow-runner\/workflow-runner rolls its pods for a changed pod template/,
    );
  });
});
