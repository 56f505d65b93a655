// Shared test helpers: finding recorded resources, running the plan CLI, and Kubernetes schema validation.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { type Evaluation, type PlanValue, PROJECT_DIR, type RecordedResource } from "../tools/plan/evaluate";
import { npmNodeCommand } from "../tools/plan/npm-command";
import { readStackFile } from "../tools/plan/stack-files";

/** A 64-hex digest for tests, distinct per seed character. */
export function digest(seed: string): string {
  return `sha256:${seed.repeat(64).slice(0, 64)}`;
}

/** The single resource of a type (and optionally name); fails when there is not exactly one. */
export function one(evaluation: Evaluation, type: string, name?: string): RecordedResource {
  const found = evaluation.resources.filter(
    (r) => r.type === type && (name === undefined || r.name === name),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
}

/** Reads a dotted path (numbers index arrays) out of a plan value. */
export function at(value: PlanValue | undefined, dotted: string): PlanValue | undefined {
  let cur: PlanValue | undefined = value;
  for (const part of dotted.split(".")) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = Array.isArray(cur) ? cur[Number(part)] : cur[part];
  }
  return cur;
}

/** A fresh temporary folder. */
export function tempDir(prefix = "plan-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Runs `npm run plan`'s command (the compiled plan, built first when stale) as a subprocess. */
export function runPlan(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const plan = npmNodeCommand("plan");
  const result = spawnSync(process.execPath, [...plan.nodeFlags, ...plan.args, ...args], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Kinds this project applies whose schemas are CRDs, validated by their own linters rather than kubernetes-models. */
export const CUSTOM_RESOURCE_GROUPS = ["tekton.dev/", "triggers.tekton.dev/"];

interface Validatable {
  validate(): void;
}

/**
 * Validates a Kubernetes object against the schema of its apiVersion and kind with kubernetes-models. Returns
 * the validation error's message, or undefined when valid. Unknown kinds are an error, not a pass.
 */
export async function kubernetesSchemaError(obj: {
  apiVersion?: unknown;
  kind?: unknown;
}): Promise<string | undefined> {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  let mod: Record<string, new (data: unknown) => Validatable>;
  try {
    mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
  } catch {
    return `no kubernetes-models schema for ${apiVersion} ${kind}`;
  }
  const Model = mod[kind];
  if (!Model) return `kubernetes-models/${apiVersion}/${kind} exports no ${kind}`;
  try {
    new Model(obj).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** One tekton-lint finding. */
export interface LintProblem {
  readonly level: string;
  readonly rule: string;
  readonly message: string;
}

/** Runs @ibm/tekton-lint (its library API, ESM) over YAML files. */
export async function tektonLint(files: readonly string[]): Promise<LintProblem[]> {
  const { Config, Linter } = (await nativeImport("@ibm/tekton-lint")) as typeof import("@ibm/tekton-lint");
  const cfg = Config.getDefaultConfig();
  cfg.globs = [...files];
  const problems = await Linter.run(cfg);
  return problems.map((p) => ({ level: String(p.level), rule: String(p.rule), message: String(p.message) }));
}

/** The example of dev's last outputs (examples/stack-outputs/dev.json), as the dev stack reads its current image. */
export const DEV_OUTPUTS_FILE = path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json");

/** Stack outputs for an evaluation in which dev keeps the image it runs (and prod promotes it). */
export function devOutputs(): Record<string, Record<string, unknown>> {
  return { "stigmer/workflow-runner/dev": JSON.parse(readFileSync(DEV_OUTPUTS_FILE, "utf8")) };
}

/** The time test evidence is verified at: long before any soak ends. */
export const VERIFIED_AT = "2026-01-01T00:00:00.000Z";

/** A stack's outputs with verified, soaked evidence for the image it runs: what prod promotes. */
export function promotable(imageRef: string): Record<string, string> {
  return { imageRef, verifiedImageRef: imageRef, verifiedAt: VERIFIED_AT };
}

/**
 * A native dynamic import: the suite runs compiled to CommonJS, where TypeScript turns `import()` into `require()`,
 * which cannot load an ES module such as @ibm/tekton-lint.
 */
const nativeImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

/** Every file under a folder, by its path relative to the folder, with its text: what "unchanged" compares. */
export function filesUnder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e): [string, string] => [
        path.relative(dir, path.join(e.parentPath, e.name)),
        readFileSync(path.join(e.parentPath, e.name), "utf8"),
      ])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The rollout verification's tool image, as Pulumi.yaml's verifyImage default names it. */
export const VERIFY_IMAGE: string = (
  parseYaml(readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
    config: { verifyImage: { default: string } };
  }
).config.verifyImage.default;

/** Digests the tool images' registries answer in an evaluation that is not a preview (the program pins them). */
export const TOOL_DIGESTS: Readonly<Record<string, string>> = { [VERIFY_IMAGE]: digest("e") };

/** A key's value as a stack file holds it today (what `pulumi up` hands the program), for tests that assert a rule. */
export function stackFileValue(stack: string, key: string): string | undefined {
  const value = readStackFile(PROJECT_DIR, stack)[`workflow-runner:${key}`];
  return value === undefined ? undefined : String(value);
}

/**
 * The arguments the policy engine hands a resource rule (@pulumi/policy ResourceValidationArgs), for a resource of
 * `type` with inputs `props` (secrets revealed, as the engine does).
 */
export function policyArgs(
  type: string,
  props: unknown,
  protect = false,
  config: object = {},
): ResourceValidationArgs {
  return {
    type,
    props: props as ResourceValidationArgs["props"],
    urn: `urn:pulumi:test::workflow-runner::${type}::x`,
    name: "x",
    opts: {
      protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  } as ResourceValidationArgs;
}
