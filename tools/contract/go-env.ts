// Lists the environment variables a Go service's binary reads, by running tools/contract/goenv/main.go: Go's own
// go/build, go/parser and go/types read the source (`go run`, the standard library only, no module download).
//
// What counts, as that program decides it (see its header):
//   the files `go build` would compile for linux/amd64 (go/build: GOOS/GOARCH file-name suffixes, //go:build lines, no
//   _test.go), of the main package and every package of its own module it imports, and no file or folder whose real
//   path leaves the checkout;
//   os.Getenv / os.LookupEnv / syscall.Getenv(K) with K a Go constant expression (literal, constant, concatenation),
//   whatever name os is imported under (alias, dot import); a helper h(K, default) of the module whose parameter is
//   passed on as such a name (getEnvOrDefault, and helpers calling helpers): the default is the argument after K;
//   for a direct read, the default is what `if v == "" { v = C }` or `{ return C }` right after `v := os.Getenv(K)` puts
//   in its place, and "true" for `os.Getenv(K) != "false"`.
// Everything else that touches the environment is an unresolved read: os.Environ, os.ExpandEnv, syscall.Environ, a
// name that is not a constant, a reader used as a value. The check fails on one unless the contract lists it.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "../project-root";

/** The Go program that reads the source. */
export const GO_READER = path.join(PROJECT_ROOT, "tools", "contract", "goenv", "main.go");

/** One variable the binary reads. */
export interface EnvRead {
  /** Defaults found at its read sites (empty: none). */
  readonly defaults: readonly string[];
  /** Files that read it, relative to the service root. */
  readonly files: readonly string[];
}

/** An environment access whose variable the reader cannot name. */
export interface UnresolvedRead {
  /** File, relative to the service root. */
  readonly file: string;
  /** Line of the call. */
  readonly line: number;
  /** The call as written, e.g. `os.Getenv(key)`, `os.Environ(...)`. */
  readonly call: string;
  /** Why it is not resolved. */
  readonly why: string;
}

/** An unresolved read the contract accepts, with the reason it changes nothing the deployment must set. */
export interface ListedRead {
  /** File, relative to the service root. */
  readonly file: string;
  /** The call as the reader prints it. */
  readonly call: string;
  /** Why it is harmless. */
  readonly reason: string;
}

/** What a scan found. */
export interface ScanResult {
  /** The service root (the folder of go.mod and the main package). */
  readonly root: string;
  /** The Go module path. */
  readonly module: string;
  /** Variables by name. */
  readonly vars: ReadonlyMap<string, EnvRead>;
  /** Unresolved reads as text, `file:line: call: why`. */
  readonly unresolved: readonly string[];
  /** Unresolved reads. */
  readonly unresolvedReads: readonly UnresolvedRead[];
  /** What the reader could not read: an import with no folder, a link out of the checkout. Each fails the check. */
  readonly problems: readonly string[];
  /** Files of the binary read, relative to the service root. */
  readonly files: readonly string[];
  /** Go files left out by build constraints for linux/amd64. */
  readonly excluded: readonly string[];
}

/** A bad argument or input: the tool exits 2 with this message. */
export class ScanInputError extends Error {}

/** The JSON the Go program prints (tools/contract/goenv/main.go `report`). */
const Report = z.object({
  module: z.string(),
  root: z.string(),
  target: z.string(),
  files: z.array(z.string()),
  excluded: z.array(z.string()),
  vars: z.array(z.object({ name: z.string(), defaults: z.array(z.string()), files: z.array(z.string()) })),
  unresolved: z.array(z.object({ file: z.string(), line: z.number(), call: z.string(), why: z.string() })),
  problems: z.array(z.string()),
});

/** The kind of a path, or undefined when nothing is there. */
function kind(p: string): "file" | "folder" | "other" | undefined {
  try {
    const s = statSync(p);
    return s.isDirectory() ? "folder" : s.isFile() ? "file" : "other";
  } catch {
    return undefined;
  }
}

