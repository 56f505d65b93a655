// The journey runner against GitHub's documented behaviour, on small workflows: step outputs and env through the
// command files, the default bash shell's pipefail, the implicit success() of `if:`, needs, job outputs; and the
// Pulumi CLI stand-in refusing what the Pulumi service refuses.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { createBoundary } from "./boundary";
import { condition, loadExpressions, secretsReferenced, template } from "./expressions";
import { runWorkflow } from "./runner";

/** Keeps `${{` out of string literals. */
const D = "$";

const WORKFLOW = `
name: t
on: push
env:
  GREETING: hello
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      word: \${{ steps.one.outputs.word }}
      lines: \${{ steps.one.outputs.lines }}
    steps:
      - id: one
        run: |
          echo "word=$GREETING" >> "$GITHUB_OUTPUT"
          { echo "lines<<EOF_1"; echo "first"; echo "second"; echo "EOF_1"; } >> "$GITHUB_OUTPUT"
          echo "LATER=from-env-file" >> "$GITHUB_ENV"
          echo "## summary" >> "$GITHUB_STEP_SUMMARY"
      - name: reads
        if: steps.one.outputs.word == 'hello'
        run: test "$LATER" = from-env-file && test "\${{ env.LATER }}" = from-env-file
      - name: pipefail
        run: false | true
      - name: skipped after a failure
        run: echo never
      - name: runs on failure
        if: failure()
        run: echo cleanup
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  c:
    needs: a
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.a.result }}" = failure
`;

describe("the journey runner", () => {
  before(loadExpressions);

  it("runs steps with GitHub's shell, command files, if: and needs as documented", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "runner-"));
    const file = path.join(scratch, "t.yml");
    writeFileSync(file, WORKFLOW);
    const boundary = createBoundary(
      scratch,
      path.join(PROJECT_DIR, "package-lock.json"),
      path.join(PROJECT_DIR, "node_modules"),
      { stacks: {}, tokens: {}, calls: [] },
    );
    const run = await runWorkflow(
      file,
      { name: "push", ref: "refs/heads/main", sha: "0".repeat(40) },
      {
        gitDir: scratch,
        repository: "o/r",
        defaultBranch: "main",
        secrets: { repository: {}, environments: {} },
        boundary,
        scratch,
      },
    );
    const a = run.job("a");
    assert.deepEqual(
      a.steps.map((s) => [s.name, s.outcome]),
      [
        ['echo "word=$GREETING" >> "$GITHUB_OUTPUT"', "success"],
        ["reads", "success"],
        ["pipefail", "failure"],
        ["skipped after a failure", "skipped"],
        ["runs on failure", "success"],
      ],
    );
    assert.equal(a.result, "failure");
    assert.deepEqual(a.outputs, {}, "a failed job has no outputs");
    assert.equal(a.summary, "## summary\n");
    assert.equal(run.job("b").result, "skipped");
    assert.equal(run.job("c").result, "success");
  });

  it("evaluates with GitHub's expression library, including its errors", () => {
    const ctx = {
      github: { ref: "refs/heads/main", event: { repository: { default_branch: "main" } } },
      env: {},
    };
    assert.equal(
      template(
        `${D}{{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}`,
        ctx,
      ),
      true,
    );
    assert.equal(template(`x-${D}{{ github.ref }}-y`, ctx), "x-refs/heads/main-y");
    assert.equal(condition("github.ref == 'refs/heads/x'", ctx, { success: true, failure: false }), false);
    assert.equal(condition("true", ctx, { success: false, failure: true }), false, "implicit success()");
    assert.equal(condition("always()", ctx, { success: false, failure: true }), true);
    assert.throws(() => template(`${D}{{ github.ref == }}`, ctx));
    assert.throws(() => template(`${D}{{ nosuchcontext.x }}`, ctx));
    assert.deepEqual(
      secretsReferenced(`a ${D}{{ secrets.A }} b ${D}{{ secrets['B'] }} ${D}{{ github.token }}`),
      ["A", "B"],
    );
  });

  it("stands in for the Pulumi CLI: a read-only token cannot update, a drift fails refresh", () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "pulumi-"));
    const state = path.join(scratch, "state.json");
    const stack = "o/workflow-runner/dev";
    writeFileSync(
      state,
      JSON.stringify({
        stacks: { [stack]: { outputs: { a: 1 }, drift: "~ x" } },
        tokens: { ro: { read: [stack], write: [] } },
        calls: [],
      }),
    );
    const cli = path.join(__dirname, "pulumi-cli.js");
    const pulumi = (token: string, ...args: string[]) =>
      spawnSync(process.execPath, [cli, state, ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { PATH: process.env.PATH, PULUMI_ACCESS_TOKEN: token },
      });
    const out = pulumi("ro", "stack", "output", "--json", "--stack", stack);
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { a: 1 });
    const up = pulumi("ro", "up", "--yes", "--non-interactive", "--stack", stack);
    assert.equal(up.status, 255);
    assert.match(up.stderr, /\[403\]/);
    assert.equal(pulumi("nope", "stack", "output", "--json", "--stack", stack).status, 255);
    const refresh = pulumi("ro", "refresh", "--preview-only", "--expect-no-changes", "--stack", stack);
    assert.equal(refresh.status, 255);
    assert.match(refresh.stdout, /~ x/);
  });
});
