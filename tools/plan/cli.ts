// `npm run plan -- --stack <name> [--out DIR] [--stack-file FILE] [--config k=v ...] [--secret k=v ...] [--stack-outputs name=file ...]`
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import {
  PULUMI_ORG_NAME,
  PULUMI_STACK_NAME,
  QUALIFIED_STACK,
  rfc3339Millis,
  SHA256_DIGEST,
} from "../../config/formats";
import { imageReference } from "../../config/image-reference";
import {
  neededSecretKeys,
  ORG_NAMED_KEYS,
  type OrgNamedKeySpec,
  PLAIN_KEYS,
  SECRET_KEYS,
} from "../../config/keys";
import { parsePlainConfig } from "../../config/parse";
import { STACK_OUTPUT_NAMES } from "../../contracts/stack-outputs";
import { readArgs, UsageError } from "../args";
import {
  DEFAULT_ORG,
  type Evaluation,
  EvaluationError,
  evaluate,
  ORG_NAME_STAND_IN,
  PROJECT_DIR,
} from "./evaluate";
import { checkRegularInput, readInputFile } from "./input-files";
import {
  checkInputOutsidePlan,
  checkPlanFolder,
  deliverySummary,
  kubernetesObjects,
  planFiles,
  renderTree,
  repositoryFiles,
  workloadSummary,
  writePlan,
} from "./render";
import {
  renderSecretFingerprints,
  SECRET_FINGERPRINTS_FILE,
  secretFingerprints,
} from "./secret-fingerprints";
import {
  configKeyProblem,
  parseAssignment,
  readProjectFile,
  readStackFile,
  readStackFileAt,
  resolveConfig,
} from "./stack-files";

const USAGE =
  "usage: npm run plan -- --stack <name> [--out DIR] [--org NAME] [--now RFC3339] [--stack-file FILE] [--config key=value ...] [--secret key=value ...] [--stack-outputs <org>/<project>/<stack>=<outputs.json> ...] [--registry-digest <repository>:<tag>=sha256:<hex> ...]";

function assignments(flag: string, list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of list ?? []) {
    let key: string;
    let value: string;
    try {
      [key, value] = parseAssignment(text);
    } catch {
      // The text may be a secret: name the flag, never echo the value.
      throw new Error(
        `${flag}: expected key=value${flag === "--secret" ? "" : `, got ${JSON.stringify(text)}`}`,
      );
    }
    if (Object.hasOwn(out, key))
      throw new Error(`${flag} ${key}: given more than once; allowed: each key once (which one should win?)`);
    out[key] = value;
  }
  return out;
}

/** Keys that would shadow or replace an object's prototype when a JSON object is used as a map. */
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"];

/** The first key of a JSON value (at any depth) that is a prototype key, with its path, or undefined. Pure. */
function prototypeKey(value: unknown, at = ""): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (PROTOTYPE_KEYS.includes(k)) return `${at}${k}`;
    const inner = prototypeKey(v, `${at}${k}.`);
    if (inner) return inner;
  }
  return undefined;
}

/** Reads one `--stack-outputs` file: a JSON object of outputs. Errors name the flag, the file and the line. */
export function readStackOutputsFile(stack: string, file: string): Record<string, unknown> {
  const where = `--stack-outputs ${stack}=${file}`;
  // A regular file of bounded size: a FIFO or a device would never end.
  const text = readInputFile(file, where);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = Number(/position ([0-9]+)/.exec(message)?.[1]);
    const line = Number.isNaN(position) ? undefined : text.slice(0, position).split("\n").length;
    throw new Error(`${where}${line ? `: line ${line}` : ""}: not JSON (${message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `${where}: holds ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}; allowed: a JSON object of stack outputs, as \`pulumi stack output --json\` prints it`,
    );
  }
  // JSON.parse keeps the last of two equal keys silently; YAML (a superset of JSON) reports them, with the line.
  const duplicate = parseDocument(text, { uniqueKeys: true }).errors[0];
  if (duplicate) {
    throw new Error(
      `${where}: ${duplicate.message.split("\n")[0] ?? "a duplicate key"}; allowed: each output once`,
    );
  }
  const proto = prototypeKey(value);
  if (proto)
    throw new Error(
      `${where}: has the key ${proto}; allowed: output names (not ${PROTOTYPE_KEYS.join(", ")})`,
    );
  for (const name of STACK_OUTPUT_NAMES) {
    const v = (value as Record<string, unknown>)[name];
    const want = name === "imagePinned" ? "boolean" : "string";
    if (v !== undefined && typeof v !== want)
      throw new Error(
        `${where}: output ${name} is ${v === null ? "null" : Array.isArray(v) ? "a list" : `a ${typeof v}`}; allowed: a ${want}, as this project's stacks export it (contracts/stack-outputs.ts)`,
      );
  }
  return value as Record<string, unknown>;
}

