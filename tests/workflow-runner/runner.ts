// Runs a GitHub Actions workflow's jobs step by step, as a hosted runner would: `run:` scripts in bash exactly as
// written (GitHub's default for bash: `bash --noprofile --norc -eo pipefail {0}`, docs "Workflow syntax",
// jobs.<job_id>.steps[*].shell), `${{ }}` and `if:` through @actions/expressions, `needs`/`outputs`, matrices, and the
// GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files (docs "Workflow commands", multiline
// `name<<DELIMITER` values). Only the boundary is stood in: `uses:` actions (./actions.ts), the npm registry, the
// Pulumi CLI and the GitHub API (./boundary.ts).
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type ActionContext, runAction } from "./actions";
import type { Boundary } from "./boundary";
import { type Contexts, condition, template, templateString } from "./expressions";

// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is schemaless here.
type Yaml = any;

/** The event a run answers. */
export interface WorkflowEvent {
  readonly name: "push" | "pull_request" | "workflow_dispatch" | "schedule";
  /** `github.ref`, e.g. refs/heads/main. */
  readonly ref: string;
  /** `github.sha`: the commit checked out by default. */
  readonly sha: string;
  /** The webhook payload (`github.event`); `repository` is filled in by the runner. */
  readonly payload?: Record<string, unknown>;
  readonly inputs?: Record<string, string>;
}

/** Secrets as GitHub holds them: the repository's, and each environment's. */
export interface Secrets {
  readonly repository: Record<string, string>;
  readonly environments: Record<string, Record<string, string>>;
}

/** One step as it ran. */
export interface StepRun {
  readonly name: string;
  readonly outcome: "success" | "failure" | "skipped";
  readonly log: string;
}

/** One job (one matrix instance) as it ran. */
export interface JobRun {
  readonly id: string;
  readonly name: string;
  readonly result: "success" | "failure" | "skipped" | "not-run";
  readonly environment?: string;
  readonly outputs: Record<string, string>;
  readonly steps: StepRun[];
  readonly summary: string;
  /** The job's $GITHUB_WORKSPACE (left on disk for assertions). */
  readonly workspace: string;
}

/** A workflow run. */
export interface WorkflowRun {
  readonly jobs: JobRun[];
  job(id: string): JobRun;
}

/** Where the run happens and what it may reach. */
export interface RunSetup {
  /** The repository's bare git directory (the `origin` checkout clones from). */
  readonly gitDir: string;
  /** owner/name. */
  readonly repository: string;
  readonly defaultBranch: string;
  readonly secrets: Secrets;
  readonly boundary: Boundary;
  /** Scratch folder for this run's runners. */
  readonly scratch: string;
  /** Jobs not run, reported as `not-run` (a journey that proves another job). @default [] */
  readonly notRun?: readonly string[];
  /**
   * Makes a fresh runner image's program folders for one job under its folder, last on every step's PATH
   * (./runner-image.ts); each job starts from its own, as each hosted job starts on a fresh machine. @default this
   * machine's /usr/local/bin, /usr/bin and /bin
   */
  readonly image?: (jobRoot: string) => readonly string[];
}

