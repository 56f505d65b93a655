// Times one fleet series in a process of its own and prints it as JSON, for the bench:
//   node build/tools/bench/fleet-time.js <full|workload|replay> <runs>
// Each series starts from a fresh heap, so one series' garbage does not land in the next one's figures. The counts
// are interleaved in rounds (1, 10 and 50 services each round, after one warm-up round), so drift in the machine's
// load touches them alike; the cost of an extra service is taken between the medians of 1 and 50.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { positionalArgs, readArgs, UsageError } from "../args";
import { evaluate } from "../plan/evaluate";
import { devService, fleetProgram, workloadOnly } from "./fleet";
import { replayProgram } from "./replay";
import { median } from "./stats";

/** The series the bench times. */
export const SERIES = ["full", "workload", "replay"] as const;
export type Series = (typeof SERIES)[number];

/** The counts of services each round evaluates. */
export const COUNTS = [1, 10, 50] as const;

/** What one series measured: median ms by count, ms per extra service, resources a service registers. */
export interface SeriesFigures {
  readonly series: Series;
  readonly times: Record<number, number>;
  readonly perService: number;
  readonly perServiceResources: number;
  readonly runs: number;
}

/** A program of `count` services. */
type Fleet = (count: number) => () => Record<string, unknown>;

/** The fleet a series evaluates. "replay": the workload's registrations with plain inputs (tools/bench/replay.ts). */
async function fleetOf(series: Series): Promise<Fleet> {
  const base = devService();
  if (series === "full") return (count) => fleetProgram(base, count);
  const workload = workloadOnly(base);
  if (series === "workload") return (count) => fleetProgram(workload, count);
  const recorded = (await evaluate({ stack: "dev", program: fleetProgram(workload, 1) })).resources;
  return (count) =>
    replayProgram(recorded, count, () => ({
      kubernetes: new k8s.Provider("kubernetes", {}),
      github: new github.Provider("github", { owner: base.repository.owner, token: "bench" }),
    }));
}

/** Times `runs` rounds of the series (after one warm-up round). */
export async function timeSeries(series: Series, runs: number): Promise<SeriesFigures> {
  const fleet = await fleetOf(series);
  const samples: Record<number, number[]> = Object.fromEntries(COUNTS.map((c) => [c, []]));
  let perServiceResources = 0;
  for (let round = 0; round <= runs; round++) {
    for (const count of COUNTS) {
      const start = process.hrtime.bigint();
      const ev = await evaluate({ stack: "dev", program: fleet(count) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      perServiceResources = (ev.resources.length - 2) / count;
      if (round > 0) samples[count]?.push(ms);
    }
  }
  const times = Object.fromEntries(COUNTS.map((c) => [c, median(samples[c] ?? [])]));
  return { series, times, perService: ((times[50] ?? 0) - (times[1] ?? 0)) / 49, perServiceResources, runs };
}

if (require.main === module) {
  const parsed = readArgs(
    `usage: fleet-time.js <${SERIES.join("|")}> [runs, a positive integer; default 7]`,
    () => {
      const [series = "", text = "7"] = positionalArgs(process.argv.slice(2), 1, 2);
      const runs = Number(text);
      if (!(SERIES as readonly string[]).includes(series))
        throw new UsageError(`series: got ${JSON.stringify(series)}; allowed: ${SERIES.join(", ")}`);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`runs: got ${JSON.stringify(text)}`);
      return { series: series as Series, runs };
    },
  );
  if (!parsed.ok) {
    console.error(parsed.message);
    process.exitCode = 2;
  } else {
    timeSeries(parsed.args.series, parsed.args.runs).then(
      (figures) => console.log(JSON.stringify(figures)),
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
  }
}
