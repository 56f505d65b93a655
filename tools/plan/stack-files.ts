// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does: project defaults, stack values, overrides.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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

/** Reads the `config:` map of Pulumi.<stack>.yaml; a missing file is an error naming the stacks there are. */
export function readStackFile(projectDir: string, stack: string): Record<string, unknown> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `no stack file ${path.basename(file)}: the stack "${stack}" does not exist in ${projectDir}`,
    );
  }
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  return doc.config ?? {};
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
