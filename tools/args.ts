// Reads a tool's command line with node:util's parseArgs: one way for every tool to refuse bad arguments.
import { parseArgs } from "node:util";

/** Arguments a tool refuses: an unknown flag, a flag missing its value, a positional too many or too few. */
export class UsageError extends Error {}

/**
 * Runs a tool's argument reading (node:util `parseArgs`, strict, and the tool's own checks) and turns any refusal into
 * one message: what is wrong, then the usage. The tool prints it on stderr and exits 2.
 */
export function readArgs<T>(
  usage: string,
  read: () => T,
): { readonly ok: true; readonly args: T } | { readonly ok: false; readonly message: string } {
  try {
    return { ok: true, args: read() };
  } catch (err) {
    // node:util's messages name the flag ("Option '--out <value>' argument missing", "Unknown option '--stak'").
    const text = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError || isParseArgsError(err))
      return { ok: false, message: `${text}\n${usage}` };
    throw err;
  }
}

/** Whether an error is node:util parseArgs refusing the arguments (its ERR_PARSE_ARGS_* codes). */
export function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** Positionals alone (no flag at all), between min and max of them; anything else is a UsageError. */
export function positionalArgs(argv: readonly string[], min: number, max: number): string[] {
  const { positionals } = parseArgs({
    args: [...argv],
    options: {},
    allowPositionals: max > 0,
    strict: true,
  });
  if (positionals.length < min || positionals.length > max)
    throw new UsageError(
      `expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${positionals.length}`,
    );
  return positionals;
}
