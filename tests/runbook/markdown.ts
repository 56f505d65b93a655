// Reads the runbook's fenced blocks (which are offline, what each must print) and the Markdown links of the docs.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** A fenced code block: its info string's words, its text, and the 1-based line of its opening fence. */
export interface FencedBlock {
  readonly lang: string;
  readonly attrs: readonly string[];
  readonly text: string;
  readonly line: number;
}

/** A shell block the runbook marks `offline`: run by `npm run test:runbook`. */
export interface OfflineBlock {
  readonly line: number;
  readonly script: string;
  /** Exit status the commands must end with (`exit=N` in the info string). @default 0 */
  readonly exit: number;
  /** Lines the output (stdout and stderr) must contain: the `text output` block right after, if any. */
  readonly expect: readonly string[];
}

/**
 * Every fenced block of a CommonMark text, indented ones (inside list items) included: an opening fence of three or
 * more backticks, up to a closing fence of at least as many. Pure.
 */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split("\n");
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,12})(`{3,})\s*(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const [, indent = "", fence = "", info = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^ {0,12}\`{${fence.length},}\\s*$`);
      if (close.test(lines[j] ?? "")) break;
      const text = lines[j] ?? "";
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
    }
    const [lang = "", ...attrs] = info.trim().split(/\s+/).filter(Boolean);
    blocks.push({ lang, attrs, text: body.join("\n"), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Commands a block of this kind may hold offline: they need no credential, cluster or network. */
export const OFFLINE_CHECKABLE = /(^|\s)npm (run (plan|plan:diff|contract:check)|test)(\s|$)/;

/**
 * The runbook's offline blocks, each with what it must print, and every problem that makes one unrunnable: a
 * placeholder (`<...>`), a command that is not an npm script of package.json, a bad `exit=`, and an
 * offline-checkable command in a block not marked offline. Pure over the text and the script names.
 */
export function offlineBlocks(
  markdown: string,
  scripts: readonly string[],
): { blocks: OfflineBlock[]; problems: string[] } {
  const all = fencedBlocks(markdown);
  const blocks: OfflineBlock[] = [];
  const problems: string[] = [];
  all.forEach((block, index) => {
    if (block.lang !== "sh") return;
    const where = `runbook line ${block.line}`;
    if (!block.attrs.includes("offline")) {
      for (const cmd of block.text.split("\n"))
        if (OFFLINE_CHECKABLE.test(cmd) && !/<[^>]+>/.test(cmd))
          problems.push(
            `${where}: "${cmd}" can run offline: mark the block \`sh offline\` so a test runs it`,
          );
      return;
    }
    let exit = 0;
    for (const attr of block.attrs.filter((a) => a !== "offline")) {
      const m = /^exit=(\d{1,3})$/.exec(attr);
      if (m) exit = Number(m[1]);
      else problems.push(`${where}: unknown attribute "${attr}" (allowed: offline, exit=<status>)`);
    }
    const commands = block.text.split("\n").filter((c) => c.trim() !== "");
    if (commands.length === 0) problems.push(`${where}: an offline block without a command`);
    for (const cmd of commands) {
      if (/<[^>]+>/.test(cmd))
        problems.push(`${where}: "${cmd}" has a placeholder: an offline block runs as written`);
      const npm = /^npm run (\S+)/.exec(cmd);
      if (!npm)
        problems.push(`${where}: "${cmd}" is not an npm script: offline blocks hold npm run <script> only`);
      else if (!scripts.includes(npm[1] ?? ""))
        problems.push(`${where}: no npm script "${npm[1]}" in package.json`);
    }
    const next = all[index + 1];
    const expect =
      next && next.lang === "text" && next.attrs.includes("output")
        ? next.text
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
        : [];
    blocks.push({ line: block.line, script: commands.join("\n"), exit, expect });
  });
  return { blocks, problems };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes (github-slugger). Pure. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file's headings define, duplicates numbered as GitHub does (`x`, `x-1`). Pure. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const outside = markdown.replace(/^ {0,12}(`{3,})[^\n]*\n[\s\S]*?\n {0,12}\1\s*$/gm, "");
  for (const m of outside.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = headingAnchor(m[1] ?? "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/**
 * Each relative link of a Markdown file (`[text](target)`) that names no existing file, or an anchor its target
 * file lacks. External links (a scheme) are not followed. Reads the files.
 */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const outside = text
    .replace(/^ {0,12}(`{3,})[^\n]*\n[\s\S]*?\n {0,12}\1\s*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
  const problems: string[] = [];
  for (const m of outside.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [rel = "", anchor] = target.split("#");
    const dest = rel === "" ? file : path.resolve(path.dirname(file), rel);
    if (!existsSync(dest)) {
      problems.push(`${path.basename(file)}: ${target}: no such file`);
      continue;
    }
    if (anchor !== undefined && dest.endsWith(".md") && !anchors(readFileSync(dest, "utf8")).has(anchor))
      problems.push(
        `${path.basename(file)}: ${target}: no heading with that anchor in ${path.basename(dest)}`,
      );
  }
  return problems;
}
