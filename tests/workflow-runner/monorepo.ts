// The monorepo as it is on GitHub, for journeys: this program at _ops/pulumi/workflow-runner (every file git would
// commit, from the working tree), its workflows at the root's .github/workflows (from the program's
// monorepo/.github/workflows), in a real git repository that checkout's stand-in fetches from.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/evaluate";

/** Where the program lives in the monorepo (Pulumi.yaml's programPath default). */
export const PROGRAM_PATH = "_ops/pulumi/workflow-runner";

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "journey",
      GIT_AUTHOR_EMAIL: "journey@example.com",
      GIT_COMMITTER_NAME: "journey",
      GIT_COMMITTER_EMAIL: "journey@example.com",
      GIT_AUTHOR_DATE: "2026-11-30T12:00:00Z",
      GIT_COMMITTER_DATE: "2026-11-30T12:00:00Z",
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Changes to files by repository path: new content, or null to delete. */
export type Changes = Record<string, string | ((old: string) => string) | null>;

/** A local stand-in for github.com/stigmer/stigmer-cloud. */
export class Monorepo {
  readonly repository = "stigmer/stigmer-cloud";
  readonly defaultBranch = "main";
  constructor(readonly dir: string) {}

  /** The git directory checkout fetches from. */
  get gitDir(): string {
    return path.join(this.dir, ".git");
  }

  /** Reads a file at the tip of the current branch's working tree. */
  read(rel: string): string {
    return readFileSync(path.join(this.dir, rel), "utf8");
  }

  /** Commits changes on a branch (created from `from` when new); returns the commit SHA. */
  commit(branch: string, message: string, changes: Changes, from = this.defaultBranch): string {
    const exists =
      spawnSync("git", ["rev-parse", "--verify", "-q", `refs/heads/${branch}`], { cwd: this.dir }).status ===
      0;
    git(this.dir, "checkout", "-q", ...(exists ? [branch] : ["-b", branch, from]));
    for (const [rel, change] of Object.entries(changes)) {
      const file = path.join(this.dir, rel);
      if (change === null) rmSync(file);
      else {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, typeof change === "function" ? change(readFileSync(file, "utf8")) : change);
      }
    }
    git(this.dir, "add", "-A");
    git(this.dir, "commit", "-q", "-m", message);
    const sha = git(this.dir, "rev-parse", "HEAD");
    git(this.dir, "checkout", "-q", this.defaultBranch);
    return sha;
  }

  /** GitHub's merge commit of a pull request (refs/pull/N/merge): the head merged into the base. */
  mergeCommit(base: string, head: string): string {
    git(this.dir, "checkout", "-q", "--detach", base);
    git(this.dir, "merge", "-q", "--no-ff", "-m", "Merge pull request", head);
    const sha = git(this.dir, "rev-parse", "HEAD");
    git(this.dir, "checkout", "-q", this.defaultBranch);
    return sha;
  }

  /** Fast-forwards main to a commit (a merged pull request); returns it. */
  merge(sha: string): string {
    git(this.dir, "merge", "-q", "--ff-only", sha);
    return git(this.dir, "rev-parse", "HEAD");
  }

  /** The tip of a branch. */
  tip(branch = this.defaultBranch): string {
    return git(this.dir, "rev-parse", branch);
  }
}

/** Lays out the monorepo with this program and its workflows, committed on main. */
export function createMonorepo(dir: string): Monorepo {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "uploadpack.allowAnySHA1InWant", "true");
  const files = git(PROJECT_DIR, "ls-files", "-co", "--exclude-standard", "-z").split("\0").filter(Boolean);
  const program = path.join(dir, PROGRAM_PATH);
  for (const rel of files) {
    // A file deleted in the working tree but still in the index is not part of the tree.
    const from = path.join(PROJECT_DIR, rel);
    try {
      cpSync(from, path.join(program, rel), { recursive: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  cpSync(path.join(PROJECT_DIR, "monorepo", ".github"), path.join(dir, ".github"), { recursive: true });
  writeFileSync(path.join(dir, "README.md"), "stigmer-cloud (journey stand-in)\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "The monorepo with the workflow-runner delivery program");
  return new Monorepo(dir);
}
