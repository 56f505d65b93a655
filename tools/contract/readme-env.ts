// Reads a service's environment table from its README (CommonMark, parsed by markdown-it) and compares it with a
// contract table: the form stigmer-runner keeps its settings in (backend/services/runner/README.md, "Environment
// variable reference": one table per topic, columns "Variable" and "Default" among others).
//
// What the reader takes from a row:
//   names: every code span of the Variable cell that is an upper-case variable name; a code span that starts with "_"
//     (`_PATH` after `…_DATA`) is the name before it with its last "_" segment replaced;
//   default: when the Default cell starts with a code span, the code spans of the cell that are not variable names,
//     joined by " | " (`sqlite` (local), `http` (cloud) gives "sqlite | http"); a cell that starts with anything else
//     (_(none)_, —, "follows `MODE`", "value of `X`") states no literal default.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import MarkdownIt from "markdown-it";

type Token = ReturnType<MarkdownIt["parse"]>[number];

/** A variable as the README's table lists it. */
export interface ReadmeVar {
  readonly name: string;
  /** The literal default, as the module header defines it; undefined when the row states none. */
  readonly default?: string;
  /** The row's line in the README (1-based). */
  readonly line: number;
}

/** What a read found: the variables in table order, and what kept a row or table from being read. */
export interface ReadmeScan {
  readonly vars: readonly ReadmeVar[];
  readonly problems: readonly string[];
}

/** The section whose tables list the environment. */
export const ENV_SECTION = "Environment variable reference";

/** An environment variable's name as the README writes it in a code span. */
const VAR_NAME = /^[A-Z][A-Z0-9_]*$/;
/** A suffix form: the name before it with its last segment replaced. */
const SUFFIX = /^_[A-Z0-9]+$/;

/** The code spans of an inline token, in order. Pure. */
function codeSpans(inline: Token | undefined): string[] {
  return (inline?.children ?? []).filter((t) => t.type === "code_inline").map((t) => t.content.trim());
}

/** The names a Variable cell lists, or the span that is not one. Pure. */
export function cellNames(inline: Token | undefined): { names: string[]; bad: string[] } {
  const names: string[] = [];
  const bad: string[] = [];
  let base: string | undefined;
  for (const span of codeSpans(inline)) {
    if (VAR_NAME.test(span)) {
      names.push(span);
      base = span;
    } else if (SUFFIX.test(span) && base !== undefined && /_[A-Z0-9]+$/.test(base)) {
      names.push(base.replace(/_[A-Z0-9]+$/, span));
    } else bad.push(span);
  }
  return { names, bad };
}

/** The literal default of a Default cell, as the module header defines it. Pure. */
export function cellDefault(inline: Token | undefined): string | undefined {
  const first = (inline?.children ?? []).find((t) => !(t.type === "text" && t.content.trim() === ""));
  if (first?.type !== "code_inline") return undefined;
  return codeSpans(inline)
    .filter((s) => !VAR_NAME.test(s))
    .join(" | ");
}

/** The inline tokens of one table row's cells, from the `tr_open` at `start`; and the index after the row. Pure. */
function rowCells(tokens: readonly Token[], start: number): { cells: Token[]; next: number } {
  const cells: Token[] = [];
  let i = start + 1;
  for (; i < tokens.length && tokens[i]?.type !== "tr_close"; i++) {
    const t = tokens[i] as Token;
    if (t.type === "inline") cells.push(t);
  }
  return { cells, next: i + 1 };
}

