// The project's import graph (madge over the TypeScript sources), its cycles, and the floors imports must respect.
import * as path from "node:path";

/** A module's imports: project-relative file -> the project-relative files it imports. */
export type ImportGraph = Readonly<Record<string, readonly string[]>>;

/** The part of madge's result we use (madge 8.0.0 lib/api.js: `obj()` and `circular()`). */
interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
}

/** madge's entry point (madge 8.0.0 lib/api.js `module.exports = (path, config) => new Madge(path, config)`). */
type Madge = (paths: string[], config: Record<string, unknown>) => Promise<MadgeResult>;

/** The folders and top-level files whose sources make up the project: program, policy, tools, tests, examples. */
export const SOURCE_ROOTS = [
  "index.ts",
  "contracts",
  "config",
  "components",
  "policy",
  "tools",
  "tests",
  "examples",
] as const;

/**
 * The import graph of `roots` under `projectDir`, read by madge with the project's tsconfig.json. Type-only imports
 * count: a type that loops is a loop for the reader too.
 */
export async function importGraph(
  projectDir: string,
  roots: readonly string[] = SOURCE_ROOTS,
): Promise<{ graph: ImportGraph; cycles: string[][] }> {
  const madge = require("madge") as Madge;
  const result = await madge(
    roots.map((r) => path.join(projectDir, r)),
    {
      baseDir: projectDir,
      fileExtensions: ["ts"],
      tsConfig: path.join(projectDir, "tsconfig.json"),
      excludeRegExp: [/node_modules/, /^build\//, /^plan\//],
      detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
    },
  );
  return { graph: result.obj(), cycles: result.circular() };
}

/**
 * The floors, lowest first. A file may import files of its own floor or a lower one, never a higher one:
 * contracts -> config -> components -> program (index.ts), with policy and tools above the program and tests on top.
 */
export const FLOORS: readonly { readonly name: string; readonly holds: (file: string) => boolean }[] = [
  { name: "contracts", holds: (f) => f.startsWith("contracts/") },
  { name: "config", holds: (f) => f.startsWith("config/") },
  { name: "components", holds: (f) => f.startsWith("components/") },
  { name: "program", holds: (f) => f === "index.ts" },
  { name: "policy", holds: (f) => f.startsWith("policy/") },
  { name: "tools", holds: (f) => f.startsWith("tools/") },
  { name: "tests", holds: (f) => f.startsWith("tests/") || f.startsWith("examples/") },
];

/** The floor a file is on, by its index in FLOORS; -1 for a file on none. Pure. */
export function floorOf(file: string): number {
  return FLOORS.findIndex((floor) => floor.holds(file));
}

/**
 * Every import that reaches up a floor, or into a file on no floor, as `<file> (<floor>) imports <dep> (<floor>)`;
 * also the program's entry (index.ts) imported outside tests (the engine runs it, nothing imports it), and a folder's
 * index.ts imported by a file of the same folder. Pure.
 */
export function layerViolations(graph: ImportGraph): string[] {
  const name = (i: number) => FLOORS[i]?.name ?? "no floor";
  const problems: string[] = [];
  for (const [file, deps] of Object.entries(graph)) {
    const floor = floorOf(file);
    for (const dep of deps) {
      const depFloor = floorOf(dep);
      const upward = depFloor < 0 || floor < 0 || depFloor > floor;
      const intoProgram = dep === "index.ts" && !file.startsWith("tests/");
      // A folder's index.ts re-exports its files: a file of the folder that imports it imports itself back.
      const ownIndex = dep.endsWith("/index.ts") && path.posix.dirname(dep) === path.posix.dirname(file);
      if (upward || intoProgram || ownIndex)
        problems.push(`${file} (${name(floor)}) imports ${dep} (${name(depFloor)})`);
    }
  }
  return problems.sort();
}

/** The contracts that describe no one service (its shape, Planton, the stack outputs); every other contract is a service's. */
export const GENERIC_CONTRACTS: readonly string[] = [
  "contracts/service.ts",
  "contracts/poller-identity.ts",
  "contracts/planton.ts",
  "contracts/stack-outputs.ts",
  "contracts/poller-identity.ts",
];

/** Whether a file belongs to one service: its module (config/services/) or its contract. Pure. */
export function isServiceFile(file: string): boolean {
  return (
    file.startsWith("config/services/") ||
    (file.startsWith("contracts/") && !GENERIC_CONTRACTS.includes(file))
  );
}

/**
 * Components or the program importing a service's files: the components are generic over the description, and the
 * program reaches a service only through config (the registry in config/services/index.ts). Pure.
 */
export function serviceImports(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const [file, deps] of Object.entries(graph)) {
    if (!file.startsWith("components/") && file !== "index.ts") continue;
    for (const dep of deps.filter(isServiceFile))
      problems.push(`${file} imports ${dep}, a file of one service`);
  }
  return problems.sort();
}
