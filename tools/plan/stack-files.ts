// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does: project defaults, stack values, overrides.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Scalar } from "yaml";

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
}

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
 * Reads the `config:` map of a stack file as the CLI would, refusing what YAML would silently change: a duplicate
 * key, a null or empty value, and an unquoted number, boolean or date given to a key Pulumi.yaml declares as a
 * string (`imageTag: 1.10` would reach the program as "1.1"). Errors name the file and the line.
 */
export function readStackFileAt(
  file: string,
  project?: ProjectFile,
  display: string = path.basename(file),
): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no stack file ${display}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines, prettyErrors: false });
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
  if (config === undefined || config === null) return {};
  if (!isMap(config)) throw yamlError(display, "config: is not a map of keys to values");
  const problems: string[] = [];
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = pair.key && isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : 0;
    const declared =
      project?.config[key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key];
    const value = pair.value;
    const at = `${key} (${display} line ${line})`;
    if (value === null || (isScalar(value) && value.value === null)) {
      problems.push(
        `${at}: got an empty value (YAML null); allowed: a value, or no line at all to use the default from Pulumi.yaml`,
      );
      continue;
    }
    if (declared?.type === "string" && isScalar(value) && typeof value.value !== "string") {
      const written = value.range ? text.slice(value.range[0], value.range[1]).trim() : String(value.value);
      const read = (value as Scalar).value;
      problems.push(
        `${at}: got the YAML ${read instanceof Date ? "date" : typeof read} ${JSON.stringify(String(read))} (written ${written}); allowed: a string. Quote it: ${key}: "${written}"`,
      );
    }
    if (declared?.type === "array" && !isSeq(value)) {
      problems.push(
        `${at}: got a ${isScalar(value) ? "single value" : "map"}; allowed: a YAML list of strings`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`Invalid stack file ${display}:\n  - ${problems.join("\n  - ")}`);
  return config.toJSON() as Record<string, unknown>;
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
  return { values, secretKeys: [...secretKeys].sort() };
}
