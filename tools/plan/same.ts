// `npm run plan:same -- <dirA> <dirB>`: whether two plans (or two folders of plans) are byte for byte the same.
// A change meant to move code without changing behaviour plans the same stacks before and after and shows it here.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { positionalArgs, readArgs } from "../args";

/** Every file under `dir`, dotfiles too, as sorted paths relative to it ("/"-separated). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}

/** What differs between two folders: files only in one, and files whose bytes differ. Pure over the files. */
export function planDifferences(a: string, b: string): string[] {
  const inA = filesUnder(a);
  const inB = new Set(filesUnder(b));
  const problems: string[] = [];
  for (const f of inA) {
    if (!inB.has(f)) problems.push(`only in ${a}: ${f}`);
    else if (!readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))))
      problems.push(`differs: ${f}`);
    inB.delete(f);
  }
  for (const f of inB) problems.push(`only in ${b}: ${f}`);
  return problems;
}

function main(argv: string[]): number {
  const parsed = readArgs("usage: npm run plan:same -- <dirA> <dirB>", () => positionalArgs(argv, 2, 2));
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n`);
    return 2;
  }
  const [a = "", b = ""] = parsed.args;
  for (const dir of [a, b]) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      process.stderr.write(`${dir}: not a folder\n`);
      return 2;
    }
  }
  const problems = planDifferences(a, b);
  if (problems.length > 0) {
    process.stdout.write(`${problems.join("\n")}\n`);
    return 1;
  }
  process.stdout.write(`same: ${filesUnder(a).length} files, byte for byte\n`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