/** A multi-line-aware reader of GITHUB_OUTPUT / GITHUB_ENV files. */
export function readCommandFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? "");
      if (i >= lines.length) throw new Error(`${file}: no closing delimiter ${heredoc[2]}`);
      out[heredoc[1]] = value.join("\n");
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`${file}: invalid line ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The jobs in an order that honours `needs`. */
function jobOrder(jobs: Record<string, Yaml>): string[] {
  const done: string[] = [];
  const visit = (id: string, seen: string[]) => {
    if (done.includes(id)) return;
    if (seen.includes(id)) throw new Error(`needs cycle at ${id}`);
    for (const need of [jobs[id].needs ?? []].flat()) visit(need, [...seen, id]);
    done.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id, []);
  return done;
}

/** Matrix instances of a job (only `strategy.matrix` of lists; no include/exclude, which no workflow here uses). */
function matrixInstances(job: Yaml): Record<string, unknown>[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (!Array.isArray(values)) throw new Error(`matrix.${key}: only lists are supported`);
    out = out.flatMap((m) => values.map((v) => ({ ...m, [key]: v })));
  }
  return out;
}

/** Runs one workflow file for one event. */
export async function runWorkflow(
  workflowFile: string,
  event: WorkflowEvent,
  setup: RunSetup,
): Promise<WorkflowRun> {
  const workflow = parse(readFileSync(workflowFile, "utf8")) as Yaml;
  const [owner, name] = setup.repository.split("/");
  // Webhook payloads carry the repository, except a schedule's (github/codeql-action#1211: "the event payload does
  // not contain any repository information such as the default branch name").
  const repository = {
    full_name: setup.repository,
    name,
    owner: { login: owner },
    default_branch: setup.defaultBranch,
  };
  const payload = {
    ...(event.payload ?? {}),
    ...(event.name === "schedule" ? {} : { repository }),
    ...(event.inputs ? { inputs: event.inputs } : {}),
  };
  const github = {
    event_name: event.name,
    event: payload,
    ref: event.ref,
    ref_name: event.ref.replace(/^refs\/(heads|tags)\//, ""),
    sha: event.sha,
    repository: setup.repository,
    repository_owner: owner,
    token: setup.boundary.github.token,
    server_url: "https://github.com",
    workflow: workflow.name,
  };
  const runs: JobRun[] = [];
  const results = new Map<string, { result: JobRun["result"]; outputs: Record<string, string> }>();
  let counter = 0;
  for (const id of jobOrder(workflow.jobs)) {
    const job = workflow.jobs[id];
    const needs = Object.fromEntries(
      [job.needs ?? []].flat().map((n: string) => [n, results.get(n) ?? { result: "skipped", outputs: {} }]),
    );
    const needsOk = Object.values(needs).every((n) => n.result === "success");
    const instances = matrixInstances(job);
    const instanceRuns: JobRun[] = [];
    for (const matrix of instances) {
      const base: Contexts = {
        github,
        inputs: event.inputs ?? {},
        vars: {},
        needs,
        matrix,
        strategy: {},
        runner: { os: "Linux", arch: "X64", temp: "", name: "stand-in" },
      };
      const envContext: Contexts = { ...base, env: {} };
      const workflowEnv = evalMap(workflow.env, envContext);
      const jobName = instances.length > 1 ? `${id} (${Object.values(matrix).join(", ")})` : id;
      const status = { success: needsOk, failure: !needsOk };
      if (setup.notRun?.includes(id)) {
        instanceRuns.push({
          id,
          name: jobName,
          result: "not-run",
          outputs: {},
          steps: [],
          summary: "",
          workspace: "",
        });
        continue;
      }
      if (!condition(job.if, { ...base, env: workflowEnv }, status)) {
        instanceRuns.push({
          id,
          name: jobName,
          result: "skipped",
          outputs: {},
          steps: [],
          summary: "",
          workspace: "",
        });
        continue;
      }
      instanceRuns.push(await runJob(id, jobName, job, base, workflowEnv, event, setup, `${counter++}`));
    }
    runs.push(...instanceRuns);
    const result = instanceRuns.some((r) => r.result === "failure")
      ? "failure"
      : instanceRuns.every((r) => r.result === "skipped" || r.result === "not-run")
        ? "skipped"
        : "success";
    results.set(id, { result, outputs: Object.assign({}, ...instanceRuns.map((r) => r.outputs)) });
  }
  return {
    jobs: runs,
    job(id: string) {
      const found = runs.find((r) => r.id === id || r.name === id);
      if (!found) throw new Error(`no job ${id}; jobs: ${runs.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
}

function evalMap(map: Record<string, unknown> | undefined, contexts: Contexts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {}))
    out[k] = templateString(v, { ...contexts, env: { ...(contexts.env as object), ...out } });
  return out;
}