/** The variables of a README's environment section, from its Markdown text. Pure. */
export function readmeEnv(markdown: string, section = ENV_SECTION): ReadmeScan {
  const tokens = new MarkdownIt().parse(markdown, {});
  const problems: string[] = [];
  const vars: ReadmeVar[] = [];
  const isH2 = (t: Token | undefined) => t?.type === "heading_open" && (t.tag === "h1" || t.tag === "h2");
  const start = tokens.findIndex((t, i) => isH2(t) && tokens[i + 1]?.content.trim() === section);
  if (start < 0) return { vars, problems: [`no "## ${section}" section`] };
  const seen = new Map<string, number>();
  let tables = 0;
  for (let i = start + 3; i < tokens.length && !isH2(tokens[i]); i++) {
    if (tokens[i]?.type !== "table_open") continue;
    tables++;
    const tableLine = (tokens[i]?.map?.[0] ?? 0) + 1;
    let header: string[] = [];
    for (; i < tokens.length && tokens[i]?.type !== "table_close"; i++) {
      const t = tokens[i] as Token;
      if (t.type !== "tr_open") continue;
      const line = (t.map?.[0] ?? 0) + 1;
      const { cells, next } = rowCells(tokens, i);
      i = next - 1;
      if (header.length === 0) {
        header = cells.map((c) => c.content.trim());
        if (!header.includes("Variable") || !header.includes("Default")) {
          problems.push(
            `line ${tableLine}: a table of the section without a "Variable" and a "Default" column (${header.join(", ")})`,
          );
          break;
        }
        continue;
      }
      const { names, bad } = cellNames(cells[header.indexOf("Variable")]);
      for (const b of bad)
        problems.push(`line ${line}: \`${b}\` in the Variable column is not a variable name`);
      if (names.length === 0 && bad.length === 0) problems.push(`line ${line}: a row that names no variable`);
      const def = cellDefault(cells[header.indexOf("Default")]);
      for (const name of names) {
        const before = seen.get(name);
        if (before !== undefined) {
          problems.push(`line ${line}: ${name} is listed twice (line ${before} first)`);
          continue;
        }
        seen.set(name, line);
        vars.push({ name, ...(def !== undefined ? { default: def } : {}), line });
      }
    }
  }
  if (tables === 0) problems.push(`no table in the "## ${section}" section`);
  return { vars, problems };
}

/** The README of a service in a checkout: `<checkout>/<readmePath>`, or `<checkout>/README.md` for the service's folder. */
export function readmeFile(checkout: string, readmePath: string): string {
  for (const candidate of [path.join(checkout, readmePath), path.join(checkout, "README.md")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${checkout}: no ${readmePath} here and no README.md; give a checkout of stigmer/stigmer or the service's folder`,
  );
}

/** Reads a README file's environment section. */
export function scanReadme(file: string): ReadmeScan {
  return readmeEnv(readFileSync(file, "utf8"));
}

/** A difference between a README's table and a contract table. */
export interface ReadmeDrift {
  readonly kind: "added" | "removed" | "changed default" | "now listed";
  readonly name: string;
  readonly line: string;
}

/** A contract row as the comparison reads it. */
export interface ContractRow {
  readonly default?: string;
  /** False: read outside the service's source, not expected in the README. */
  readonly inReadme?: false;
}

/** The differences between a README's table and a contract table: README order first, then the contract's. Pure. */
export function compareReadmeWithContract(
  vars: readonly ReadmeVar[],
  contract: Readonly<Record<string, ContractRow>>,
  readmeName = "README.md",
): ReadmeDrift[] {
  const show = (d: string | undefined) => (d === undefined ? "none" : JSON.stringify(d));
  const drift: ReadmeDrift[] = [];
  const listed = new Set<string>();
  for (const v of vars) {
    listed.add(v.name);
    const spec = Object.hasOwn(contract, v.name) ? contract[v.name] : undefined;
    if (!spec) {
      drift.push({
        kind: "added",
        name: v.name,
        line: `+ ${v.name}: in ${readmeName} line ${v.line} (default ${show(v.default)}), not in the contract`,
      });
      continue;
    }
    if (spec.inReadme === false) {
      drift.push({
        kind: "now listed",
        name: v.name,
        line: `! ${v.name}: in ${readmeName} line ${v.line}, marked inReadme: false in the contract`,
      });
    }
    if (spec.default !== v.default) {
      drift.push({
        kind: "changed default",
        name: v.name,
        line: `~ ${v.name}: default ${show(v.default)} in ${readmeName} line ${v.line}, ${show(spec.default)} in the contract`,
      });
    }
  }
  for (const [name, spec] of Object.entries(contract)) {
    if (!listed.has(name) && spec.inReadme !== false)
      drift.push({
        kind: "removed",
        name,
        line: `- ${name}: in the contract, not in ${readmeName}'s environment tables`,
      });
  }
  return drift;
}
