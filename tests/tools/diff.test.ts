// plan:diff on real plan pairs: what a reviewer needs to see, and a summary that stays under GitHub's limit.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import {
  diffDirs,
  fieldChanges,
  readPlanDir,
  renderSummary,
  rolloutLines,
  stackSummaryLine,
  stacksIn,
} from "../../tools/plan/diff";
import { evaluate } from "../../tools/plan/evaluate";
import { planFiles, writePlan } from "../../tools/plan/render";
import { digest, tempDir } from "../helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const BASE = { imageTag: "v1", imageDigest: digest("1") };

/** Plans dev with the given config into <root>/<side>/dev, as `npm run plan` writes it. */
async function planDev(root: string, side: string, config: Record<string, string>): Promise<string> {
  const ev = await evaluate({ stack: "dev", config });
  const dir = path.join(root, side);
  writePlan(path.join(dir, "dev"), planFiles(ev));
  return dir;
}

async function summary(
  change: Record<string, string>,
  budget?: number,
  baseChange: Record<string, string> = {},
): Promise<string> {
  const root = tempDir("diff-");
  const base = await planDev(root, "base", { ...BASE, ...baseChange });
  const head = await planDev(root, "head", { ...BASE, ...change });
  return renderSummary(diffDirs(base, head), budget);
}

