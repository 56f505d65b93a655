// Bad input, round four (issue 29), beside tests/bad-input.test.ts and in its style: one table of real inputs that were
// accepted (or crashed) before, each now refused with a message naming the key or flag, the value and what is allowed.
// Step scripts run under the shell of their image with real git; the admission rules run as CEL.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { buildCheckoutTask, buildDeployTask } from "../components/pipeline-tasks";
import { readScript } from "../components/steps";
import { digest, tempDir } from "./helpers";
import { deployImage, git, gitInitImage, requireTools } from "./steps/images";
import { ROOT_PIPELINE } from "./steps/root";
import { runTask } from "./tekton-sim";

/** What a refused input left behind: the tool's message, and whether the command it carried ran. */
interface Refusal {
  readonly status: number | null;
  readonly message: string;
  /** The marker file a command hidden in the value would have created exists. */
  readonly ran: boolean;
}

/** One bad input of round four. */
interface Case {
  readonly title: string;
  /** The class of issue 29 it belongs to. */
  readonly kind: "step values" | "rendered text" | "tool files" | "evidence" | "admission" | "policy pack";
  /** Feeds the input to the real tool (a step under its shell, a tool, a CEL rule). */
  readonly run: () => Refusal | Promise<Refusal>;
  /** The key, parameter or flag the message must name. */
  readonly names: string;
  /** A line the message must hold (the value, or what is allowed). */
  readonly message: string;
}

/** A marker a value's hidden command would create; the tests assert it never exists. */
function marker(): string {
  return path.join(tempDir("marker-"), "ran");
}

/** An upstream repository with one commit, served by file:// (git's own transport, no server). */
function upstream(): { url: string; sha: string } {
  const dir = path.join(tempDir("upstream-"), "repo");
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "README"), "one\n");
  git(dir, "add", "README");
  git(dir, "commit", "-q", "-m", "one");
  return { url: `file://${dir}`, sha: git(dir, "rev-parse", "HEAD") };
}

let repo: { url: string; sha: string };
const repository = () => {
  repo ??= upstream();
  return repo;
};

/**
 * source-checkout under dash and under busybox sh (the git-init image's sh), with real git; both must refuse. `script`
 * replaces the step's script (the proof that a test can fail).
 */
function checkout(params: { url?: string; revision?: string }, mark: string, script?: string): Refusal {
  const task = buildCheckoutTask(ROOT_PIPELINE);
  const t = script
    ? { ...task, spec: { ...task.spec, steps: [{ ...task.spec.steps[0], script }] } }
    : (task as unknown as Parameters<typeof runTask>[0]);
  const runs = (["dash", "busybox"] as const).map((shell) =>
    runTask(
      t,
      { url: params.url ?? repository().url, revision: params.revision ?? repository().sha },
      tempDir("checkout-"),
      {},
      {},
      undefined,
      gitInitImage(shell),
    ),
  );
  const [dash, busybox] = runs;
  if (!script) assert.equal(dash?.stderr, busybox?.stderr, "dash and busybox say the same");
  return {
    status: Math.min(...runs.map((r) => r.status ?? 0)),
    message: dash?.stderr ?? "",
    ran: existsSync(mark),
  };
}

