// One version of each runtime everywhere: the Pulumi SDK (installed as pinned, and the deploy image's CLI), and Node.js.
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

describe("the Node.js version", () => {
  it("is the major of the node package package.json pins (npm puts its binary first on PATH)", () => {
    const pinned: string = json("package.json").devDependencies.node;
    assert.match(pinned, /^\d+\.\d+\.\d+$/);
    assert.equal(process.versions.node.split(".")[0], pinned.split(".")[0], `running on ${process.execPath}`);
  });
});
