// Journeys of workflow-runner-pr.yml, run as written: an unchanged pull request, and one that changes prod.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { imageReference } from "../../config/image-reference";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { createWorld, devOutputs, pullRequest, type World } from "./journey";
import { PROGRAM_PATH } from "./monorepo";
import { describeRun } from "./runner";

const PROD_FILE = `${PROGRAM_PATH}/Pulumi.prod.yaml`;
const PROD_STACK = path.join(PROJECT_DIR, "Pulumi.prod.yaml");
const PIN = `${imageReference(String(devOutputs().imageRef))?.repository}:fedcba9876543210fedcba9876543210fedcba98@sha256:${"2".repeat(64)}`;

describe("workflow-runner-pr.yml", () => {
  let world: World;
  before(async () => {
    world = await createWorld();
  });
  after(() => world.dispose());

  it("a pull request that changes no plan: every job passes on ubuntu-latest's tools, the comment says no changes", async () => {
    const base = world.repo.tip();
    const head = world.repo.commit("docs", "Docs only", {
      [`${PROGRAM_PATH}/README.md`]: (old) => `${old}\nA line of docs.\n`,
    });
    const run = await world.run("workflow-runner-pr.yml", pullRequest(world, 7, base, head, "docs"));
    assert.deepEqual(
      run.jobs.map((j) => [j.id, j.result]),
      [
        ["check", "success"],
        ["plan", "success"],
        ["comment", "success"],
      ],
      describeRun(run),
    );
    const comments = world.boundary.github.comments.get(7) ?? [];
    assert.equal(comments.length, 1);
    const body = comments[0]?.body ?? "";
    assert.match(body, /^<!-- workflow-runner-plan-diff -->\n## Plan diff/);
    assert.match(body, /- `dev`: no changes/);
    assert.match(body, /- `prod`: no changes/);
    // The jobs that ran the pull request's code kept no credential in their checkouts.
    for (const dir of ["head", "base"])
      assert.doesNotMatch(
        readFileSync(path.join(run.job("plan").workspace, dir, ".git", "config"), "utf8"),
        /extraheader/i,
      );
    assert.deepEqual(world.boundary.pulumi().calls, [], "no Pulumi CLI call from a pull request");
    // The check ran the step tests with the real busybox and docker-registry its apt-get installed.
    const test = run.job("check").steps.find((s) => s.name === "npm test");
    assert.match(test?.log ?? "", /(# fail|ℹ fail) 0/);
    assert.match(run.job("check").steps[2]?.log ?? "", /Setting up busybox \(stand-in\)/);
  });

  it("the check fails on ubuntu-latest without its apt-get line: the image has no busybox, no docker-registry", async () => {
    const base = world.repo.tip();
    const head = world.repo.commit("docs-3", "Docs only", {
      [`${PROGRAM_PATH}/README.md`]: (o) => `${o}\nAgain.\n`,
    });
    const workflows = path.join(world.repo.dir, ".github", "workflows");
    const current = readFileSync(path.join(workflows, "workflow-runner-pr.yml"), "utf8");
    const line = "      - run: sudo apt-get update && sudo apt-get install -y busybox docker-registry\n";
    assert.ok(current.includes(line));
    writeFileSync(path.join(workflows, "no-install-pr.yml"), current.replace(line, ""));
    try {
      const run = await world.run("no-install-pr.yml", pullRequest(world, 10, base, head, "docs-3"), {
        notRun: ["plan", "comment"],
      });
      assert.equal(run.job("check").result, "failure", describeRun(run));
      const failed = run.job("check").steps.find((s) => s.outcome === "failure");
      assert.equal(failed?.name, "npm test");
      assert.match(
        failed?.log ?? "",
        /missing busybox|missing docker-registry|(busybox|docker-registry) ENOENT/,
      );
    } finally {
      rmSync(path.join(workflows, "no-install-pr.yml"));
    }
  });

  it("catches the old plan step, which planned prod from dev's offline plan (no evidence)", async () => {
    const base = world.repo.tip();
    const head = world.repo.commit("docs-2", "Docs only", {
      [`${PROGRAM_PATH}/README.md`]: (o) => `${o}\nMore.\n`,
    });
    const event = pullRequest(world, 9, base, head, "docs-2");
    // The old step, in a workflow file beside the real one (not committed: the run reads it from the working tree).
    const workflows = path.join(world.repo.dir, ".github", "workflows");
    const current = readFileSync(path.join(workflows, "workflow-runner-pr.yml"), "utf8");
    const line = 'npm run plan -- --stack prod --out "$out/prod" --stack-outputs "$outputs"';
    assert.ok(current.includes(line));
    writeFileSync(
      path.join(workflows, "old-pr.yml"),
      current.replace(
        line,
        line.replace('"$outputs"', '"$PULUMI_ORG/workflow-runner/dev=$out/dev/outputs.json"'),
      ),
    );
    try {
      const run = await world.run("old-pr.yml", event, { notRun: ["check"] });
      assert.equal(run.job("plan").result, "failure", describeRun(run));
      assert.match(run.job("plan").steps.find((s) => s.outcome === "failure")?.log ?? "", /evidence/);
      assert.equal(run.job("comment").result, "skipped");
    } finally {
      rmSync(path.join(workflows, "old-pr.yml"));
    }
  });

  it("a pull request that adds a replica to prod, changes a secret and pins the image shows each for prod only", async () => {
    // main holds prod's stigmerApiKey as Pulumi writes a secret: ciphertext under `secure:`.
    const withSecret = world.repo.commit("main", "prod's API key", {
      [PROD_FILE]: (old) =>
        `${old}  workflow-runner:stigmerApiKey:\n    secure: v1:AAAAAAAAAAAAAAAAold+ciphertext==\n`,
    });
    // One replica more than the stack file holds today, whatever that is (the test asserts the rule, not a figure).
    const replicas = Number(
      /workflow-runner:replicas: "?([0-9]+)/.exec(readFileSync(PROD_STACK, "utf8"))?.[1],
    );
    assert.ok(replicas > 0, "Pulumi.prod.yaml sets replicas");
    const head = world.repo.commit(
      "prod-change",
      "prod: one more replica, a new API key, a pin",
      {
        [PROD_FILE]: (old) =>
          `${old
            .replace(/workflow-runner:replicas: .*/, `workflow-runner:replicas: ${replicas + 1}`)
            .replace(
              "v1:AAAAAAAAAAAAAAAAold+ciphertext==",
              "v1:BBBBBBBBBBBBBBBBnew+ciphertext==",
            )}  workflow-runner:imagePin: ${PIN}\n`,
      },
      withSecret,
    );
    // The check job is proven by the journeys above; this one is about the plan comment.
    const run = await world.run(
      "workflow-runner-pr.yml",
      pullRequest(world, 8, withSecret, head, "prod-change"),
      { notRun: ["check"] },
    );
    for (const job of run.jobs.filter((j) => j.id !== "check"))
      assert.equal(job.result, "success", describeRun(run));
    const body = world.boundary.github.comments.get(8)?.[0]?.body ?? "";
    assert.match(body, /- `dev`: no changes/);
    assert.match(body, /- `prod`: /);
    const prod = body.slice(body.indexOf("### Stack `prod`"));
    assert.ok(prod.includes(`\`spec.replicas\`: \`${replicas}\` -> \`${replicas + 1}\``), prod);
    assert.match(prod, /`stigmerApiKey`: changed \(value hidden\)/);
    assert.ok(prod.includes(PIN), "the pinned image is shown");
    assert.doesNotMatch(body, /BBBBBBBB|AAAAAAAA/, "no ciphertext in the comment");
  });
});
