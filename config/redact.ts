// How a credential is recognised in a value, and shown in its place in any message: [secret]. No imports: errors.ts
// words every problem through shownValue.

/** What a message shows in place of a secret value. */
export const SECRET_SHOWN = "[secret]";

/**
 * Prefixes of well-known tokens, wherever they appear: GitHub (ghp_ personal, gho_ OAuth, ghs_ server-to-server,
 * github_pat_ fine-grained), GitLab (glpat-), Slack bots (xoxb-), AWS access key ids (AKIA + 16), Pulumi (pul-).
 */
const TOKEN =
  /(?<![A-Za-z0-9])(?:(?:ghp_|gho_|ghs_|github_pat_|glpat-|xoxb-|pul-)[A-Za-z0-9_-]+|AKIA[0-9A-Z]{16})/g;
/** Query parameters that carry a credential: bearer tokens, presigned-URL signatures (S3 X-Amz-*, Azure SAS sig). */
const CREDENTIAL_PARAM =
  /^(token|access_token|id_token|refresh_token|auth|api_key|apikey|key|password|secret|x-amz-signature|x-amz-credential|x-amz-security-token|sig|signature)$/i;
/** `scheme://userinfo@`: a user, or a user and password, before the host (RFC 3986 authority). */
const USER_INFO =
  /(?<scheme>[A-Za-z][A-Za-z0-9+.-]*:\/\/)(?<user>[^@/?#:\s"]*)(?::(?<password>[^@/?#\s"]*))?@/;

/** Why a URL (or any text) carries a credential, or undefined. Pure. */
export function credentialProblem(text: string): string | undefined {
  const info = USER_INFO.exec(text)?.groups;
  if (info)
    return info.password !== undefined
      ? "it carries a user and password before the host (user:password@)"
      : "it carries user info before the host (user@), where a token is sent";
  const query = /\?(?<query>[^#]*)/.exec(text)?.groups?.query ?? "";
  for (const pair of query.split(/[&;]/)) {
    const name = pair.slice(0, pair.includes("=") ? pair.indexOf("=") : pair.length);
    if (CREDENTIAL_PARAM.test(name)) return `its query holds a credential (${name}=)`;
  }
  const token = text.match(TOKEN)?.[0];
  if (token) return `it holds a token (${tokenKind(token)})`;
  return undefined;
}

/** The prefixes of TOKEN, longest first. */
const TOKEN_PREFIXES = ["github_pat_", "ghp_", "gho_", "ghs_", "glpat-", "xoxb-", "pul-", "AKIA"];

/** The prefix a token is known by, for a message that never shows the token. Pure. */
function tokenKind(token: string): string {
  return `${TOKEN_PREFIXES.find((p) => token.startsWith(p)) ?? ""}...`;
}

/** A text with every credential credentialProblem finds replaced by [secret]: password, query value, token. Pure. */
export function redactCredentials(text: string): string {
  return text
    .replace(new RegExp(USER_INFO, "g"), (_m, scheme: string, user: string, password?: string) =>
      password !== undefined ? `${scheme}${user}:${SECRET_SHOWN}@` : `${scheme}${SECRET_SHOWN}@`,
    )
    .replace(/([?&;])([^=&;#]+)=([^&;#"\s]*)/g, (m, sep: string, name: string) =>
      CREDENTIAL_PARAM.test(name) ? `${sep}${name}=${SECRET_SHOWN}` : m,
    )
    .replace(TOKEN, SECRET_SHOWN);
}

/**
 * Names of variables that hold credentials (`*_TOKEN`, `*_KEY`, `*_SECRET`, `*PASSWORD*`, `*_API_KEY`, credentials,
 * auth). The policy pack (policy/rules.ts no-plain-secrets, through config/policy-parity.ts secretLooking) and extraEnv
 * share it; a message never
 * shows their values.
 */
export const CREDENTIAL_NAME =
  /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|(^|[_-])key$)/i;

/** `NAME=value` with the value as [secret] when the name is a credential's or the value holds one. Pure. */
function shownEnvEntry(entry: string): string {
  const eq = entry.indexOf("=");
  if (eq < 0) return redactCredentials(entry);
  const name = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  return CREDENTIAL_NAME.test(name) || credentialProblem(value) !== undefined
    ? `${name}=${SECRET_SHOWN}`
    : `${name}=${redactCredentials(value)}`;
}

/**
 * A raw config value as a message may show it: a `NAME=value` list (extraEnv, as JSON or not) with each credential's
 * value as [secret], and any text with its URL passwords, credential query values and tokens as [secret]. Pure.
 */
export function shownValue(value: string): string {
  try {
    const list: unknown = JSON.parse(value);
    if (Array.isArray(list) && list.every((x) => typeof x === "string")) {
      const shown = list.map((x) => (/^[^=\s]+=/.test(x) ? shownEnvEntry(x) : redactCredentials(x)));
      // Unchanged lists are shown as given (their spacing included).
      return shown.every((x, i) => x === list[i]) ? value : JSON.stringify(shown);
    }
  } catch {
    // Not JSON: a single value, or a list the grammar refused.
  }
  if (/^[A-Za-z_][A-Za-z0-9_.-]*=/.test(value)) return shownEnvEntry(value);
  // Any text: a credential's NAME=value first (a list the grammar refused), then URL credentials and tokens.
  return redactCredentials(
    value.replace(/([A-Za-z_][A-Za-z0-9_]*)=([^",\]&;#\s]*)/g, (m, name: string) =>
      CREDENTIAL_NAME.test(name) ? `${name}=${SECRET_SHOWN}` : m,
    ),
  );
}
