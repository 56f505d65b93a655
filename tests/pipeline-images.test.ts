// The images the pipeline runs (gitImage, bazelImage, deployImage): each default a reference that names its tag, pinned
// by digest where a public source gives the digest, never on gcr.io/tekton-releases (403 since 2025,
// tektoncd/pipeline#8870), and docs/build.md lists the command that checks each still answers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { TASKS_DIR } from "../components/pipeline";
import { imageReference, isPinnedImage, isToolImage } from "../config/image-reference";
import { evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { repositoryFiles } from "../tools/plan/render";
import { readProjectFile } from "../tools/plan/stack-files";
import { digest, TOOL_DIGESTS } from "./helpers";

/** The config keys naming an image a pipeline step runs. */
const PIPELINE_IMAGE_KEYS = ["gitImage", "bazelImage", "deployImage"] as const;
/** The registry Tekton left in 2025: pulls answer 403 (tektoncd/pipeline#8870). */
const GONE_REGISTRY = "gcr.io/tekton-releases/";

/** The documented command that asks the registry for a reference's digest. */
export function checkCommand(reference: string): string {
  return `skopeo inspect --format '{{.Digest}}' docker://${reference}`;
}

/** What is wrong with a pipeline image reference: "" when it names a tag, and a well-formed digest if it has one. */
export function referenceProblem(reference: string): string {
  if (!isToolImage(reference)) return "not an image reference with a tag or a digest";
  if (imageReference(reference)?.tag === undefined) return "no tag kept for readers";
  if (reference.includes("@") && !isPinnedImage(reference)) return "a malformed digest";
  if (reference.startsWith(GONE_REGISTRY)) return `on ${GONE_REGISTRY}, which answers 403`;
  return "";
}

/** The default references docs/build.md does not give the check command for. */
export function undocumented(doc: string, references: readonly string[]): string[] {
  return references.filter((r) => !doc.includes(checkCommand(r)));
}

const project = readProjectFile(PROJECT_DIR);
const defaults = PIPELINE_IMAGE_KEYS.map((k) => String(project.config[k]?.default ?? ""));
const buildDoc = readFileSync(path.join(PROJECT_DIR, "docs", "build.md"), "utf8");

describe("the pipeline's images", () => {
  it("default to references that keep their tag, none on gcr.io/tekton-releases", () => {
    for (const [i, key] of PIPELINE_IMAGE_KEYS.entries()) {
      assert.equal(referenceProblem(defaults[i] ?? ""), "", `${key}: ${defaults[i]}`);
    }
  });

  it("pin git-init by the digest Planton pins (its tutorial and catalog), on ghcr.io", () => {
    const git = String(project.config.gitImage?.default);
    assert.ok(isPinnedImage(git), git);
    const ref = imageReference(git);
    assert.equal(ref?.repository, "ghcr.io/tektoncd/github.com/tektoncd/pipeline/cmd/git-init");
    assert.equal(ref?.tag, "v0.45.0");
  });

  it("refuses what the check is for: a tag-less, a malformed, a gcr.io/tekton-releases reference", () => {
    assert.equal(
      referenceProblem(`gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2`),
      "on gcr.io/tekton-releases/, which answers 403",
    );
    assert.equal(referenceProblem(`ghcr.io/tektoncd/git-init@${digest("a")}`), "no tag kept for readers");
    assert.equal(
      referenceProblem("ghcr.io/tektoncd/git-init:v1@sha256:abc"),
      "not an image reference with a tag or a digest",
    );
    assert.equal(referenceProblem(`ghcr.io/tektoncd/git-init:v1@${digest("a")}`), "");
  });

  it("are each listed in docs/build.md with the command that checks the reference still answers", () => {
    assert.deepEqual(undocumented(buildDoc, defaults), []);
    const stale = buildDoc.replace(checkCommand(defaults[1] ?? ""), "");
    assert.deepEqual(undocumented(stale, defaults), [defaults[1]]);
  });

  it("reach the committed Tasks as configured: no step of a dev plan runs a gcr.io/tekton-releases image", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("1") },
    });
    const images = repositoryFiles(ev)
      .filter((f) => f.path.includes(`${TASKS_DIR}/`))
      .flatMap((f) => (parse(f.content)?.spec?.steps ?? []).map((s: { image: string }) => s.image));
    assert.ok(images.length >= 3, images.join(", "));
    assert.ok(images.includes(String(project.config.gitImage?.default)), images.join(", "));
    assert.deepEqual(
      images.filter((i) => i.startsWith(GONE_REGISTRY)),
      [],
    );
  });
});