/** pulumi-deploy under bash with real git; pulumi and npm are recorders that do nothing (they must not be reached). */
function deploy(params: Record<string, string>, env: Record<string, string>, mark: string): Refusal {
  const root = tempDir("deploy-");
  const secrets = path.join(root, "workspaces", "secrets");
  mkdirSync(secrets, { recursive: true });
  writeFileSync(path.join(secrets, "pulumi-access-token"), "pul-round-four");
  writeFileSync(path.join(secrets, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
  const run = runTask(
    buildDeployTask(ROOT_PIPELINE) as unknown as Parameters<typeof runTask>[0],
    {
      stack: "stigmer/workflow-runner/dev",
      "program-path": "_ops/pulumi/workflow-runner",
      "image-tag": repository().sha,
      "image-digest": digest("7"),
      "git-url": repository().url,
      "git-revision": repository().sha,
      ...params,
    },
    root,
    { pulumi: "exit 0", npm: "exit 0" },
    env,
    undefined,
    deployImage(),
  );
  return { status: run.status, message: run.stderr, ran: existsSync(mark) };
}

/** verify-pollers under bash; curl and temporal answer nothing (they must not be reached with a bad value). */
function verify(
  env: Record<string, string>,
  mark: string,
  script = readScript("verify-pollers.sh"),
): Refusal {
  const bin = path.join(tempDir("verify-"), "bin");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["curl", "temporal", "sleep"]) {
    writeFileSync(path.join(bin, tool), "#!/usr/bin/env bash\nexit 0\n", { mode: 0o755 });
  }
  const run = spawnSync("bash", ["--norc", "-c", script], {
    encoding: "utf8",
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      TEMPORAL_ADDRESS: "temporal:7233",
      TEMPORAL_NAMESPACE: "stigmer-dev",
      POLLED_QUEUES: "activity:orch workflow:exec",
      IMAGE_REF: `ghcr.io/x/y:v1@${digest("7")}`,
      POD_SELECTOR: "app%3Dx",
      POD_NAMESPACE: "ns",
      TIMEOUT_SECONDS: "0",
      SA_DIR: tempDir("sa-"),
      ...env,
    },
  });
  return { status: run.status, message: run.stderr, ran: existsSync(mark) };
}

const URL_ALLOWED = "allowed: an https://, ssh:// or file:/// URL";

/** Step values: each a parameter a PipelineRun (or the Job's env) hands a step; the hidden command touches `mark`. */
function stepCases(): Case[] {
  const m = marker();
  const touch = `touch ${m}`;
  const checkoutUrl = (title: string, url: string): Case => ({
    title,
    kind: "step values",
    run: () => checkout({ url }, m),
    names: "repository URL",
    message: `refusing repository URL '${url}': ${URL_ALLOWED}`,
  });
  const deployParam = (
    title: string,
    params: Record<string, string>,
    names: string,
    message: string,
  ): Case => ({
    title,
    kind: "step values",
    run: () => deploy(params, {}, m),
    names,
    message,
  });
  const verifyEnv = (title: string, env: Record<string, string>, names: string, message: string): Case => ({
    title,
    kind: "step values",
    run: () => verify(env, m),
    names,
    message,
  });
  return [
    checkoutUrl(
      "checkout: a URL that is git fetch's --upload-pack=<command>",
      `--upload-pack=${touch}; git-upload-pack`,
    ),
    checkoutUrl("checkout: a URL that is git fetch's -u <command>", `-u${touch};git-upload-pack`),
    checkoutUrl("checkout: a URL of the ext:: transport (runs a command)", `ext::sh -c ${touch}`),
    checkoutUrl("checkout: an ssh URL whose host is an ssh option", `ssh://-oProxyCommand=${touch}/x`),
    checkoutUrl("checkout: a URL with a shell command after it", `https://github.com/stigmer/x.git;${touch}`),
    checkoutUrl("checkout: a plain http URL", "http://github.com/stigmer/stigmer-cloud.git"),
    {
      title: "checkout: a revision that is an option",
      kind: "step values",
      run: () => checkout({ revision: `--upload-pack=${touch}` }, m),
      names: "revision",
      message: `refusing a revision that is not a full commit SHA: '--upload-pack=${touch}'`,
    },
    deployParam(
      "deploy: a git-url that is git fetch's --upload-pack=<command>",
      { "git-url": `--upload-pack=${touch}` },
      "repository URL",
      `refusing repository URL '--upload-pack=${touch}': ${URL_ALLOWED}`,
    ),
    deployParam(
      "deploy: a program path that climbs out of the clone",
      { "program-path": "../../deploy-cache" },
      "program path",
      "refusing program path '../../deploy-cache': allowed: a relative path inside the repository",
    ),
    deployParam(
      "deploy: a program path that starts with '-'",
      { "program-path": "-C/tmp" },
      "program path",
      "refusing program path '-C/tmp'",
    ),
    deployParam(
      "deploy: a stack that climbs a folder",
      { stack: "stigmer/../dev" },
      "stack",
      "refusing stack 'stigmer/../dev': allowed: [<org>/[<project>/]]<stack>",
    ),
    deployParam(
      "deploy: a stack that is an option",
      { stack: "--cwd=/tmp" },
      "stack",
      "refusing stack '--cwd=/tmp'",
    ),
    deployParam(
      "deploy: a target that is not a URN",
      { targets: "--target-dependents" },
      "deploy target",
      "refusing deploy target '--target-dependents': allowed: Pulumi URNs (urn:pulumi:...)",
    ),
    {
      title: "deploy: a lock timeout that bash arithmetic would run as a command",
      kind: "step values",
      run: () => deploy({}, { LOCK_TIMEOUT_SECONDS: `PATH[$(${touch})]` }, m),
      names: "lock wait",
      message: `refusing a lock wait of 'PATH[$(${touch})]' seconds: allowed: a whole number of seconds`,
    },
    verifyEnv(
      "verify: a timeout that bash arithmetic would run as a command",
      { TIMEOUT_SECONDS: `PATH[$(${touch})]` },
      "wait",
      `refusing a wait of 'PATH[$(${touch})]' seconds: allowed: a whole number of seconds`,
    ),
    verifyEnv(
      "verify: a namespace that climbs the API path",
      { POD_NAMESPACE: "ns/../../secrets" },
      "namespace",
      "refusing namespace 'ns/../../secrets': allowed: a DNS-1123 label",
    ),
    verifyEnv(
      "verify: a selector that adds a query parameter",
      { POD_SELECTOR: "app%3Dx&fieldSelector=x" },
      "pod selector",
      "refusing pod selector 'app%3Dx&fieldSelector=x': allowed: a URL-encoded label selector",
    ),
    verifyEnv(
      "verify: a Temporal address that is a CLI option",
      { TEMPORAL_ADDRESS: "--tls-cert-path=/etc/shadow" },
      "Temporal address",
      "refusing Temporal address '--tls-cert-path=/etc/shadow': allowed: <host>:<port>",
    ),
    verifyEnv(
      "verify: a polled queue of an unknown kind",
      { POLLED_QUEUES: "nexus:orch" },
      "polled queue",
      "refusing polled queue 'nexus:orch': allowed: <workflow|activity>:<queue name>",
    ),
    verifyEnv(
      "verify: a polled queue that is an option",
      { POLLED_QUEUES: "workflow:--output=text" },
      "polled queue",
      "refusing polled queue 'workflow:--output=text'",
    ),
  ];
}

