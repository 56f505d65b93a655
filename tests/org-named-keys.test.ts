// Keys naming a record only the organization knows (config/keys.ts ORG_NAMED_KEYS): no default, refused unset by a
// stack that needs one, with how to find the name; the offline plan plans with a marked stand-in and says so.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { evaluate, ORG_NAME_STAND_IN, PROJECT_DIR } from "../tools/plan/evaluate";
import { repositoryFiles } from "../tools/plan/render";
import { readProjectFile, readStackFile } from "../tools/plan/stack-files";
import { DEV_OUTPUTS_FILE, devOutputs, runPlan, tempDir } from "./helpers";

const ENTRY = "_ops/planton/service-hub/services/workflow-runner/service.yaml";
const MESSAGE =
  "workflow-runner:containerRegistryConnection: got (not set); allowed: the slug of the organization's Planton container registry connection for GHCR, set in this stack's file, because manageRepositoryFiles is true: the committed service-hub entry names it (spec.build.registry); no public source names it, so there is no default: find it with `planton get container-registry-connection` and set it with `pulumi config set containerRegistryConnection <name>`";
const OUTPUTS = `stigmer/workflow-runner/dev=${DEV_OUTPUTS_FILE}`;

/** The dev stack file's own value of the key, if it sets one (read, never assumed). */
const devValue = (): unknown =>
  readStackFile(PROJECT_DIR, "dev", readProjectFile(PROJECT_DIR))[
    "workflow-runner:containerRegistryConnection"
  ];

describe("containerRegistryConnection", () => {
  it("has no default: no public source names the organization's connection", () => {
    assert.equal(readProjectFile(PROJECT_DIR).config.containerRegistryConnection?.default, "");
  });

  it("is refused unset by a stack that commits the entry, with how to find it (as pulumi up reads the stack)", async () => {
    await assert.rejects(
      evaluate({
        stack: "dev",
        stackOutputs: devOutputs(),
        config: { containerRegistryConnection: "", manageRepositoryFiles: "true" },
      }),
      (err: Error) => err.message.includes(MESSAGE),
    );
    await assert.doesNotReject(
      evaluate({
        stack: "dev",
        stackOutputs: devOutputs(),
        config: { containerRegistryConnection: "", manageRepositoryFiles: "false" },
      }),
    );
  });

  it("names the set connection in the committed entry", async () => {
    const ev = await evaluate({
      stack: "dev",
      stackOutputs: devOutputs(),
      config: { containerRegistryConnection: "ghcr-from-planton", manageRepositoryFiles: "true" },
    });
    const entry = parse(repositoryFiles(ev).find((f) => f.path === ENTRY)?.content ?? "");
    assert.equal(entry.spec.build.registry, "ghcr-from-planton");
    assert.equal(ev.orgNameStandIns, undefined);
  });

  it("is planned with a marked stand-in, and the plan says so, when the dev stack file does not set it", () => {
    const out = path.join(tempDir(), "dev");
    const run = runPlan(["--stack", "dev", "--out", out, "--stack-outputs", OUTPUTS]);
    assert.equal(run.status, 0, run.stderr);
    const entry = parse(readFileSync(path.join(out, "files", ENTRY), "utf8"));
    if (devValue() === undefined || devValue() === "") {
      assert.equal(entry.spec.build.registry, ORG_NAME_STAND_IN);
      assert.match(
        run.stdout,
        /Names this stack needs that its stack file does not hold \(planned with the stand-in offline-plan-stand-in; pulumi up refuses until they are set\): containerRegistryConnection \(find it with `planton get container-registry-connection`\)/,
      );
    } else {
      assert.equal(entry.spec.build.registry, devValue());
      assert.doesNotMatch(run.stdout, /Names this stack needs/);
    }
    const given = runPlan([
      "--stack",
      "dev",
      "--out",
      path.join(tempDir(), "dev"),
      "--stack-outputs",
      OUTPUTS,
      "--config",
      "containerRegistryConnection=ghcr-from-planton",
    ]);
    assert.equal(given.status, 0, given.stderr);
    assert.doesNotMatch(given.stdout, /Names this stack needs/);
  });

  it("is reported beside every other rule's problem, not hidden by the stand-in", async () => {
    await assert.rejects(
      evaluate({
        stack: "dev",
        stackOutputs: devOutputs(),
        config: { minSoak: "1h", manageRepositoryFiles: "true", containerRegistryConnection: "" },
      }),
      (err: Error) => err.message.includes(MESSAGE) && err.message.includes("workflow-runner:minSoak"),
    );
  });
});