/** Where the command writes; the CLI passes the process's streams, tests pass collectors. */
export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `npm run plan` as a function: parses argv, evaluates, writes the plan; returns the exit code. */
export async function runPlanCommand(argv: string[], io: CommandIO): Promise<number> {
  let outDir: string | undefined;
  try {
    return await plan(argv, io, (dir) => {
      outDir = dir;
    });
  } catch (err) {
    const raw = err instanceof EvaluationError || err instanceof Error ? err.message : String(err);
    // The SDK prefixes a failed read with the resource's internal name; the reader needs only what to pass.
    const message = raw.replace(
      /^failed to read resource #\S+ '[^']*' \[pulumi:pulumi:StackReference\]: /,
      "",
    );
    const where = outDir ? ` in ${path.relative(process.cwd(), outDir) || "."}` : "";
    const cause = err instanceof EvaluationError ? err.cause : err;
    // A promotion whose soak has not ended is a wait, not a fault of the stack file (components/image-choice.ts).
    const waiting = cause instanceof Error && cause.name === "SoakPendingError";
    io.err(
      `${waiting ? "plan not ready" : "plan failed"}: ${message}\nNo plan files were written; any previous plan${where} is unchanged.`,
    );
    // Arguments node:util's parseArgs refuses (an unknown flag, a flag missing its value): a usage error.
    return err instanceof UsageError ? 2 : 1;
  }
}

/** The plan's flags. */
const PLAN_OPTIONS = {
  stack: { type: "string" },
  out: { type: "string" },
  "stack-file": { type: "string" },
  org: { type: "string" },
  now: { type: "string" },
  config: { type: "string", multiple: true },
  secret: { type: "string", multiple: true },
  "stack-outputs": { type: "string", multiple: true },
  "registry-digest": { type: "string", multiple: true },
  help: { type: "boolean" },
} as const;

/** Flags that take one value: given twice, which one holds is a guess, so it is refused. */
const SINGLE_VALUED = ["stack", "out", "stack-file", "org", "now"];

