// secrets.json of a plan: each secret config key of the stack file and a fingerprint of its ciphertext, so plan:diff
// can say a secret was rotated without any value. The ciphertext is already committed in Pulumi.<stack>.yaml, so a
// hash of it tells nothing more; a value given with --secret gets no fingerprint (it may be short enough to guess).
import { createHash } from "node:crypto";

/** The plan file that holds the fingerprints. */
export const SECRET_FINGERPRINTS_FILE = "secrets.json";

/** What a key given on the command line shows instead of a fingerprint. */
export const GIVEN_ON_COMMAND_LINE = "given with --secret";

/**
 * Fingerprints of the stack file's `secure:` values (sha256 of the ciphertext, 16 hex), by key without the
 * project prefix; `--secret` keys are listed without one. Pure.
 */
export function secretFingerprints(
  project: string,
  stackConfig: Readonly<Record<string, unknown>>,
  secretFlags: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const short = (key: string) => (key.startsWith(`${project}:`) ? key.slice(project.length + 1) : key);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(stackConfig)) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      const text = String((value as { secure: unknown }).secure);
      out[short(key)] = `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
    }
  }
  for (const key of Object.keys(secretFlags)) out[short(key)] = GIVEN_ON_COMMAND_LINE;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The file's text. */
export function renderSecretFingerprints(fingerprints: Readonly<Record<string, string>>): string {
  return `${JSON.stringify(fingerprints, null, 2)}\n`;
}
