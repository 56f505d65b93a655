// What `npm run plan` tells its reader (the image that will run, what `pulumi up` would create) and what plan:diff
// does with plans: pairs them by the stack each names, refuses a missing folder, shows a secret's rotation hidden.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { missingSecrets, runPlanCommand } from "../../tools/plan/cli";
import { diffDirs, renderSummary } from "../../tools/plan/diff";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { readProjectFile, readStackFile, readStackFileAt } from "../../tools/plan/stack-files";
import { tempDir } from "../helpers";

const DEV_OUTPUTS = path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json");
const IMAGE = String(JSON.parse(readFileSync(DEV_OUTPUTS, "utf8")).imageRef);
const CIPHER_A = "v1:AAAAAAAAAAAAAAAAAAAAciphertextA==";
const CIPHER_B = "v1:BBBBBBBBBBBBBBBBBBBBciphertextB==";

/** A prod stack file with stigmerApiKey held as Pulumi writes a secret. */
function stackFile(cipher: string): string {
  const file = path.join(tempDir(), "Pulumi.prod.yaml");
  const prod = readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
  writeFileSync(file, `${prod}  workflow-runner:stigmerApiKey:\n    secure: ${cipher}\n`);
  return file;
}

async function plan(out: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runPlanCommand(
    [
      "--stack",
      "prod",
      "--out",
      out,
      "--stack-outputs",
      `stigmer/workflow-runner/dev=${DEV_OUTPUTS}`,
      ...extra,
    ],
    { out: (l) => lines.push(l), err: (l) => lines.push(l) },
  );
  return { code, out: lines.join("\n") };
}

describe("plan and plan:diff for their reader", () => {
  const root = tempDir("plan-ux-");
  let first: { code: number; out: string };
  before(async () => {
    first = await plan(path.join(root, "base", "first"), "--stack-file", stackFile(CIPHER_A));
    await plan(path.join(root, "same", "other-name"), "--stack-file", stackFile(CIPHER_A));
    await plan(path.join(root, "rotated", "prod"), "--stack-file", stackFile(CIPHER_B));
    await plan(path.join(root, "flag", "prod"), "--secret", "workflow-runner:stigmerApiKey=canary-api-key");
  });

  it("prints the image that will run and what pulumi up would create", () => {
    assert.equal(first.code, 0, first.out);
    assert.match(
      first.out,
      new RegExp(`^Image that will run: ${IMAGE.replace(/[.]/g, "\\.")} \\(imageOrigin: promotion\\)$`, "m"),
    );
    const resources = JSON.parse(
      readFileSync(path.join(root, "base", "first", "resources.json"), "utf8"),
    ) as {
      type: string;
    }[];
    const created = resources.filter((r) => r.type !== "pulumi:pulumi:StackReference").length;
    const line = new RegExp(
      `^pulumi up would create ${created} resources on a new stack: (.*); and read 1 stack reference$`,
      "m",
    ).exec(first.out);
    assert.ok(line, first.out);
    assert.match(line[1] ?? "", /\d+ kubernetes/);
    // The parts add up to the total created.
    const parts = [...(line[1] ?? "").matchAll(/(\d+) /g)].map((m) => Number(m[1]));
    assert.equal(
      parts.reduce((a, b) => a + b, 0),
      created,
      line[1],
    );
    assert.match(line[1] ?? "", /(^|, )1 provider(,|$)/, "one provider, in the singular");
  });

  it("writes the plan's stack and its secrets' fingerprints, never a value or a ciphertext", () => {
    const dir = path.join(root, "base", "first");
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "plan.json"), "utf8")), {
      project: "workflow-runner",
      stack: "prod",
    });
    const secrets = JSON.parse(readFileSync(path.join(dir, "secrets.json"), "utf8")) as Record<
      string,
      string
    >;
    assert.match(secrets.stigmerApiKey ?? "", /^sha256:[0-9a-f]{16}$/);
    assert.doesNotMatch(JSON.stringify(secrets), /ciphertext/);
    const flagged = readFileSync(path.join(root, "flag", "prod", "secrets.json"), "utf8");
    assert.deepEqual(JSON.parse(flagged), { stigmerApiKey: "given with --secret" });
    assert.doesNotMatch(flagged, /canary/);
  });

  it("pairs plans by the stack they name, not their folders' names", () => {
    const text = renderSummary(diffDirs(path.join(root, "base"), path.join(root, "same")));
    assert.match(text, /^- `prod`: no changes$/m);
    assert.doesNotMatch(text, /first|other-name/);
  });

  it("shows a secret's rotation as changed, value hidden, in the stack's one-line summary first", () => {
    const text = renderSummary(diffDirs(path.join(root, "base"), path.join(root, "rotated")));
    assert.match(text, /^- `prod`: 1 secret changed$/m);
    assert.match(text, /\*\*Secrets\*\*\n- `stigmerApiKey`: changed \(value hidden\)/);
    assert.ok(text.indexOf("- `prod`: 1 secret") < text.indexOf("### Stack `prod`"));
    assert.doesNotMatch(text, /AAAA|BBBB|sha256:[0-9a-f]{16}/);
  });

  it("refuses a missing folder with exit 1, instead of reporting everything added", () => {
    const missing = path.join(root, "no-such-folder");
    assert.throws(() => diffDirs(missing, path.join(root, "base")), /no-such-folder: no such folder/);
    const cli = path.join(PROJECT_DIR, "build", "tools", "plan", "diff.js");
    const r = spawnSync(process.execPath, [cli, path.join(root, "base"), missing], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /^plan:diff: .*no-such-folder: no such folder/);
    assert.equal(r.stdout, "");
  });

  it("refuses two plans of one stack under one folder", () => {
    const both = tempDir("both-");
    for (const name of ["x", "y"]) {
      const dir = path.join(both, name);
      mkdirSync(dir, { recursive: true });
      for (const f of ["kubernetes.yaml", "outputs.json", "plan.json"])
        writeFileSync(path.join(dir, f), readFileSync(path.join(root, "base", "first", f)));
    }
    assert.throws(() => diffDirs(both, path.join(root, "base")), /two plans of stack prod/);
  });
});

describe("secrets a stack needs but its stack file does not hold", () => {
  const project = readProjectFile(PROJECT_DIR);
  it("names each needed secret neither the stack file nor --secret supplies, per stack", () => {
    const prod = readStackFile(PROJECT_DIR, "prod", project);
    assert.deepEqual(missingSecrets(project, prod, {}, {}), [
      "registryToken",
      "stigmerApiKey",
      "r2AccessKeyId",
      "r2SecretAccessKey",
    ]);
    // A secure: value in the stack file, or a --secret flag, holds it.
    const held = readStackFileAt(stackFile(CIPHER_A), project);
    assert.deepEqual(missingSecrets(project, held, {}, { r2AccessKeyId: "x" }), [
      "registryToken",
      "r2SecretAccessKey",
    ]);
    // A key needed only under some config is needed once that config is set (R2 keys: claim check on R2).
    assert.deepEqual(
      missingSecrets(
        project,
        prod,
        { stigmerProxyEndpoint: "https://proxy.stigmer.ai", r2Bucket: "", r2Endpoint: "" },
        {},
      ),
      ["registryToken", "stigmerApiKey"],
    );
  });
});
