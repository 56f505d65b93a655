// What a workflow reaches beyond the runner, stood in and recorded: the GitHub API (github-script's `github`
// client), the Pulumi service behind the Pulumi CLI (./pulumi-cli.ts), and the npm registry behind `npm ci`.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** One PR/issue comment as the REST API returns it (`GET /repos/{owner}/{repo}/issues/{n}/comments`). */
export interface Comment {
  readonly id: number;
  body: string;
  readonly user: { readonly login: string; readonly id: number; readonly type: string };
}

/** The GitHub REST API, as much of it as the workflows call; every call is recorded. */
export class FakeGitHub {
  /** The job's GITHUB_TOKEN. */
  readonly token = "ghs_stand-in-github-token";
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  readonly comments = new Map<number, Comment[]>();
  private nextId = 1;

  /** The Octokit client github-script hands a script (`github`): `paginate` and `rest.issues.*`. */
  client(token: string) {
    if (token !== this.token) throw new Error("HttpError: Bad credentials");
    const record = (method: string, params: Record<string, unknown>) => this.calls.push({ method, params });
    const list = (n: unknown) => this.comments.get(Number(n)) ?? [];
    const issues = {
      listComments: async (p: Record<string, unknown>) => {
        record("issues.listComments", p);
        return { data: list(p.issue_number).map((c) => ({ ...c })) };
      },
      createComment: async (p: Record<string, unknown>) => {
        record("issues.createComment", p);
        const comment: Comment = {
          id: this.nextId++,
          body: String(p.body),
          // The Actions app's bot, as GitHub's REST API names the author of a GITHUB_TOKEN's comment.
          user: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
        };
        this.comments.set(Number(p.issue_number), [...list(p.issue_number), comment]);
        return { data: comment };
      },
      updateComment: async (p: Record<string, unknown>) => {
        record("issues.updateComment", p);
        for (const comments of this.comments.values())
          for (const c of comments) if (c.id === p.comment_id) c.body = String(p.body);
        return { data: {} };
      },
    };
    return {
      rest: { issues },
      // Octokit's paginate(method, params) resolves to every page's items concatenated.
      paginate: async (
        method: (p: Record<string, unknown>) => Promise<{ data: unknown[] }>,
        params: Record<string, unknown>,
      ) => (await method(params)).data,
    };
  }
}

/** A Pulumi stack as the Pulumi service holds it. */
export interface StackState {
  outputs: Record<string, unknown>;
  /** When set, a refresh finds this difference between state and the live resources. */
  drift?: string;
}

/** One call of the Pulumi CLI, as the stand-in saw it. */
export interface PulumiCall {
  readonly argv: string[];
  readonly cwd: string;
  readonly token: string | null;
  readonly kubeconfig: string | null;
  /** The stack file's `workflow-runner:imagePin` when the command ran (what a hold relies on). */
  readonly imagePin: string | null;
  /** The stack file's `workflow-runner:imageTag` when the command ran (the release a runner stack names). */
  readonly imageTag: string | null;
}

/** The Pulumi service: stacks, and what each access token may do. */
export interface PulumiState {
  stacks: Record<string, StackState>;
  tokens: Record<string, { read: string[]; write: string[] }>;
  calls: PulumiCall[];
}

/** Everything a run reaches. */
export interface Boundary {
  readonly github: FakeGitHub;
  /** Folders first on every step's PATH: the runner image's tools (npm with `ci` stood in). */
  readonly toolPath: string[];
  /** The Pulumi service's state file, read and written by the CLI stand-in. */
  readonly pulumiStateFile: string;
  /** Where pulumi/actions' stand-in installs the CLI. */
  readonly pulumiCliDir: string;
  /** upload-artifact's stand-in keeps artifacts here, by name. */
  readonly artifactsDir: string;
  pulumi(): PulumiState;
  setPulumi(state: PulumiState): void;
}

/**
 * The boundary for one journey. `npm ci` is stood in: the npm registry is outside, and the tree it would install
 * from the lockfile is the one this checkout already has (`nodeModules`); the stand-in refuses any other lockfile.
 */
export function createBoundary(
  scratch: string,
  lockfile: string,
  nodeModules: string,
  state: PulumiState,
): Boundary {
  const tools = path.join(scratch, "runner-tools");
  mkdirSync(tools, { recursive: true });
  const realNpm = spawnSync("bash", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
  if (!realNpm) throw new Error("npm is not on PATH");
  writeFileSync(
    path.join(tools, "npm"),
    [
      "#!/usr/bin/env bash",
      "# npm of the runner image; `npm ci` stands in for the registry download (the installed tree of this lockfile).",
      'if [ "$#" -gt 0 ] && [ "$1" = ci ]; then',
      `  cmp -s package-lock.json ${JSON.stringify(lockfile)} || { echo "npm ci (stand-in): package-lock.json is not the lockfile of the installed tree" >&2; exit 1; }`,
      `  rm -rf node_modules && ln -s ${JSON.stringify(nodeModules)} node_modules`,
      '  echo "npm ci (stand-in): node_modules from the lockfile"',
      "  exit 0",
      "fi",
      `exec ${JSON.stringify(realNpm)} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(path.join(tools, "npm"), 0o755);
  const pulumiStateFile = path.join(scratch, "pulumi-service.json");
  writeFileSync(pulumiStateFile, JSON.stringify(state));
  const artifactsDir = path.join(scratch, "artifacts");
  mkdirSync(artifactsDir, { recursive: true });
  return {
    github: new FakeGitHub(),
    toolPath: [tools, path.dirname(process.execPath)],
    pulumiStateFile,
    pulumiCliDir: path.join(scratch, "pulumi-cli"),
    artifactsDir,
    pulumi: () => JSON.parse(readFileSync(pulumiStateFile, "utf8")) as PulumiState,
    setPulumi: (s) => writeFileSync(pulumiStateFile, JSON.stringify(s)),
  };
}
