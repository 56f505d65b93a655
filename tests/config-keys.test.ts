// Pulumi.yaml's `config:` block against the key schema (config/keys.ts): the same keys, secret where the schema says,
// each declared type the one its schema parses to, each default a value its schema accepts, no default where required;
// and the defaults together pass the rules that join keys.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { PLAIN_KEYS, SECRET_KEYS, type SecretKeySpec } from "../config/keys";
import { parsePlainConfig } from "../config/parse";
import type { ServiceModule } from "../config/service";
import { SERVICE_MODULES } from "../config/services/index";
import { PROJECT_ROOT } from "../tools/project-root";

/** A config key as Pulumi.yaml declares it (the fields this check reads). */
interface DeclaredKey {
  readonly type: "string" | "integer" | "boolean" | "array";
  readonly items?: { readonly type?: string };
  readonly default?: unknown;
  readonly secret?: boolean;
  readonly description?: string;
}

/** The `config:` block of a YAML file of the project, as written (only the SDK-free yaml parser: this test stays cheap). */
function configBlock(file: string): Record<string, unknown> {
  return (
    (parse(readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as { config?: Record<string, unknown> })
      .config ?? {}
  );
}

/** The JavaScript type a declared type's value parses to (an optional string parses "" to undefined). */
const PARSES_TO: Readonly<Record<DeclaredKey["type"], (v: unknown) => boolean>> = {
  string: (v) => typeof v === "string" || v === undefined,
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
};

/** A value as the CLI hands it to the program: a string as is, anything else as JSON (tools/plan/stack-files.ts). */
const asConfigString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * Where Pulumi.yaml's declarations and the schema disagree. `samples` are values of a real stack (without the
 * project prefix), which show the type of a key without a default. Pure.
 */
function declarationProblems(
  declared: Readonly<Record<string, DeclaredKey>>,
  samples: Readonly<Record<string, unknown>>,
): string[] {
  const problems: string[] = [];
  const schema = new Set([...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)]);
  for (const key of schema)
    if (!(key in declared)) problems.push(`${key}: in config/keys.ts, not declared in Pulumi.yaml`);
  for (const [key, decl] of Object.entries(declared)) {
    if (!schema.has(key)) {
      problems.push(`${key}: declared in Pulumi.yaml, not in config/keys.ts`);
      continue;
    }
    if (key in SECRET_KEYS) {
      const spec: SecretKeySpec = SECRET_KEYS[key as keyof typeof SECRET_KEYS];
      const always = spec.neededWhen === undefined;
      if (decl.type !== "string") problems.push(`${key}: a secret, declared ${decl.type}; allowed: string`);
      if (always && decl.secret !== true)
        problems.push(`${key}: every stack needs it, declared without secret: true`);
      if (!always && (decl.secret || decl.default !== ""))
        problems.push(
          `${key}: only some stacks need it, so it is declared with default "" and no secret: true`,
        );
      continue;
    }
    const spec = PLAIN_KEYS[key as keyof typeof PLAIN_KEYS];
    if (decl.secret) problems.push(`${key}: a plain key, declared secret`);
    if (decl.type === "array" && decl.items?.type !== "string")
      problems.push(`${key}: an array of ${decl.items?.type ?? "nothing"}; allowed: items of type string`);
    if (decl.default === undefined) {
      if (spec.schema.safeParse(undefined).success)
        problems.push(`${key}: optional in config/keys.ts, declared without a default (the CLI requires it)`);
    } else {
      const parsed = spec.schema.safeParse(asConfigString(decl.default));
      if (!parsed.success)
        problems.push(
          `${key}: default ${JSON.stringify(decl.default)} refused by its schema (${spec.allowed})`,
        );
      else if (!PARSES_TO[decl.type](parsed.data))
        problems.push(`${key}: declared ${decl.type}, its default parses to ${JSON.stringify(parsed.data)}`);
    }
    const sample = samples[key];
    if (decl.default === undefined && sample !== undefined) {
      const parsed = spec.schema.safeParse(asConfigString(sample));
      if (parsed.success && !PARSES_TO[decl.type](parsed.data))
        problems.push(
          `${key}: declared ${decl.type}, a stack's value parses to ${JSON.stringify(parsed.data)}`,
        );
    }
  }
  return problems;
}

