// The step images' tools, as PATH folders of this machine's real programs: a step script run with one of them finds
// exactly what its image has (its shell first), and nothing the image lacks (bash, jq, skopeo).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";

/** Where a program is on this process's PATH (as the shell finds it: a CI image without it has none), or undefined. */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").filter((d) => d.startsWith("/"))) {
    const full = path.join(dir, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

/** The Debian packages the real-tool tests run (.ci/run installs them). */
export const DEBIAN_PACKAGES = [
  "git",
  "dash",
  "busybox",
  "shellcheck",
  "skopeo",
  "docker-registry",
  "jq",
  "curl",
];

/** The programs of DEBIAN_PACKAGES the step tests run (each package's own command). */
export const DEBIAN_TOOLS = [
  "git",
  "dash",
  "busybox",
  "shellcheck",
  "skopeo",
  "docker-registry",
  "jq",
  "curl",
  "bash",
];

/** What is missing of these tools, with the line that installs them; undefined when all are here. */
export function missingTools(...names: string[]): string | undefined {
  const missing = names.filter((n) => which(n) === undefined);
  return missing.length > 0
    ? `missing ${missing.join(", ")}: apt-get update && apt-get install -y ${DEBIAN_PACKAGES.join(" ")}`
    : undefined;
}

/**
 * A suite's options for tests that run these tools: skipped, naming what is missing and the install line, when one
 * is missing (tests/steps/debian-tools.step.ts fails once with that line, so the summary says it, not a list of
 * cancelled tests).
 */
export function needsTools(...names: string[]): { skip?: string } {
  const missing = missingTools(...names);
  return missing ? { skip: missing } : {};
}

/** Fails with the install line when a tool the tests run is missing. */
export function requireTools(...names: string[]): void {
  const missing = missingTools(...names);
  if (missing) throw new Error(missing);
}

/** A folder of links named `name` -> this machine's program `target` (by name or path). */
function linkFolder(links: Readonly<Record<string, string>>): string {
  const dir = path.join(tempDir("image-"), "bin");
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(links)) {
    const full = target.startsWith("/") ? target : which(target);
    if (!full) throw new Error(`no ${target} on this machine`);
    symlinkSync(full, path.join(dir, name));
  }
  return dir;
}

/**
 * The git-init image (tektoncd/pipeline cmd/git-init, built by ko on `distroless.dev/git` per .ko.yaml at v0.40.2: git
 * and a POSIX sh, no bash; the catalog's git-clone task 0.10 runs `#!/usr/bin/env sh` in it). Its sh is played by dash (Debian's, the strictest
 * POSIX shell here) or by busybox (whose applets also stand in for the base's few utilities).
 */
export function gitInitImage(shell: "dash" | "busybox"): string {
  const links: Record<string, string> = { git: "git" };
  if (shell === "busybox") {
    const applets = execFileSync("busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const applet of applets) if (applet !== "git") links[applet] = "busybox";
  } else {
    links.sh = "dash";
  }
  return linkFolder(links);
}

/** Tools of Ubuntu's base that the scripts may call (coreutils, grep, sed) and git, curl: no jq, no skopeo. */
const UBUNTU_TOOLS = [
  "basename",
  "cat",
  "cp",
  "cut",
  "date",
  "dirname",
  "env",
  "grep",
  "head",
  "ln",
  "ls",
  "mkdir",
  "mktemp",
  "mv",
  "printf",
  "readlink",
  "rm",
  "sha256sum",
  "sed",
  "sleep",
  "sort",
  "tail",
  "tee",
  "touch",
  "tr",
  "wc",
  "xargs",
  "git",
  "curl",
];

/**
 * The Bazel image (bazelbuild/continuous-integration bazel/oci/Dockerfile: Ubuntu 20.04 for Bazel 8.0.0's image, 22.04
 * only for images built after 2025-07; bash, git, curl, build-essential; no jq, no skopeo). Bazel itself is a stand-in on the test's own PATH folder.
 */
export function bazelImage(): string {
  return linkFolder({
    bash: "bash",
    sh: "dash",
    ...Object.fromEntries(UBUNTU_TOOLS.map((t) => [t, t])),
  });
}

/** The deploy image (pulumi/pulumi-nodejs: Debian, bash, git, Node.js): pulumi and npm are stand-ins. */
export function deployImage(): string {
  return linkFolder({
    bash: "bash",
    sh: "dash",
    node: process.execPath,
    ...Object.fromEntries(UBUNTU_TOOLS.map((t) => [t, t])),
  });
}

/** A step script of today, or of the commit the fixtures were taken from (tests/fixtures/steps-661c2a8). */
export function stepScript(name: string, version: "today" | "661c2a8" = "today"): string {
  const dir =
    version === "today"
      ? path.join(PROJECT_DIR, "components", "scripts")
      : path.join(PROJECT_DIR, "tests", "fixtures", "steps-661c2a8");
  return readFileSync(path.join(dir, name), "utf8");
}

/** Runs git with a fixed identity and clock, in `cwd`; returns stdout trimmed. */
export function git(cwd: string, ...args: string[]): string {
  const run = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_CONFIG_GLOBAL: "/dev/null",
    },
  });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout.trim();
}
