// Bad input, round four (issue 29), beside tests/bad-input.test.ts and in its style: one table of real inputs that were
// accepted (or crashed) before, each now refused with a message naming the key or flag, the value and what is allowed.
// Step scripts run under the shell of their image with real git; the admission rules run as CEL.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { run as celRun } from "@bufbuild/cel";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import MarkdownIt from "markdown-it";
import { parse as parseYaml } from "yaml";
import { promotedImageRef } from "../components/image-choice";
import { buildCheckoutTask, buildDeployTask } from "../components/pipeline-tasks";
import { readScript } from "../components/steps";
import { EARLIEST_VERIFIED_AT } from "../contracts/stack-outputs";
import { noNodeAccess, rbacLeastPrivilege, tektonStepSecurity } from "../policy/rules";
import { runPlanCommand } from "../tools/plan/cli";
import { code, commentSize, renderSummary, type StackDiff } from "../tools/plan/diff";
import { evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { MAX_INPUT_BYTES } from "../tools/plan/input-files";
import { npmNodeCommand } from "../tools/plan/npm-command";
import { kubernetesObjects } from "../tools/plan/render";
import { DEV_OUTPUTS_FILE, digest, policyArgs, TOOL_DIGESTS, tempDir } from "./helpers";
import { deployImage, git, gitInitImage, requireTools } from "./steps/images";
import { ROOT_PIPELINE } from "./steps/root";
import { runTask } from "./tekton-sim";
import { type Comment, FakeGitHub } from "./workflow-runner/boundary";

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

/** An upstream repository with one commit (a delivery program), served by file:// (git's own transport). */
function upstream(): { url: string; sha: string } {
  const dir = path.join(tempDir("upstream-"), "repo");
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  // The delivery program's folder, as the deploy step finds it in the clone.
  const program = path.join(dir, "_ops", "pulumi", "workflow-runner");
  mkdirSync(program, { recursive: true });
  writeFileSync(path.join(program, "Pulumi.yaml"), "name: workflow-runner\nruntime: nodejs\n");
  git(dir, "add", ".");
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
function deploy(
  params: Record<string, string>,
  env: Record<string, string>,
  mark: string,
  opts: { inCluster?: boolean; script?: string } = {},
): Refusal & { root: string } {
  const root = tempDir("deploy-");
  const secrets = path.join(root, "workspaces", "secrets");
  mkdirSync(secrets, { recursive: true });
  writeFileSync(path.join(secrets, "pulumi-access-token"), "pul-round-four");
  const extra = { ...env };
  if (opts.inCluster) {
    // No kubeconfig build secret: the step writes one for the pod's own service account (SA_DIR stands for its folder).
    const sa = path.join(root, "sa");
    mkdirSync(sa);
    writeFileSync(path.join(sa, "token"), "t");
    extra.SA_DIR = sa;
  } else {
    writeFileSync(path.join(secrets, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
  }
  const task = buildDeployTask(ROOT_PIPELINE) as unknown as Parameters<typeof runTask>[0];
  const t = opts.script
    ? { ...task, spec: { ...task.spec, steps: [{ ...task.spec.steps[0], script: opts.script }] } }
    : task;
  const run = runTask(
    t,
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
    extra,
    undefined,
    deployImage(),
  );
  return { status: run.status, message: run.stderr, ran: existsSync(mark), root };
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

/** The `run` text of one step of a workflow of monorepo/.github/workflows. */
function workflowStep(file: string, job: string, step: string): string {
  const doc = parseYaml(
    readFileSync(path.join(PROJECT_DIR, "monorepo", ".github", "workflows", file), "utf8"),
  );
  const found = doc.jobs[job].steps.find((s: { name?: string }) => s.name === step);
  if (!found?.run) throw new Error(`${file}: no step ${step} in ${job}`);
  return found.run;
}

/**
 * Runs a step's script as GitHub's runner runs `run:` (`bash --noprofile --norc -eo pipefail {0}`, docs "Workflow
 * syntax: jobs.<job_id>.steps[*].shell") in a folder holding `files`, with the program's node_modules and Node 26.
 * `ran` is true when a line of its output other than the step's own ::error:: is a workflow command.
 */
function runWorkflowStep(
  script: string,
  env: Record<string, string>,
  files: Record<string, string> = {},
): Refusal {
  const dir = tempDir("workflow-step-");
  symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, "step.sh");
  writeFileSync(file, script);
  const output = path.join(dir, "github-output");
  writeFileSync(output, "");
  const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: dir,
      PULUMI_ORG: "stigmer",
      // The stacks the deploy workflow's `service` job names for workflow-runner (the dispatch's default).
      DEV_STACK: "dev",
      PROD_STACK: "prod",
      ...env,
    },
  });
  const commands = run.stdout.split(/\r?\n|\r/).filter((l) => l.startsWith("::"));
  return {
    status: run.status,
    message: run.stdout + run.stderr,
    ran: commands.length !== commands.filter((l) => l.startsWith("::error::")).length || commands.length > 1,
  };
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

/** Rendered text: a value written into a heredoc or generated YAML that no quoting can carry. */
function renderedCases(): Case[] {
  const m = marker();
  return [
    {
      title: "deploy: a kube context with a newline (it would start a new kubeconfig key)",
      kind: "rendered text",
      run: () => deploy({ "kube-context": "dev\nusers: []" }, {}, m, { inCluster: true }),
      names: "kube context",
      message: "allowed: a name without control characters",
    },
    ...(
      [
        ["a newline and a workflow command", "ghcr.io/x/y:v1\n::warning::injected"],
        ["a carriage return and a command", "ghcr.io/x/y:v1\r::add-mask::ghcr.io"],
        ["stop-commands at a line start", "x\n::stop-commands::token\n::error::forged"],
        ["an escape that would decode to a newline", "x%0A::warning::decoded"],
      ] as const
    ).map(
      ([title, value]): Case => ({
        title: `deploy workflow: a dispatched image_ref with ${title}`,
        kind: "rendered text",
        run: () =>
          runWorkflowStep(workflowStep("workflow-runner-deploy.yml", "prod-plan", "The image to promote"), {
            IMAGE_REF: value,
          }),
        names: "imageRef",
        message: "::error::not an imageRef (<repository>:<tag>@sha256:<64 hex>): ",
      }),
    ),
    {
      title: "deploy: a kube context with a carriage return",
      kind: "rendered text",
      run: () => deploy({ "kube-context": "dev\rprod" }, {}, m, { inCluster: true }),
      names: "kube context",
      message: "allowed: a name without control characters",
    },
  ];
}

/** `npm run <script> -- args` as a subprocess, bounded in time: a tool that waits forever fails the case. */
function runTool(script: "plan" | "plan:diff", args: readonly string[]): Refusal {
  const command = npmNodeCommand(script);
  const run = spawnSync(process.execPath, [...command.nodeFlags, ...command.args, ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    timeout: 60_000,
  });
  return {
    status: run.status,
    message: `${run.stderr}${run.error ? `\n${run.error.message}` : ""}`,
    ran: run.signal !== null || /\n {4}at /.test(run.stderr),
  };
}

/** A FIFO (named pipe) in a fresh folder: reading it waits for a writer that never comes. */
function fifo(): string {
  const file = path.join(tempDir("fifo-"), "pipe");
  execFileSync("mkfifo", [file]);
  return file;
}

/** A file of 16 MiB and one byte. */
function oversized(): string {
  const file = path.join(tempDir("big-"), "outputs.json");
  writeFileSync(file, Buffer.alloc(MAX_INPUT_BYTES + 1, " "));
  return file;
}

/** A minimal plan folder as `npm run plan` writes it (one object, no outputs), with `edit` applied. */
function planFolder(stack: string, edit: (dir: string) => void = () => {}): string {
  const dir = path.join(tempDir("plan-folder-"), stack);
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, "kubernetes.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ns\n",
  );
  writeFileSync(path.join(dir, "outputs.json"), "{}\n");
  edit(dir);
  return dir;
}

/** Tools that read files: the plan and plan:diff never wait forever, never read without bound, never overwrite. */
function toolCases(): Case[] {
  const plan = (title: string, args: () => string[], names: string, message: string): Case => ({
    title,
    kind: "tool files",
    run: () => runTool("plan", ["--stack", "dev", "--out", path.join(tempDir("out-"), "plan"), ...args()]),
    names,
    message,
  });
  const outputs = (file: string) => ["--stack-outputs", `stigmer/workflow-runner/dev=${file}`];
  const diff = (title: string, args: () => string[], names: string, message: string): Case => ({
    title,
    kind: "tool files",
    run: () => runTool("plan:diff", args()),
    names,
    message,
  });
  const base = () => planFolder("dev");
  const SIZE = `allowed: a file of at most ${MAX_INPUT_BYTES} bytes`;
  return [
    plan(
      "plan: a --stack-outputs FIFO",
      () => outputs(fifo()),
      "--stack-outputs",
      "is a FIFO (named pipe); allowed: a regular file",
    ),
    plan(
      "plan: --stack-outputs /dev/zero",
      () => outputs("/dev/zero"),
      "--stack-outputs stigmer/workflow-runner/dev=/dev/zero",
      "is a character device; allowed: a regular file",
    ),
    plan(
      "plan: --stack-outputs /dev/urandom",
      () => outputs("/dev/urandom"),
      "--stack-outputs",
      "is a character device",
    ),
    plan(
      "plan: --stack-outputs a folder",
      () => outputs(tempDir("folder-")),
      "--stack-outputs",
      "is a folder; allowed: a regular file",
    ),
    plan("plan: --stack-outputs over 16 MiB", () => outputs(oversized()), "--stack-outputs", SIZE),
    plan(
      "plan: a --stack-file FIFO",
      () => ["--stack-file", fifo()],
      "--stack-file",
      "is a FIFO (named pipe); allowed: a regular file",
    ),
    plan(
      "plan: --stack-file /dev/zero",
      () => ["--stack-file", "/dev/zero"],
      "--stack-file /dev/zero",
      "is a character device",
    ),
    diff(
      "plan:diff: --out a link to the base plan's outputs.json",
      () => {
        const b = base();
        const link = path.join(tempDir("link-"), "plan-diff.md");
        symlinkSync(path.join(b, "outputs.json"), link);
        return [b, planFolder("dev"), "--out", link];
      },
      "--out",
      "is a symbolic link; allowed: a regular file or a new path (links are not followed)",
    ),
    diff(
      "plan:diff: --out a dangling link",
      () => {
        const link = path.join(tempDir("link-"), "plan-diff.md");
        symlinkSync(path.join(tempDir("nowhere-"), "x", "y"), link);
        return [base(), planFolder("dev"), "--out", link];
      },
      "--out",
      "is a symbolic link",
    ),
    diff(
      "plan:diff: --out the head plan's own outputs.json",
      () => {
        const h = planFolder("dev");
        return [base(), h, "--out", path.join(h, "outputs.json")];
      },
      "--out",
      "a plan this diff reads; allowed: a path outside both plan folders",
    ),
    diff(
      "plan:diff: --out a new file inside the base plan",
      () => {
        const b = base();
        return [b, planFolder("dev"), "--out", path.join(b, "files", "..", "summary.md")];
      },
      "--out",
      "a plan this diff reads",
    ),
    diff(
      "plan:diff: --out without a value",
      () => [base(), planFolder("dev"), "--out"],
      "--out",
      "Option '--out <value>' argument missing",
    ),
    diff(
      "plan:diff: --out with an empty value",
      () => [base(), planFolder("dev"), "--out="],
      "--out",
      "--out: got an empty path; allowed: a file path",
    ),
    diff(
      "plan:diff: --out a hard link to another file (writing it would overwrite that file)",
      () => {
        const dir = tempDir("out-");
        writeFileSync(path.join(dir, "other.txt"), "kept\n");
        linkSync(path.join(dir, "other.txt"), path.join(dir, "plan-diff.md"));
        return [base(), planFolder("dev"), "--out", path.join(dir, "plan-diff.md")];
      },
      "--out",
      "has 2 names (hard links); allowed: a file with one name, or a new path",
    ),
    diff(
      "plan:diff: --out in a folder that does not exist",
      () => [base(), planFolder("dev"), "--out", path.join(tempDir("out-"), "missing", "plan-diff.md")],
      "--out",
      "does not exist; allowed: a file in an existing folder",
    ),
    diff(
      "plan:diff: --out a folder",
      () => [base(), planFolder("dev"), "--out", tempDir("out-")],
      "--out",
      "is a folder; allowed: a regular file or a new path",
    ),
    diff(
      "plan:diff: --out a FIFO",
      () => [base(), planFolder("dev"), "--out", fifo()],
      "--out",
      "is not a regular file (a FIFO, socket or device)",
    ),
    diff(
      "plan:diff: a plan whose kubernetes.yaml is a FIFO",
      () => [
        base(),
        planFolder("dev", (d) => {
          rmSync(path.join(d, "kubernetes.yaml"));
          execFileSync("mkfifo", [path.join(d, "kubernetes.yaml")]);
        }),
      ],
      "kubernetes.yaml",
      "is a FIFO (named pipe); allowed: a regular file",
    ),
    diff(
      "plan:diff: a plan whose outputs.json is a link to /dev/zero",
      () => [
        base(),
        planFolder("dev", (d) => {
          rmSync(path.join(d, "outputs.json"));
          symlinkSync("/dev/zero", path.join(d, "outputs.json"));
        }),
      ],
      "outputs.json",
      "is a character device; allowed: a regular file",
    ),
    diff(
      "plan:diff: a plan whose outputs.json is over 16 MiB",
      () => [
        base(),
        planFolder("dev", (d) =>
          writeFileSync(path.join(d, "outputs.json"), Buffer.alloc(MAX_INPUT_BYTES + 1, " ")),
        ),
      ],
      "outputs.json",
      SIZE,
    ),
  ];
}

/** The plan of prod, promoting from dev outputs whose verifiedAt is `json` (in-process, as tests/bad-input.test.ts). */
async function planProdWithEvidence(json: string, extra: string[] = []): Promise<Refusal> {
  const work = tempDir("evidence-");
  const outputs = readFileSync(DEV_OUTPUTS_FILE, "utf8").replace(
    /"verifiedAt": [^\n]*?(,?)$/m,
    `"verifiedAt": ${json}$1`,
  );
  assert.ok(outputs.includes(`"verifiedAt": ${json}`));
  const file = path.join(work, "dev-outputs.json");
  writeFileSync(file, outputs);
  const err: string[] = [];
  const status = await runPlanCommand(
    [
      "--stack",
      "prod",
      "--out",
      path.join(work, "plan"),
      "--stack-outputs",
      `stigmer/workflow-runner/dev=${file}`,
      ...extra,
    ],
    { out: () => {}, err: (l) => err.push(l) },
  );
  return { status, message: err.join("\n"), ran: existsSync(path.join(work, "plan")) };
}

/** Evidence and time: a verifiedAt no verification could have written; the soak is never skipped by a date. */
function evidenceCases(): Case[] {
  const before = (title: string, at: string): Case => ({
    title,
    kind: "evidence",
    run: () => planProdWithEvidence(JSON.stringify(at)),
    names: "workflow-runner:promoteFrom",
    message: `whose verifiedAt ${JSON.stringify(at)} is before ${EARLIEST_VERIFIED_AT}, when no image of this service could have existed`,
  });
  return [
    before("evidence at Go's zero time", "0001-01-01T00:00:00Z"),
    before("evidence at the Unix epoch", "1970-01-01T00:00:00Z"),
    before("evidence at the epoch, written with an offset", "1970-01-01T01:00:00+01:00"),
    before("evidence a second before the first release", "2024-12-31T23:59:59Z"),
    before("evidence in year 2000", "2000-01-01T00:00:00.000Z"),
    {
      title: "evidence at the zero time, with a --now that would make any soak long over",
      kind: "evidence",
      run: () => planProdWithEvidence('"0001-01-01T00:00:00Z"', ["--now", "2026-12-01T00:00:00Z"]),
      names: "workflow-runner:promoteFrom",
      message: "is before 2025-01-01T00:00:00Z",
    },
  ];
}

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are schemaless JSON here.
type Obj = any;

/** The owner's plan (dev, self-hosted: every policy exists), evaluated once for every admission case. */
let ownerObjects: Promise<Obj[]> | undefined;
function rendered(): Promise<Obj[]> {
  ownerObjects ??= evaluate({
    stack: "dev",
    preview: false,
    registryDigests: TOOL_DIGESTS,
    config: { imageDigest: digest("1"), trigger: "tekton", apiServerCidrs: '["203.0.113.10/32"]' },
  }).then((ev) => kubernetesObjects(ev) as Obj[]);
  return ownerObjects;
}

/**
 * A rendered object changed by `change`, judged by the policy whose name ends with `policy`, each expression evaluated
 * with @bufbuild/cel 0.6.1 as the API server would with failurePolicy Fail (only `true` admits). The unchanged object
 * must be admitted, so a refusal is the change's.
 */
async function admission(policy: string, kind: string, change: (o: Obj) => void): Promise<Refusal> {
  const objects = await rendered();
  const rule = objects.find(
    (o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name.endsWith(policy),
  );
  const original =
    kind === "PipelineRun"
      ? objects.find((o) => o.kind === "TriggerTemplate").spec.resourcetemplates[0]
      : objects.find((o) => o.kind === kind);
  const refusals = (object: Obj) =>
    rule.spec.validations
      .filter(
        (v: { expression: string }) =>
          celRun(v.expression, { object } as Parameters<typeof celRun>[1]) !== true,
      )
      .map((v: { message: string }) => v.message);
  assert.deepEqual(refusals(original), [], `${kind} as rendered is admitted`);
  const copy = structuredClone(original);
  change(copy);
  const refused = refusals(copy);
  return { status: refused.length ? 1 : 0, message: refused.join("\n"), ran: false };
}

/** Admission: what the deployer's Deployment and Job policies and the listener's PipelineRun policy refuse. */
function admissionCases(): Case[] {
  const VOLUMES = "volumes: only configMap, secret, projected, downwardAPI, emptyDir";
  const deployment = (title: string, change: (pod: Obj) => void, names: string, message: string): Case => ({
    title: `the deployer's Deployment with ${title}`,
    kind: "admission",
    run: () => admission("-deployer-deployment", "Deployment", (d) => change(d.spec.template.spec)),
    names,
    message,
  });
  const volume = (title: string, v: Obj): Case =>
    deployment(
      title,
      (pod) => {
        pod.volumes = [...(pod.volumes ?? []), { name: "node", ...v }];
      },
      "volumes",
      VOLUMES,
    );
  const container = (pod: Obj) => pod.containers[0];
  return [
    volume("a flexVolume (a driver binary the node runs)", {
      flexVolume: { driver: "example.com/exec", options: { cmd: "sh" } },
    }),
    volume("a csi volume", { csi: { driver: "hostpath.csi.k8s.io", volumeAttributes: { path: "/" } } }),
    volume("an ephemeral volume of a node-local class", {
      ephemeral: {
        volumeClaimTemplate: {
          spec: {
            storageClassName: "local-path",
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
          },
        },
      },
    }),
    volume("an iscsi volume", { iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.x", lun: 0 } }),
    volume("an rbd volume", { rbd: { monitors: ["10.0.0.1:6789"], image: "x" } }),
    volume("an nfs volume", { nfs: { server: "10.0.0.1", path: "/" } }),
    volume("a glusterfs volume", { glusterfs: { endpoints: "x", path: "y" } }),
    volume("a cephfs volume", { cephfs: { monitors: ["10.0.0.1:6789"] } }),
    volume("a persistentVolumeClaim (a hostPath PV behind it)", {
      persistentVolumeClaim: { claimName: "any" },
    }),
    volume("a hostPath volume", { hostPath: { path: "/var/run" } }),
    deployment(
      "a container adding NET_ADMIN",
      (pod) => {
        container(pod).securityContext.capabilities.add = ["NET_ADMIN"];
      },
      "securityContext.capabilities.add",
      "securityContext.capabilities.add: none (the workload's contract)",
    ),
    deployment(
      "a container adding SYS_ADMIN",
      (pod) => {
        container(pod).securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] };
      },
      "capabilities.add",
      "none (the workload's contract)",
    ),
    deployment(
      "an Unconfined seccomp profile on the pod",
      (pod) => {
        pod.securityContext = { ...(pod.securityContext ?? {}), seccompProfile: { type: "Unconfined" } };
      },
      "securityContext.seccompProfile",
      "securityContext.seccompProfile: not Unconfined, on the pod or any container",
    ),
    deployment(
      "an Unconfined seccomp profile on a container",
      (pod) => {
        container(pod).securityContext.seccompProfile = { type: "Unconfined" };
      },
      "seccompProfile",
      "not Unconfined",
    ),
    deployment(
      "hostPID",
      (pod) => {
        pod.hostPID = true;
      },
      "host namespace",
      "pods may use no host namespace",
    ),
    deployment(
      "hostIPC",
      (pod) => {
        pod.hostIPC = true;
      },
      "host namespace",
      "pods may use no host namespace",
    ),
    deployment(
      "hostNetwork",
      (pod) => {
        pod.hostNetwork = true;
      },
      "host namespace",
      "pods may use no host namespace",
    ),
    deployment(
      "a hostPort",
      (pod) => {
        container(pod).ports = [...(container(pod).ports ?? []), { containerPort: 8080, hostPort: 8080 }];
      },
      "hostPort",
      "ports: no hostPort (it opens a port on the node)",
    ),
    {
      title: "a verification Job with a csi volume",
      kind: "admission",
      run: () =>
        admission("-deployer-jobs", "Job", (j) => {
          j.spec.template.spec.volumes.push({ name: "c", csi: { driver: "secrets-store.csi.k8s.io" } });
        }),
      names: "volumes",
      message: VOLUMES,
    },
    {
      title: "a PipelineRun handing the build task the deploy step's cache",
      kind: "admission",
      run: () =>
        admission("-listener-pipelineruns", "PipelineRun", (r) => {
          const build = r.spec.workspaces.find((w: Obj) => w.name === "build-cache");
          build.persistentVolumeClaim.claimName = "root-pipeline-deploy-cache";
        }),
      names: "workspaces",
      message:
        "workspaces: each binds only its own claim (build-cache: root-pipeline-build-cache, deploy-cache: root-pipeline-deploy-cache)",
    },
    {
      title: "a PipelineRun binding the deploy cache to the source workspace",
      kind: "admission",
      run: () =>
        admission("-listener-pipelineruns", "PipelineRun", (r) => {
          r.spec.workspaces[0] = {
            name: "source",
            persistentVolumeClaim: { claimName: "root-pipeline-deploy-cache" },
          };
        }),
      names: "workspaces",
      message: "so no task is handed another's cache",
    },
    {
      title: "a PipelineRun binding another claim to the deploy cache",
      kind: "admission",
      run: () =>
        admission("-listener-pipelineruns", "PipelineRun", (r) => {
          r.spec.workspaces.find((w: Obj) => w.name === "deploy-cache").persistentVolumeClaim.claimName =
            "someone-elses";
        }),
      names: "workspaces",
      message: "each binds only its own claim",
    },
  ];
}

/** A pack rule's violations of `props` (the engine's arguments, as tests/policy.test.ts builds them). */
function packViolations(rule: ResourceValidationPolicy, type: string, props: Obj): Refusal {
  const out: string[] = [];
  const validate = rule.validateResource;
  if (typeof validate !== "function") throw new Error(`${rule.name} is not one validation function`);
  validate(policyArgs(type, props), (m) => out.push(m));
  return { status: out.length ? 1 : 0, message: out.join("\n"), ran: false };
}

/** The policy pack: the same ground as the admission policies, on what a program would register. */
function packCases(): Case[] {
  const TASK = "kubernetes:tekton.dev/v1:Task";
  const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
  const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
  const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  const step = {
    name: "s",
    image: "alpine:3.20",
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
  };
  const task = (spec: Obj) => ({ metadata: { name: "t" }, spec: { steps: [step], ...spec } });
  const pod = (spec: Obj) => ({
    metadata: { name: "d" },
    spec: { template: { spec: { containers: [{ name: "c", image: "x" }], ...spec } } },
  });
  const role = (rules: Obj[]) => ({ metadata: { name: "r" }, rules });
  const pack = (
    title: string,
    rule: ResourceValidationPolicy,
    type: string,
    props: Obj,
    names: string,
    message: string,
  ): Case => ({
    title: `policy pack: ${title}`,
    kind: "policy pack",
    run: () => packViolations(rule, type, props),
    names,
    message,
  });
  return [
    pack(
      "a Task with a sidecar",
      tektonStepSecurity,
      TASK,
      task({ sidecars: [{ name: "dind", image: "docker:dind", securityContext: { privileged: true } }] }),
      "sidecar dind",
      "allowed: no sidecars",
    ),
    pack(
      "a stepTemplate that is privileged",
      tektonStepSecurity,
      TASK,
      task({ stepTemplate: { securityContext: { privileged: true } } }),
      "stepTemplate of Task t",
      "privileged",
    ),
    pack(
      "a stepTemplate running as root",
      tektonStepSecurity,
      TASK,
      task({ stepTemplate: { securityContext: { runAsUser: 0 } } }),
      "stepTemplate",
      "runAsUser is 0 (root)",
    ),
    pack(
      "a stepTemplate adding a capability",
      tektonStepSecurity,
      TASK,
      task({ stepTemplate: { securityContext: { capabilities: { add: ["SYS_ADMIN"] } } } }),
      "stepTemplate",
      "adds capability SYS_ADMIN",
    ),
    pack(
      "a step adding a capability",
      tektonStepSecurity,
      TASK,
      task({
        steps: [
          { ...step, securityContext: { ...step.securityContext, capabilities: { add: ["NET_RAW"] } } },
        ],
      }),
      "step s of Task t",
      "adds capability NET_RAW",
    ),
    pack(
      "a Task with a hostPath volume",
      tektonStepSecurity,
      TASK,
      task({ volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }),
      "volume docker: hostPath",
      "allowed: configMap, secret, projected, downwardAPI, emptyDir",
    ),
    pack(
      "a Deployment on the host network",
      noNodeAccess,
      DEPLOYMENT,
      pod({ hostNetwork: true }),
      "hostNetwork",
      "the pod sets hostNetwork: true",
    ),
    pack(
      "a Deployment in the host PID namespace",
      noNodeAccess,
      DEPLOYMENT,
      pod({ hostPID: true }),
      "hostPID",
      "the pod sets hostPID: true",
    ),
    pack(
      "a Deployment adding a capability",
      noNodeAccess,
      DEPLOYMENT,
      pod({ containers: [{ name: "c", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }] }),
      "container c",
      "adds capability NET_ADMIN; allowed: none",
    ),
    pack(
      "a Deployment with a flexVolume",
      noNodeAccess,
      DEPLOYMENT,
      pod({ volumes: [{ name: "f", flexVolume: { driver: "x/y" } }] }),
      "volume f: flexVolume",
      "the node mounts or runs anything else",
    ),
    pack(
      "a Deployment with a hostPort",
      noNodeAccess,
      DEPLOYMENT,
      pod({ containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 80 }] }] }),
      "container c",
      "hostPort 80",
    ),
    pack(
      "a Role granting every resource of one group",
      rbacLeastPrivilege,
      ROLE,
      role([{ apiGroups: ["apps"], resources: ["*"], verbs: ["get"] }]),
      "Role r rule 0",
      "wildcard resource",
    ),
    pack(
      "a ClusterRole on every nonResourceURL",
      rbacLeastPrivilege,
      CLUSTER_ROLE,
      role([{ nonResourceURLs: ["/*"], verbs: ["get"] }]),
      "ClusterRole r rule 0",
      "wildcard nonResourceURL",
    ),
    pack(
      "a Role that mints ServiceAccount tokens",
      rbacLeastPrivilege,
      ROLE,
      role([{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }]),
      "Role r rule 0",
      "creates serviceaccounts/token (mints a token for another identity)",
    ),
  ];
}

