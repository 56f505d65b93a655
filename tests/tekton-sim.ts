// A small Tekton run simulator for tests: variable substitution as Tekton does it, and steps run by their own shebang
// (the image's shell: see tests/steps/images.ts) with stub tools first on PATH.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { compileCel, TRIGGERS_ENVIRONMENT } from "./cel-check";

/** A Kubernetes object as the plan renders it. */
// biome-ignore lint/suspicious/noExplicitAny: plan objects are schemaless JSON here.
export type Obj = any;

/** Replaces every `$(name)` with its value; an unknown reference fails, as Tekton's validation would. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  // Tekton and Triggers replace only their own variables; `$(mktemp)` in a script is the shell's.
  return text.replace(
    /\$\(((?:params|workspaces|results|tasks|context|tt\.params|body|extensions)\.[^()\s]+)\)/g,
    (whole, name: string) => {
      if (name in vars) return vars[name] as string;
      throw new Error(`unresolved reference ${whole}`);
    },
  );
}

/** Reads `body.a.b` out of a payload. */
function bodyPath(payload: Obj, dotted: string): string {
  let cur = payload;
  for (const part of dotted.split(".").slice(1)) cur = cur?.[part];
  if (cur === undefined) throw new Error(`payload has no ${dotted}`);
  return String(cur);
}

/** TriggerBinding: params from a webhook payload. */
export function bindPayload(binding: Obj, payload: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of binding.spec.params) {
    out[p.name] = String(p.value).replace(/\$\((body\.[^)]+)\)/g, (_w, ref: string) =>
      bodyPath(payload, ref),
    );
  }
  return out;
}

/**
 * What Triggers' CEL interceptor decides for a filter and a payload (tektoncd/triggers pkg/interceptors/cel/cel.go at
 * 8d07586: `makeCelEnv` declares `body`, `header`, `extensions` (map(string, dyn)) and `requestURL` with cel-go's
 * `ext.Strings()` (lowerAscii and the other string functions) and `ext.Encoders()`; `Process` lets the event through only
 * when the filter evaluates to `true`: an evaluation error, a missing key among them, fails the interceptor, which is
 * no match). Compiled first in Triggers' environment (tests/cel-check.ts; `evaluate` parses and checks before it runs),
 * then evaluated by @bufbuild/cel (a CEL implementation) with its strings extension; the body is JSON, whose numbers both
 * sides read as doubles (Triggers decodes it with encoding/json into interface{}). A filter that does not compile
 * throws: Triggers would refuse every event, which a test must see rather than count as "no match".
 */
export function celMatches(filter: string, payload: Obj): boolean {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(filter);
    // Triggers' evaluate() type-checks (env.Check) before it runs: a filter that does not check matches nothing.
    compileCel(filter, TRIGGERS_ENVIRONMENT);
  } catch (e) {
    throw new Error(`the filter does not compile, so Triggers refuses every event: ${(e as Error).message}`);
  }
  const result = plan(TRIGGERS_CEL, parsed)({ body: payload, header: {}, extensions: {}, requestURL: "" });
  return !isCelError(result) && result === true;
}

/** The functions of Triggers' CEL environment that our filters use: cel-go's strings extension. */
const TRIGGERS_CEL = celEnv({ funcs: strings });

/** TriggerTemplate: the PipelineRun it would create for the bound params. */
export function instantiateTemplate(template: Obj, params: Readonly<Record<string, string>>): Obj {
  const vars: Record<string, string> = {};
  for (const p of template.spec.params) {
    if (!(p.name in params) && p.default === undefined) throw new Error(`template param ${p.name} not bound`);
    vars[`tt.params.${p.name}`] = params[p.name] ?? p.default;
  }
  return JSON.parse(substitute(JSON.stringify(template.spec.resourcetemplates[0]), vars));
}

/** Stub tools for steps: name -> shell script body. */
export type Stubs = Readonly<Record<string, string>>;