describe("Pulumi.yaml and the key schema", () => {
  const declared = configBlock("Pulumi.yaml") as Record<string, DeclaredKey>;
  const samples = Object.fromEntries(
    Object.entries(configBlock("Pulumi.dev.yaml")).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v]),
  );

  it("agree on every key: declared, secret, type and default", () => {
    assert.deepEqual(declarationProblems(declared, samples), []);
  });

  it("disagree when either side drifts (the check can fail)", () => {
    const drifted = structuredClone(declared);
    delete drifted.replicas;
    drifted.replica = { type: "integer", description: "a typo", default: 1 };
    drifted.minAvailable = { type: "string", description: "d", default: 0 };
    drifted.cpuRequest = { type: "string", description: "d", default: "lots" };
    drifted.kubeContext = { type: "string", description: "d" };
    drifted.createNamespace = { type: "boolean", description: "d", default: true, secret: true };
    drifted.extraEnv = { type: "array", items: { type: "integer" }, description: "d", default: [] };
    drifted.registryToken = { type: "string", description: "d" };
    drifted.githubToken = { type: "string", description: "d", default: "", secret: true };
    drifted.environment = { type: "integer", description: "d" };
    assert.deepEqual(declarationProblems(drifted, samples).sort(), [
      'cpuRequest: default "lots" refused by its schema (a CPU quantity such as 100m or 0.5)',
      "createNamespace: a plain key, declared secret",
      'environment: declared integer, a stack\'s value parses to "dev"',
      "extraEnv: an array of integer; allowed: items of type string",
      'githubToken: only some stacks need it, so it is declared with default "" and no secret: true',
      "kubeContext: optional in config/keys.ts, declared without a default (the CLI requires it)",
      "minAvailable: declared string, its default parses to 0",
      "registryToken: every stack needs it, declared without secret: true",
      "replica: declared in Pulumi.yaml, not in config/keys.ts",
      "replicas: in config/keys.ts, not declared in Pulumi.yaml",
    ]);
  });
});

describe("the defaults together", () => {
  // A stack that sets only the keys Pulumi.yaml gives no default, with values a real stack uses.
  const REQUIRED_ONLY: Readonly<Record<string, string>> = {
    environment: "dev",
    namespace: "workflow-runner-dev",
    temporalAddress: "temporal-frontend.temporal.svc.cluster.local:7233",
    temporalNamespace: "default",
    stigmerBackendEndpoint: "api.stigmer.ai:443",
  };
  const declared = configBlock("Pulumi.yaml") as Record<string, DeclaredKey>;
  const raw = (overrides: Readonly<Record<string, string>> = {}) =>
    Object.fromEntries(
      Object.keys(PLAIN_KEYS).map((name) => {
        const d = declared[name]?.default;
        return [
          name,
          overrides[name] ?? REQUIRED_ONLY[name] ?? (d === undefined ? undefined : asConfigString(d)),
        ];
      }),
    );

  it("pass every rule that joins keys (a new stack relies on them)", () => {
    assert.deepEqual(
      Object.keys(REQUIRED_ONLY).sort(),
      Object.keys(declared)
        .filter((k) => {
          const d = declared[k];
          return d?.default === undefined && !d?.secret && k in PLAIN_KEYS;
        })
        .sort(),
    );
    assert.doesNotThrow(() => parsePlainConfig(raw()));
  });

  it("fail when one default breaks a joined rule (the check can fail)", () => {
    // cpuLimit's default alone parses, but sits below the platform limit.
    assert.throws(() => parsePlainConfig(raw({ cpuLimit: "5m" })), /cpuLimit/);
  });
});

describe("the keys each service owns", () => {
  const declared = configBlock("Pulumi.yaml") as Record<string, DeclaredKey>;

  /** Owned keys whose recorded default is not Pulumi.yaml's (as the CLI hands it to the program). Pure. */
  const ownedDefaultProblems = (modules: Readonly<Record<string, ServiceModule>>): string[] =>
    Object.entries(modules).flatMap(([service, module]) =>
      Object.entries(module.ownedKeys).flatMap(([key, raw]) => {
        const d = declared[key]?.default;
        if (d === undefined) return [`${service} owns ${key}, which Pulumi.yaml declares without a default`];
        return asConfigString(d) === raw
          ? []
          : [`${service} owns ${key} with default ${raw}; Pulumi.yaml says ${asConfigString(d)}`];
      }),
    );

  it("record Pulumi.yaml's default for each, and no key is owned twice", () => {
    assert.deepEqual(ownedDefaultProblems(SERVICE_MODULES), []);
    const owners = Object.values(SERVICE_MODULES).flatMap((m) => Object.keys(m.ownedKeys));
    assert.equal(new Set(owners).size, owners.length);
  });

  it("disagree when a recorded default drifts (the check can fail)", () => {
    const wr = SERVICE_MODULES["workflow-runner"] as ServiceModule;
    const drifted = { ...wr, ownedKeys: { ...wr.ownedKeys, logLevel: "debug", replicas: "1" } };
    assert.deepEqual(ownedDefaultProblems({ "workflow-runner": drifted }), [
      "workflow-runner owns logLevel with default debug; Pulumi.yaml says info",
    ]);
  });
});
