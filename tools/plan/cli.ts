// `npm run plan -- --stack <name> [--out DIR] [--config k=v ...] [--secret k=v ...] [--stack-outputs name=file ...]`
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EvaluationError, evaluate, PROJECT_DIR } from "./evaluate";
import {
  kubernetesObjects,
  planFiles,
  renderTree,
  repositoryFiles,
  workloadSummary,
  writePlan,
} from "./render";
import { parseAssignment } from "./stack-files";

const USAGE =
  "usage: npm run plan -- --stack <name> [--out DIR] [--config key=value ...] [--secret key=value ...] [--stack-outputs <org>/<project>/<stack>=<outputs.json> ...]";

function assignments(list: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map(parseAssignment));
}

/** Where the command writes; the CLI passes the process's streams, tests pass collectors. */
export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `npm run plan` as a function: parses argv, evaluates, writes the plan; returns the exit code. */
export async function runPlanCommand(argv: string[], io: CommandIO): Promise<number> {
  try {
    return await plan(argv, io);
  } catch (err) {
    const message = err instanceof EvaluationError || err instanceof Error ? err.message : String(err);
    io.err(`plan failed: ${message}\nNo plan files were written.`);
    return 1;
  }
}

async function plan(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      out: { type: "string" },
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
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  for (const [name, file] of Object.entries(assignments(values["stack-outputs"]))) {
    stackOutputs[name] = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  }
  const evaluation = await evaluate({
    stack: values.stack,
    config: assignments(values.config),
    secrets: assignments(values.secret),
    stackOutputs,
  });
  const outDir = path.resolve(values.out ?? path.join(PROJECT_DIR, "plan", values.stack));
  const files = planFiles(evaluation);
  writePlan(outDir, files);
  const k8sCount = kubernetesObjects(evaluation).length;
  const repoCount = repositoryFiles(evaluation).length;
  io.out(renderTree(evaluation));
  const workload = workloadSummary(evaluation);
  if (workload) io.out(`\n${workload}`);
  if (evaluation.outputs.imagePinned?.value === true) {
    io.out(
      `\nimagePin in force: the Deployment runs ${String(evaluation.outputs.imageRef?.value)} whatever tag, digest or promotion say.`,
    );
  }
  io.out(
    `\nPlan for ${evaluation.project}/${evaluation.stack}: ${evaluation.resources.length} resources, ${k8sCount} Kubernetes objects, ${repoCount} repository files, ${Object.keys(evaluation.outputs).length} outputs -> ${path.relative(process.cwd(), outDir) || "."}`,
  );
  return 0;
}

if (require.main === module) {
  runPlanCommand(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => process.exit(code),
  );
}
