// Promotion and pins, as users run them: a dev plan feeds a prod plan; refusals write nothing; a pin wins and says so.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { selectImage } from "../components/image-choice";
import { ConfigError } from "../config/errors";
import { runPlanCommand } from "../tools/plan/cli";
import { digest, runPlan, tempDir, VERIFIED_AT } from "./helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const DEV = "stigmer/workflow-runner/dev";

function deploymentImage(dir: string): string {
  const docs = parseAllDocuments(readFileSync(path.join(dir, "kubernetes.yaml"), "utf8")).map((d) =>
    d.toJS(),
  );
  return docs.find((o) => o.kind === "Deployment")?.spec.template.spec.containers[0].image;
}

/** The plan command in this process, with its output collected. */
async function planInProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runPlanCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("prod fed with dev's plan", () => {
  const root = tempDir("promote-");
  const devDir = path.join(root, "dev");
  const devDigest = digest("a");
  before(async () => {
    // In this process: the flow from dev's plan to prod's is what is tested, not the process.
    const dev = await planInProcess([
      "--stack",
      "dev",
      "--out",
      devDir,
      "--config",
      "imageTag=abc123",
      "--config",
      `imageDigest=${devDigest}`,
    ]);
    assert.equal(dev.status, 0, dev.stderr);
    // What dev's outputs say once its rollout of that image was verified (the plan previews, so they are unknown).
    const outputs = JSON.parse(readFileSync(path.join(devDir, "outputs.json"), "utf8"));
    writeFileSync(
      path.join(devDir, "verified.json"),
      JSON.stringify({ ...outputs, verifiedImageRef: outputs.imageRef, verifiedAt: VERIFIED_AT }),
    );
  });
  const verified = () => path.join(devDir, "verified.json");
  /** dev's outputs with its evidence changed. */
  const evidence = (change: Record<string, string>) => {
    const file = path.join(tempDir("evidence-"), "dev.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(verified(), "utf8")), ...change }));
    return file;
  };

  it("deploys dev's exact imageRef", async () => {
    const out = path.join(root, "prod");
    const run = await planInProcess([
      "--stack",
      "prod",
      "--out",
      out,
      "--stack-outputs",
      `${DEV}=${verified()}`,
    ]);
    assert.equal(run.status, 0, run.stderr);
    const devRef = JSON.parse(readFileSync(path.join(devDir, "outputs.json"), "utf8")).imageRef;
    assert.equal(devRef, `${REPO}:abc123@${devDigest}`);
    assert.equal(deploymentImage(out), devRef);
    const outputs = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"));
    assert.equal(outputs.imageOrigin, "promotion");
    assert.equal(outputs.imageDigest, devDigest);
  });

  const refusals: [string, () => string[], RegExp][] = [
    [
      "dev's imageRef has no digest",
      () => {
        const noDigest = path.join(root, "dev-unknown.json");
        writeFileSync(
          noDigest,
          JSON.stringify({ imageRef: "[unknown]", verifiedImageRef: "[unknown]", verifiedAt: VERIFIED_AT }),
        );
        return ["--stack-outputs", `${DEV}=${noDigest}`];
      },
      /workflow-runner:promoteFrom: got "stigmer\/workflow-runner\/dev", whose imageRef "\[unknown\]" has no digest/,
    ],
    [
      "an explicit imageDigest disagrees",
      () => ["--stack-outputs", `${DEV}=${verified()}`, "--config", `imageDigest=${digest("b")}`],
      /workflow-runner:imageDigest: got "sha256:b{64}"; allowed: empty, or the digest promoted from stigmer\/workflow-runner\/dev \(sha256:a{64}\)/,
    ],
    [
      "dev's outputs carry no evidence",
      () => ["--stack-outputs", `${DEV}=${evidence({ verifiedImageRef: "", verifiedAt: "" })}`],
      /workflow-runner:promoteFrom: got "stigmer\/workflow-runner\/dev", whose image "ghcr\.io\S+" has no evidence: its verifiedImageRef is empty/,
    ],
    [
      "the evidence is for another image than dev runs",
      () => ["--stack-outputs", `${DEV}=${evidence({ verifiedImageRef: `${REPO}:older@${digest("9")}` })}`],
      /whose evidence is for "\S+:older@sha256:9{64}" but which runs "\S+:abc123@sha256:a{64}"; allowed: evidence for the image it runs now/,
    ],
    [
      "the evidence is younger than minSoak at --now",
      () => [
        "--stack-outputs",
        `${DEV}=${evidence({ verifiedAt: "2026-11-27T08:00:00Z" })}`,
        "--now",
        "2026-11-27T09:30:00Z",
        // The test owns the soak it judges, whatever Pulumi.prod.yaml holds today.
        "--config",
        "minSoak=2h",
      ],
      /^plan not ready: Waiting for the soak, nothing is wrong: "\S+" was verified on stigmer\/workflow-runner\/dev at 2026-11-27T08:00:00\.000Z; its soak of 7200 s \(workflow-runner:minSoak\) ends at 2026-11-27T10:00:00\.000Z \(now 2026-11-27T09:30:00\.000Z\), in 30 min\. Retry at or after 2026-11-27T10:00:00\.000Z/,
    ],
    [
      "the referenced stack is another project's",
      () => ["--config", "promoteFrom=stigmer/billing/dev"],
      /workflow-runner:promoteFrom: got "stigmer\/billing\/dev"; allowed: a stack of this project: <org>\/workflow-runner\/<stack>, not project "billing"/,
    ],
    [
      "no outputs are given for the referenced stack",
      () => [],
      /^plan failed: no outputs for stack stigmer\/workflow-runner\/dev: pass --stack-outputs stigmer\/workflow-runner\/dev=examples\/stack-outputs\/dev\.json/,
    ],
  ];
  it("promotes the same evidence once the soak has passed at --now, exactly that image", async () => {
    const out = path.join(tempDir("soaked-"), "prod");
    const run = await planInProcess([
      "--stack",
      "prod",
      "--out",
      out,
      "--stack-outputs",
      `${DEV}=${evidence({ verifiedAt: "2026-11-27T08:00:00Z" })}`,
      "--now",
      "2026-11-27T10:00:00Z",
      "--config",
      "minSoak=2h",
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(deploymentImage(out), `${REPO}:abc123@${digest("a")}`);
  });

  it("refuses a --now that is not an RFC 3339 time", async () => {
    const run = await planInProcess([
      "--stack",
      "prod",
      "--stack-outputs",
      `${DEV}=${verified()}`,
      "--now",
      "tomorrow",
    ]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--now: got "tomorrow"; allowed: an RFC 3339 time/);
  });

  for (const [title, args, message] of refusals) {
    it(`refuses when ${title}, and writes no plan files`, async () => {
      const out = path.join(tempDir("refuse-"), "plan");
      // A failed StackReference read rejects stray promises that node:test would pin on the test: use a process.
      const plan = title.startsWith("no outputs") ? async (a: string[]) => runPlan(a) : planInProcess;
      const run = await plan(["--stack", "prod", "--out", out, ...args()]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, message);
      assert.equal(existsSync(out), false);
    });
  }
});

describe("imagePin", () => {
  const pin = `${REPO}:known-good@${digest("c")}`;
  for (const stack of ["dev", "prod"]) {
    it(`holds ${stack} on the pinned digest whatever tag, digest or promotion say, and says so`, async () => {
      const out = path.join(tempDir("pin-"), stack);
      // prod runs as a process, so the SDK's warning on stderr is seen too; dev runs in this process.
      const plan = stack === "prod" ? async (a: string[]) => runPlan(a) : planInProcess;
      const run = await plan([
        "--stack",
        stack,
        "--out",
        out,
        "--config",
        `imagePin=${pin}`,
        "--config",
        "imageTag=newer",
        "--config",
        `imageDigest=${digest("d")}`,
      ]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(deploymentImage(out), pin);
      const outputs = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"));
      assert.equal(outputs.imagePinned, true);
      assert.equal(outputs.imageOrigin, "pin");
      assert.match(
        run.stdout,
        new RegExp(`imagePin in force: the Deployment runs ${pin.replace(/[.]/g, "\\.")}`),
      );
      if (stack === "prod") {
        assert.match(
          run.stderr,
          /warning: .*imagePin is in force: deploying .*; it overrides imageTag "newer", imageDigest "sha256:d{64}", promotion from stigmer\/workflow-runner\/dev/,
        );
      }
    });
  }
});

describe("selectImage", () => {
  const self = "stigmer/workflow-runner/dev";
  const base = { repository: REPO, tag: "main", self };
  it("takes the configured digest, or leaves the tag to the registry", () => {
    assert.deepEqual(selectImage({ ...base, digest: digest("1") }), {
      repository: REPO,
      tag: "main",
      digest: digest("1"),
      origin: "config",
    });
    assert.deepEqual(selectImage(base), { repository: REPO, tag: "main", origin: "registry" });
  });
  it("refuses a pin outside the image repository", () => {
    assert.deepEqual(
      problems(() => selectImage({ ...base, pin: `ghcr.io/evil/image@${digest("2")}` })),
      [
        `workflow-runner:imagePin: got "ghcr.io/evil/image@${digest("2")}"; allowed: a digest reference in imageRepository (${REPO})`,
      ],
    );
  });
  it("accepts a pin without a tag and references it by digest alone", () => {
    const chosen = selectImage({ ...base, pin: `${REPO}@${digest("3")}` });
    assert.equal(chosen.tag, "");
    assert.equal(chosen.digest, digest("3"));
  });
  it("refuses a promoted tag that disagrees with the configured one", () => {
    assert.deepEqual(
      problems(() => selectImage({ ...base, promoteFrom: DEV }, `${REPO}:v9@${digest("4")}`)),
      [`workflow-runner:imageTag: got "main"; allowed: empty, or the tag promoted from ${DEV} ("v9")`],
    );
  });
  it("refuses a promotion from a stack that deploys another repository", () => {
    assert.match(
      problems(() =>
        selectImage(
          { repository: REPO, tag: "", promoteFrom: DEV, self },
          `ghcr.io/other/x:v1@${digest("5")}`,
        ),
      )[0] ?? "",
      /which deploys ghcr.io\/other\/x; allowed: a stack deploying imageRepository/,
    );
  });
  it("keeps the image the stack runs when nothing names a new one", () => {
    const running = `${REPO}:abc@${digest("6")}`;
    assert.deepEqual(selectImage({ repository: REPO, tag: "", self }, undefined, running), {
      repository: REPO,
      tag: "abc",
      digest: digest("6"),
      origin: "current",
    });
  });
  it("refuses a stack that has never deployed an image, and a running image in another repository", () => {
    assert.match(
      problems(() => selectImage({ repository: REPO, tag: "", self }, undefined, undefined))[0] ?? "",
      /workflow-runner:imageTag: got \(not set\), and stigmer\/workflow-runner\/dev has never deployed an image/,
    );
    assert.match(
      problems(() =>
        selectImage({ repository: REPO, tag: "", self }, undefined, `ghcr.io/o/x:v@${digest("7")}`),
      )[0] ?? "",
      /but stigmer\/workflow-runner\/dev runs ghcr.io\/o\/x/,
    );
  });
});
