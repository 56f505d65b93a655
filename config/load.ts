// Reading one stack: the keys the engine hands the program, the plain values, the secrets, the service description.
import * as pulumi from "@pulumi/pulumi";
import { CONTRACT_COMMIT_SHORT } from "../contracts/workflow-runner";
import { ConfigError, problem } from "./errors";
import {
  DECLARED_KEYS,
  neededSecretKeys,
  PLAIN_KEYS,
  type PlainConfig,
  PROJECT,
  RETIRED_KEYS,
  SECRET_KEYS,
  type SecretKey,
  type SecretKeySpec,
} from "./keys";
import { parsePlainConfig } from "./parse";
import type { ServiceDescription } from "./service";
import { requireServiceModule } from "./services/index";
import {
  readStackFileSource,
  rewrittenScalars,
  type StackFileSource,
  withStackFileLines,
} from "./stack-file";

/** The stack's configuration as the program uses it. */
export interface StackConfig {
  /** Plain values, parsed. */
  readonly plain: PlainConfig;
  /** The service description built from them. */
  readonly service: ServiceDescription;
  /** Secret values this stack needs; they stay Outputs marked secret. Keys the stack does not need are absent. */
  readonly secrets: {
    readonly registryToken: pulumi.Output<string>;
    readonly stigmerApiKey: pulumi.Output<string>;
  } & {
    readonly [K in Exclude<SecretKey, "registryToken" | "stigmerApiKey">]?: pulumi.Output<string>;
  };
  /** Kubernetes context to deploy with; undefined means the ambient kubeconfig's current context. */
  readonly kubeContext?: string;
}

/** Whether the running program was handed a key as a secret (set with --secret); true when it cannot tell. */
function isSecretConfig(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? true;
}

/** The service's secret variables, each from its secret key: what the workload's Secret holds. Pure. */
export function serviceSecretValues(secrets: StackConfig["secrets"]): Record<string, pulumi.Output<string>> {
  const out: Record<string, pulumi.Output<string>> = {};
  for (const [name, spec] of Object.entries(SECRET_KEYS) as [SecretKey, SecretKeySpec][]) {
    const value = secrets[name];
    if (spec.serviceVar && value) out[spec.serviceVar] = value;
  }
  return out;
}

/** Edit distance between two short strings (Levenshtein). Pure. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The declared key a mistyped one most likely meant, or undefined: a few letters off (`replcas`), or the same word
 * with an ending added or dropped (`replicaCount`, `replica`: the key's stem, without a plural s, starts the name or
 * the name starts the key). Pure.
 */
