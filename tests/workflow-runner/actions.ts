// Stand-ins for the `uses:` actions of the workflows, each for exactly the pinned release whose action.yml its
// inputs and outputs follow (read at that tag of the action's repository).
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Boundary } from "./boundary";

/** What a stand-in sees of its step. */
export interface ActionContext {
  readonly uses: string;
  readonly inputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly workspace: string;
  readonly temp: string;
  readonly github: {
    readonly sha: string;
    readonly repository: string;
    readonly event_name: string;
    readonly ref: string;
    readonly token: string;
    readonly event: Record<string, unknown>;
  };
  /** The repository's git directory, standing in for github.com/<repository>. */
  readonly gitDir: string;
  readonly boundary: Boundary;
  readonly files: { readonly GITHUB_PATH: string; readonly GITHUB_OUTPUT: string };
}

/** What a stand-in returns. */
export interface ActionResult {
  readonly outputs: Record<string, string>;
  readonly log: string;
}

type StandIn = (ctx: ActionContext) => ActionResult | Promise<ActionResult>;

function git(args: string[], cwd?: string): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * actions/checkout v7.0.1 (action.yml): `repository`, `ref` (default: the event's commit, github.sha), `path` (under
 * $GITHUB_WORKSPACE), `persist-credentials` (default true: the token is configured in the local git config as an
 * `http.<server>/.extraheader`, src/git-auth-helper.ts); outputs `ref` and `commit`.
 */
const checkout: StandIn = (ctx) => {
  const dest = path.resolve(ctx.workspace, ctx.inputs.path ?? ".");
  if (!dest.startsWith(ctx.workspace))
    throw new Error(`checkout: path ${ctx.inputs.path} is outside the workspace`);
  const ref = ctx.inputs.ref || ctx.github.sha;
  mkdirSync(dest, { recursive: true });
  git(["init", "-q", dest]);
  git(["remote", "add", "origin", `https://github.com/${ctx.github.repository}`], dest);
  git(["fetch", "-q", ctx.gitDir, ref], dest);
  git(["checkout", "-q", "--detach", "FETCH_HEAD"], dest);
  if ((ctx.inputs["persist-credentials"] ?? "true") !== "false") {
    const basic = Buffer.from(`x-access-token:${ctx.inputs.token || ctx.github.token}`).toString("base64");
    git(["config", "--local", "http.https://github.com/.extraheader", `AUTHORIZATION: basic ${basic}`], dest);
  }
  const commit = git(["rev-parse", "HEAD"], dest);
  return { outputs: { ref, commit }, log: `checked out ${commit} into ${dest}` };
};

/** actions/setup-node v7.0.0: the runner's Node is used; the version asked for is only logged. */
const setupNode: StandIn = (ctx) => ({
  outputs: {},
  log: `setup-node (stand-in): node-version ${ctx.inputs["node-version"]}`,
});

/**
 * pulumi/actions v7.0.0 (action.yml): without `command`, it only installs the CLI (`pulumi-version`) and puts it on
 * PATH. The CLI is ./pulumi-cli.ts.
 */
const pulumiActions: StandIn = (ctx) => {
  if (ctx.inputs.command) throw new Error("pulumi/actions stand-in: only installing the CLI is stood in");
  const dir = ctx.boundary.pulumiCliDir;
  mkdirSync(dir, { recursive: true });
  const cli = path.join(__dirname, "pulumi-cli.js");
  const version = ctx.inputs["pulumi-version"] ?? "";
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new Error(`pulumi/actions: pulumi-version ${JSON.stringify(version)}`);
  writeFileSync(
    path.join(dir, "pulumi"),
    `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} ${JSON.stringify(ctx.boundary.pulumiStateFile)} "$@"\n`,
  );
  chmodSync(path.join(dir, "pulumi"), 0o755);
  writeFileSync(ctx.files.GITHUB_PATH, `${dir}\n`, { flag: "a" });
  return { outputs: {}, log: `pulumi ${version} installed (stand-in)` };
};

/**
 * actions/github-script v8.0.0 (action.yml, src/main.ts): runs `script` as an async function of `require`,
 * `github` (an Octokit client authenticated with `github-token`, default github.token), `context`, `core`, ...,
 * in a node process with the step's environment; output `result` is the return value, JSON-encoded by default.
 */
const githubScript: StandIn = async (ctx) => {
  const github = ctx.boundary.github.client(ctx.inputs["github-token"] || ctx.github.token);
  const [owner = "", repo = ""] = ctx.github.repository.split("/");
  const context = {
    repo: { owner, repo },
    payload: ctx.github.event,
    eventName: ctx.github.event_name,
    sha: ctx.github.sha,
    ref: ctx.github.ref,
  };
  const log: string[] = [];
  const core = { info: (m: string) => log.push(m), setFailed: (m: string) => log.push(`::error::${m}`) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<unknown>;
  const fn = new AsyncFunction("require", "github", "context", "core", "process", ctx.inputs.script ?? "");
  const result = await fn(require, github, context, core, { env: ctx.env });
  return { outputs: { result: JSON.stringify(result ?? null) }, log: log.join("\n") };
};

/** actions/upload-artifact v7.0.0 (action.yml): `name`, `path`; kept in the boundary's artifacts folder. */
const uploadArtifact: StandIn = (ctx) => {
  const from = path.resolve(ctx.workspace, ctx.inputs.path ?? "");
  if (!existsSync(from))
    throw new Error(`upload-artifact: No files were found with the provided path: ${ctx.inputs.path}`);
  cpSync(from, path.join(ctx.boundary.artifactsDir, ctx.inputs.name ?? "artifact"), { recursive: true });
  return { outputs: {}, log: `uploaded ${ctx.inputs.name}` };
};

/** The stand-ins, by action and the full commit SHA of the release they follow (verified against its tag). */
export const STAND_INS: Record<string, { version: string; run: StandIn }> = {
  "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": { version: "v7.0.1", run: checkout },
  "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020": { version: "v7.0.0", run: setupNode },
  "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": { version: "v7.0.0", run: pulumiActions },
  "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd": { version: "v8.0.0", run: githubScript },
  "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f": {
    version: "v7.0.0",
    run: uploadArtifact,
  },
};

/** Runs the stand-in of one `uses:`; an action or a release without one fails the step. */
export async function runAction(ctx: ActionContext): Promise<ActionResult> {
  const standIn = STAND_INS[ctx.uses];
  if (!standIn) throw new Error(`no stand-in for ${ctx.uses}`);
  return standIn.run(ctx);
}