describe("plan:diff on real plans", () => {
  let tagChange: string;
  before(async () => {
    tagChange = await summary({ imageTag: "v2", imageDigest: digest("2") });
  });

  it("shows the image reference old -> new, with tag and digest", () => {
    assert.match(
      tagChange,
      new RegExp(`- \`"${REPO}:v1@${digest("1")}"\` -> \`"${REPO}:v2@${digest("2")}"\``),
    );
    assert.match(tagChange, /`imageTag`: `"v1"` -> `"v2"`/);
    assert.match(tagChange, new RegExp(`\`imageDigest\`: \`"${digest("1")}"\` -> \`"${digest("2")}"\``));
    assert.match(tagChange, /- changed: `Deployment workflow-runner-dev\/workflow-runner`/);
    assert.match(tagChange, /`spec\.template\.spec\.containers\[workflow-runner\]\.image`/);
    assert.doesNotMatch(tagChange, /\*\*Pipeline\*\*/);
  });

  it("shows a replica change as the Deployment's changed field and nothing else", async () => {
    // Both sides set the figures: the test owns them, whatever Pulumi.dev.yaml holds today.
    const text = await summary({ replicas: "3", minAvailable: "2" }, undefined, {
      replicas: "1",
      minAvailable: "0",
    });
    assert.match(text, /`spec\.replicas`: `1` -> `3`/);
    assert.match(
      text,
      /- changed: `PodDisruptionBudget workflow-runner-dev\/workflow-runner`\n {2}- `spec\.minAvailable`: `0` -> `2`/,
    );
    assert.doesNotMatch(text, /\*\*Image\*\*/);
  });

  it("says the pods restart when the settings change, and counts one object in the singular", async () => {
    const text = await summary({ logLevel: "warn" }, undefined, { logLevel: "info" });
    assert.match(
      text,
      /- pods restart: workflow-runner-dev\/workflow-runner rolls its pods for new settings \(the ConfigMap's checksum on the pod template\)/,
    );
    const one = {
      stack: "dev",
      image: [],
      added: [],
      removed: [],
      changed: new Map([["ConfigMap a/b", [{ path: "data.X", before: "1", after: "2" }]]]),
      pipeline: [],
      serviceHub: [],
      files: { added: [], removed: [], changed: [] },
      outputs: [],
      secrets: { changed: ["stigmerApiKey", "registryToken"], added: [], removed: [] },
    };
    assert.equal(stackSummaryLine(one), "- `dev`: 1 object changed, 2 secrets changed");
    assert.deepEqual(rolloutLines(one), [
      "- `stigmerApiKey` rotated: the pods read it (STIGMER_API_KEY), so pulumi up makes a new workflow-runner-secrets-<suffix> Secret and the pods restart to read it",
      "- `registryToken` rotated: the program's own use of it changes (a pull Secret, a provider); running pods do not restart",
    ]);
  });

  it("shows objects changed by a new config key", async () => {
    const text = await summary({ claimCheckEnabled: "true", stigmerProxyEndpoint: "https://api.stigmer.ai" });
    assert.match(
      text,
      /- changed: `ConfigMap workflow-runner-dev\/workflow-runner-settings`\n(.*\n)* {2}- `data\.STIGMER_PROXY_ENDPOINT`: \(none\) -> `"https:\/\/api\.stigmer\.ai"`/,
    );
    assert.doesNotMatch(text, /R2_/);
  });

  it("names pipeline task changes and the repository files they touch", async () => {
    const text = await summary(
      { trigger: "tekton", bazelImage: "gcr.io/bazel-public/bazel:8.0.1" },
      undefined,
      {
        trigger: "tekton",
      },
    );
    assert.match(
      text,
      /\*\*Pipeline\*\*\n- `Task workflow-runner-ci\/bazel-oci-push`: step `bazel-push` changed/,
    );
    assert.match(text, /- changed: `\.planton\/tasks\/bazel-oci-push\.yaml`/);
  });

  it("shows service-hub entry changes field by field", async () => {
    const text = await summary({ gitBranch: "release" });
    assert.match(
      text,
      /\*\*Service-hub entry\*\*\n- `spec\.deploy\.branchDeployments\[0\]\.branch`: `"main"` -> `"release"`\n- `spec\.gitRepo\.defaultBranch`: `"main"` -> `"release"`/,
    );
  });

  it("says when nothing changed", async () => {
    assert.match(await summary({}), /### Stack `dev`\n\nNo changes\./);
  });

  it("stays under the budget and says what it left out", () => {
    const budget = 1200;
    const cut = renderSummary(
      [
        {
          stack: "dev",
          image: [],
          added: Array.from({ length: 200 }, (_, i) => `ConfigMap ns/config-${i}`),
          removed: [],
          changed: new Map(),
          pipeline: [],
          serviceHub: [],
          files: { added: [], removed: [], changed: [] },
          outputs: [],
          secrets: { changed: [], added: [], removed: [] },
        },
      ],
      budget,
    );
    assert.ok(cut.length <= budget, `${cut.length} > ${budget}`);
    assert.match(
      cut,
      /_\.\.\.\d+ more lines left out to stay under 1200 characters; the plan artifacts hold everything\._/,
    );
  });
});

describe("fieldChanges", () => {
  it("compares named lists by name, so a reorder is no change and an insert is one", () => {
    const a = [
      { name: "x", v: 1 },
      { name: "y", v: 2 },
    ];
    assert.deepEqual(fieldChanges(a, [...a].reverse()), []);
    assert.deepEqual(fieldChanges(a, [...a, { name: "z", v: 3 }]), [
      { path: "[z]", before: undefined, after: { name: "z", v: 3 } },
    ]);
  });
});

describe("plan:diff reads a plan's files by their shapes (zod)", () => {
  /** A one-object plan folder with the given plan.json and secrets.json. */
  const plan = (meta: unknown, secrets: unknown) => {
    const dir = tempDir("diff-shape-");
    writeFileSync(path.join(dir, "kubernetes.yaml"), "kind: Namespace\nmetadata:\n  name: n\n");
    writeFileSync(path.join(dir, "outputs.json"), "{}\n");
    writeFileSync(path.join(dir, "plan.json"), JSON.stringify(meta));
    writeFileSync(path.join(dir, "secrets.json"), JSON.stringify(secrets));
    return dir;
  };
  it("reads a plan as npm run plan writes it", () => {
    const dir = plan({ project: "workflow-runner", stack: "dev" }, { stigmerApiKey: "fp" });
    assert.deepEqual([...stacksIn(dir)], [["dev", dir]]);
    const read = readPlanDir(dir);
    assert.deepEqual(
      [read.stack, [...read.objects.keys()], read.secrets],
      ["dev", ["Namespace n"], { stigmerApiKey: "fp" }],
    );
  });
  it("names the file and the field of a plan that is not (old: a cast let it through)", () => {
    const noStack = plan({ project: "workflow-runner" }, {});
    assert.throws(
      () => stacksIn(noStack),
      /plan\.json: ✖ Invalid input: expected string, received undefined\n {2}→ at stack/,
    );
    const badSecret = plan({ stack: "dev" }, { stigmerApiKey: 7 });
    assert.throws(
      () => readPlanDir(badSecret),
      /secrets\.json: ✖ Invalid input: expected string, received number\n {2}→ at stigmerApiKey/,
    );
    const noName = plan({ stack: "dev" }, {});
    writeFileSync(path.join(noName, "kubernetes.yaml"), "kind: Namespace\nmetadata: {}\n");
    assert.throws(
      () => readPlanDir(noName),
      /kubernetes\.yaml: ✖ Invalid input: expected string, received undefined\n {2}→ at metadata\.name/,
    );
  });
});
