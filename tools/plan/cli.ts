// `npm run plan -- --stack <name> [--out DIR] [--stack-file FILE] [--config k=v ...] [--secret k=v ...] [--stack-outputs name=file ...]`
// First: the SDK modules a plan never uses are deferred before anything loads @pulumi/pulumi.
import "./defer-sdk-modules";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ORG, type Evaluation, EvaluationError, evaluate, PROJECT_DIR } from "./evaluate";
import {
  checkPlanFolder,
  deliverySummary,
  kubernetesObjects,
  planFiles,
  renderTree,
  repositoryFiles,
  workloadSummary,
  writePlan,
} from "./render";
import {
  renderSecretFingerprints,
  SECRET_FINGERPRINTS_FILE,
  secretFingerprints,
} from "./secret-fingerprints";
import { parseAssignment, readProjectFile, readStackFile, readStackFileAt } from "./stack-files";

const USAGE =
  "usage: npm run plan -- --stack <name> [--out DIR] [--org NAME] [--now RFC3339] [--stack-file FILE] [--config key=value ...] [--secret key=value ...] [--stack-outputs <org>/<project>/<stack>=<outputs.json> ...]";

function assignments(flag: string, list: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((text) => {
      try {
        return parseAssignment(text);
      } catch {
        // The text may be a secret: name the flag, never echo the value.
        throw new Error(
          `${flag}: expected key=value${flag === "--secret" ? "" : `, got ${JSON.stringify(text)}`}`,
        );
      }
    }),
  );
}

/** Reads one `--stack-outputs` file: a JSON object of outputs. Errors name the flag, the file and the line. */
export function readStackOutputsFile(stack: string, file: string): Record<string, unknown> {
  const where = `--stack-outputs ${stack}=${file}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${where}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = Number(/position ([0-9]+)/.exec(message)?.[1]);
    const line = Number.isNaN(position) ? undefined : text.slice(0, position).split("\n").length;
    throw new Error(`${where}${line ? `: line ${line}` : ""}: not JSON (${message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `${where}: holds ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}; allowed: a JSON object of stack outputs, as \`pulumi stack output --json\` prints it`,
    );
  }
  return value as Record<string, unknown>;
}

/** Where the command writes; the CLI passes the process's streams, tests pass collectors. */
export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `npm run plan` as a function: parses argv, evaluates, writes the plan; returns the exit code. */
export async function runPlanCommand(argv: string[], io: CommandIO): Promise<number> {
  let outDir: string | undefined;
  try {
    return await plan(argv, io, (dir) => {
      outDir = dir;
    });
  } catch (err) {
    const message = err instanceof EvaluationError || err instanceof Error ? err.message : String(err);
    const where = outDir ? ` in ${path.relative(process.cwd(), outDir) || "."}` : "";
    io.err(`plan failed: ${message}\nNo plan files were written; any previous plan${where} is unchanged.`);
    return 1;
  }
}

async function plan(argv: string[], io: CommandIO, target: (dir: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      "stack-file": { type: "string" },
      org: { type: "string" },
      now: { type: "string" },
      config: { type: "string", multiple: true },
      secret: { type: "string", multiple: true },
      "stack-outputs": { type: "string", multiple: true },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.stack) throw new Error(`--stack is required\n${USAGE}`);
  const outDir = path.resolve(values.out ?? path.join(PROJECT_DIR, "plan", values.stack));
  target(outDir);
  // Before any work: refuse a folder that holds something other than a plan.
  checkPlanFolder(outDir);
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  for (const [name, file] of Object.entries(assignments("--stack-outputs", values["stack-outputs"]))) {
    stackOutputs[name] = readStackOutputsFile(name, file);
  }
  let now: number | undefined;
  if (values.now !== undefined) {
    now = Date.parse(values.now);
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(values.now) ||
      Number.isNaN(now)
    ) {
      throw new Error(
        `--now: got ${JSON.stringify(values.now)}; allowed: an RFC 3339 time, e.g. 2026-11-27T12:00:00Z`,
      );
    }
  }
  const evaluation = await evaluate({
    stack: values.stack,
    ...(now !== undefined ? { now } : {}),
    organization: values.org ?? DEFAULT_ORG,
    ...(values["stack-file"] ? { stackFile: values["stack-file"] } : {}),
    config: assignments("--config", values.config),
    secrets: assignments("--secret", values.secret),
    stackOutputs,
  });
  const files = planFiles(evaluation);
  const project = readProjectFile(PROJECT_DIR);
  const stackConfig = values["stack-file"]
    ? readStackFileAt(values["stack-file"], project)
    : readStackFile(PROJECT_DIR, values.stack, project);
  const secretFlags = assignments("--secret", values.secret);
  files.set(
    SECRET_FINGERPRINTS_FILE,
    renderSecretFingerprints(secretFingerprints(project.name, stackConfig, secretFlags)),
  );
  writePlan(outDir, files);
  const k8sCount = kubernetesObjects(evaluation).length;
  const repoCount = repositoryFiles(evaluation).length;
  io.out(renderTree(evaluation));
  const workload = workloadSummary(evaluation);
  if (workload) io.out(`\n${workload}`);
  io.out(deliverySummary(evaluation));
  if (evaluation.outputs.imagePinned?.value === true) {
    io.out(
      `\nimagePin in force: the Deployment runs ${String(evaluation.outputs.imageRef?.value)} whatever tag, digest or promotion say.`,
    );
  }
  io.out(`\n${imageLine(evaluation)}\n${createCounts(evaluation)}`);
  io.out(
    `\nPlan for ${evaluation.project}/${evaluation.stack}: ${evaluation.resources.length} resources, ${k8sCount} Kubernetes objects, ${repoCount} repository files, ${Object.keys(evaluation.outputs).length} outputs -> ${path.relative(process.cwd(), outDir) || "."}`,
  );
  return 0;
}

/** The image the Deployment will run, always: its reference and where it comes from (imageOrigin). */
export function imageLine(evaluation: Evaluation): string {
  const ref = evaluation.outputs.imageRef?.value;
  const origin = evaluation.outputs.imageOrigin?.value;
  return `Image that will run: ${ref === undefined ? "(none)" : String(ref)}${origin === undefined ? "" : ` (imageOrigin: ${String(origin)})`}`;
}

/**
 * What `pulumi up` would create, counted by package (the type token's first part). The plan has no state, so these
 * are the creates of a first `pulumi up`; against a deployed stack `pulumi preview` shows only what differs.
 */
export function createCounts(evaluation: Evaluation): string {
  const counts = new Map<string, number>();
  for (const r of evaluation.resources) {
    const kind =
      r.type === "pulumi:pulumi:StackReference"
        ? "stack references (read, not created)"
        : r.type.startsWith("pulumi:providers:")
          ? "providers"
          : (r.type.split(":")[0] ?? r.type);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const created = evaluation.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference").length;
  const parts = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => `${n} ${k}`);
  return `pulumi up would create ${created} resources on a new stack: ${parts.join(", ")}`;
}

if (require.main === module) {
  runPlanCommand(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
