// Evaluates a fleet of N services (default 100) in this process and prints its peak RSS in MiB, for the bench.
import { evaluate } from "../plan/evaluate";
import { devService, fleetProgram } from "./fleet";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const ev = await evaluate({ stack: "dev", program: fleetProgram(devService(), count) });
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
