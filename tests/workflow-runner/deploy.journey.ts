// Journeys of workflow-runner-deploy.yml and workflow-runner-drift.yml, run as written: a push to main (every dev
// stack, stigmer-runner-dev with the release its stack file names), promotions of either service (accepted and
// refused), a hold, a rollback and its release, drift of every stack, and runs from a ref other than main.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { imageReference } from "../../config/image-reference";
import type { PulumiCall } from "./boundary";
import {
  createWorld,
  DEV,
  devOutputs,
  PROD,
  RUNNER_DEV,
  RUNNER_PROD,
  runnerDevOutputs,
  type World,
} from "./journey";
import { PROGRAM_PATH } from "./monorepo";
import { describeRun, type WorkflowEvent } from "./runner";

const PROD_FILE = `${PROGRAM_PATH}/Pulumi.prod.yaml`;
const RUNNER_DEV_FILE = `${PROGRAM_PATH}/Pulumi.stigmer-runner-dev.yaml`;
const RUNNER_VERIFIED = String(runnerDevOutputs().verifiedImageRef);
const RUNNER_VERIFIED_PARTS = imageReference(RUNNER_VERIFIED);
const REPOSITORY = imageReference(String(devOutputs().imageRef))?.repository ?? "";
const VERIFIED = String(devOutputs().verifiedImageRef);
const VERIFIED_PARTS = imageReference(VERIFIED);
/** An earlier prod image, the target of a rollback. */
const EARLIER = `${REPOSITORY}:fedcba9876543210fedcba9876543210fedcba98@sha256:${"2".repeat(64)}`;

const push = (world: World, ref = "refs/heads/main", sha = world.repo.tip()): WorkflowEvent => ({
  name: "push",
  ref,
  sha,
  payload: { ref, after: sha },
});
/** A dispatch as `gh workflow run` sends it; without `service`, its default (workflow-runner). */
const dispatch = (
  world: World,
  imageRef: string,
  ref = "refs/heads/main",
  sha = world.repo.tip(),
  service = "workflow-runner",
): WorkflowEvent => ({
  name: "workflow_dispatch",
  ref,
  sha,
  inputs: { service, image_ref: imageRef },
});
const flag = (call: PulumiCall, name: string) => call.argv.filter((_, i) => call.argv[i - 1] === name);