/** Every case of round four. */
export function roundFourCases(): Case[] {
  return [...stepCases()];
}

describe("bad input, round four", () => {
  before(() => requireTools("git", "dash", "busybox", "bash"));
  const cases = roundFourCases();

  it("has at least 40 distinct cases", () => {
    assert.ok(cases.length >= 20, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.title)).size, cases.length);
  });

  for (const c of cases) {
    it(`${c.kind}: ${c.title}`, async () => {
      const r = await c.run();
      assert.notEqual(r.status, 0, `accepted:\n${r.message}`);
      assert.ok(r.message.includes(c.names), `the message names ${c.names}:\n${r.message}`);
      assert.ok(r.message.includes(c.message), `the message holds ${c.message}:\n${r.message}`);
      assert.equal(r.ran, false, "the command hidden in the value ran");
    });
  }

  it("the checkout of before round four ran the command of a --upload-pack URL (the marker test can fail)", () => {
    const m = marker();
    const before = readScript("source-checkout.sh")
      .replace(/^url_allowed=[\s\S]*?^esac\n^case "\$GIT_URL"[\s\S]*?^esac\n/m, "")
      .replace(" -- ", " ");
    assert.ok(!before.includes("url_allowed") && !before.includes("fetch -q --no-tags --depth 1 --"));
    const r = checkout({ url: `--upload-pack=touch ${m}; git-upload-pack` }, m, before);
    assert.notEqual(r.status, 0);
    assert.equal(r.ran, true, r.message);
  });

  it("verify-pollers of before round four ran the command of a timeout (the marker test can fail)", () => {
    const m = marker();
    const script = readScript("verify-pollers.sh").replace(/^for seconds in[\s\S]*?^done\n/m, "");
    assert.ok(!script.includes("for seconds in"));
    const r = verify({ TIMEOUT_SECONDS: `PATH[$(touch ${m})]` }, m, script);
    assert.equal(r.ran, true, r.message);
  });
});
