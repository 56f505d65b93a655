// components/scripts/bazel-oci-push.sh in the Bazel image's tools (bash, git, curl; no jq, no skopeo) against a real
// registry on loopback: a real image layout pushed the way rules_oci v2.2.7 pushes it (tests/steps/bazel-standin.sh),
// the reported digest checked against what the registry serves; the caches kept on the build-cache workspace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildBuildPushTask } from "../../components/pipeline-tasks";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";
import { type Obj, runTask, stubTools } from "../tekton-sim";
import { bazelImage, needsTools, requireTools, stepScript } from "./images";
import { imageLayout, type Registry, servedDigest, startRegistry } from "./registry";
import { ROOT_PIPELINE } from "./root";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PATH_IN_REGISTRY = "leftbin/stigmer-cloud/backend/services/workflow-runner";

describe(
  "bazel-oci-push against a real registry",
  needsTools("docker-registry", "skopeo", "jq", "curl", "git"),
  () => {
    let registry: Registry;
    let task: Obj;
    let image: string;
    let archive: string;
    before(async () => {
      requireTools("docker-registry", "skopeo", "jq", "curl", "git");
      registry = await startRegistry();
      task = buildBuildPushTask(ROOT_PIPELINE);
      image = bazelImage();
      archive = path.join(tempDir("archive-"), "go_sdk.tar.gz");
      writeFileSync(archive, "a Go toolchain archive\n");
    });
    after(async () => {
      await registry?.stop();
    });

    /** Runs the step with the Bazel stand-in pushing `layout` as `repository`. */
    const push = (opts: {
      layout: string;
      tag?: string;
      repository?: string;
      mistag?: string;
      script?: string;
      root?: string;
      cacheBound?: boolean;
    }) => {
      const root = opts.root ?? tempDir("push-");
      const log = path.join(root, "bazel.log");
      const repository = opts.repository ?? `${registry.host}/${PATH_IN_REGISTRY}`;
      const t = opts.script
        ? { ...task, spec: { ...task.spec, steps: [{ ...task.spec.steps[0], script: opts.script }] } }
        : task;
      const run = runTask(
        t,
        {
          "service-name": "workflow-runner",
          commit: SHA,
          "image-name": `${registry.host}/${PATH_IN_REGISTRY}:${opts.tag ?? SHA}`,
        },
        root,
        { bazel: readFileSync(path.join(PROJECT_DIR, "tests", "steps", "bazel-standin.sh"), "utf8") },
        {
          STANDIN_IMAGE_DIR: opts.layout,
          STANDIN_REPOSITORY: repository,
          STANDIN_LOG: log,
          STANDIN_ARCHIVE: archive,
          ...(opts.mistag ? { STANDIN_MISTAG_DIR: opts.mistag } : {}),
        },
        ["registry-credentials", ...(opts.cacheBound === false ? ["build-cache"] : [])],
        image,
      );
      return { run, log: () => readFileSync(log, "utf8") };
    };

    it("reports the digest the registry serves for the pushed tag", () => {
      const layout = imageLayout("one");
      const { run } = push({ layout: layout.dir });
      assert.equal(run.status, 0, run.stderr);
      const reference = `${registry.host}/${PATH_IN_REGISTRY}:${SHA}`;
      assert.equal(run.results.IMAGE_DIGEST, servedDigest(reference));
      assert.equal(run.results.IMAGE_DIGEST, layout.digest);
      assert.deepEqual(run.results, {
        IMAGE_URL: reference,
        IMAGE_DIGEST: layout.digest,
        IMAGE_TAG: SHA,
      });
    });

    it("fails when the registry serves another digest for the tag than the one pushed", () => {
      const { run } = push({
        layout: imageLayout("two").dir,
        tag: "moved",
        mistag: imageLayout("three").dir,
      });
      assert.notEqual(run.status, 0);
      assert.match(
        run.stderr,
        /the registry serves 'sha256:[a-f0-9]{64}' for \S+:moved, not the pushed sha256:/,
      );
      assert.equal(run.results.IMAGE_DIGEST, undefined);
    });

    it("fails when the push went to another repository than image-name's", () => {
      const { run } = push({ layout: imageLayout("four").dir, repository: `${registry.host}/other/repo` });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /but Planton's image-name names 127\.0\.0\.1:\d+\/leftbin\//);
    });

    it("the script of 661c2a8 (a caller's --image-refs file) fails on every real push", () => {
      const { run } = push({
        layout: imageLayout("five").dir,
        script: stepScript("bazel-oci-push.sh", "661c2a8"),
      });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /the push reported no sha256 digest: ''/);
      // The image did reach the registry: only the report was lost.
      assert.match(servedDigest(`${registry.host}/${PATH_IN_REGISTRY}:${SHA}`), /^sha256:/);
    });

    it("keeps Bazel's caches on the build-cache workspace: a second build of the same tree downloads nothing", () => {
      const layout = imageLayout("six").dir;
      const root = tempDir("warm-");
      const first = push({ layout, root });
      assert.equal(first.run.status, 0, first.run.stderr);
      const second = push({ layout, root });
      assert.equal(second.run.status, 0, second.run.stderr);
      const lines = second.log().split("\n");
      assert.equal(lines.filter((l) => l.startsWith("download ")).length, 1, "one download in two builds");
      const cache = path.join(root, "workspaces", "build-cache", "bazel");
      const runs = lines.filter((l) => / run /.test(l));
      assert.equal(runs.length, 2);
      for (const line of runs) {
        assert.ok(line.includes(`--output_user_root=${cache}/output-root `), line);
        assert.ok(line.includes(`--repository_cache=${cache}/repository-cache `), line);
        assert.ok(line.includes(`--disk_cache=${cache}/disk-cache `), line);
      }
    });

    it("builds cold, in the pod's own HOME, when no cache is bound (as under Planton without a remote cache)", () => {
      const layout = imageLayout("seven").dir;
      for (const pod of ["first", "second"]) {
        const root = tempDir(`cold-${pod}-`);
        const { run, log } = push({ layout, root, cacheBound: false });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(
          log()
            .split("\n")
            .filter((l) => l.startsWith("download ")).length,
          1,
          pod,
        );
        assert.ok(log().includes(`--repository_cache=${path.join(root, "bazel-home")}/repository-cache `));
      }
    });
  },
);

