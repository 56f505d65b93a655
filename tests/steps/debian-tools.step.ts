// The Debian tools the step tests run: one failure that names what is missing and how to install it.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEBIAN_TOOLS, missingTools } from "./images";

it("has the Debian tools the step tests run (the suites that need a missing one are skipped, naming it)", () => {
  assert.equal(missingTools(...DEBIAN_TOOLS), undefined);
});

it("names a missing tool with the line that installs the packages", () => {
  assert.match(
    missingTools("git", "no-such-tool-of-debian") ?? "",
    /^missing no-such-tool-of-debian: apt-get update && apt-get install -y git dash busybox shellcheck skopeo docker-registry jq curl$/,
  );
});
