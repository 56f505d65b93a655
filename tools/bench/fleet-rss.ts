// Evaluates a fleet of N services (default 100) in this process and prints its peak RSS in MiB, for the bench.
import "../plan/defer-sdk-modules";
import { describeService, parsePlainConfig } from "../../config";
import { evaluate, PROJECT_DIR } from "../plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../plan/stack-files";
import { fleetProgram } from "./fleet";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const raw = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, "dev")).values;
  const plain = parsePlainConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v])),
  );
  const ev = await evaluate({ stack: "dev", program: fleetProgram(describeService(plain, "dev"), count) });
  // resourceUsage().maxRSS is in KiB.
  console.log(
    JSON.stringify({
      count,
      resources: ev.resources.length,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