/** Starts tests/steps/token-registry.ts in its own process; resolves with its host once it listens. */
async function tokenRegistry(digest: string, basic: string) {
  const log = path.join(tempDir("token-log-"), "requests.log");
  writeFileSync(log, "");
  const child = spawn(
    process.execPath,
    [path.join(__dirname, "token-registry.js"), digest, basic, PATH_IN_REGISTRY, log],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the token registry did not start within 10 s")), 10_000);
    child.stdout?.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString().trim());
    });
  });
  return {
    host: `127.0.0.1:${port}`,
    seen: () => readFileSync(log, "utf8").trim().split("\n"),
    close: () =>
      new Promise((r) => {
        child.once("exit", r);
        child.kill();
      }),
  };
}

describe("bazel-oci-push's registry check under token auth (as GHCR)", needsTools("curl"), () => {
  it("buys a pull token with the docker config's credentials and checks the served digest", async () => {
    requireTools("curl");
    const pushed = `sha256:${"a".repeat(64)}`;
    const basic = Buffer.from("leftbin:ghp_test").toString("base64");
    const registry = await tokenRegistry(pushed, basic);
    try {
      const root = tempDir("token-");
      const repository = `${registry.host}/${PATH_IN_REGISTRY}`;
      const { stubs } = stubTools(root, {
        refs: `${repository}@${pushed}`,
        index: `{"manifests":[{"digest":"${pushed}"}]}`,
      });
      const { curl: _real, ...withoutCurl } = stubs;
      const credentials = path.join(root, "workspaces", "registry-credentials");
      mkdirSync(credentials, { recursive: true });
      writeFileSync(
        path.join(credentials, "config.json"),
        JSON.stringify(
          { auths: { [registry.host]: { username: "leftbin", password: "ghp_test", auth: basic } } },
          null,
          2,
        ),
      );
      const run = runTask(
        buildBuildPushTask(ROOT_PIPELINE),
        { "service-name": "workflow-runner", commit: SHA, "image-name": `${repository}:${SHA}` },
        root,
        withoutCurl,
        {},
        [],
        bazelImage(),
      );
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.results.IMAGE_DIGEST, pushed);
      assert.deepEqual(registry.seen(), [
        `HEAD /v2/${PATH_IN_REGISTRY}/manifests/${SHA} -`,
        "GET /token Basic",
        `HEAD /v2/${PATH_IN_REGISTRY}/manifests/${SHA} Bearer`,
      ]);
    } finally {
      await registry.close();
    }
  });
});
