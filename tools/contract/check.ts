// npm run contract:check -- <checkout>: what the service's Go code reads, against contracts/workflow-runner.ts.
//
// Lists every environment variable the binary reads (with its defaults and files), then every difference with the
// contract: + added (read, not in the contract), - removed (in the contract, read by nothing), ~ changed default.
// Exit 0 when in sync, 1 on any difference, 2 on a usage error.
import { type EnvVarContract, WORKFLOW_RUNNER_ENV } from "../../contracts/workflow-runner";
import { compareWithContract, scanService } from "./go-env";

function main(argv: readonly string[]): number {
  const checkout = argv[0];
  if (!checkout || argv.length > 1) {
    process.stderr.write(
      "usage: npm run contract:check -- <checkout of stigmer/stigmer, or its workflow-runner folder>\n",
    );
    return 2;
  }
  let scan: ReturnType<typeof scanService>;
  try {
    scan = scanService(checkout);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const out: string[] = [
    `Service ${scan.module} (${scan.root})`,
    `Environment variables the binary reads: ${scan.vars.size}`,
  ];
  for (const [name, read] of scan.vars) {
    const def = read.defaults.length > 0 ? read.defaults.map((d) => JSON.stringify(d)).join(" | ") : "none";
    out.push(`  ${name}  default ${def}  (${read.files.join(", ")})`);
  }
  for (const u of scan.unresolved) out.push(`  ? unresolved read ${u}`);
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
  process.stdout.write(`${out.join("\n")}\n`);
  return drift.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