async function plan(argv: string[], io: CommandIO, target: (dir: string) => void): Promise<number> {
  const checked = readArgs(USAGE, () => parseArgs({ args: argv, options: PLAN_OPTIONS, strict: true }));
  // node:util's message names the flag ("Unknown option '--stak'"); the usage says what is allowed.
  if (!checked.ok) throw new UsageError(checked.message);
  const { values, tokens } = parseArgs({
    tokens: true,
    args: argv,
    options: PLAN_OPTIONS,
    strict: true,
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  for (const flag of SINGLE_VALUED) {
    const count = tokens.filter((t) => t.kind === "option" && t.name === flag).length;
    if (count > 1) throw new Error(`--${flag}: given ${count} times; allowed: once`);
  }
  if (!values.stack) throw new UsageError(`--stack is required\n${USAGE}`);
  if (!PULUMI_STACK_NAME.test(values.stack)) {
    throw new Error(
      `--stack: got ${JSON.stringify(values.stack)}; allowed: a Pulumi stack name, 1 to 100 of letters, digits, '_', '.', '-'`,
    );
  }
  const org = values.org ?? DEFAULT_ORG;
  if (!PULUMI_ORG_NAME.test(org)) {
    throw new Error(
      `--org: got ${JSON.stringify(org)}; allowed: a Pulumi organization name, 1 to 100 of letters, digits, '_', '.', '-', starting with a letter or digit`,
    );
  }
  const planRoot = path.join(PROJECT_DIR, "plan");
  const outDir = path.resolve(values.out ?? path.join(planRoot, values.stack));
  if (values.out === undefined && path.dirname(outDir) !== planRoot) {
    throw new Error(
      `--stack: got ${JSON.stringify(values.stack)}, whose plan folder ${outDir} is not inside ${planRoot}; allowed: a stack name that is not '.' or '..' (or name the folder with --out)`,
    );
  }
  if (values.out === "") throw new Error("--out: got an empty path; allowed: a folder path");
  target(outDir);
  // Before any work: refuse a folder that holds something other than a plan, and inputs the plan would replace.
  checkPlanFolder(outDir);
  if (values["stack-file"]) {
    checkInputOutsidePlan(outDir, `--stack-file ${values["stack-file"]}`, values["stack-file"]);
    // Before the stack file is opened: a FIFO would wait forever, a device would never end.
    checkRegularInput(values["stack-file"], `--stack-file ${values["stack-file"]}`);
  }
  const project = readProjectFile(PROJECT_DIR);
  for (const [flag, list] of [
    ["--config", values.config],
    ["--secret", values.secret],
  ] as const) {
    for (const key of Object.keys(assignments(flag, list))) {
      // Like `pulumi -c`, a key without a namespace is this project's.
      const why = key.includes(":") ? configKeyProblem(key, project.name) : undefined;
      if (why) throw new Error(`${flag} ${key}: ${why}`);
    }
  }
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  for (const [name, file] of Object.entries(assignments("--stack-outputs", values["stack-outputs"]))) {
    if (!QUALIFIED_STACK.test(name)) {
      throw new Error(
        `--stack-outputs ${name}=${file}: ${JSON.stringify(name)} is not a fully qualified stack name; allowed: <org>/<project>/<stack>=<outputs.json>`,
      );
    }
    checkInputOutsidePlan(outDir, `--stack-outputs ${name}=${file}`, file);
    stackOutputs[name] = readStackOutputsFile(name, file);
  }
  // What the registry would answer for a tag the stack resolves at update time (a released image's): the plan's mocks
  // answer with exactly this digest, so the offline plan shows the reference pulumi up would deploy.
  const registryDigests: Record<string, string> = {};
  for (const [ref, digest] of Object.entries(assignments("--registry-digest", values["registry-digest"]))) {
    // A tagged reference without a digest, by the one reference parser (config/image-reference.ts).
    const parsed = imageReference(ref);
    if (
      !parsed?.tag ||
      parsed.digest !== undefined ||
      !parsed.repository.includes("/") ||
      !SHA256_DIGEST.test(digest)
    ) {
      throw new Error(
        `--registry-digest ${ref}=${digest}: allowed: <repository>:<tag>=sha256:<64 hex>, e.g. ghcr.io/stigmer/stigmer-runner:v3.38.3=sha256:${"0".repeat(64)}`,
      );
    }
    registryDigests[ref] = digest;
  }
  let now: number | undefined;
  if (values.now !== undefined) {
    now = rfc3339Millis(values.now);
    if (now === undefined) {
      throw new Error(
        `--now: got ${JSON.stringify(values.now)}; allowed: an RFC 3339 time: a real calendar date and a zone, e.g. 2026-11-27T12:00:00Z`,
      );
    }
  }
  const evaluation = await evaluate({
    stack: values.stack,
    ...(now !== undefined ? { now } : {}),
    organization: org,
    ...(values["stack-file"] ? { stackFile: values["stack-file"] } : {}),
    config: assignments("--config", values.config),
    secrets: assignments("--secret", values.secret),
    stackOutputs,
    ...(Object.keys(registryDigests).length > 0 ? { registryDigests } : {}),
  });
  const files = planFiles(evaluation);
  const stackConfig = values["stack-file"]
    ? readStackFileAt(values["stack-file"], project)
    : readStackFile(PROJECT_DIR, values.stack, project);
  const secretFlags = assignments("--secret", values.secret);
  files.set(
    SECRET_FINGERPRINTS_FILE,
    renderSecretFingerprints(secretFingerprints(project.name, stackConfig, secretFlags)),
  );
  writePlan(outDir, files);
  const missing = missingSecrets(project, stackConfig, assignments("--config", values.config), secretFlags);
  const k8sCount = kubernetesObjects(evaluation).length;
  const repoCount = repositoryFiles(evaluation).length;
  const references = evaluation.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").length;
  io.out(renderTree(evaluation));
  const workload = workloadSummary(evaluation);
  if (workload) io.out(`\n${workload}`);
  io.out(deliverySummary(evaluation));
  if (evaluation.outputs.imagePinned?.value === true) {
    io.out(
      `\nimagePin in force: the Deployment runs ${String(evaluation.outputs.imageRef?.value)} whatever tag, digest or promotion say.`,
    );
  }
  io.out(`\n${imageLine(evaluation)}\n${createCounts(evaluation)}`);
  if (missing.length > 0)
    io.out(
      `\nSecrets this stack needs that its stack file does not hold (planned with stand-ins; pulumi up refuses until they are set, see docs/runbook.md#secrets-each-stack-needs): ${missing.join(", ")}`,
    );
  if (evaluation.orgNameStandIns?.length)
    io.out(
      `\nNames this stack needs that its stack file does not hold (planned with the stand-in ${ORG_NAME_STAND_IN}; pulumi up refuses until they are set): ${evaluation.orgNameStandIns
        .map((k) => `${k} (find it with \`${(ORG_NAMED_KEYS as Record<string, OrgNamedKeySpec>)[k]?.find}\`)`)
        .join(", ")}`,
    );
  io.out(
    `\nPlan for ${evaluation.project}/${evaluation.stack}: ${plural(evaluation.resources.length - references, "resource")} to create, ${references ? `${plural(references, "stack reference")} to read, ` : ""}${plural(k8sCount, "Kubernetes object")}, ${plural(repoCount, "repository file")}, ${plural(Object.keys(evaluation.outputs).length, "output")} -> ${path.relative(process.cwd(), outDir) || "."}`,
  );
  return 0;
}

/** The image the Deployment will run, always: its reference and where it comes from (imageOrigin). */
export function imageLine(evaluation: Evaluation): string {
  const ref = evaluation.outputs.imageRef?.value;
  const origin = evaluation.outputs.imageOrigin?.value;
  return `Image that will run: ${ref === undefined ? "(none)" : String(ref)}${origin === undefined ? "" : ` (imageOrigin: ${String(origin)})`}`;
}

/** `1 resource`, `2 resources`. Pure. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * What `pulumi up` would create, counted by package (the type token's first part). The plan has no state, so these
 * are the creates of a first `pulumi up`; against a deployed stack `pulumi preview` shows only what differs.
 */
export function createCounts(evaluation: Evaluation): string {
  const counts = new Map<string, number>();
  for (const r of evaluation.resources) {
    if (r.type === "pulumi:pulumi:StackReference") continue;
    const kind = r.type.startsWith("pulumi:providers:") ? "providers" : (r.type.split(":")[0] ?? r.type);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const created = evaluation.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference").length;
  const read = evaluation.resources.length - created;
  const parts = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => (k === "providers" ? plural(n, "provider") : `${n} ${k}`));
  // The parts add up to the total: a stack reference is read, not created, and said apart.
  return `pulumi up would create ${plural(created, "resource")} on a new stack: ${parts.join(", ")}${read ? `; and read ${plural(read, "stack reference")}` : ""}`;
}

if (require.main === module) {
  runPlanCommand(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}

/**
 * The secret keys the stack's config needs (neededSecretKeys) that neither its stack file (a `secure:` value) nor a
 * --secret flag supplies: the plan runs them on stand-ins, `pulumi up` would refuse. Pure.
 */
export function missingSecrets(
  project: ReturnType<typeof readProjectFile>,
  stackConfig: Readonly<Record<string, unknown>>,
  configFlags: Readonly<Record<string, string>>,
  secretFlags: Readonly<Record<string, string>>,
): string[] {
  const short = (key: string) =>
    key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key;
  const { values } = resolveConfig(project, stackConfig, configFlags, secretFlags, Object.keys(SECRET_KEYS));
  const plain = Object.fromEntries(
    Object.keys(PLAIN_KEYS).map((name) => [name, values[`${project.name}:${name}`]]),
  );
  const held = new Set([
    ...Object.entries(stackConfig)
      .filter(([, v]) => v !== null && typeof v === "object" && "secure" in v)
      .map(([k]) => short(k)),
    ...Object.keys(secretFlags).map(short),
  ]);
  return neededSecretKeys(parsePlainConfig(plain)).filter((key) => !held.has(key));
}