describe("workflow-runner-deploy.yml and workflow-runner-drift.yml", () => {
  let world: World;
  before(async () => {
    world = await createWorld();
  });
  after(() => world.dispose());
  const calls = () => world.boundary.pulumi().calls;
  const resetCalls = () => world.boundary.setPulumi({ ...world.boundary.pulumi(), calls: [] });
  const setDev = (outputs: Record<string, unknown>) => {
    const state = world.boundary.pulumi();
    world.boundary.setPulumi({ ...state, stacks: { ...state.stacks, [DEV]: { outputs } } });
  };

  it("a push to main runs every dev stack's pulumi up: its stack, the policy pack, its own credentials, no image", async () => {
    resetCalls();
    world.repo.merge(
      world.repo.commit("infra", "Docs", { [`${PROGRAM_PATH}/README.md`]: (o) => `${o}\nMore.\n` }),
    );
    const run = await world.run("workflow-runner-deploy.yml", push(world));
    assert.deepEqual(
      run.jobs.map((j) => [j.name, j.result, j.environment]),
      [
        ["dev (dev)", "success", "dev"],
        ["dev (stigmer-runner-dev)", "success", "stigmer-runner-dev"],
        ["service", "skipped", undefined],
        ["prod-plan", "skipped", undefined],
        ["prod", "skipped", undefined],
      ],
      describeRun(run),
    );
    const ups = calls().filter((c) => c.argv[0] === "up");
    assert.deepEqual(
      ups.map((c) => [flag(c, "--stack"), c.token, c.kubeconfig]),
      [
        [[DEV], "pul-dev-write", "kubeconfig: dev-deployer"],
        [[RUNNER_DEV], "pul-runner-dev-write", "kubeconfig: runner-dev-deployer"],
      ],
    );
    for (const up of ups) {
      assert.deepEqual(flag(up, "--policy-pack"), ["policy"]);
      assert.deepEqual(flag(up, "-c"), [], "an infrastructure update never names an image");
      assert.ok(up.cwd.endsWith(`/${PROGRAM_PATH}`), up.cwd);
    }
  });

  it("a new stigmer-runner release merged to main: stigmer-runner-dev's pulumi up runs with the tag its file names", async () => {
    // A release tag this test owns, never today's: the runbook's new-release step, merged.
    const before = /workflow-runner:imageTag: (\S+)/.exec(world.repo.read(RUNNER_DEV_FILE))?.[1];
    const release = before === "v9.8.7" ? "v9.8.8" : "v9.8.7";
    world.repo.merge(
      world.repo.commit("runner-release", `stigmer-runner-dev: ${release}`, {
        [RUNNER_DEV_FILE]: (o) =>
          o.replace(/workflow-runner:imageTag: .*/, `workflow-runner:imageTag: ${release}`),
      }),
    );
    resetCalls();
    const run = await world.run("workflow-runner-deploy.yml", push(world));
    assert.equal(run.job("dev (stigmer-runner-dev)").result, "success", describeRun(run));
    const up = calls().find((c) => c.argv[0] === "up" && flag(c, "--stack")[0] === RUNNER_DEV);
    assert.ok(up, "stigmer-runner-dev's pulumi up ran");
    assert.equal(up.imageTag, release, "the update runs with main's stack file, naming the new release");
    assert.deepEqual(flag(up, "-c"), [], "the tag comes from the stack file, not the workflow");
    assert.equal(
      calls().find((c) => flag(c, "--stack")[0] === DEV)?.imageTag,
      null,
      "workflow-runner's dev names no tag: it keeps its image",
    );
  });

  it("a promotion of dev's verified, soaked imageRef reaches prod's pulumi up after the offline plan", async () => {
    resetCalls();
    setDev(devOutputs());
    const run = await world.run("workflow-runner-deploy.yml", dispatch(world, VERIFIED));
    assert.deepEqual(
      run.jobs.map((j) => [j.name, j.result, j.environment]),
      [
        ["dev (dev)", "skipped", undefined],
        ["dev (stigmer-runner-dev)", "skipped", undefined],
        ["service", "success", undefined],
        ["prod-plan", "success", "dev-readonly"],
        ["prod", "success", "prod"],
      ],
      describeRun(run),
    );
    assert.match(
      run.job("prod-plan").summary,
      new RegExp(`Image that will run: ${VERIFIED.replace(/[.]/g, "\\.")}`),
    );
    assert.match(run.job("prod-plan").summary, /pulumi up would create \d+ resources/);
    const [read, up, ...rest] = calls();
    assert.deepEqual(rest, []);
    assert.deepEqual(read?.argv, ["stack", "output", "--json", "--stack", DEV]);
    assert.equal(read?.token, "pul-dev-read", "dev's evidence is read with dev's read-only token");
    assert.equal(up?.argv[0], "up");
    assert.deepEqual(flag(up as PulumiCall, "--stack"), [PROD]);
    assert.deepEqual(flag(up as PulumiCall, "--policy-pack"), ["policy"]);
    const { tag, digest } = VERIFIED_PARTS ?? {};
    assert.deepEqual(flag(up as PulumiCall, "-c"), [
      `workflow-runner:imageTag=${tag}`,
      `workflow-runner:imageDigest=${digest}`,
    ]);
    assert.equal(up?.token, "pul-prod-write");
    assert.equal(up?.kubeconfig, "kubeconfig: prod-deployer");
  });

  const refused = async (
    imageRef: string,
    dev: Record<string, unknown>,
    failedStep: string,
    message: RegExp,
    service = "workflow-runner",
  ) => {
    resetCalls();
    setDev(dev);
    const run = await world.run(
      "workflow-runner-deploy.yml",
      dispatch(world, imageRef, "refs/heads/main", world.repo.tip(), service),
    );
    assert.equal(run.job("prod-plan").result, "failure", describeRun(run));
    assert.equal(run.job("prod").result, "skipped", describeRun(run));
    const failed = run.job("prod-plan").steps.find((s) => s.outcome === "failure");
    assert.equal(failed?.name, failedStep, describeRun(run));
    assert.match(failed?.log ?? "", message);
    for (const c of calls()) {
      assert.notEqual(c.argv[0], "up");
      assert.doesNotMatch(String(c.token), /prod-write/, "no prod credential is used");
    }
    return calls();
  };

  it("a promotion of stigmer-runner-dev's verified, soaked imageRef reaches stigmer-runner-prod's pulumi up", async () => {
    resetCalls();
    const run = await world.run(
      "workflow-runner-deploy.yml",
      dispatch(world, RUNNER_VERIFIED, "refs/heads/main", world.repo.tip(), "stigmer-runner"),
    );
    assert.deepEqual(
      run.jobs.map((j) => [j.name, j.result, j.environment]),
      [
        ["dev (dev)", "skipped", undefined],
        ["dev (stigmer-runner-dev)", "skipped", undefined],
        ["service", "success", undefined],
        ["prod-plan", "success", "stigmer-runner-dev-readonly"],
        ["prod", "success", "stigmer-runner-prod"],
      ],
      describeRun(run),
    );
    assert.ok(
      run
        .job("prod-plan")
        .summary.includes(`Image that will run: ${RUNNER_VERIFIED} (imageOrigin: promotion)`),
      run.job("prod-plan").summary,
    );
    assert.match(run.job("prod-plan").summary, /exactly this image to `stigmer-runner-prod`/);
    const [read, up, ...rest] = calls();
    assert.deepEqual(rest, []);
    assert.deepEqual(read?.argv, ["stack", "output", "--json", "--stack", RUNNER_DEV]);
    assert.equal(
      read?.token,
      "pul-runner-dev-read",
      "the runner dev's evidence, read with its read-only token",
    );
    assert.equal(up?.argv[0], "up");
    assert.deepEqual(flag(up as PulumiCall, "--stack"), [RUNNER_PROD]);
    assert.deepEqual(flag(up as PulumiCall, "--policy-pack"), ["policy"]);
    assert.deepEqual(flag(up as PulumiCall, "-c"), [
      `workflow-runner:imageTag=${RUNNER_VERIFIED_PARTS?.tag}`,
      `workflow-runner:imageDigest=${RUNNER_VERIFIED_PARTS?.digest}`,
    ]);
    assert.equal(up?.token, "pul-runner-prod-write");
    assert.equal(up?.kubeconfig, "kubeconfig: runner-prod-deployer");
  });

  it("a stigmer-runner promotion of a digest its dev has not verified is refused, with no prod credential", async () => {
    const unverified = `${RUNNER_VERIFIED_PARTS?.repository}:${RUNNER_VERIFIED_PARTS?.tag}@sha256:${"4".repeat(64)}`;
    assert.notEqual(unverified, RUNNER_VERIFIED);
    for (const imageRef of [unverified, VERIFIED]) {
      const used = await refused(
        imageRef,
        devOutputs(),
        "prod's hold, or dev's evidence",
        /is not dev's verified image \(stigmer-runner-dev's verifiedImageRef/,
        "stigmer-runner",
      );
      assert.deepEqual(
        used.map((c) => [c.argv.join(" "), c.token]),
        [[`stack output --json --stack ${RUNNER_DEV}`, "pul-runner-dev-read"]],
        "only the runner dev's evidence was read: workflow-runner's dev verified image is not the runner's",
      );
    }
  });

  it("a service outside the known list stops before any environment or credential", async () => {
    resetCalls();
    for (const service of ["billing", "stigmer-runner\n::error::forged", "$(id)"]) {
      const run = await world.run(
        "workflow-runner-deploy.yml",
        dispatch(world, RUNNER_VERIFIED, "refs/heads/main", world.repo.tip(), service),
      );
      assert.equal(run.job("service").result, "failure", describeRun(run));
      assert.match(
        run.job("service").steps[0]?.log ?? "",
        /::error::service: not a service of this program: .*; allowed: workflow-runner, stigmer-runner/,
      );
      assert.doesNotMatch(run.job("service").steps[0]?.log ?? "", /\n::error::forged/);
      assert.equal(run.job("prod-plan").result, "skipped");
      assert.equal(run.job("prod").result, "skipped");
    }
    assert.deepEqual(calls(), []);
  });

  it("a malformed imageRef stops before any checkout or credential", async () => {
    const used = await refused(
      `${REPOSITORY}:latest`,
      devOutputs(),
      "The image to promote",
      /::error::not an imageRef/,
    );
    assert.deepEqual(used, []);
  });

  it("an imageRef dev has not verified stops at dev's evidence, read with a read-only token", async () => {
    const used = await refused(
      VERIFIED,
      { ...devOutputs(), verifiedImageRef: "" },
      "prod's hold, or dev's evidence",
      /is not dev's verified image/,
    );
    assert.deepEqual(
      used.map((c) => c.token),
      ["pul-dev-read"],
    );
  });

  it("an imageRef verified less than minSoak ago stops at the offline plan", async () => {
    await refused(
      VERIFIED,
      { ...devOutputs(), verifiedAt: new Date(Date.now() - 10 * 60_000).toISOString() },
      "Offline plan of prod with exactly that image",
      /soak/i,
    );
  });

  it("hold, roll back and release prod as the runbook says; the hold survives the next promotion", async () => {
    setDev(devOutputs());
    // Hold and roll back: imagePin committed to Pulumi.prod.yaml on main, then applied by a dispatch naming it.
    world.repo.merge(
      world.repo.commit("hold", "prod: hold at the earlier image", {
        [PROD_FILE]: (o) => `${o}  workflow-runner:imagePin: ${EARLIER}\n`,
      }),
    );
    resetCalls();
    const hold = await world.run("workflow-runner-deploy.yml", dispatch(world, EARLIER));
    assert.equal(hold.job("prod").result, "success", describeRun(hold));
    const held = calls().filter((c) => c.argv[0] === "up");
    assert.equal(held.length, 1);
    assert.equal(held[0]?.imagePin, EARLIER, "prod's up runs with the pin of main's stack file");
    assert.ok(
      calls().every((c) => c.argv[1] !== "output"),
      "a hold never reads dev",
    );
    // The next promotion of dev's verified image is refused while the hold stands.
    resetCalls();
    const next = await world.run("workflow-runner-deploy.yml", dispatch(world, VERIFIED));
    assert.equal(next.job("prod-plan").result, "failure", describeRun(next));
    assert.equal(next.job("prod").result, "skipped");
    assert.match(
      next.job("prod-plan").steps.find((s) => s.outcome === "failure")?.log ?? "",
      /prod is held at/,
    );
    assert.deepEqual(calls(), []);
    assert.match(world.repo.read(PROD_FILE), /workflow-runner:imagePin:/, "the hold is still on main");
    // Release: the pin removed on main, then a promotion of dev's verified image.
    world.repo.merge(
      world.repo.commit("release", "prod: release the hold", {
        [PROD_FILE]: (o) => o.replace(/^ {2}workflow-runner:imagePin: .*\n/m, ""),
      }),
    );
    resetCalls();
    const release = await world.run("workflow-runner-deploy.yml", dispatch(world, VERIFIED));
    assert.equal(release.job("prod").result, "success", describeRun(release));
    const up = calls().find((c) => c.argv[0] === "up");
    assert.equal(up?.imagePin, null);
    assert.ok(up?.argv.includes(`workflow-runner:imageDigest=${VERIFIED_PARTS?.digest}`));
  });

  it("a dispatch or push from a ref other than main deploys nothing", async () => {
    resetCalls();
    const feature = world.repo.commit("feature", "A branch", {
      [`${PROGRAM_PATH}/README.md`]: (o) => `${o}\nX\n`,
    });
    for (const event of [
      dispatch(world, VERIFIED, "refs/heads/feature", feature),
      push(world, "refs/heads/feature", feature),
    ]) {
      const run = await world.run("workflow-runner-deploy.yml", event);
      for (const job of run.jobs) assert.equal(job.result, "skipped", `${event.name}: ${describeRun(run)}`);
    }
    const drift = await world.run("workflow-runner-drift.yml", {
      name: "workflow_dispatch",
      ref: "refs/heads/feature",
      sha: feature,
    });
    for (const job of drift.jobs) assert.equal(job.result, "skipped", describeRun(drift));
    assert.deepEqual(calls(), []);
  });

  it("drift detection refreshes each stack read-only and fails, with the diff, on a drift", async () => {
    resetCalls();
    setDev(devOutputs());
    const state = world.boundary.pulumi();
    world.boundary.setPulumi({
      ...state,
      stacks: {
        ...state.stacks,
        [PROD]: {
          outputs: state.stacks[PROD]?.outputs ?? {},
          drift:
            "  ~ kubernetes:apps/v1:Deployment workflow-runner-deployment refresh [diff: ~spec.replicas]",
        },
      },
    });
    const run = await world.run("workflow-runner-drift.yml", {
      name: "schedule",
      ref: "refs/heads/main",
      sha: world.repo.tip(),
      payload: { schedule: "17 6 * * *" },
    });
    assert.deepEqual(
      run.jobs.map((j) => [j.name, j.result]),
      [
        ["drift (dev)", "success"],
        ["drift (prod)", "failure"],
        ["drift (stigmer-runner-dev)", "success"],
        ["drift (stigmer-runner-prod)", "success"],
      ],
      describeRun(run),
    );
    assert.match(run.job("drift (prod)").summary, /## Drift in `stigmer\/workflow-runner\/prod`/);
    assert.match(run.job("drift (prod)").summary, /spec\.replicas/);
    assert.deepEqual(
      calls().map((c) => [c.argv[0], c.token, c.kubeconfig]),
      [
        ["refresh", "pul-dev-read", "kubeconfig: dev-reader"],
        ["refresh", "pul-prod-read", "kubeconfig: prod-reader"],
        ["refresh", "pul-runner-dev-read", "kubeconfig: runner-dev-reader"],
        ["refresh", "pul-runner-prod-read", "kubeconfig: runner-prod-reader"],
      ],
    );
  });
});