/** What one TaskRun left behind. */
export interface TaskRunResult {
  readonly results: Record<string, string>;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

/**
 * Runs a Task's steps by their shebang: params, workspaces and results substituted as Tekton does, env as declared
 * (secretRef env left out), stub executables first on PATH, then `imagePath` (an image's tools; this machine's PATH
 * when absent).
 */
export function runTask(
  task: Obj,
  params: Readonly<Record<string, string>>,
  root: string,
  stubs: Stubs,
  extraEnv: Readonly<Record<string, string>> = {},
  /** Optional workspaces the run leaves unbound. @default every optional workspace is bound */
  unbound?: readonly string[],
  /** The PATH of the step's image after the stubs. @default this machine's PATH */
  imagePath?: string,
  /** Where workspaces live (a second run of the same root shares them). @default root/workspaces */
  workspacesDir?: string,
): TaskRunResult {
  const vars: Record<string, string> = {};
  for (const p of task.spec.params) {
    const value = params[p.name] ?? p.default;
    if (value === undefined) throw new Error(`task ${task.metadata.name}: param ${p.name} has no value`);
    vars[`params.${p.name}`] = value;
  }
  for (const w of task.spec.workspaces) {
    const dir = path.join(workspacesDir ?? path.join(root, "workspaces"), w.name);
    const bound = !w.optional || !(unbound ?? []).includes(w.name);
    if (bound) mkdirSync(dir, { recursive: true });
    vars[`workspaces.${w.name}.path`] = bound ? dir : "";
    vars[`workspaces.${w.name}.bound`] = String(bound);
  }
  const resultsDir = path.join(root, "results", task.metadata.name);
  mkdirSync(resultsDir, { recursive: true });
  for (const r of task.spec.results) vars[`results.${r.name}.path`] = path.join(resultsDir, r.name);
  const bin = path.join(root, "bin");
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(stubs)) {
    const file = path.join(bin, name);
    writeFileSync(file, body.startsWith("#!") ? body : `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(file, 0o755);
  }
  let last: TaskRunResult = { results: {}, stdout: "", stderr: "", status: 0 };
  for (const step of task.spec.steps) {
    const env: Record<string, string> = { PATH: `${bin}:${imagePath ?? process.env.PATH}` };
    for (const e of step.env ?? []) env[e.name] = substitute(String(e.value), vars);
    // The test's own values last: they stand in for what a cluster or a timer would give.
    Object.assign(env, extraEnv);
    if (env.HOME?.startsWith("/")) env.HOME = path.join(root, env.HOME);
    mkdirSync(env.HOME ?? root, { recursive: true });
    const script = path.join(root, `${task.metadata.name}-${step.name}.sh`);
    writeFileSync(script, substitute(step.script, vars));
    chmodSync(script, 0o755);
    const cwd = step.workingDir ? substitute(step.workingDir, vars) : root;
    const run = spawnSync(script, { cwd, env, encoding: "utf8" });
    last = { results: {}, stdout: run.stdout, stderr: run.stderr, status: run.status };
    if (run.status !== 0) return last;
  }
  const results: Record<string, string> = {};
  for (const r of task.spec.results) {
    try {
      results[r.name] = readFileSync(path.join(resultsDir, r.name), "utf8");
    } catch {
      // A result the steps did not write stays absent.
    }
  }
  return { ...last, results };
}

export const STUB_REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
export const STUB_SHA = "0123456789abcdef0123456789abcdef01234567";
export const STUB_PUSHED = `sha256:${"7".repeat(64)}`;

/**
 * Stub tools for the step scripts: they log their arguments and answer like the real ones (git at STUB_SHA; a Bazel
 * push of STUB_REPO that prints what crane push prints, `<repository>@<digest>` (go-containerregistry
 * cmd/crane/cmd/push.go), writes no caller's --image-refs file (rules_oci v2.2.7 push.sh.tpl appends its own, and the
 * last one wins) and leaves a layout whose index.json names the digest; a registry that serves it for the tag (curl
 * HEAD); a `pulumi up` that can be held by another update's lock). The real tools run in tests/steps/.
 */
export function stubTools(
  root: string,
  opts: {
    index?: string;
    refs?: string;
    served?: string;
    running?: string;
    ancestor?: boolean;
    lockedTimes?: number;
  } = {},
) {
  const log = path.join(root, "calls.log");
  const counter = path.join(root, "up-count");
  writeFileSync(counter, "0");
  const layout = path.join(root, "layout");
  return {
    log,
    stubs: {
      git: [
        `echo "git $*" >> ${log}`,
        'dir=""; if [ "$1" = -C ]; then dir="$2"; shift 2; fi',
        'case "$1" in',
        `  rev-parse) echo ${STUB_SHA} ;;`,
        `  checkout) if [ -n "$dir" ]; then mkdir -p "$dir/_ops/pulumi/workflow-runner" && printf 'name: workflow-runner\\nruntime: nodejs\\n' > "$dir/_ops/pulumi/workflow-runner/Pulumi.yaml"; fi ;;`,
        `  merge-base) exit ${opts.ancestor === false ? 1 : 0} ;;`,
        "esac",
      ].join("\n"),
      bazel: [
        `echo "bazel $*" >> ${log}`,
        'if [[ " $* " == *" run "* ]]; then',
        `  echo '${opts.refs ?? `${STUB_REPO}@${STUB_PUSHED}`}'`,
        "fi",
        'if [[ " $* " == *" cquery "* ]]; then',
        `  mkdir -p ${layout} && printf '%s' '${opts.index ?? `{"manifests":[{"digest":"${STUB_PUSHED}"}]}`}' > ${layout}/index.json && echo ${layout}`,
        "fi",
      ].join("\n"),
      curl: [
        `echo "curl $*" >> ${log}`,
        'headers=""; while [ $# -gt 0 ]; do if [ "$1" = -D ]; then headers="$2"; fi; shift; done',
        `printf 'HTTP/1.1 200 OK\\r\\nDocker-Content-Digest: %s\\r\\n\\r\\n' '${opts.served ?? STUB_PUSHED}' > "$headers"`,
        "printf 200",
      ].join("\n"),
      npm: `echo "npm $*" >> ${log}`,
      pulumi: [
        'if [ "$1" = stack ]; then',
        `  echo "${opts.running ?? ""}"; exit 0`,
        "fi",
        `for a in "$@"; do echo "pulumi-arg $a" >> ${log}; done`,
        `n=$(( $(cat ${counter}) + 1 )); echo $n > ${counter}`,
        `if [ "$n" -le ${opts.lockedTimes ?? 0} ]; then echo "error: [409] Conflict: Another update is currently in progress."; exit 255; fi`,
        'echo "Update succeeded"',
      ].join("\n"),
      sleep: `echo "sleep $*" >> ${log}`,
    },
  };
}

/** How the deploy step's `pulumi up` starts: unattended, no second preview, dev's fully qualified stack. */
export const UP_HEAD = [
  "up",
  "--yes",
  "--non-interactive",
  "--skip-preview",
  "--stack",
  "stigmer/workflow-runner/dev",
] as const;

/** The values an argument list gives one flag (`--target`, `-c`), in order. Pure. */
export function flagValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
}

/** The arguments `pulumi` was run with, as the stub logged them (none when it never ran). */
export function upArgs(log: string): string[] {
  return (existsSync(log) ? readFileSync(log, "utf8") : "")
    .split("\n")
    .filter((l) => l.startsWith("pulumi-arg "))
    .map((l) => l.slice("pulumi-arg ".length));
}
