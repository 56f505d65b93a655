// `npm run bench`: the plan command against a plain-node floor, the cost of each extra service, and peak memory.
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { positionalArgs, readArgs } from "../args";
import { evaluate, PROJECT_DIR } from "../plan/evaluate";
import { npmNodeCommand } from "../plan/npm-command";
import { FLEET_RSS, parseFigures, SERIES_FIGURES } from "./figures";
import { COUNTS, SERIES, type Series, type SeriesFigures } from "./fleet-time";
import { runScript } from "./run-script";
import { median, stats } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/** Fresh processes per fleet series: one process's figure moves by a millisecond or two with its heap's luck. */
const FLEET_PROCESSES = Number(process.env.BENCH_FLEET_PROCESSES ?? 3);
/** `npm run plan`'s command: its node options apply to every process that evaluates the program here. */
const PLAN = npmNodeCommand("plan");

/** Wall time of one plain `node` process, in ms; fails loudly when the process does. */
function timeProcess(args: string[], env: Readonly<Record<string, string>> = {}): number {
  const start = process.hrtime.bigint();
  runScript(args, env);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** One fleet series, timed in a process of its own (tools/bench/fleet-time.ts) with the plan's node options. */
function fleetFigures(series: Series): SeriesFigures {
  return parseFigures(
    "fleet-time.js",
    runScript([...PLAN.nodeFlags, "build/tools/bench/fleet-time.js", series, String(RUNS)]),
    SERIES_FIGURES,
  );
}

/** A fleet series over several processes: times by count and the per-service cost, each the median of theirs. */
interface FleetSummary {
  readonly times: Record<number, number>;
  readonly perService: ReturnType<typeof stats>;
  readonly perServiceResources: number;
}

/** Every fleet series, FLEET_PROCESSES fresh processes each, the series interleaved so drift touches them alike. */
function fleetSummaries(): Record<Series, FleetSummary> {
  const runs = Object.fromEntries(SERIES.map((s) => [s, [] as SeriesFigures[]]));
  for (let p = 0; p < FLEET_PROCESSES; p++)
    for (const series of SERIES) runs[series]?.push(fleetFigures(series));
  const summary = (figures: SeriesFigures[]): FleetSummary => ({
    times: Object.fromEntries(COUNTS.map((c) => [c, median(figures.map((f) => f.times[c] ?? 0))])) as Record<
      number,
      number
    >,
    perService: stats(figures.map((f) => f.perService)),
    perServiceResources: figures[0]?.perServiceResources ?? 0,
  });
  return Object.fromEntries(SERIES.map((s) => [s, summary(runs[s] ?? [])])) as Record<Series, FleetSummary>;
}

/** The SDK's own cost of one bare resource under mocks: 2,000 ConfigMaps, per resource, in ms. */
async function sdkPerResource(): Promise<number> {
  const n = 2000;
  const start = process.hrtime.bigint();
  await evaluate({
    stack: "dev",
    program: () => {
      const provider = new k8s.Provider("bench", {});
      for (let i = 0; i < n; i++) {
        new k8s.core.v1.ConfigMap(
          `cm-${i}`,
          { metadata: { name: `cm-${i}`, namespace: "bench" } },
          { provider },
        );
      }
      return {};
    },
  });
  return Number(process.hrtime.bigint() - start) / 1e6 / n;
}

async function main(): Promise<void> {
  const parsed = readArgs("usage: npm run bench", () => positionalArgs(process.argv.slice(2), 0, 0));
  if (!parsed.ok) {
    console.error(parsed.message);
    process.exitCode = 2;
    return;
  }
  // dev's last outputs, with soaked evidence: what dev keeps and prod promotes.
  const outputs = path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json");
  // The plan exactly as package.json runs it (`npm run plan` without npm's own start-up).
  const planArgs = (stack: string) => [
    ...PLAN.nodeFlags,
    ...PLAN.args,
    "--stack",
    stack,
    "--out",
    path.join(tmpdir(), `bench-plan-${process.pid}-${stack}`),
    "--stack-outputs",
    `stigmer/workflow-runner/dev=${outputs}`,
  ];
  // The plan runs with Node's compile cache (tools/launch.cjs); the cached floor is the same floor given one too.
  const floorCache = { NODE_COMPILE_CACHE: path.join(tmpdir(), `bench-floor-cache-${process.pid}`) };
  const samples: Record<string, number[]> = { floor: [], floorCached: [], dev: [], prod: [] };
  // Interleaved, so drift in the machine's load touches every series alike; one warm-up round first.
  for (let i = 0; i <= RUNS; i++) {
    const round = {
      floor: timeProcess(["build/tools/bench/floor.js"]),
      floorCached: timeProcess(["build/tools/bench/floor.js"], floorCache),
      dev: timeProcess(planArgs("dev")),
      prod: timeProcess(planArgs("prod")),
    };
    if (i > 0) for (const [k, v] of Object.entries(round)) samples[k]?.push(v);
  }
  const floor = stats(samples.floor ?? []);
  const floorCached = stats(samples.floorCached ?? []);
  const dev = stats(samples.dev ?? []);
  const prod = stats(samples.prod ?? []);

  const { full, workload, replay: workloadSdk } = fleetSummaries();
  const sdkRuns: number[] = [];
  for (let i = 0; i < 3; i++) sdkRuns.push(await sdkPerResource());
  const sdk = median(sdkRuns);
  const rss = parseFigures(
    "fleet-rss.js",
    runScript([...PLAN.nodeFlags, "build/tools/bench/fleet-rss.js", "100"]),
    FLEET_RSS,
  );

  const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
  const series = (s: ReturnType<typeof stats>) =>
    `median ${fmt(s.median)}  min ${fmt(s.min)}  max ${fmt(s.max)}  (${s.runs} runs)`;
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(
    `plan command: node ${[...PLAN.nodeFlags, ...PLAN.args].join(" ")} (fleets run with its node options)`,
  );
  console.log(`floor: plain node, mocks + 5 Pulumi packages   ${series(floor)}`);
  console.log(`floor with Node's compile cache too          ${series(floorCached)}`);
  for (const [name, s] of [
    ["dev", dev],
    ["prod", prod],
  ] as const) {
    console.log(
      `plan ${name} (npm run plan's command)          ${series(s)}   ratio ${(s.median / floor.median).toFixed(2)}x floor, ${(s.median / floorCached.median).toFixed(2)}x the cached floor`,
    );
  }
  for (const [label, f, target] of [
    ["full delivery", full, "(target <= 45 ms)"],
    ["workload only", workload, "(target <= 15 ms)"],
    ["workload only, SDK alone", workloadSdk, "(same registrations, plain inputs)"],
  ] as const) {
    console.log(`${label} (${f.perServiceResources.toFixed(0)} resources a service):`);
    for (const count of COUNTS)
      console.log(
        `  evaluate ${String(count).padStart(2)} services              ${fmt(f.times[count] ?? 0)}`,
      );
    const p = f.perService;
    console.log(
      `  per extra service (1 -> 50)        median ${p.median.toFixed(1)} ms  min ${p.min.toFixed(1)}  max ${p.max.toFixed(1)}  (${p.runs} processes) ${target}`,
    );
  }
  console.log(
    `peak RSS evaluating 100 services    ${rss.peakRssMiB.toFixed(0)} MiB (${rss.resources} resources; target <= 450 MiB)`,
  );
  console.log(`SDK floor per bare resource         ${sdk.toFixed(2)} ms (2,000 ConfigMaps under mocks)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
