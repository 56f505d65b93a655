// `npm run bench`: the plan command against a plain-node floor, the cost of each extra service, and peak memory.
import "../plan/defer-sdk-modules";
import { spawnSync } from "node:child_process";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { describeService, parsePlainConfig } from "../../config";
import { evaluate, PROJECT_DIR } from "../plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../plan/stack-files";
import { fleetProgram, workloadOnly } from "./fleet";
import { replayProgram } from "./replay";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** The median of a list of numbers. Pure. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median, min, max and count of a series. Pure. */
export function stats(values: readonly number[]) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** Wall time of one plain `node` process, in ms; fails loudly when the process does. */
function timeProcess(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stderr}`);
  return ms;
}

/** A program of `count` services: what the bench times. */
type Fleet = (count: number) => () => Record<string, unknown>;

/** Evaluation time of a fleet of `count` services, in ms, and how many resources each service registers. */
async function timeFleet(count: number, fleet: Fleet): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const ev = await evaluate({ stack: "dev", program: fleet(count) });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return [ms, (ev.resources.length - 2) / count];
}

/**
 * The same registrations as `base`'s services, without the components' code: one service is evaluated and recorded,
 * then replayed through the same provider classes with its inputs as plain values (tools/bench/replay.ts).
 */
async function replayed(base: ReturnType<typeof describeService>): Promise<Fleet> {
  const recorded = (await evaluate({ stack: "dev", program: fleetProgram(base, 1) })).resources;
  return (count) =>
    replayProgram(recorded, count, () => ({
      kubernetes: new k8s.Provider("kubernetes", {}),
      github: new github.Provider("github", { owner: base.repository.owner, token: "bench" }),
    }));
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

/** Median evaluation times of 1, 10 and 50 services, and the cost of each extra one (from 1 to 50). */
async function fleetFigures(fleet: Fleet) {
  await timeFleet(1, fleet); // warm-up
  const times: Record<number, number> = {};
  let perServiceResources = 0;
  for (const count of [1, 10, 50]) {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const [ms, resources] = await timeFleet(count, fleet);
      runs.push(ms);
      perServiceResources = resources;
    }
    times[count] = median(runs);
  }
  const t1 = times[1] ?? 0;
  return { times, perService: ((times[50] ?? 0) - t1) / 49, perServiceResources };
}

async function main(): Promise<void> {
  // dev's last outputs, with soaked evidence: what dev keeps and prod promotes.
  const outputs = path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json");
  // The plan exactly as package.json runs it (`npm run plan` without npm's own start-up).
  const planArgs = (stack: string) => [
    "tools/launch.cjs",
    "tools/plan/cli",
    "--stack",
    stack,
    "--out",
    path.join(tmpdir(), `bench-plan-${process.pid}-${stack}`),
    "--stack-outputs",
    `stigmer/workflow-runner/dev=${outputs}`,
  ];
  const samples: Record<string, number[]> = { floor: [], dev: [], prod: [] };
  // Interleaved, so drift in the machine's load touches every series alike; one warm-up round first.
  for (let i = 0; i <= RUNS; i++) {
    const round = {
      floor: timeProcess(["build/tools/bench/floor.js"]),
      dev: timeProcess(planArgs("dev")),
      prod: timeProcess(planArgs("prod")),
    };
    if (i > 0) for (const [k, v] of Object.entries(round)) samples[k]?.push(v);
  }
  const floor = stats(samples.floor ?? []);
  const dev = stats(samples.dev ?? []);
  const prod = stats(samples.prod ?? []);

  const raw = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, "dev")).values;
  const plain = parsePlainConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v])),
  );
  const base = describeService(plain, "dev");
  const full = await fleetFigures((count) => fleetProgram(base, count));
  const workload = await fleetFigures((count) => fleetProgram(workloadOnly(base), count));
  const workloadSdk = await fleetFigures(await replayed(workloadOnly(base)));
  const sdkRuns: number[] = [];
  for (let i = 0; i < 3; i++) sdkRuns.push(await sdkPerResource());
  const sdk = median(sdkRuns);
  const rss = JSON.parse(
    spawnSync(process.execPath, ["build/tools/bench/fleet-rss.js", "100"], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    }).stdout,
  ) as { peakRssMiB: number; resources: number };

  const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
  const series = (s: ReturnType<typeof stats>) =>
    `median ${fmt(s.median)}  min ${fmt(s.min)}  max ${fmt(s.max)}  (${s.runs} runs)`;
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(`floor: plain node, mocks + 5 Pulumi packages   ${series(floor)}`);
  for (const [name, s] of [
    ["dev", dev],
    ["prod", prod],
  ] as const) {
    console.log(
      `plan ${name} (npm run plan's command)          ${series(s)}   ratio ${(s.median / floor.median).toFixed(2)}x floor`,
    );
  }
  for (const [label, f, target] of [
    ["full delivery", full, "(target <= 45 ms)"],
    ["workload only", workload, "(target <= 12 ms)"],
    ["workload only, SDK alone", workloadSdk, "(same registrations, plain inputs)"],
  ] as const) {
    console.log(`${label} (${f.perServiceResources.toFixed(0)} resources a service):`);
    for (const count of [1, 10, 50])
      console.log(
        `  evaluate ${String(count).padStart(2)} services              ${fmt(f.times[count] ?? 0)}`,
      );
    console.log(`  per extra service (1 -> 50)        ${f.perService.toFixed(1)} ms ${target}`);
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
