// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does: project defaults, stack values, overrides.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Pair,
  parse,
  parseDocument,
  type YAMLMap,
} from "yaml";
import { DEFAULT_SERVICE, ORG_NAMED_KEYS } from "../../config/keys";
import { didYouMean } from "../../config/load";
import { SERVICE_MODULES } from "../../config/services/index";
import { pulumiConfigText } from "../../config/stack-file";
import { asYamlV3Reads } from "./yaml-directive";

/** A config key as Pulumi.yaml declares it. */
export interface DeclaredKey {
  readonly type: "string" | "integer" | "boolean" | "array";
  readonly description?: string;
  readonly default?: unknown;
  readonly secret?: boolean;
}

/** What Pulumi.yaml says. */
export interface ProjectFile {
  readonly name: string;
  readonly config: Readonly<Record<string, DeclaredKey>>;
}

/** The config one evaluation runs with: namespaced keys to strings, and which keys are secret. */
export interface ResolvedConfig {
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
  /** Keys of ORG_NAMED_KEYS that neither the stack file nor an override set: they hold ORG_NAME_STAND_IN. */
  readonly standIns: string[];
}

/**
 * Stands for a name only the organization knows (config/keys.ts ORG_NAMED_KEYS) that the stack file leaves unset: a
 * plan cannot ask Planton for it, so it plans with this and says so, as it plans secrets with placeholders. The
 * program itself, under `pulumi up`, refuses the unset key where the stack needs it.
 */
export const ORG_NAME_STAND_IN = "offline-plan-stand-in";

/** Marks a secret config value the plan could not read: secure: values cannot be decrypted offline. */
export const SECRET_PLACEHOLDER_PREFIX = "offline-plan-secret-placeholder:";

/** Reads Pulumi.yaml. */
export function readProjectFile(projectDir: string): ProjectFile {
  const doc = parse(readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
  return { name: doc.name, config: doc.config ?? {} };
}

/** A YAML error at a place in a file: `<file>: line L, column C: <message>`. */
function yamlError(file: string, message: string, line?: number, col?: number): Error {
  return new Error(`${file}${line ? `: line ${line}${col ? `, column ${col}` : ""}` : ""}: ${message}`);
}

/**
 * Why a config key is not one the Pulumi CLI reads into this project, or undefined. The CLI parses every key of a
 * stack file as `<namespace>:<name>` (or the old `<namespace>:config:<name>`) and fails on anything else
 * (pulumi/pulumi sdk/go/common/resource/config/key.go ParseKey); a namespace that differs from the project's by a
 * typo or a case is read as another package's config, and the key is silently ignored. Pure.
 */
export function configKeyProblem(key: string, project: string): string | undefined {
  const parts = key.split(":");
  const form = parts.length === 2 || (parts.length === 3 && parts[1] === "config");
  if (!form || parts.some((p) => p === ""))
    return `not a Pulumi config key; allowed: <namespace>:<name>, e.g. ${project}:${parts[parts.length - 1] || "replicas"} (the Pulumi CLI refuses any other form)`;
  const namespace = parts[0] ?? "";
  if (namespace !== project && didYouMean(namespace, [project]) === project)
    return `the namespace "${namespace}" is not this project's; allowed: ${project}:${parts[parts.length - 1]} (a key under another namespace is never read by this program)`;
  return undefined;
}

/** `<namespace>:config:<name>` as `<namespace>:<name>`, the way the CLI reads it. Pure. */
function normalKey(key: string): string {
  const parts = key.split(":");
  return parts.length === 3 && parts[1] === "config" ? `${parts[0]}:${parts[2]}` : key;
}

/**
 * The pairs of a YAML map with merge keys (`<<`) resolved as Go's gopkg.in/yaml.v3 resolves them (decode.go
 * `mapping`/`merge`, gopkg.in/yaml.v3 v3.0.1, the version Pulumi's Go code reads stack files with): the map's own keys win over merged ones, and of several merged maps the
 * earlier wins. Aliases are followed.
 */
function mergedPairs(map: YAMLMap, doc: Document): Pair[] {
  const own = map.items.filter((p) => !(isScalar(p.key) && typeof p.key.value === "symbol"));
  const seen = new Set(own.map((p) => String(isScalar(p.key) ? p.key.value : p.key)));
  const out = [...own];
  for (const merge of map.items.filter((p) => isScalar(p.key) && typeof p.key.value === "symbol")) {
    const value = isAlias(merge.value) ? merge.value.resolve(doc) : merge.value;
    const sources = isSeq(value) ? value.items : [value];
    for (const source of sources) {
      const m = isAlias(source) ? source.resolve(doc) : source;
      if (!isMap(m)) continue;
      for (const pair of mergedPairs(m as YAMLMap, doc)) {
        const k = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(pair);
        }
      }
    }
  }
  return out;
}

/** Where each key of a stack file's `config:` map is written: its 1-based line (merged keys: the merged line). */
export type StackFileLines = Readonly<Record<string, number>>;

/** A stack file read as the CLI reads it: each key's string, and the line it is written on. */
export interface StackFileRead {
  /** Namespaced keys (`<project>:<name>`) to the strings `pulumi up` hands the program (a map stays an object). */
  readonly values: Record<string, unknown>;
  /** Namespaced keys to their line in the file. */
  readonly lines: StackFileLines;
}

