// components/scripts/source-checkout.sh under the git-init image's real shell (dash, and busybox sh) with real git
// against real repositories: a clone, a SHA behind the tip, Planton's own checkout, a force-pushed branch.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { buildCheckoutTask } from "../../components/pipeline-tasks";
import { tempDir } from "../helpers";
import { type Obj, runTask } from "../tekton-sim";
import { git, gitInitImage, needsTools, requireTools, stepScript } from "./images";
import { ROOT_PIPELINE } from "./root";

/** An upstream repository with main at `tip`, one commit `older` behind it, and `gone` lost to a force-push. */
function upstream() {
  const dir = path.join(tempDir("upstream-"), "repo");
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  const commit = (file: string, text: string) => {
    writeFileSync(path.join(dir, file), text);
    git(dir, "add", file);
    git(dir, "commit", "-q", "-m", file);
    return git(dir, "rev-parse", "HEAD");
  };
  commit("README", "one\n");
  const older = commit("MODULE.bazel", "module(name = 'x')\n");
  const gone = commit("lost", "force-pushed away\n");
  git(dir, "reset", "-q", "--hard", older);
  const tip = commit("BUILD.bazel", "# tip\n");
  git(dir, "reflog", "expire", "--expire=now", "--all");
  return { url: `file://${dir}`, dir, older, gone, tip };
}

describe(
  "source-checkout under the git-init image's shell, with real git",
  needsTools("git", "dash", "busybox"),
  () => {
    let repo: ReturnType<typeof upstream>;
    let task: Obj;
    before(() => {
      requireTools("git", "dash", "busybox");
      repo = upstream();
      task = buildCheckoutTask(ROOT_PIPELINE);
    });
    /** Runs the task over a fresh workspace (prepared by `prepare`); returns the run and the workspace. */
    const checkout = (
      shell: "dash" | "busybox",
      revision: string,
      opts: { url?: string; prepare?: (source: string) => void; script?: string } = {},
    ) => {
      const root = tempDir("checkout-");
      const source = path.join(root, "workspaces", "source");
      mkdirSync(source, { recursive: true });
      opts.prepare?.(source);
      const t = opts.script
        ? { ...task, spec: { ...task.spec, steps: [{ ...task.spec.steps[0], script: opts.script }] } }
        : task;
      const run = runTask(
        t,
        { url: opts.url ?? repo.url, revision },
        root,
        {},
        {},
        undefined,
        gitInitImage(shell),
      );
      return { run, source };
    };

    for (const shell of ["dash", "busybox"] as const) {
      it(`${shell}: checks out the tip into an empty workspace and reports it`, () => {
        const { run, source } = checkout(shell, repo.tip);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.results.commit, repo.tip);
        assert.equal(git(source, "rev-parse", "HEAD"), repo.tip);
        assert.equal(git(source, "status", "--porcelain"), "");
      });

      it(`${shell}: fetches a SHA behind the branch tip`, () => {
        const { run, source } = checkout(shell, repo.older);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.results.commit, repo.older);
        assert.equal(git(source, "rev-parse", "HEAD"), repo.older);
      });

      it(`${shell}: keeps Planton's checkout of the commit as it is, without fetching`, () => {
        const { run } = checkout(shell, repo.tip, {
          url: "file:///nonexistent/repository",
          prepare: (source) => git(path.dirname(source), "clone", "-q", repo.url, source),
        });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /already holds/);
        assert.equal(run.results.commit, repo.tip);
      });

      it(`${shell}: moves Planton's checkout of another commit to the built one`, () => {
        const { run, source } = checkout(shell, repo.older, {
          prepare: (s) => git(path.dirname(s), "clone", "-q", repo.url, s),
        });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(git(source, "rev-parse", "HEAD"), repo.older);
        assert.equal(run.results.commit, repo.older);
      });

      it(`${shell}: builds the commit a force-push took off the branch, over a checkout of the new tip`, () => {
        assert.throws(() => git(repo.dir, "merge-base", "--is-ancestor", repo.gone, "main"));
        const { run, source } = checkout(shell, repo.gone, {
          prepare: (s) => git(path.dirname(s), "clone", "-q", repo.url, s),
        });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(git(source, "rev-parse", "HEAD"), repo.gone);
        assert.equal(run.results.commit, repo.gone);
      });

      it(`${shell}: refuses a revision that is not a full SHA, before git runs`, () => {
        for (const revision of ["main", "--upload-pack=touch /tmp/x", repo.tip.slice(0, 12)]) {
          const { run } = checkout(shell, revision);
          assert.notEqual(run.status, 0, revision);
          assert.match(run.stderr, /refusing a revision that is not a full commit SHA/);
          assert.equal(run.results.commit, undefined);
        }
      });

      it(`${shell}: the script of 661c2a8 (#!/usr/bin/env bash) does not even start in this image`, () => {
        const { run } = checkout(shell, repo.tip, { script: stepScript("source-checkout.sh", "661c2a8") });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /bash/);
        assert.equal(run.results.commit, undefined);
      });
    }
  },
);
