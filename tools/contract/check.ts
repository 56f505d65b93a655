// npm run contract:check -- [--service <name>] <checkout>: what a service reads, against its contract table.
//
//   workflow-runner (the default): the Go code the binary runs (go-env.ts: Go's own parser), against
//     contracts/workflow-runner.ts; each environment access naming no variable (? listed in the contract with its
//     reason, ! not listed) and each part of the source it could not read (! a missing package, a link out of the
//     checkout) fails the check too;
//   stigmer-runner: the environment tables of backend/services/runner/README.md (readme-env.ts), against
//     contracts/stigmer-runner-env.ts.
// Lists every variable the source states (with its defaults and where), then every difference with the contract:
// + added (in the source, not in the contract), - removed (in the contract, not in the source), ~ changed default.
// Exit 0 when in sync, 1 on any difference or unresolved read, 2 on a usage error or a source it cannot read.

import { parseArgs as parseCommandLine } from "node:util";
import { type RunnerEnvVar, STIGMER_RUNNER_ENV } from "../../contracts/stigmer-runner-env";
import {
  type EnvVarContract,
  UNRESOLVED_ENV_READS,
  WORKFLOW_RUNNER_ENV,
} from "../../contracts/workflow-runner";
import { readArgs, UsageError } from "../args";
import { compareWithContract, ScanInputError, scanService, unlistedReads } from "./go-env";
import { compareReadmeWithContract, readmeFile, scanReadme } from "./readme-env";

/** What one service's check found: the report's lines, and how many failures (differences, unresolved reads). */
interface Report {
  readonly lines: readonly string[];
  readonly drift: number;
}

/** A source the check cannot read: exit 2, with this message. */
class Unreadable extends Error {}

/** workflow-runner: the Go source under a checkout, against contracts/workflow-runner.ts. */
function checkWorkflowRunner(checkout: string): Report {
  let scan: ReturnType<typeof scanService>;
  try {
    scan = scanService(checkout);
  } catch (err) {
    if (!(err instanceof ScanInputError)) throw err;
    throw new Unreadable(err.message);
  }
  const out: string[] = [
    `Service ${scan.module} (${scan.root})`,
    `Go files of the binary for linux/amd64: ${scan.files.length} (left out by build constraints: ${scan.excluded.length})`,
    `Environment variables the binary reads: ${scan.vars.size}`,
  ];
  for (const [name, read] of scan.vars) {
    const def = read.defaults.length > 0 ? read.defaults.map((d) => JSON.stringify(d)).join(" | ") : "none";
    out.push(`  ${name}  default ${def}  (${read.files.join(", ")})`);
  }
  const contract: Readonly<Record<string, EnvVarContract>> = WORKFLOW_RUNNER_ENV;
  const drift = compareWithContract(scan.vars, contract);
  if (drift.length === 0) {
    out.push(
      `In sync with contracts/workflow-runner.ts (${Object.keys(WORKFLOW_RUNNER_ENV).length} variables).`,
    );
  } else {
    out.push(`Drift from contracts/workflow-runner.ts: ${drift.length}`);
    for (const d of drift) out.push(`  ${d.line}`);
  }
  const unlisted = unlistedReads(scan.unresolvedReads, UNRESOLVED_ENV_READS);
  for (const u of scan.unresolvedReads) {
    const listed = UNRESOLVED_ENV_READS.find((l) => l.file === u.file && l.call === u.call);
    out.push(
      listed
        ? `  ? ${u.file}:${u.line}: ${u.call}: ${u.why}; listed in the contract: ${listed.reason}`
        : `  ! ${u.file}:${u.line}: ${u.call}: ${u.why}; not listed in contracts/workflow-runner.ts UNRESOLVED_ENV_READS`,
    );
  }
  for (const p of scan.problems) out.push(`  ! not read: ${p}`);
  if (unlisted.length + scan.problems.length > 0)
    out.push(
      `Unresolved: ${unlisted.length} environment access(es) not listed, ${scan.problems.length} part(s) of the source not read.`,
    );
  return { lines: out, drift: drift.length + unlisted.length + scan.problems.length };
}

/** stigmer-runner: the README's environment tables under a checkout, against contracts/stigmer-runner-env.ts. */
function checkStigmerRunner(checkout: string): Report {
  let file: string;
  let scan: ReturnType<typeof scanReadme>;
  try {
    file = readmeFile(checkout, "backend/services/runner/README.md");
    scan = scanReadme(file);
  } catch (err) {
    throw new Unreadable((err as Error).message);
  }
  if (scan.problems.length > 0) {
    throw new Unreadable(
      `${file}: cannot read its environment tables:\n${scan.problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  const out: string[] = [
    `Service stigmer-runner (${file})`,
    `Environment variables the README lists: ${scan.vars.length}`,
  ];
  for (const v of scan.vars) {
    out.push(
      `  ${v.name}  default ${v.default === undefined ? "none" : JSON.stringify(v.default)}  (line ${v.line})`,
    );
  }
  const contract: Readonly<Record<string, RunnerEnvVar>> = STIGMER_RUNNER_ENV;
  const drift = compareReadmeWithContract(scan.vars, contract);
  if (drift.length === 0) {
    out.push(
      `In sync with contracts/stigmer-runner-env.ts (${Object.keys(STIGMER_RUNNER_ENV).length} variables).`,
    );
  } else {
    out.push(`Drift from contracts/stigmer-runner-env.ts: ${drift.length}`);
    for (const d of drift) out.push(`  ${d.line}`);
  }
  return { lines: out, drift: drift.length };
}

/** The services the check knows, by name. */
const SERVICES: Readonly<Record<string, (checkout: string) => Report>> = {
  "workflow-runner": checkWorkflowRunner,
  "stigmer-runner": checkStigmerRunner,
};

const USAGE = `usage: npm run contract:check -- [--service ${Object.keys(SERVICES).join("|")}] <checkout of stigmer/stigmer, or the service's folder>
  --service defaults to workflow-runner`;

/** The service and the checkout of a command line (node:util parseArgs), or what is wrong with it. Pure. */
export function parseArgs(
  argv: readonly string[],
): { service: string; checkout: string } | { error: string } {
  const read = readArgs("", () => {
    const { values, positionals } = parseCommandLine({
      args: [...argv],
      options: { service: { type: "string", multiple: true } },
      allowPositionals: true,
      strict: true,
    });
    const services = values.service ?? [];
    if (services.length > 1) throw new UsageError("--service given twice");
    const service = services[0] ?? "workflow-runner";
    if (service === "") throw new UsageError("--service needs a value");
    if (!Object.hasOwn(SERVICES, service))
      throw new UsageError(`--service ${service}: not a service; one of ${Object.keys(SERVICES).join(", ")}`);
    const [checkout, ...extra] = positionals;
    if (!checkout) throw new UsageError("no checkout given");
    if (extra.length > 0) throw new UsageError(`one checkout, not ${positionals.length}`);
    return { service, checkout };
  });
  return read.ok ? read.args : { error: read.message.trimEnd() };
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  if ("error" in args) {
    process.stderr.write(`${args.error}\n${USAGE}\n`);
    return 2;
  }
  let report: Report;
  try {
    report = (SERVICES[args.service] as (checkout: string) => Report)(args.checkout);
  } catch (err) {
    if (!(err instanceof Unreadable)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  process.stdout.write(`${report.lines.join("\n")}\n`);
  return report.drift === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