async function runJob(
  id: string,
  jobName: string,
  job: Yaml,
  base: Contexts,
  workflowEnv: Record<string, string>,
  event: WorkflowEvent,
  setup: RunSetup,
  key: string,
): Promise<JobRun> {
  // A fresh runner: its own workspace, temp, HOME and command files.
  const root = mkdtempSync(path.join(setup.scratch, `job-${key}-`));
  const workspace = path.join(root, "work", path.basename(setup.repository));
  const temp = path.join(root, "temp");
  const home = path.join(root, "home");
  for (const dir of [workspace, temp, home]) mkdirSync(dir, { recursive: true });
  const imagePath = setup.image ? setup.image(root) : ["/usr/local/bin", "/usr/bin", "/bin"];
  const runner = { os: "Linux", arch: "X64", temp, name: "stand-in" };
  const environment = job.environment
    ? templateString(typeof job.environment === "object" ? job.environment.name : job.environment, {
        ...base,
        runner,
        env: workflowEnv,
      })
    : undefined;
  const secrets = {
    GITHUB_TOKEN: setup.boundary.github.token,
    ...setup.secrets.repository,
    ...(environment ? (setup.secrets.environments[environment] ?? {}) : {}),
  };
  const contexts = (env: Record<string, string>, steps: Record<string, unknown>): Contexts => ({
    ...base,
    runner,
    secrets,
    env,
    steps,
    job: { status: "success" },
  });
  const jobEnv = evalMap(job.env, contexts(workflowEnv, {}));
  const githubEnv: Record<string, string> = {};
  const extraPath: string[] = [];
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const stepRuns: StepRun[] = [];
  const eventPath = path.join(temp, "_event.json");
  writeFileSync(eventPath, JSON.stringify((base.github as { event: unknown }).event));
  let failed = false;
  let summary = "";
  const defaultDir = job.defaults?.run?.["working-directory"];
  for (const [index, step] of (job.steps as Yaml[]).entries()) {
    const stepName = step.name ?? step.run?.split("\n")[0] ?? step.uses ?? `step ${index}`;
    const env = { ...workflowEnv, ...jobEnv, ...githubEnv };
    const ctx = contexts(env, steps);
    const status = { success: !failed, failure: failed };
    if (!condition(step.if, ctx, status)) {
      stepRuns.push({ name: stepName, outcome: "skipped", log: "" });
      if (step.id) steps[step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      continue;
    }
    const stepEnv = { ...env, ...evalMap(step.env, ctx) };
    const files = {
      GITHUB_OUTPUT: path.join(temp, `_output_${index}`),
      GITHUB_ENV: path.join(temp, `_env_${index}`),
      GITHUB_PATH: path.join(temp, `_path_${index}`),
      GITHUB_STEP_SUMMARY: path.join(temp, `_summary_${index}`),
    };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const processEnv: Record<string, string> = {
      PATH: [...extraPath.slice().reverse(), ...setup.boundary.toolPath, ...imagePath].join(":"),
      HOME: home,
      LANG: "C.UTF-8",
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REF: event.ref,
      GITHUB_SHA: event.sha,
      GITHUB_REPOSITORY: setup.repository,
      GITHUB_JOB: id,
      RUNNER_TEMP: temp,
      RUNNER_OS: "Linux",
      ...files,
      ...stepEnv,
    };
    let outcome: StepRun["outcome"] = "success";
    let log = "";
    let outputs: Record<string, string> = {};
    if (step.run !== undefined) {
      const script = templateString(step.run, ctx);
      const file = path.join(temp, `_step_${index}.sh`);
      writeFileSync(file, script);
      const dir = templateString(step["working-directory"] ?? defaultDir ?? ".", ctx);
      const cwd = path.resolve(workspace, dir);
      if (step.shell && step.shell !== "bash")
        throw new Error(`${jobName}: shell ${step.shell} is not supported`);
      const result = existsSync(cwd)
        ? spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
            cwd,
            env: processEnv,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
          })
        : {
            status: 1,
            stdout: "",
            stderr: `An error occurred trying to start process: working directory '${cwd}' does not exist`,
          };
      log = `${result.stdout ?? ""}${result.stderr ?? ""}`;
      if (result.status !== 0) outcome = "failure";
    } else if (step.uses !== undefined) {
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, templateString(v, ctx)]),
      );
      const actionContext: ActionContext = {
        uses: step.uses,
        inputs,
        env: processEnv,
        workspace,
        temp,
        github: base.github as ActionContext["github"],
        gitDir: setup.gitDir,
        boundary: setup.boundary,
        files,
      };
      try {
        const result = await runAction(actionContext);
        outputs = result.outputs;
        log = result.log;
      } catch (err) {
        outcome = "failure";
        log = err instanceof Error ? err.message : String(err);
      }
    } else throw new Error(`${jobName}: step ${stepName} has neither run nor uses`);
    outputs = { ...outputs, ...readCommandFile(files.GITHUB_OUTPUT) };
    Object.assign(githubEnv, readCommandFile(files.GITHUB_ENV));
    extraPath.push(...readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean));
    summary += readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
    if (outcome === "failure") failed = true;
    if (step.id) steps[step.id] = { outputs, outcome, conclusion: outcome };
    stepRuns.push({ name: stepName, outcome, log });
  }
  const outputsCtx = contexts({ ...workflowEnv, ...jobEnv }, steps);
  const outputs = failed
    ? {}
    : Object.fromEntries(
        Object.entries(job.outputs ?? {}).map(([k, v]) => [k, templateString(v, outputsCtx)]),
      );
  appendFileSync(path.join(root, "summary.md"), summary);
  return {
    id,
    name: jobName,
    result: failed ? "failure" : "success",
    ...(environment ? { environment } : {}),
    outputs,
    steps: stepRuns,
    summary,
    workspace,
  };
}

/** A readable account of a run, for assertion messages. */
export function describeRun(run: WorkflowRun): string {
  return run.jobs
    .map((j) =>
      [
        `job ${j.name}: ${j.result}`,
        ...j.steps.map(
          (s) =>
            `  ${s.outcome.padEnd(7)} ${s.name}${s.outcome === "failure" ? `\n${s.log.slice(-3000)}` : ""}`,
        ),
      ].join("\n"),
    )
    .join("\n");
}

export { template };
