// Evaluates a fleet of N services (default 100) in this process and prints its peak RSS in MiB, for the bench.
import { positionalArgs, readArgs, UsageError } from "../args";
import { evaluate } from "../plan/evaluate";
import { devService, fleetProgram } from "./fleet";

const USAGE = "usage: fleet-rss.js [services, a positive integer; default 100]";

async function main(): Promise<void> {
  const parsed = readArgs(USAGE, () => {
    const [text = "100"] = positionalArgs(process.argv.slice(2), 0, 1);
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`services: got ${JSON.stringify(text)}`);
    return n;
  });
  if (!parsed.ok) {
    console.error(parsed.message);
    process.exitCode = 2;
    return;
  }
  const count = parsed.args;
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