/** Every case of round four. */
export function roundFourCases(): Case[] {
  return [
    ...stepCases(),
    ...renderedCases(),
    ...toolCases(),
    ...evidenceCases(),
    ...admissionCases(),
    ...packCases(),
  ];
}

/** The kubeconfig the deploy step wrote for the pod's own identity, parsed as YAML 1.2 (as client-go reads it). */
function writtenKubeconfig(root: string): { current: unknown; names: unknown[] } {
  const doc = parseYaml(readFileSync(path.join(root, "deploy-home", ".kube", "config"), "utf8"));
  return { current: doc["current-context"], names: doc.contexts.map((c: { name: unknown }) => c.name) };
}

describe("dispatched values echoed by the deploy workflow, and prod's hold", () => {
  const promote = () => workflowStep("workflow-runner-deploy.yml", "prod-plan", "The image to promote");
  const hold = () =>
    workflowStep("workflow-runner-deploy.yml", "prod-plan", "prod's hold, or dev's evidence");
  const PIN = `ghcr.io/stigmer/workflow-runner:v1@${digest("2")}`;

  it("the step of before round four let a dispatched newline start a workflow command (the test can fail)", () => {
    const before = promote().replace('$(data "$IMAGE_REF")', "$IMAGE_REF");
    assert.notEqual(before, promote());
    const r = runWorkflowStep(before, { IMAGE_REF: "x\n::warning::injected" });
    assert.equal(r.status, 1);
    assert.equal(r.ran, true, r.message);
  });

  for (const [title, line] of [
    ["a trailing comment", `  workflow-runner:imagePin: ${PIN} # held for incident`],
    ["double quotes and a comment", `  workflow-runner:imagePin: "${PIN}"   # held for incident INC-42`],
    ["single quotes", `  workflow-runner:imagePin: '${PIN}'`],
  ] as const) {
    it(`applies a hold whose pin line has ${title}`, () => {
      const r = runWorkflowStep(hold(), { IMAGE_REF: PIN }, { "Pulumi.prod.yaml": `config:\n${line}\n` });
      assert.equal(r.status, 0, r.message);
      assert.match(r.message, new RegExp(`prod is held at ${PIN.replace(/[.]/g, "\\.")}: applying the hold`));
    });
  }

  it("refuses another image while held, naming the pin without its comment", () => {
    const r = runWorkflowStep(
      hold(),
      { IMAGE_REF: `ghcr.io/stigmer/workflow-runner:v2@${digest("3")}` },
      { "Pulumi.prod.yaml": `config:\n  workflow-runner:imagePin: ${PIN} # held for incident\n` },
    );
    assert.equal(r.status, 1);
    assert.ok(r.message.includes(`::error::prod is held at ${PIN} (workflow-runner:imagePin`), r.message);
  });

  it("the sed of before round four read the comment into the pin, so the hold never applied (the test can fail)", () => {
    const before = hold().replace(
      /pin="\$\(node -e '[\s\S]*?'\)"/,
      `pin="$(sed -n 's/^ *workflow-runner:imagePin: *//p' Pulumi.prod.yaml | tr -d "\\"'")"`,
    );
    assert.notEqual(before, hold());
    const r = runWorkflowStep(
      before,
      { IMAGE_REF: PIN },
      { "Pulumi.prod.yaml": `config:\n  workflow-runner:imagePin: ${PIN} # held for incident\n` },
    );
    assert.equal(r.status, 1);
    assert.match(r.message, /prod is held at .* # held for incident/);
  });
});

describe("values rendered into the deploy step's kubeconfig", () => {
  before(() => requireTools("git", "bash"));
  for (const context of [
    "true",
    "on",
    "dev:",
    "no",
    "null",
    "1.10",
    "a: b",
    "'x\"y",
    "#c",
    "- item",
    "*ref",
    "{a}",
  ]) {
    it(`keeps the kube context ${JSON.stringify(context)} a string of the same text`, () => {
      const r = deploy({ "kube-context": context }, {}, marker(), { inCluster: true });
      assert.equal(r.status, 0, r.message);
      assert.deepEqual(writtenKubeconfig(r.root), { current: context, names: [context] });
    });
  }

  it("the heredoc of before round four turned the context true into a boolean and broke dev: (the test can fail)", () => {
    const script = readScript("pulumi-deploy.sh").replace(
      /^ {2}context="\$\(node .*$/m,
      `  context="\${KUBE_CONTEXT:-in-cluster}"`,
    );
    assert.ok(!script.includes("JSON.stringify"));
    const bool = deploy({ "kube-context": "true" }, {}, marker(), { inCluster: true, script });
    assert.equal(bool.status, 0, bool.message);
    assert.deepEqual(writtenKubeconfig(bool.root), { current: true, names: [true] });
    const colon = deploy({ "kube-context": "dev:" }, {}, marker(), { inCluster: true, script });
    assert.throws(() => writtenKubeconfig(colon.root));
  });
});

describe("bad input, round four", () => {
  before(() => requireTools("git", "dash", "busybox", "bash"));
  const cases = roundFourCases();

  it("has at least 40 distinct cases", () => {
    assert.ok(cases.length >= 40, `${cases.length} cases`);
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

/** A diff of one stack with the given names; every other field empty. */
function stackDiff(stack: string, fields: Partial<StackDiff> = {}): StackDiff {
  return {
    stack,
    image: [],
    added: [],
    removed: [],
    changed: new Map(),
    pipeline: [],
    serviceHub: [],
    files: { added: [], removed: [], changed: [] },
    outputs: [],
    secrets: { changed: [], added: [], removed: [] },
    ...fields,
  };
}

/**
 * Markdown turned into HTML by the project's one CommonMark parser (markdown-it 14, as the runbook tests and
 * contract:check read Markdown; GitHub's cmark-gfm follows the same spec); raw HTML passes through, as it would reach
 * GitHub's sanitiser.
 */
function html(markdown: string): string {
  return new MarkdownIt({ html: true }).render(markdown);
}

/** The HTML with every code span and code block taken out: what would render live. */
function live(markup: string): string {
  return markup.replace(/<code>[\s\S]*?<\/code>/g, "");
}

const HOSTILE = [
  "dev`@octocat`",
  "x``\n# Heading\n<img src=x onerror=alert(1)>",
  "`` @stigmer/platform ``",
  "<!-- workflow-runner-plan-diff -->",
  "a\r\n## injected",
  "trailing `",
  "@octocat\u2028<b>x</b>",
];

describe("what reaches the PR comment", () => {
  it("keeps stack names, object keys, paths and values inside their code spans: no mention, heading or HTML", () => {
    const diffs = HOSTILE.map((name) =>
      stackDiff(name, {
        added: [`ConfigMap ns/${name}`],
        changed: new Map([[`Deployment ns/${name}`, [{ path: name, before: name, after: `${name}!` }]]]),
        pipeline: [`${code(`Task ci/${name}`)}: step ${code(name)} changed`],
        files: { added: [name], removed: [], changed: [] },
        secrets: { changed: [name], added: [], removed: [] },
        image: [{ path: "imageRef", before: name, after: `ghcr.io/x:${name}` }],
      }),
    );
    const markup = html(renderSummary(diffs));
    assert.equal((markup.match(/<h2>/g) ?? []).length, 1, markup);
    assert.equal((markup.match(/<h3>/g) ?? []).length, HOSTILE.length, markup);
    assert.doesNotMatch(markup, /<h[14-6]>/);
    const outside = live(markup);
    for (const bad of ["@octocat", "@stigmer", "<img", "<b>", "<!--", "injected", "Heading"])
      assert.ok(!outside.includes(bad), `${bad} renders outside a code span:\n${outside}`);
  });

  it("a single-backtick span, as plan:diff wrote them before round four, lets them out (the check can fail)", () => {
    const outside = live(html(HOSTILE.map((name) => `- \`${name}\`: no changes`).join("\n")));
    assert.ok(outside.includes("@octocat") && outside.includes("<img") && outside.includes("<h1>"), outside);
  });

  it("counts the header too, in UTF-8 bytes, and cuts the whole summary under the budget with a note", () => {
    const budget = 2_000;
    // 300 stacks: their summary lines alone are over the budget; every name has multi-byte characters.
    const diffs = Array.from({ length: 300 }, (_, i) =>
      stackDiff(`stäck-${i}-😀`, { added: ["ConfigMap ns/é"] }),
    );
    const summary = renderSummary(diffs, budget);
    assert.ok(commentSize(summary) <= budget, `${commentSize(summary)} > ${budget}`);
    assert.match(
      summary,
      /_\.\.\.\d+ more lines left out to stay under 2000 characters; the plan artifacts hold/,
    );
    assert.ok(summary.startsWith("## Plan diff\n"));
  });

  /** The comment job's script, run as actions/github-script v8 runs it, against a recorded stand-in of the REST API. */
  const commentJob = async (comments: Comment[], summary: string, script?: string) => {
    const doc = parseYaml(
      readFileSync(
        path.join(PROJECT_DIR, "monorepo", ".github", "workflows", "workflow-runner-pr.yml"),
        "utf8",
      ),
    );
    const text: string = script ?? doc.jobs.comment.steps[0].with.script;
    const github = new FakeGitHub();
    github.comments.set(7, comments);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<unknown>;
    await new AsyncFunction("require", "github", "context", "core", "process", text)(
      require,
      github.client(github.token),
      { repo: { owner: "stigmer", repo: "stigmer-cloud" }, payload: { pull_request: { number: 7 } } },
      {},
      { env: { SUMMARY: summary } },
    );
    return github;
  };
  const MARKER = "<!-- workflow-runner-plan-diff -->";
  const others = (): Comment[] => [
    { id: 1, body: `${MARKER}\nI typed the marker`, user: { login: "mallory", id: 5, type: "User" } },
    { id: 2, body: `${MARKER}\nanother app`, user: { login: "other-app[bot]", id: 9, type: "Bot" } },
    { id: 3, body: "a status note", user: { login: "github-actions[bot]", id: 41898282, type: "Bot" } },
  ];
  const ours = (): Comment => ({
    id: 4,
    body: `${MARKER}\nold`,
    user: { login: "github-actions[bot]", id: 41898282, type: "Bot" },
  });

  it("edits only its own comment: github-actions[bot]'s with the marker, not one anyone typed the marker into", async () => {
    const github = await commentJob([...others(), ours()], "## Plan diff\n");
    const writes = github.calls.filter((c) => c.method !== "issues.listComments");
    assert.deepEqual(
      writes.map((c) => [c.method, c.params.comment_id]),
      [["issues.updateComment", 4]],
    );
    assert.deepEqual(
      github.comments.get(7)?.map((c) => c.body.split("\n")[1]),
      ["I typed the marker", "another app", undefined, "## Plan diff"],
    );
  });

  it("posts a new comment when only others carry the marker", async () => {
    const github = await commentJob(others(), "## Plan diff\n");
    assert.deepEqual(
      github.calls.filter((c) => c.method !== "issues.listComments").map((c) => c.method),
      ["issues.createComment"],
    );
  });

  it("the script of before round four edited another app's comment that carried the marker (the test can fail)", async () => {
    const before = [
      'const marker = "<!-- workflow-runner-plan-diff -->";',
      'const body = marker + "\\n" + process.env.SUMMARY;',
      "const { owner, repo } = context.repo;",
      "const issue_number = context.payload.pull_request.number;",
      "const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number });",
      'const mine = comments.find((c) => c.user?.type === "Bot" && c.body?.startsWith(marker));',
      "if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });",
      "else await github.rest.issues.createComment({ owner, repo, issue_number, body });",
    ].join("\n");
    const github = await commentJob([...others(), ours()], "x", before);
    assert.equal(github.calls.find((c) => c.method === "issues.updateComment")?.params.comment_id, 2);
  });

  it("cuts the whole body, marker included, below GitHub's 65,536-character limit, and says so", async () => {
    const summary = `## Plan diff\n${Array.from({ length: 3000 }, (_, i) => `- line ${i} ${"é".repeat(20)}`).join("\n")}\n`;
    assert.ok(commentSize(summary) > 65_536);
    const github = await commentJob([], summary);
    const body = String(github.calls.find((c) => c.method === "issues.createComment")?.params.body);
    assert.ok(commentSize(body) <= 65_536, `${commentSize(body)} bytes`);
    assert.ok(body.startsWith(`${MARKER}\n## Plan diff\n- line 0 `));
    assert.match(body, /cut here to stay under GitHub's 65,536-character limit for a comment/);
  });
});

describe("the soak is never skipped by a date", () => {
  const REF = `ghcr.io/stigmer/workflow-runner:v1@${digest("1")}`;
  const image = (minSoakSeconds: number) => ({
    repository: "ghcr.io/stigmer/workflow-runner",
    tag: "",
    self: "stigmer/workflow-runner/prod",
    promoteFrom: "stigmer/workflow-runner/dev",
    minSoakSeconds,
  });
  const source = (verifiedAt: string) => ({ imageRef: REF, verifiedImageRef: REF, verifiedAt });
  const NOW = Date.parse("2026-12-01T00:00:00Z");

  it("promotes evidence from the earliest time on once its soak has passed, and not a second before", () => {
    assert.equal(promotedImageRef(image(3600), source(EARLIEST_VERIFIED_AT), NOW), REF);
    assert.throws(
      () => promotedImageRef(image(0), source("2024-12-31T23:59:59.999Z"), NOW),
      /is before 2025-01-01T00:00:00Z/,
    );
  });

  for (const [title, soak, now] of [
    ["a soak that is not a number", Number.NaN, NOW],
    ["a clock that is not a number", 3600, Number.NaN],
    ["an infinite soak", Number.POSITIVE_INFINITY, NOW],
  ] as const) {
    it(`refuses with ${title} (fails closed)`, () => {
      assert.throws(
        () => promotedImageRef(image(soak), source("2026-11-30T00:00:00Z"), now),
        /minSoak: got|the clock reads/,
      );
    });
  }

  it("the zero time passes the soak arithmetic by 2,000 years: only the floor refuses it (the check is needed)", () => {
    const zero = Date.parse("0001-01-01T00:00:00Z");
    assert.ok(zero + 90 * 86_400_000 < NOW, "a 90-day soak counted from the zero time is long over");
    assert.throws(
      () => promotedImageRef(image(90 * 86_400), source("0001-01-01T00:00:00Z"), NOW),
      /is before/,
    );
  });
});

describe("the admission policies of before round four", () => {
  /** A policy's validations without those round four added (named by their messages). */
  const before = (validations: { message: string }[]) =>
    validations.filter(
      (v) => !/^(volumes: only|securityContext\.|ports: no hostPort|workspaces: each binds)/.test(v.message),
    );
  it("admitted a flexVolume, a csi volume, NET_ADMIN, a hostPort, Unconfined seccomp and a swapped cache claim", async () => {
    const objects = await rendered();
    const policy = (suffix: string) =>
      objects.find((o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name.endsWith(suffix));
    const admitted = (suffix: string, object: Obj) => {
      const all = policy(suffix).spec.validations;
      assert.ok(before(all).length < all.length, "round four added validations");
      return before(all).every(
        (v: Obj) => celRun(v.expression, { object } as Parameters<typeof celRun>[1]) === true,
      );
    };
    const deployment = objects.find((o) => o.kind === "Deployment");
    for (const change of [
      (p: Obj) => p.volumes.push({ name: "f", flexVolume: { driver: "x/y" } }),
      (p: Obj) => p.volumes.push({ name: "c", csi: { driver: "hostpath.csi.k8s.io" } }),
      (p: Obj) => {
        p.containers[0].securityContext.capabilities.add = ["NET_ADMIN"];
      },
      (p: Obj) => {
        p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }];
      },
      (p: Obj) => {
        p.containers[0].securityContext.seccompProfile = { type: "Unconfined" };
      },
    ]) {
      const copy = structuredClone(deployment);
      copy.spec.template.spec.volumes ??= [];
      change(copy.spec.template.spec);
      assert.equal(admitted("-deployer-deployment", copy), true, JSON.stringify(copy.spec.template.spec));
    }
    const run = structuredClone(objects.find((o) => o.kind === "TriggerTemplate").spec.resourcetemplates[0]);
    run.spec.workspaces.find((w: Obj) => w.name === "build-cache").persistentVolumeClaim.claimName =
      "root-pipeline-deploy-cache";
    assert.equal(admitted("-listener-pipelineruns", run), true);
  });
});

describe("YAML alias bombs", () => {
  /** Nine levels of ten aliases each: a billion-laughs document that would expand to 10^9 scalars. */
  const bomb = () => {
    let yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ns\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      yaml += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    return yaml;
  };
  it("plan:diff refuses a plan whose kubernetes.yaml is one, within seconds", () => {
    const dir = planFolder("dev", (d) => writeFileSync(path.join(d, "kubernetes.yaml"), bomb()));
    const started = Date.now();
    const r = runTool("plan:diff", [planFolder("dev"), dir]);
    assert.equal(r.status, 1, r.message);
    assert.match(r.message, /Excessive alias count indicates a resource exhaustion attack/);
    assert.ok(Date.now() - started < 30_000);
  });
  it("the deploy workflow's pin reader refuses a Pulumi.prod.yaml that is one", () => {
    const hold = workflowStep("workflow-runner-deploy.yml", "prod-plan", "prod's hold, or dev's evidence");
    const r = runWorkflowStep(hold, { IMAGE_REF: "x" }, { "Pulumi.prod.yaml": `${bomb()}config: {}\n` });
    assert.notEqual(r.status, 0);
    assert.match(r.message, /Excessive alias count/);
  });
});