/** The folder of the service in a checkout: the given one, or backend/services/workflow-runner under it. */
export function serviceRoot(checkout: string): string {
  const given = kind(checkout);
  if (given === undefined) throw new ScanInputError(`${checkout}: no such folder`);
  if (given !== "folder")
    throw new ScanInputError(
      `${checkout}: a ${given}, where a folder is expected (a checkout of stigmer/stigmer or the service's folder)`,
    );
  for (const candidate of [checkout, path.join(checkout, "backend", "services", "workflow-runner")]) {
    const mod = path.join(candidate, "go.mod");
    const k = kind(mod);
    if (k === "file") return candidate;
    if (k !== undefined) throw new ScanInputError(`${mod}: a ${k}, where the module file go.mod is expected`);
  }
  throw new ScanInputError(
    `${checkout}: no go.mod here or in backend/services/workflow-runner; give a checkout of stigmer/stigmer or the service's folder`,
  );
}

/** Scans the service under a checkout: every variable its binary reads, with defaults and the files reading it. */
export function scanService(checkout: string): ScanResult {
  const root = serviceRoot(checkout);
  if (!existsSync(GO_READER)) throw new ScanInputError(`${GO_READER}: the Go reader is missing`);
  const run = spawnSync("go", ["run", GO_READER, path.resolve(root), path.resolve(checkout)], {
    cwd: path.dirname(GO_READER),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // GOPATH mode: the reader imports only the standard library, so no go.mod or go.work around it is consulted and
    // nothing is downloaded (GOTOOLCHAIN=local: no toolchain switch either).
    env: { ...process.env, GO111MODULE: "off", GOFLAGS: "", GOTOOLCHAIN: "local", GOWORK: "off" },
  });
  if (run.error) {
    throw new ScanInputError(
      (run.error as NodeJS.ErrnoException).code === "ENOENT"
        ? "contract:check reads Go with Go's own parser and needs the go command (Debian: apt-get install golang-go)"
        : `go run ${GO_READER}: ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new ScanInputError(run.stderr.trim() || `go run exited ${run.status}`);
  const report = Report.parse(JSON.parse(run.stdout));
  const unresolvedReads = report.unresolved;
  return {
    root: report.root,
    module: report.module,
    vars: new Map(report.vars.map((v) => [v.name, { defaults: v.defaults, files: v.files }])),
    unresolved: unresolvedReads.map((u) => `${u.file}:${u.line}: ${u.call}: ${u.why}`),
    unresolvedReads,
    problems: report.problems,
    files: report.files,
    excluded: report.excluded,
  };
}

/** The unresolved reads of a scan the contract does not list (by file and call). Pure. */
export function unlistedReads(
  reads: readonly UnresolvedRead[],
  listed: readonly ListedRead[],
): UnresolvedRead[] {
  return reads.filter((r) => !listed.some((l) => l.file === r.file && l.call === r.call));
}

/** A difference between the source and a contract table. */
export interface Drift {
  readonly kind: "added" | "removed" | "changed default";
  readonly name: string;
  readonly line: string;
}

/** The differences between what the source reads and a contract table (name -> default). Pure. */
export function compareWithContract(
  vars: ReadonlyMap<string, EnvRead>,
  contract: Readonly<Record<string, { readonly default?: string }>>,
): Drift[] {
  const drift: Drift[] = [];
  const show = (d: readonly string[] | string | undefined) =>
    d === undefined || d.length === 0
      ? "none"
      : typeof d === "string"
        ? JSON.stringify(d)
        : d.map((x) => JSON.stringify(x)).join(" | ");
  for (const [name, read] of vars) {
    const spec = contract[name];
    if (!spec) {
      drift.push({
        kind: "added",
        name,
        line: `+ ${name}: read by ${read.files.join(", ")} (default ${show(read.defaults)}), not in the contract`,
      });
    } else if (read.defaults.length > 1 || (read.defaults[0] ?? undefined) !== spec.default) {
      drift.push({
        kind: "changed default",
        name,
        line: `~ ${name}: default ${show(read.defaults)} in ${read.files.join(", ")}, ${show(spec.default)} in the contract`,
      });
    }
  }
  for (const name of Object.keys(contract)) {
    if (!vars.has(name))
      drift.push({
        kind: "removed",
        name,
        line: `- ${name}: in the contract, read by no file of the binary`,
      });
  }
  return drift;
}
