// Reads a Go service's source text (no Go toolchain) and lists the environment variables its binary reads.
//
// What counts as a read, as the Go code of workflow-runner writes them:
//   os.Getenv("K"), os.LookupEnv("K"), with K a string literal or a string constant of the package;
//   a helper call h("K", default) where h is a function of the scanned code whose body calls os.Getenv or
//   os.LookupEnv on its first parameter (getEnvOrDefault, getEnvAsIntOrDefault, ...): the default is the second
//   argument;
//   for a direct read, the default is what `if v == "" { v = <literal> }` or `{ return <literal> }` right after
//   `v := ...os.Getenv("K")` puts in its place, and "true" for `os.Getenv("K") != "false"`.
// Only packages the main package reaches through imports of its own module are scanned, and no _test.go file: those
// are what the binary runs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** One variable the binary reads. */
export interface EnvRead {
  /** Defaults found at its read sites (empty: none). */
  readonly defaults: readonly string[];
  /** Files that read it, relative to the service root. */
  readonly files: readonly string[];
}

/** What a scan found. */
export interface ScanResult {
  /** The service root (the folder of go.mod and the main package). */
  readonly root: string;
  /** The Go module path. */
  readonly module: string;
  /** Variables by name. */
  readonly vars: ReadonlyMap<string, EnvRead>;
  /** Read sites whose name the scanner could not resolve to a literal. */
  readonly unresolved: readonly string[];
}

/** Go source with comments blanked out (strings, raw strings and runes kept), so patterns skip commented code. Pure. */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") {
        out += " ";
        i++;
      }
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (c !== "`" && src[j] === "\\") j++;
        if (c !== "`" && src[j] === "\n") break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The value of a Go literal (interpreted or raw string, number, bool), or undefined. Pure. */
export function literalValue(text: string): string | undefined {
  const t = text.trim();
  if (/^"([^"\\]|\\.)*"$/.test(t)) return JSON.parse(t) as string;
  if (/^`[^`]*`$/.test(t)) return t.slice(1, -1);
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) return t;
  if (t === "true" || t === "false") return t;
  return undefined;
}

/** String and number constants of a source, by name (`const X = "v"`, `X Type = 8080` in a const block). Pure. */
export function constants(src: string): Map<string, string> {
  const found = new Map<string, string>();
  const add = (line: string) => {
    const m = /^\s*([A-Za-z_]\w*)(?:\s+[A-Za-z_][\w.]*)?\s*=\s*(.+?)\s*$/.exec(line);
    const value = m?.[2] !== undefined ? literalValue(m[2]) : undefined;
    if (m?.[1] && value !== undefined) found.set(m[1], value);
  };
  for (const block of src.matchAll(/\bconst\s*\(([\s\S]*?)\n\s*\)/g)) {
    for (const line of (block[1] ?? "").split("\n")) add(line);
  }
  for (const single of src.matchAll(/\bconst\s+([A-Za-z_][^\n(]*)/g)) add(single[1] ?? "");
  return found;
}

/** Functions whose body reads the environment under their first parameter, by name, with their parameter count. Pure. */
export function envHelpers(src: string): Map<string, number> {
  const helpers = new Map<string, number>();
  const funcs = [...src.matchAll(/\bfunc\s+([A-Za-z_]\w*)\s*\(([^)]*)\)/g)];
  funcs.forEach((m, n) => {
    const params = (m[2] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const first = /^([A-Za-z_]\w*)/.exec(params[0] ?? "")?.[1];
    if (!m[1] || !first) return;
    const body = src.slice((m.index ?? 0) + m[0].length, funcs[n + 1]?.index ?? src.length);
    if (new RegExp(`\\bos\\.(Getenv|LookupEnv)\\(\\s*${first}\\s*\\)`).test(body))
      helpers.set(m[1], params.length);
  });
  return helpers;
}

/** The text of a call's arguments from just after its "(" to the matching ")". Pure. */
function callArgs(src: string, open: number): string[] {
  let depth = 0;
  let i = open;
  const args: string[] = [];
  let start = open;
  for (; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "`" || c === "'") {
      const close = src.indexOf(c, i + 1);
      i = close < 0 ? src.length : close;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      args.push(src.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) break;
  }
  args.push(src.slice(start, i));
  return args.map((a) => a.trim());
}

/** The block after `if v == "" {`: its body up to the matching brace. Pure. */
function blockAfter(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "{") depth++;
    else if (src[i] === "}" && --depth === 0) return src.slice(open + 1, i);
  }
  return "";
}