export function didYouMean(name: string, declared: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const stem = (k: string) => k.toLowerCase().replace(/s$/, "");
  const extended = declared.filter(
    (k) =>
      stem(k).length >= 5 &&
      (lower.startsWith(stem(k)) || stem(k).startsWith(stem(name))) &&
      stem(name).length >= 5,
  );
  if (extended.length > 0 && !declared.includes(name))
    return extended.sort((x, y) => Math.abs(x.length - name.length) - Math.abs(y.length - name.length))[0];
  const ranked = declared
    .map((k) => ({ k, d: k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.k : undefined;
}

/**
 * What is wrong with the set of keys the engine handed the program, before any value is read: keys of this project
 * that Pulumi.yaml does not declare (typos are otherwise ignored, and the default silently used), and plain keys
 * given as secrets (the value is never shown). Pure over its arguments.
 */
export function configKeyProblems(
  all: Readonly<Record<string, string>>,
  isSecret: (fullKey: string) => boolean,
  stack?: string,
): string[] {
  const problems: string[] = [];
  for (const full of Object.keys(all).sort()) {
    if (!full.startsWith(`${PROJECT}:`)) continue;
    const name = full.slice(PROJECT.length + 1);
    const retired = RETIRED_KEYS[name];
    if (retired !== undefined) {
      problems.push(
        `${full}: no longer a key of this project: the service ignores ${retired.ignores} since stigmer/stigmer ${CONTRACT_COMMIT_SHORT} (${retired.because}). Remove it: \`pulumi config rm ${name}\`${stack ? ` (deletes the line ${full} from Pulumi.${stack}.yaml)` : ""}`,
      );
    } else if (!DECLARED_KEYS.includes(name)) {
      const hint = didYouMean(name, DECLARED_KEYS);
      // A near miss keeps its value under the right name; `pulumi config rm` would drop the value with the typo.
      problems.push(
        hint
          ? `${full}: not a key of this project (did you mean ${hint}?); allowed: one of the keys Pulumi.yaml declares. Rename it to ${PROJECT}:${hint}${stack ? ` in Pulumi.${stack}.yaml` : ""}, keeping its value`
          : `${full}: not a key of this project; allowed: one of the keys Pulumi.yaml declares. Remove it with \`pulumi config rm ${name}\``,
      );
    } else if (name in PLAIN_KEYS && isSecret(full)) {
      problems.push(
        `${full}: got a secret value (not shown); allowed: a plain value: ${name} is not a credential. Set it with \`pulumi config set ${name} <value>\` (without --secret)`,
      );
    }
  }
  return problems;
}

/**
 * Where the offline plan keeps the stack file it evaluates (its --stack-file, or Pulumi.<stack>.yaml), for problems
 * to cite its lines: process-wide, since the plan loads a fresh copy of the program's modules for each evaluation.
 */
const CITED_STACK_FILE = Symbol.for("workflow-runner.citedStackFile");

/** Names the stack file whose lines config problems cite (the offline plan); null goes back to Pulumi.<stack>.yaml. */
export function citeStackFile(source: StackFileSource | undefined | null): void {
  const slot = globalThis as { [CITED_STACK_FILE]?: { source: StackFileSource | undefined } };
  if (source === null) delete slot[CITED_STACK_FILE];
  else slot[CITED_STACK_FILE] = { source };
}

function citedStackFile(): { source: StackFileSource | undefined } | undefined {
  return (globalThis as { [CITED_STACK_FILE]?: { source: StackFileSource | undefined } })[CITED_STACK_FILE];
}

/** Reads and validates the whole stack configuration. Call before creating any resource. */
export function loadStackConfig(): StackConfig {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const all = pulumi.runtime.allConfig();
  const stack = pulumi.getStack();
  // Every problem of one run together: unknown keys, values, the rules that join keys, missing secrets; each with
  // its line in the stack file (read, never written) where the value the program got is the file's.
  const given = Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(`${PROJECT}:`))
      .map(([k, v]) => [k.slice(PROJECT.length + 1), v]),
  );
  const cited = citedStackFile();
  const source = cited ? cited.source : readStackFileSource(pulumi.runtime.getRootDirectory(), stack);
  // A value given as a secret is never quoted back, whatever check refuses it (a plain key given with --secret, a
  // rule that joins it with another key): each such value, and its JSON form, reads [secret] in every message.
  const secretValues = Object.entries(all)
    .filter(([k, v]) => (runtime.isConfigSecret?.(k) ?? false) && v.length > 0)
    .map(([, v]) => v)
    .sort((a, b) => b.length - a.length);
  const hideSecrets = (text: string) =>
    secretValues.reduce(
      (t, v) =>
        t.split(JSON.stringify(v)).join('"[secret]"').split(JSON.stringify(v).slice(1, -1)).join("[secret]"),
      text,
    );
  const fail = (found: readonly string[]) =>
    new ConfigError(withStackFileLines(found, PROJECT, given, source).map(hideSecrets));
  const problems: string[] = configKeyProblems(all, (k) => runtime.isConfigSecret?.(k) ?? false, stack);
  // A plain scalar YAML reads as another text than the file shows reaches the program changed (`1.10` as "1.1"):
  // refused under `pulumi up` as in the plan, with the form it means or quotes (config/stack-file.ts).
  for (const r of source ? rewrittenScalars(source) : []) {
    if (!r.key.startsWith(`${PROJECT}:`)) continue;
    const as = r.reading.text === undefined ? `a ${r.reading.as}` : `the ${r.reading.as} ${r.reading.text}`;
    problems.push(
      `${r.key}: written ${r.written}, which YAML reads as ${as}, so pulumi up hands the program ${r.reading.text === undefined ? "Go's text of that time" : JSON.stringify(r.reading.text)}; allowed: the value as meant, quoted to keep it as written ("${r.written}")${r.reading.text === undefined ? "" : ` or written as ${r.reading.text}`}`,
    );
  }
  const config = new pulumi.Config(PROJECT);
  const raw = Object.fromEntries(Object.keys(PLAIN_KEYS).map((name) => [name, config.get(name)]));
  let plain: ReturnType<typeof parsePlainConfig>;
  try {
    plain = parsePlainConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw fail([...problems, ...err.problems]);
  }
  const self = `${pulumi.getOrganization()}/${PROJECT}/${stack}`;
  if (
    stack !== plain.environment &&
    !stack.startsWith(`${plain.environment}-`) &&
    !stack.endsWith(`-${plain.environment}`)
  ) {
    problems.push(
      problem(
        "environment",
        plain.environment,
        `the environment of stack "${stack}" (its name, its prefix before '-', or its suffix after the last '-'): the ${"stigmer.ai/environment"} label it stamps decides which policies apply (prod-namespace-protected)`,
      ),
    );
  }
  if (plain.promoteFrom !== undefined && plain.promoteFrom === self) {
    problems.push(
      problem(
        "promoteFrom",
        plain.promoteFrom,
        `another stack than this one (${self}): a stack cannot promote its own image`,
      ),
    );
  }
  const needed = neededSecretKeys(plain);
  for (const name of needed) {
    const spec: SecretKeySpec = SECRET_KEYS[name];
    const how = `set with \`pulumi config set --secret ${name}\`${spec.neededWhen ? ` (needed because ${spec.neededWhen.reason})` : ""}`;
    const value = config.get(name);
    if (value === undefined || value === "")
      problems.push(`${PROJECT}:${name}: got (not set); allowed: ${spec.allowed}, ${how}`);
    else if (!isSecretConfig(`${PROJECT}:${name}`)) {
      problems.push(
        `${PROJECT}:${name}: got [secret] (a plain-text value); allowed: an encrypted value, ${how}`,
      );
    }
  }
  if (
    plain.buildPipeline &&
    needed.includes("registryPushToken") &&
    config.get("registryPushToken") === config.get("registryToken")
  ) {
    problems.push(
      `${PROJECT}:registryPushToken: got [secret] (the same value as registryToken); allowed: ${SECRET_KEYS.registryPushToken.allowed}`,
    );
  }
  if (problems.length > 0) throw fail(problems);
  const secrets = Object.fromEntries(
    needed.map((name) => [name, config.requireSecret(name)]),
  ) as unknown as StackConfig["secrets"];
  return {
    plain,
    // The deploy step names the stack fully qualified: its org, this project, this stack.
    service: requireServiceModule(plain.service).describe(plain, self),
    secrets,
    ...(plain.kubeContext ? { kubeContext: plain.kubeContext } : {}),
  };
}
