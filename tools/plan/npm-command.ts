// The plan's command as package.json gives it, so the bench and the tests run exactly what `npm run plan` runs.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { PROJECT_DIR } from "./evaluate";

/** A `node ...` script split the way it starts a process. */
export interface NodeCommand {
  /** Options for node itself, before the script (e.g. `--max-semi-space-size=32`). */
  readonly nodeFlags: readonly string[];
  /** The script and its arguments. */
  readonly args: readonly string[];
}

/**
 * Splits an npm script of the form `node [node options] <script> [args]`. Refuses any other form (a shell
 * operator, another program, quoting), since a caller would then run something other than the script. Pure.
 */
export function parseNodeCommand(name: string, script: string): NodeCommand {
  const words = script.trim().split(/\s+/);
  if (words[0] !== "node" || /[&|;<>'"`$]/.test(script))
    throw new Error(
      `package.json scripts.${name} is "${script}": expected "node [node options] <script> [args]" and nothing else`,
    );
  const rest = words.slice(1);
  const first = rest.findIndex((w) => !w.startsWith("-"));
  if (first < 0) throw new Error(`package.json scripts.${name} is "${script}": it names no script to run`);
  return { nodeFlags: rest.slice(0, first), args: rest.slice(first) };
}

/** The part of package.json read here: its scripts, each a command line. */
const PACKAGE_SCRIPTS = z.object({ scripts: z.record(z.string(), z.string()).optional() });

/** An npm script of this project's package.json, split (parseNodeCommand). */
export function npmNodeCommand(name: string, projectDir: string = PROJECT_DIR): NodeCommand {
  const file = path.join(projectDir, "package.json");
  const parsed = PACKAGE_SCRIPTS.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  const pkg = parsed.data;
  const script = pkg.scripts?.[name];
  if (script === undefined) throw new Error(`package.json has no scripts.${name}`);
  return parseNodeCommand(name, script);
}
