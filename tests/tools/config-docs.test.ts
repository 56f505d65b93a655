// docs/config-reference.md: the committed reference is exactly what Pulumi.yaml renders.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { CONFIG_DOC_PATH, renderConfigReference } from "../../tools/docs/config";
import { readProjectFile } from "../../tools/plan/stack-files";
import { PROJECT_ROOT } from "../../tools/project-root";

describe("docs/config-reference.md", () => {
  const dir = PROJECT_ROOT;
  const project = readProjectFile(dir);
  const rendered = renderConfigReference(project);
  it("is what Pulumi.yaml renders (run `npm run docs:config` after changing Pulumi.yaml)", () => {
    assert.equal(readFileSync(path.join(dir, CONFIG_DOC_PATH), "utf8"), rendered);
  });
  it("shows each key's type, default and secrecy as Pulumi.yaml declares them", () => {
    assert.match(rendered, /^\| `replicas` +\| integer +\| `1` +\| no +\| /m);
    assert.match(rendered, /^\| `temporalAddress` +\| string +\| required +\| no +\| /m);
    assert.match(
      rendered,
      /^\| `stigmerApiKey` +\| string +\| `""` \(not set\) +\| yes +\| STIGMER_API_KEY/m,
    );
    assert.match(rendered, /^\| `githubToken` +\| string +\| `""` \(not set\) +\| yes +\| GitHub token/m);
    assert.match(
      rendered,
      /^\| `temporalFrontendLabels` +\| string list +\| `app.kubernetes.io\/name=temporal`, /m,
    );
  });
  it("goes stale when Pulumi.yaml changes a default or adds a key", () => {
    const replicas = project.config.replicas;
    assert.ok(replicas);
    const changed = renderConfigReference({
      ...project,
      config: { ...project.config, replicas: { ...replicas, default: 2 } },
    });
    assert.notEqual(changed, rendered);
    const added = renderConfigReference({
      ...project,
      config: { ...project.config, newKey: { type: "string", description: "A new key." } },
    });
    assert.match(added, /^\| `newKey` +\| string +\| required +\| no +\| A new key\. +\|$/m);
  });
});
