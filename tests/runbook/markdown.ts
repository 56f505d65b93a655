// Reads the runbook's fenced blocks (which are offline, what each must print) and the Markdown links of the docs, with a
// CommonMark parser (markdown-it 14) and GitHub's heading anchors (github-slugger, the slugger GitHub's anchors follow).
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";

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

/** The CommonMark parser every reader here shares: markdown-it with GitHub's tables and raw HTML, as GitHub renders. */
const md = new MarkdownIt({ html: true });

/**
 * Every fenced block of a Markdown text, as CommonMark reads it (markdown-it): backtick and tilde fences, fences inside
 * list items and block quotes with their indentation removed; an indented code block (four spaces outside a list) is
 * not fenced and not returned. Pure.
 */
export function fencedBlocks(markdown: string): FencedBlock[] {
  return md
    .parse(markdown, {})
    .filter((t) => t.type === "fence")
    .map((t) => {
      const [lang = "", ...attrs] = t.info.trim().split(/\s+/).filter(Boolean);
      return { lang, attrs, text: t.content.replace(/\n$/, ""), line: (t.map?.[0] ?? 0) + 1 };
    });
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

/** The text a heading shows (what GitHub slugs): its inline content without markup, link targets or images. Pure. */
function headingText(inline: Token | undefined): string {
  let text = "";
  for (const c of inline?.children ?? []) {
    if (c.type === "text" || c.type === "code_inline") text += c.content;
    else if (c.type === "softbreak" || c.type === "hardbreak") text += " ";
  }
  return text;
}

/** GitHub's anchor for one heading's Markdown text: its shown text slugged by github-slugger. Pure. */
export function headingAnchor(heading: string): string {
  return new GithubSlugger().slug(headingText(md.parseInline(heading.trim(), {})[0]));
}

/**
 * Every anchor a Markdown file's headings define (ATX and setext, as CommonMark finds them), slugged by github-slugger
 * the way GitHub does, duplicates numbered (`x`, `x-1`). Pure.
 */
export function anchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const tokens = md.parse(markdown, {});
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.type === "heading_open") out.add(slugger.slug(headingText(tokens[i + 1])));
  });
  return out;
}

/** Every link and image target of a Markdown text as CommonMark resolves them (inline, reference, autolink). Pure. */
export function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  const visit = (tokens: readonly Token[]) => {
    for (const t of tokens) {
      if (t.type === "link_open") targets.push(t.attrGet("href") ?? "");
      if (t.type === "image") targets.push(t.attrGet("src") ?? "");
      if (t.children) visit(t.children);
    }
  };
  visit(md.parse(markdown, {}));
  return targets;
}

/** A link target with the percent-encoding markdown-it's link normalizer adds undone. Pure. */
function decoded(target: string): string {
  try {
    return decodeURIComponent(target);
  } catch {
    return target;
  }
}

/**
 * Each relative link of a Markdown file (inline `[text](target)`, reference `[text][ref]`, images) that names no
 * existing file, or an anchor its target file lacks. External links (a scheme) are not followed. Reads the files.
 */
export function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(readFileSync(file, "utf8"))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf("#");
    const rel = decoded(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decoded(target.slice(hash + 1));
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
