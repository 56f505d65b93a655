// Runs a compiled bench script in a process of its own, for the bench and the sweep.
import { spawnSync } from "node:child_process";
import { PROJECT_DIR } from "../plan/evaluate";

/** Runs `node <args>` in the project folder (with `env` added); returns its stdout, or fails loudly with its stderr. */
export function runScript(args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const run = spawnSync(process.execPath, args, {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
}
