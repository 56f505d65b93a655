// One Pulumi version everywhere: the SDK package.json pins is the one installed, and the deploy image's CLI is the same.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../tools/plan/evaluate";
import { readProjectFile } from "../tools/plan/stack-files";

const json = (file: string) => JSON.parse(readFileSync(path.join(PROJECT_DIR, file), "utf8"));

describe("the Pulumi version", () => {
  const pinned: string = json("package.json").dependencies["@pulumi/pulumi"];
  const installed: string = json("node_modules/@pulumi/pulumi/package.json").version;

  it("is pinned exactly in package.json and installed as pinned", () => {
    assert.match(pinned, /^\d+\.\d+\.\d+$/);
    assert.equal(installed, pinned);
  });

  it("is the Pulumi CLI of the deploy step's default image (pulumi/pulumi-nodejs is tagged by CLI version)", () => {
    const deployImage = readProjectFile(PROJECT_DIR).config.deployImage?.default;
    assert.equal(deployImage, `pulumi/pulumi-nodejs:${pinned}`);
  });
});