/** One file's environment reads: name, default (when one is found) and unresolved sites. Pure. */
export function fileReads(
  src: string,
  consts: ReadonlyMap<string, string>,
  helpers: ReadonlyMap<string, number>,
): { reads: { name: string; default?: string }[]; unresolved: string[] } {
  const code = stripComments(src);
  const reads: { name: string; default?: string }[] = [];
  const unresolved: string[] = [];
  const resolve = (arg: string) => literalValue(arg) ?? consts.get(arg);
  const helperNames = [...helpers.keys()].join("|");
  const pattern = new RegExp(
    `\\bos\\.(Getenv|LookupEnv)\\(${helperNames ? `|(?<![\\w.])(?:[A-Za-z_]\\w*\\.)?(${helperNames})\\(` : ""}`,
    "g",
  );
  for (const m of code.matchAll(pattern)) {
    const open = (m.index ?? 0) + m[0].length;
    const args = callArgs(code, open);
    const helper = m[2];
    const first = args[0] ?? "";
    const name = resolve(first);
    if (name === undefined) {
      // A helper's own body reads its parameter: that read is counted at the helper's call sites.
      const inHelper = [...helpers.keys()].some((h) =>
        new RegExp(`\\bfunc\\s+${h}\\s*\\(\\s*${first}\\b`).test(code),
      );
      if (!inHelper) unresolved.push(`${m[0]}${first})`);
      continue;
    }
    if (helper) {
      const def = (helpers.get(helper) ?? 0) >= 2 ? resolve(args[1] ?? "") : undefined;
      reads.push({ name, ...(def !== undefined && def !== "" ? { default: def } : {}) });
      continue;
    }
    const after = code.slice(open);
    const closeAt = after.indexOf(")");
    const rest = after.slice(closeAt + 1);
    const line = code.slice(code.lastIndexOf("\n", m.index ?? 0) + 1, open);
    let def: string | undefined;
    if (/^\s*!=\s*"false"/.test(rest)) def = "true";
    const assigned = /(?:^|[\s(])([A-Za-z_]\w*)\s*:?=\s*[^=]*$/.exec(line)?.[1];
    if (def === undefined && assigned) {
      const guard = new RegExp(`^\\s*\\n\\s*if\\s+${assigned}\\s*==\\s*""\\s*\\{`).exec(
        rest.slice(rest.indexOf("\n")),
      );
      if (guard) {
        const start = open + closeAt + 1 + rest.indexOf("\n") + guard[0].length - 1;
        const body = blockAfter(code, start);
        const value = new RegExp(`(?:\\b${assigned}\\s*=|\\breturn)\\s+([^\\n;]+)`).exec(body)?.[1];
        const resolved = value !== undefined ? resolve(value) : undefined;
        if (resolved !== undefined && resolved !== "") def = resolved;
      }
    }
    reads.push({ name, ...(def !== undefined ? { default: def } : {}) });
  }
  return { reads, unresolved };
}

/** Non-test Go files of a folder, by name. */
function goFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".go") && !e.name.endsWith("_test.go"))
    .map((e) => e.name)
    .sort();
}

/** Import paths of a Go source. Pure. */
export function imports(src: string): string[] {
  const code = stripComments(src);
  const found: string[] = [];
  for (const block of code.matchAll(/\bimport\s*\(([\s\S]*?)\)/g))
    for (const m of (block[1] ?? "").matchAll(/"([^"]+)"/g)) if (m[1]) found.push(m[1]);
  for (const m of code.matchAll(/\bimport\s+(?:[A-Za-z_.]\w*\s+)?"([^"]+)"/g)) if (m[1]) found.push(m[1]);
  return found;
}

/** The folder of the service in a checkout: the given one, or backend/services/workflow-runner under it. */
export function serviceRoot(checkout: string): string {
  for (const candidate of [checkout, path.join(checkout, "backend", "services", "workflow-runner")]) {
    if (existsSync(path.join(candidate, "go.mod"))) return candidate;
  }
  throw new Error(
    `${checkout}: no go.mod here or in backend/services/workflow-runner; give a checkout of stigmer/stigmer or the service's folder`,
  );
}

/** Scans the service under a checkout: every variable its binary reads, with defaults and the files reading it. */
export function scanService(checkout: string): ScanResult {
  const root = serviceRoot(checkout);
  const module = /^module\s+(\S+)/m.exec(readFileSync(path.join(root, "go.mod"), "utf8"))?.[1] ?? "";
  const sources = new Map<string, string>();
  const queue = [root];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const name of goFiles(dir)) {
      const file = path.join(dir, name);
      const src = readFileSync(file, "utf8");
      sources.set(file, src);
      for (const imp of imports(src)) {
        if (imp.startsWith(`${module}/`)) queue.push(path.join(root, imp.slice(module.length + 1)));
      }
    }
  }
  // Constants and helpers are per package (folder); helpers are also called from other packages.
  const byDir = new Map<string, string>();
  for (const [file, src] of sources)
    byDir.set(path.dirname(file), `${byDir.get(path.dirname(file)) ?? ""}\n${stripComments(src)}`);
  const helpers = new Map<string, number>();
  for (const code of byDir.values()) for (const [h, n] of envHelpers(code)) helpers.set(h, n);
  const vars = new Map<string, { defaults: Set<string>; files: Set<string> }>();
  const unresolved: string[] = [];
  for (const [file, src] of [...sources].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rel = path.relative(root, file);
    const found = fileReads(src, constants(byDir.get(path.dirname(file)) ?? ""), helpers);
    unresolved.push(...found.unresolved.map((u) => `${rel}: ${u}`));
    for (const r of found.reads) {
      const entry = vars.get(r.name) ?? { defaults: new Set<string>(), files: new Set<string>() };
      if (r.default !== undefined) entry.defaults.add(r.default);
      entry.files.add(rel);
      vars.set(r.name, entry);
    }
  }
  return {
    root,
    module,
    vars: new Map(
      [...vars]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, { defaults: [...v.defaults], files: [...v.files] }]),
    ),
    unresolved,
  };
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
