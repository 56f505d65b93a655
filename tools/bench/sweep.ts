// Sweeps V8's semi-space size, the node option package.json gives the plan's command, over the fleet figures:
//   node tools/launch.cjs tools/bench/sweep [sizes in MiB, comma-separated] [processes per size]
// For each size, fresh processes (rounds interleaved across sizes) time the workload and full series
// (tools/bench/fleet-time.ts) and take the peak RSS of 100 services (tools/bench/fleet-rss.ts); it prints the median,
// min and max over the processes. Node's docs ask for exactly this before choosing the size (cli.md,
// "--max-semi-space-size": "try different max-semi-space-size values when running benchmarks for your application").

import type { z } from "zod";
import { positionalArgs, readArgs, UsageError } from "../args";
import { FLEET_RSS, parseFigures, SERIES_FIGURES } from "./figures";
import { runScript } from "./run-script";
import { stats } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** Runs a compiled bench script under `--max-semi-space-size=<size>`; returns its JSON stdout, checked. */
function runWith<T>(size: number, args: string[], schema: z.ZodType<T>): T {
  return parseFigures(args[0] ?? "", runScript([`--max-semi-space-size=${size}`, ...args]), schema);
}

function main(): void {
  const parsed = readArgs("usage: sweep [sizes in MiB, e.g. 16,32,48] [processes per size]", () => {
    const [sizeList = "16,32,40,48,64", text = "3"] = positionalArgs(process.argv.slice(2), 0, 2);
    const sizes = sizeList.split(",").map(Number);
    const processes = Number(text);
    if (sizes.some((s) => !(s > 0))) throw new UsageError(`sizes: got ${JSON.stringify(sizeList)}`);
    if (!Number.isInteger(processes) || processes < 1)
      throw new UsageError(`processes: got ${JSON.stringify(text)}`);
    return { sizes, processes };
  });
  if (!parsed.ok) {
    console.error(parsed.message);
    process.exitCode = 2;
    return;
  }
  const { sizes, processes } = parsed.args;
  const figures = new Map(
    sizes.map((s) => [s, { workload: [] as number[], full: [] as number[], rss: [] as number[] }]),
  );
  for (let p = 0; p < processes; p++) {
    for (const [size, f] of figures) {
      f.workload.push(
        runWith(size, ["build/tools/bench/fleet-time.js", "workload", String(RUNS)], SERIES_FIGURES)
          .perService,
      );
      f.full.push(
        runWith(size, ["build/tools/bench/fleet-time.js", "full", String(RUNS)], SERIES_FIGURES).perService,
      );
      f.rss.push(runWith(size, ["build/tools/bench/fleet-rss.js", "100"], FLEET_RSS).peakRssMiB);
    }
  }
  const cell = (values: number[], digits: number) => {
    const s = stats(values);
    return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
  };
  console.log(
    `${processes} process${processes === 1 ? "" : "es"} a size, ${RUNS} round${RUNS === 1 ? "" : "s"} each; median (min-max)`,
  );
  console.log("semi-space MiB | workload ms/service | full ms/service | peak RSS MiB, 100 services");
  for (const [size, f] of figures)
    console.log(
      `${String(size).padStart(14)} | ${cell(f.workload, 1).padEnd(19)} | ${cell(f.full, 1).padEnd(15)} | ${cell(f.rss, 0)}`,
    );
}

main();
