// Secrets stay secret (canaries in every secret key) and plans are deterministic (two plans, byte for byte).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SECRET_KEYS } from "../config/keys";
import { runPlanCommand } from "../tools/plan/cli";
import { evaluate, SECRET_MARKER } from "../tools/plan/evaluate";
import { digest, filesUnder, promotable, runPlan, TOOL_DIGESTS, tempDir } from "./helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
/** A distinct canary per secret key. */
const CANARIES = Object.fromEntries(Object.keys(SECRET_KEYS).map((k, i) => [k, `canary-${i}-${k}-7f3a9c`]));

function devOutputsFile(): string {
  const file = path.join(tempDir("outputs-"), "dev.json");
  writeFileSync(file, JSON.stringify(promotable(`${REPO}:v1@${digest("1")}`)));
  return file;
}

const stackArgs: Record<string, () => string[]> = {
  dev: () => ["--config", `imageDigest=${digest("1")}`],
  prod: () => ["--stack-outputs", `stigmer/workflow-runner/dev=${devOutputsFile()}`],
};

describe("canaries in every secret key", () => {
  const secretArgs = Object.entries(CANARIES).flatMap(([k, v]) => ["--secret", `${k}=${v}`]);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: none appears in any plan file, stdout or stderr`, () => {
      const out = path.join(tempDir("canary-"), stack);
      const run = runPlan(["--stack", stack, "--out", out, ...(stackArgs[stack]?.() ?? []), ...secretArgs]);
      assert.equal(run.status, 0, run.stderr);
      const texts: [string, string][] = [
        ["stdout", run.stdout],
        ["stderr", run.stderr],
        ...Object.entries(filesUnder(out)),
      ];
      for (const [where, text] of texts) {
        for (const canary of Object.values(CANARIES))
          assert.ok(!text.includes(canary), `${canary} in ${where}`);
      }
      assert.ok(readFileSync(path.join(out, "resources.json"), "utf8").includes(SECRET_MARKER));
    });
  }

  it("dev: every canary reaches a resource, and only ever as a secret", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      secrets: CANARIES,
      // Claim check on and a self-hosted trigger, so every credential key is needed.
      config: {
        imageDigest: digest("1"),
        trigger: "tekton",
        claimCheckEnabled: "true",
        r2Bucket: "claimcheck-dev",
        r2Endpoint: "https://acct.r2.cloudflarestorage.com",
      },
    });
    for (const [key, canary] of Object.entries(CANARIES)) {
      const holders = ev.resources.filter((r) => JSON.stringify(r.revealedInputs).includes(canary));
      assert.ok(holders.length > 0, `${key} reached no resource`);
      // dockerconfigjson embeds the token in base64 too; neither form may show unredacted.
      const b64 = Buffer.from(`stigmer:${canary}`).toString("base64");
      for (const r of ev.resources) {
        const shown = JSON.stringify(r.inputs);
        assert.ok(!shown.includes(canary) && !shown.includes(b64), `${key} shows in ${r.type} ${r.name}`);
      }
    }
    for (const [name, out] of Object.entries(ev.outputs)) {
      assert.equal(out.secret, false, `${name} is a plain output`);
      for (const canary of Object.values(CANARIES))
        assert.ok(!JSON.stringify(out.value).includes(canary), name);
    }
  });
});

describe("determinism", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: two plans of the same stack and config are byte-identical, across processes`, async () => {
      const outputs = stackArgs[stack]?.() ?? [];
      const [a, b] = [path.join(tempDir("det-"), "a"), path.join(tempDir("det-"), "b")];
      // One plan in its own process, one in this one: nothing shared between them can make them agree.
      const run = runPlan(["--stack", stack, "--out", a, ...outputs]);
      assert.equal(run.status, 0, run.stderr);
      const here = await runPlanCommand(["--stack", stack, "--out", b, ...outputs], {
        out: () => undefined,
        err: (l) => assert.fail(l),
      });
      assert.equal(here, 0);
      const filesA = Object.keys(filesUnder(a));
      assert.deepEqual(Object.keys(filesUnder(b)), filesA);
      assert.ok(filesA.length >= 3);
      for (const f of filesA)
        assert.ok(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), `${f} differs`);
    });
  }
});
