// shellcheck on every step script, in the dialect of the shell its image runs it with.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";
import { needsTools, requireTools } from "./images";

/**
 * The shell each script runs under, by its image: git-init has sh only (./images.ts); the Bazel image (Ubuntu),
 * pulumi/pulumi-nodejs (Debian) and temporalio/admin-tools (temporalio/docker-builds
 * docker/base-images/base-admin-tools.Dockerfile: alpine with `apk add bash curl`) have bash.
 */
const SCRIPT_SHELLS: Readonly<Record<string, "sh" | "bash">> = {
  "components/scripts/source-checkout.sh": "sh",
  "components/scripts/bazel-oci-push.sh": "bash",
  "components/scripts/pulumi-deploy.sh": "bash",
  "components/scripts/verify-pollers.sh": "bash",
  "tests/steps/bazel-standin.sh": "bash",
  ".ci/run": "bash",
};

function shellcheck(file: string, shell: "sh" | "bash") {
  return spawnSync("shellcheck", [`--shell=${shell}`, "--severity=style", "--format=gcc", file], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
}

describe("shellcheck", needsTools("shellcheck"), () => {
  before(() => requireTools("shellcheck"));

  it("knows the shell of every step script", () => {
    const scripts = readdirSync(path.join(PROJECT_DIR, "components", "scripts"))
      .filter((f) => f.endsWith(".sh"))
      .map((f) => `components/scripts/${f}`);
    assert.deepEqual(
      scripts.filter((s) => !(s in SCRIPT_SHELLS)),
      [],
    );
  });

  for (const [file, shell] of Object.entries(SCRIPT_SHELLS)) {
    it(`passes ${file} as ${shell}, the shell of its image, and its shebang says so`, () => {
      const run = shellcheck(file, shell);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const first = spawnSync("head", ["-n", "1", file], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
      }).stdout.trim();
      assert.equal(first, `#!/usr/bin/env ${shell}`);
    });
  }

  it("refuses bash in a script for sh (the check is not vacuous)", () => {
    const file = path.join(tempDir("shellcheck-"), "bashism.sh");
    // A bash test ([[ ]]) and a bash substitution (${1//x/y}), written as sh.
    const bashisms = [
      "#!/usr/bin/env sh",
      "set -eu",
      'if [[ "$1" == x ]]; then echo "$' + '{1//x/y}"; fi',
      "",
    ];
    writeFileSync(file, bashisms.join("\n"));
    const run = shellcheck(file, "sh");
    assert.notEqual(run.status, 0);
    assert.match(run.stdout, /SC3010/);
    assert.match(run.stdout, /SC3060/);
  });
});
