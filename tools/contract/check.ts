// npm run contract:check -- <checkout>: what the service's Go code reads, against contracts/workflow-runner.ts.
//
// Lists every environment variable the binary reads (with its defaults and files), then every difference with the
// contract: + added (read, not in the contract), - removed (in the contract, read by nothing), ~ changed default;
// then each environment access naming no variable (? listed in the contract with its reason, ! not listed) and each
// part of the source it could not read (! a missing package, a link out of the checkout).
// Exit 0 when in sync, 1 on any difference, unlisted access or unread part, 2 on a usage or input error.
import {
  type EnvVarContract,
  UNRESOLVED_ENV_READS,
  WORKFLOW_RUNNER_ENV,
} from "../../contracts/workflow-runner";
import { positionalArgs, readArgs, UsageError } from "../args";
import { compareWithContract, ScanInputError, scanService, unlistedReads } from "./go-env";

const USAGE = "usage: npm run contract:check -- <checkout of stigmer/stigmer, or its workflow-runner folder>";

function main(argv: readonly string[]): number {
  const parsed = readArgs(USAGE, () => {
    const [checkout = ""] = positionalArgs(argv, 1, 1);
    if (checkout === "") throw new UsageError("the checkout is an empty path");
    return checkout;
  });
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n`);
    return 2;
  }
  const checkout = parsed.args;
  let scan: ReturnType<typeof scanService>;
  try {
    scan = scanService(checkout);
  } catch (err) {
    if (!(err instanceof ScanInputError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
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
  const failures = drift.length + unlisted.length + scan.problems.length;
  if (unlisted.length + scan.problems.length > 0)
    out.push(
      `Unresolved: ${unlisted.length} environment access(es) not listed, ${scan.problems.length} part(s) of the source not read.`,
    );
  process.stdout.write(`${out.join("\n")}\n`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