/**
 * Reads the `config:` map of a stack file as the CLI would: each value as the string `pulumi up` hands the program
 * (config/stack-file.ts pulumiConfigText), merge keys and aliases resolved as yaml.v3 resolves them. Refuses only what the CLI itself
 * refuses or silently drops: broken YAML, a duplicate key, a key that is not `<namespace>:<name>` or whose namespace is
 * a typo of the project's. Whether a value is allowed is the program's to say (config/), so the plan and `pulumi up`
 * refuse the same values with the same words. Errors name the file and the line.
 */
export function readStackFileWithLines(
  file: string,
  project?: ProjectFile,
  display: string = path.basename(file),
): StackFileRead {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no stack file ${display}`);
  }
  text = asYamlV3Reads(text, display);
  const lines = new LineCounter();
  // Merge keys resolve as in Pulumi's Go YAML reader (gopkg.in/yaml.v3 supports `<<`); duplicate keys are refused.
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, lineCounter: lines, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    const source = (text.split("\n")[pos.line - 1] ?? "").trim();
    const message = (first.message.split("\n")[0] ?? first.message).replace(
      / at line [0-9]+, column [0-9]+:?$/,
      "",
    );
    throw yamlError(display, `${message} (${JSON.stringify(source)})`, pos.line, pos.col);
  }
  const config = doc.get("config", true);
  if (config === undefined || config === null) return { values: {}, lines: {} };
  if (!isMap(config)) throw yamlError(display, "config: is not a map of keys to values");
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const keyLines: Record<string, number> = {};
  for (const pair of mergedPairs(config, doc)) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = pair.key && isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : 0;
    const keyProblem = project ? configKeyProblem(key, project.name) : undefined;
    if (keyProblem) {
      problems.push(`${key} (${display} line ${line}): ${keyProblem}`);
      continue;
    }
    const full = normalKey(key);
    const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    keyLines[full] = line;
    // A map (a `secure:` value) stays an object: resolveConfig gives a secret a placeholder (never decrypted here).
    values[full] = isMap(value) ? value.toJS(doc) : pulumiConfigText(value, doc);
  }
  if (problems.length > 0) throw new Error(`Invalid stack file ${display}:\n  - ${problems.join("\n  - ")}`);
  return { values, lines: keyLines };
}

/** The values of readStackFileWithLines alone. */
export function readStackFileAt(
  file: string,
  project?: ProjectFile,
  display: string = path.basename(file),
): Record<string, unknown> {
  return readStackFileWithLines(file, project, display).values;
}

/** Reads the `config:` map of Pulumi.<stack>.yaml; a missing file is an error naming the stacks there are. */
export function readStackFile(
  projectDir: string,
  stack: string,
  project?: ProjectFile,
): Record<string, unknown> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  try {
    readFileSync(file);
  } catch {
    throw new Error(
      `no stack file ${path.basename(file)}: the stack "${stack}" does not exist in ${projectDir}`,
    );
  }
  return readStackFileAt(file, project ?? readProjectFile(projectDir));
}

function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses `key=value` (as after `pulumi -c`). */
export function parseAssignment(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new Error(`expected key=value, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/**
 * Resolves the config of one stack as `pulumi up -c ...` would see it: Pulumi.yaml defaults, then the stack
 * file, then `--config` overrides, then `--secret` values. A `secure:` value, or a secret key with no value
 * (declared `secret: true`, or listed in credentialKeys), gets a marked placeholder: the real value cannot be
 * decrypted offline. The placeholder is always treated as secret.
 */
export function resolveConfig(
  project: ProjectFile,
  stackConfig: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, string>> = {},
  secrets: Readonly<Record<string, string>> = {},
  credentialKeys: readonly string[] = [],
): ResolvedConfig {
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const credentials = new Set(credentialKeys.map((k) => qualify(project.name, k)));
  for (const [key, declared] of Object.entries(project.config)) {
    const full = qualify(project.name, key);
    if (declared.default !== undefined) values[full] = asConfigString(declared.default);
    if (declared.secret || credentials.has(full)) {
      values[full] = `${SECRET_PLACEHOLDER_PREFIX}${full}`;
      secretKeys.add(full);
    }
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const full = qualify(project.name, key);
    if (value !== null && typeof value === "object" && "secure" in value) {
      values[full] = `${SECRET_PLACEHOLDER_PREFIX}${full}`;
      secretKeys.add(full);
    } else if (!(credentials.has(full) && value === "")) {
      // A credential written in plain text stays plain, so the program can refuse it.
      values[full] = asConfigString(value);
      secretKeys.delete(full);
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    // Like `pulumi -c key=value`, an override is a plain value, even for a key that held a secret.
    const full = qualify(project.name, key);
    values[full] = value;
    secretKeys.delete(full);
  }
  for (const [key, value] of Object.entries(secrets)) {
    const full = qualify(project.name, key);
    values[full] = value;
    secretKeys.add(full);
  }
  const given = new Set(
    [...Object.keys(stackConfig), ...Object.keys(overrides)].map((k) => qualify(project.name, k)),
  );
  // A key another service owns gets no stand-in: it stays unset (config/parse.ts refuses it set in this stack).
  const service = values[qualify(project.name, "service")] || DEFAULT_SERVICE;
  const ownedElsewhere = (k: string) =>
    Object.entries(SERVICE_MODULES).some(([name, m]) => name !== service && Object.hasOwn(m.ownedKeys, k));
  const standIns = Object.keys(ORG_NAMED_KEYS).filter((k) => {
    const full = qualify(project.name, k);
    return !ownedElsewhere(k) && !given.has(full) && (values[full] ?? "") === "";
  });
  for (const k of standIns) values[qualify(project.name, k)] = ORG_NAME_STAND_IN;
  return { values, secretKeys: [...secretKeys].sort(), standIns };
}
