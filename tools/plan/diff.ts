// `npm run plan:diff -- <baseDir> <headDir> [--budget N] [--out FILE]`: a semantic summary of two plans, as markdown.
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
  statSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { SECRET_KEYS, type SecretKey, type SecretKeySpec } from "../../config/keys";
import { readArgs, UsageError } from "../args";
import { readInputFile } from "./input-files";
import { byCodePoint, PLAN_META_FILE } from "./render";
import { SECRET_FINGERPRINTS_FILE } from "./secret-fingerprints";

/** GitHub rejects comments over 65,536 characters (pulumi/actions#482). */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** The default leaves room for the PR comment's marker line and the comment job's own note. */
export const DEFAULT_BUDGET = 60_000;
/** The largest budget: the comment adds a marker line (and, when it must cut, a note) to the summary. */
export const MAX_BUDGET = GITHUB_COMMENT_LIMIT - 1_000;
/** Aliases a plan's YAML may expand: the yaml library's own default, stated (a billion-laughs file stops there). */
const MAX_ALIASES = 100;

/** One plan folder, read back. */
export interface PlanDir {
  /** The stack the plan is of (its plan.json); undefined for a plan written before plan.json existed. */
  readonly stack?: string;
  readonly objects: Map<string, Record<string, unknown>>;
  readonly outputs: Record<string, unknown>;
  readonly files: Map<string, string>;
  /** Secret config keys and their fingerprints (secrets.json): a rotation changes the fingerprint. */
  readonly secrets: Record<string, string>;
}

/** One changed field. */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** What changed between two plans of one stack. */
export interface StackDiff {
  readonly stack: string;
  readonly image: FieldChange[];
  readonly added: string[];
  readonly removed: string[];
  readonly changed: Map<string, FieldChange[]>;
  readonly pipeline: string[];
  readonly serviceHub: FieldChange[];
  readonly files: { added: string[]; removed: string[]; changed: string[] };
  readonly outputs: FieldChange[];
  /** Secret config keys whose value changed, was set or was removed; never a value. */
  readonly secrets: { changed: string[]; added: string[]; removed: string[] };
}

/** The files of a plan folder as `npm run plan` writes them (tools/plan/render.ts), checked where they are read. */
const PLAN_FILES = {
  /** plan.json: the project and the stack the plan is of. */
  meta: z.object({ stack: z.string().min(1) }),
  /** secrets.json: secret config key -> fingerprint. */
  secrets: z.record(z.string(), z.string()),
  /** outputs.json: the stack's outputs by name. */
  outputs: z.record(z.string(), z.unknown()),
  /** One document of kubernetes.yaml: an object with its metadata, or an empty document. */
  object: z
    .object({
      kind: z.string(),
      metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
    })
    .loose()
    .nullable(),
};

/** A value checked against a schema; the error names the file and what is wrong. */
function checked<T>(file: string, value: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A JSON file of a plan, checked. */
function readJson<T>(file: string, schema: z.ZodType<T>): T {
  return checked(file, JSON.parse(readInputFile(file, file)), schema);
}

/** Key of a Kubernetes object: `Kind namespace/name`. */
function objectKey(o: { kind: string; metadata: { name: string; namespace?: string | undefined } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/** Reads a plan folder as written by `npm run plan`. */
export function readPlanDir(dir: string): PlanDir {
  const objects = new Map<string, Record<string, unknown>>();
  const read = (rel: string) => readInputFile(path.join(dir, rel), path.join(dir, rel));
  const manifest = path.join(dir, "kubernetes.yaml");
  for (const doc of parseAllDocuments(read("kubernetes.yaml"))) {
    const o = checked(manifest, doc.toJS({ maxAliasCount: MAX_ALIASES }), PLAN_FILES.object);
    if (o) objects.set(objectKey(o), o);
  }
  const outputs = readJson(path.join(dir, "outputs.json"), PLAN_FILES.outputs);
  const files = new Map<string, string>();
  for (const rel of listFiles(path.join(dir, "files"))) files.set(rel, read(path.join("files", rel)));
  const json = <T>(name: string, schema: z.ZodType<T>) =>
    existsSync(path.join(dir, name)) ? readJson(path.join(dir, name), schema) : undefined;
  const meta = json(PLAN_META_FILE, PLAN_FILES.meta);
  const secrets = json(SECRET_FINGERPRINTS_FILE, PLAN_FILES.secrets) ?? {};
  return { ...(meta?.stack ? { stack: meta.stack } : {}), objects, outputs, files, secrets };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Arrays of objects that all carry a string `name` are compared by name, not position. */
function namedItems(v: unknown[]): Map<string, unknown> | undefined {
  if (v.length === 0 || !v.every((x) => isObject(x) && typeof x.name === "string")) return undefined;
  const names = v.map((x) => (x as { name: string }).name);
  if (new Set(names).size !== names.length) return undefined;
  return new Map(v.map((x) => [(x as { name: string }).name, x]));
}

/** Every leaf that differs between two values, as dotted paths (`tasks[deploy].params[stack].value`). Pure. */
export function fieldChanges(before: unknown, after: unknown, at = ""): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byCodePoint);
    return keys.flatMap((k) => fieldChanges(before[k], after[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const b = namedItems(before);
    const a = namedItems(after);
    if (a && b) {
      const names = [...new Set([...b.keys(), ...a.keys()])];
      return names.flatMap((n) => fieldChanges(b.get(n), a.get(n), `${at}[${n}]`));
    }
    if (before.length === after.length)
      return before.flatMap((x, i) => fieldChanges(x, after[i], `${at}[${i}]`));
  }
  return [{ path: at, before, after }];
}

/**
 * The plans under a directory (itself when it holds a plan, else each subfolder that does), by the stack each plan
 * names in its plan.json (the folder's name only for a plan written before plan.json existed). A missing folder, or
 * two plans of one stack, is an error: a mistyped path must not read as "everything added".
 */
export function stacksIn(dir: string): Map<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(
      `${dir}: no such folder; give a plan folder, or a folder of plan folders (npm run plan -- --out)`,
    );
  const stackOf = (planDir: string) => {
    const meta = path.join(planDir, PLAN_META_FILE);
    if (!existsSync(meta)) return path.basename(planDir);
    return readJson(meta, PLAN_FILES.meta).stack;
  };
  if (existsSync(path.join(dir, "kubernetes.yaml"))) return new Map([[stackOf(dir), dir]]);
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort(byCodePoint)) {
    const sub = path.join(dir, name);
    if (!statSync(sub).isDirectory() || !existsSync(path.join(sub, "kubernetes.yaml"))) continue;
    const stack = stackOf(sub);
    if (out.has(stack)) throw new Error(`${dir}: two plans of stack ${stack} (${out.get(stack)} and ${sub})`);
    out.set(stack, sub);
  }
  return out;
}

const IMAGE_OUTPUTS = ["imageRef", "imageTag", "imageDigest", "imageOrigin", "imagePinned"];

/** Compares two plans of one stack. Pure over what was read. */
export function diffPlans(stack: string, base: PlanDir, head: PlanDir): StackDiff {
  const added = [...head.objects.keys()].filter((k) => !base.objects.has(k)).sort(byCodePoint);
  const removed = [...base.objects.keys()].filter((k) => !head.objects.has(k)).sort(byCodePoint);
  const changed = new Map<string, FieldChange[]>();
  for (const key of [...head.objects.keys()].sort(byCodePoint)) {
    if (!base.objects.has(key)) continue;
    const changes = fieldChanges(base.objects.get(key), head.objects.get(key));
    if (changes.length > 0) changed.set(key, changes);
  }
  const pipeline: string[] = [];
  for (const [key, changes] of changed) {
    if (!/^(Pipeline|Task) /.test(key)) continue;
    for (const c of changes) {
      const m = /^spec\.(params|tasks|steps|results|workspaces)\[([^\]]+)\]/.exec(c.path);
      if (!m) continue;
      const what = `${code(key)}: ${m[1]?.replace(/s$/, "")} ${code(m[2] ?? "")}`;
      const verb = c.before === undefined ? "added" : c.after === undefined ? "removed" : "changed";
      const line = `${what} ${verb}`;
      if (!pipeline.includes(line) && !pipeline.some((l) => l.startsWith(`${what} `))) pipeline.push(line);
    }
  }
  for (const key of [...added, ...removed]) {
    if (/^(Pipeline|Task) /.test(key))
      pipeline.push(`${code(key)} ${added.includes(key) ? "added" : "removed"}`);
  }
  const hubPath = [...new Set([...base.files.keys(), ...head.files.keys()])].find((p) =>
    p.startsWith("_ops/planton/service-hub/"),
  );
  const parseFile = (plan: PlanDir) =>
    hubPath && plan.files.has(hubPath) ? parseYaml(plan.files.get(hubPath) ?? "") : undefined;
  const fileNames = [...new Set([...base.files.keys(), ...head.files.keys()])].sort(byCodePoint);
  const outputs = fieldChanges(base.outputs, head.outputs);
  return {
    stack,
    image: outputs.filter((c) => IMAGE_OUTPUTS.includes(c.path)),
    added,
    removed,
    changed,
    pipeline,
    serviceHub: fieldChanges(parseFile(base), parseFile(head)),
    files: {
      added: fileNames.filter((f) => !base.files.has(f)),
      removed: fileNames.filter((f) => !head.files.has(f)),
      changed: fileNames.filter(
        (f) => base.files.has(f) && head.files.has(f) && base.files.get(f) !== head.files.get(f),
      ),
    },
    outputs: outputs.filter((c) => !IMAGE_OUTPUTS.includes(c.path)),
    secrets: {
      changed: Object.keys(head.secrets)
        .filter((k) => k in base.secrets && base.secrets[k] !== head.secrets[k])
        .sort(byCodePoint),
      added: Object.keys(head.secrets)
        .filter((k) => !(k in base.secrets))
        .sort(byCodePoint),
      removed: Object.keys(base.secrets)
        .filter((k) => !(k in head.secrets))
        .sort(byCodePoint),
    },
  };
}

/**
 * Text as one markdown code span that nothing in it can leave (CommonMark 0.31 "Code spans"): the fence is one
 * backtick longer than the longest run of backticks in the text, padded with a space when the text starts or ends
 * with a backtick or a space, and line breaks and other control characters are written as JSON escapes (a line
 * break would end the list item and let the next line be a heading or HTML). Inside a code span GitHub renders no
 * @mention, link, heading or HTML. Pure.
 */
export function code(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped.
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    JSON.stringify(c).slice(1, -1),
  );
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(flat) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A value for a one-line summary: JSON, multi-line strings summarised, long ones cut. Pure. */
export function show(v: unknown): string {
  if (v === undefined) return "(none)";
  if (typeof v === "string" && v.includes("\n")) return `(${v.split("\n").length} lines)`;
  const text = JSON.stringify(v);
  return code(text.length > 200 ? `${text.slice(0, 197)}...` : text);
}

function change(c: FieldChange): string {
  return `${code(c.path || "(whole)")}: ${show(c.before)} -> ${show(c.after)}`;
}

/** True when nothing differs. */
export function isEmpty(d: StackDiff): boolean {
  return (
    d.image.length +
      d.added.length +
      d.removed.length +
      d.changed.size +
      d.serviceHub.length +
      d.outputs.length ===
      0 &&
    d.files.added.length + d.files.removed.length + d.files.changed.length === 0 &&
    d.secrets.changed.length + d.secrets.added.length + d.secrets.removed.length === 0
  );
}

/** `1 object`, `2 objects`. Pure. */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One line for a stack: what kind of change, counted; "no changes" when none. Pure. */
export function stackSummaryLine(d: StackDiff): string {
  if (isEmpty(d)) return `- ${code(d.stack)}: no changes`;
  const imageRef = d.image.find((c) => c.path === "imageRef");
  const secrets = d.secrets.changed.length + d.secrets.added.length + d.secrets.removed.length;
  const files = d.files.added.length + d.files.removed.length + d.files.changed.length;
  const parts = [
    ...(imageRef ? [`image -> ${show(imageRef.after)}`] : d.image.length ? ["image fields changed"] : []),
    ...(d.added.length ? [`${count(d.added.length, "object")} added`] : []),
    ...(d.removed.length ? [`${count(d.removed.length, "object")} removed`] : []),
    ...(d.changed.size ? [`${count(d.changed.size, "object")} changed`] : []),
    ...(secrets ? [`${secrets} secret${secrets === 1 ? "" : "s"} changed`] : []),
    ...(d.serviceHub.length ? ["service-hub entry changed"] : []),
    ...(files ? [count(files, "repository file")] : []),
    ...(d.outputs.length ? [count(d.outputs.length, "output")] : []),
  ];
  return `- ${code(d.stack)}: ${parts.join(", ")}`;
}

/**
 * What `pulumi up` of the change does to running pods: a changed pod template (a new image, or the settings checksum
 * annotation that follows the ConfigMap, components/worker-deployment.ts) rolls the Deployment; a rotated secret
 * the pods read (a key with a service variable, config/keys.ts) makes a new Secret and rolls them too; other
 * secrets only change what the program's providers use. Pure.
 */
export function rolloutLines(d: StackDiff): string[] {
  const lines: string[] = [];
  for (const [object, changes] of d.changed) {
    if (!object.startsWith("Deployment ")) continue;
    const template = changes.filter((c) => c.path.startsWith("spec.template."));
    if (template.length === 0) continue;
    const settings = template.some((c) => c.path.includes("settings-checksum"));
    const image = template.some((c) => /\.image`?$/.test(c.path));
    const why = [
      ...(image ? ["a new image"] : []),
      ...(settings ? ["new settings (the ConfigMap's checksum on the pod template)"] : []),
      ...(!image && !settings ? ["a changed pod template"] : []),
    ];
    lines.push(
      `- pods restart: ${object.slice("Deployment ".length)} rolls its pods for ${why.join(" and ")}`,
    );
  }
  for (const key of [...d.secrets.changed, ...d.secrets.added]) {
    const spec: SecretKeySpec | undefined = SECRET_KEYS[key as SecretKey];
    if (!spec) continue;
    lines.push(
      spec.serviceVar
        ? `- \`${key}\` rotated: the pods read it (${spec.serviceVar}), so pulumi up makes a new workflow-runner-secrets-<suffix> Secret and the pods restart to read it`
        : `- \`${key}\` rotated: the program's own use of it changes (a pull Secret, a provider); running pods do not restart`,
    );
  }
  return lines;
}

/** The markdown lines of one stack's diff, most important first. Pure. */
export function stackLines(d: StackDiff): string[] {
  const lines = [`### Stack ${code(d.stack)}`, ""];
  if (isEmpty(d)) return [...lines, "No changes.", ""];
  const section = (title: string, body: string[]) => (body.length ? [`**${title}**`, ...body, ""] : []);
  const imageRef = d.image.find((c) => c.path === "imageRef");
  lines.push(
    ...section("Image", [
      ...(imageRef ? [`- ${show(imageRef.before)} -> ${show(imageRef.after)}`] : []),
      ...d.image.filter((c) => c !== imageRef).map((c) => `- ${change(c)}`),
    ]),
    ...section("On pulumi up", rolloutLines(d)),
    ...section("Kubernetes objects", [
      ...d.added.map((k) => `- added: ${code(k)}`),
      ...d.removed.map((k) => `- removed: ${code(k)}`),
      ...[...d.changed].flatMap(([k, cs]) => [`- changed: ${code(k)}`, ...cs.map((c) => `  - ${change(c)}`)]),
    ]),
    ...section(
      "Pipeline",
      d.pipeline.map((l) => `- ${l}`),
    ),
    ...section(
      "Service-hub entry",
      d.serviceHub.map((c) => `- ${change(c)}`),
    ),
    ...section("Repository files", [
      ...d.files.added.map((f) => `- added: ${code(f)}`),
      ...d.files.removed.map((f) => `- removed: ${code(f)}`),
      ...d.files.changed.map((f) => `- changed: ${code(f)}`),
    ]),
    ...section("Secrets", [
      ...d.secrets.changed.map((k) => `- ${code(k)}: changed (value hidden)`),
      ...d.secrets.added.map((k) => `- ${code(k)}: set (value hidden)`),
      ...d.secrets.removed.map((k) => `- ${code(k)}: removed`),
    ]),
    ...section(
      "Outputs",
      d.outputs.map((c) => `- ${change(c)}`),
    ),
  );
  return lines;
}

/** The size GitHub's limit is checked against, counted high: UTF-8 bytes are never fewer than characters. Pure. */
export function commentSize(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The whole summary, header included, cut at a line to the budget (UTF-8 bytes, never fewer than the characters
 * GitHub counts) with a last line saying how much was left out. Pure.
 */
export function renderSummary(diffs: readonly StackDiff[], budget = DEFAULT_BUDGET): string {
  const lines = [
    "## Plan diff",
    "",
    "Offline plans of the base and the head of this change, compared.",
    "",
    ...diffs.map(stackSummaryLine),
    "",
    ...diffs.flatMap(stackLines),
  ];
  const note = (left: number) =>
    `\n_...${left} more lines left out to stay under ${budget} characters; the plan artifacts hold everything._\n`;
  const whole = `${lines.join("\n")}\n`;
  if (commentSize(whole) <= budget) return whole;
  const room = budget - commentSize(note(lines.length));
  const out: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + commentSize(line) + 1 > room) break;
    out.push(line);
    size += commentSize(line) + 1;
  }
  return `${out.join("\n")}\n${note(lines.length - out.length)}`;
}

/** Diffs every stack found under the two folders. */
export function diffDirs(baseDir: string, headDir: string): StackDiff[] {
  const base = stacksIn(baseDir);
  const head = stacksIn(headDir);
  const empty: PlanDir = { objects: new Map(), outputs: {}, files: new Map(), secrets: {} };
  const names = [...new Set([...base.keys(), ...head.keys()])].sort(byCodePoint);
  return names.map((n) => {
    const b = base.get(n);
    const h = head.get(n);
    return diffPlans(n, b ? readPlanDir(b) : empty, h ? readPlanDir(h) : empty);
  });
}

/** The folder or file a path names, resolved through links where it exists (a new file: its folder's). */
function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    return path.join(realPath(path.dirname(abs)), path.basename(abs));
  }
}

/**
 * Writes the summary to `--out`: a regular file or a new path outside the plan folders the diff reads. A link is
 * never followed (O_NOFOLLOW), a folder, FIFO or device is refused, and a missing folder is named.
 */
export function writeSummaryFile(out: string, summary: string, inputs: readonly string[]): void {
  const where = `--out ${out}`;
  if (out === "") throw new Error("--out: got an empty path; allowed: a file path, e.g. plan-diff.md");
  const folder = path.dirname(path.resolve(out));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new Error(`${where}: the folder ${folder} does not exist; allowed: a file in an existing folder`);
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(out);
  } catch {
    existing = undefined;
  }
  if (existing?.isSymbolicLink())
    throw new Error(
      `${where}: is a symbolic link; allowed: a regular file or a new path (links are not followed)`,
    );
  if (existing && !existing.isFile())
    throw new Error(
      `${where}: is ${existing.isDirectory() ? "a folder" : "not a regular file (a FIFO, socket or device)"}; allowed: a regular file or a new path`,
    );
  // A hard link is the same file under another name: writing it would overwrite that other file too.
  if (existing && existing.nlink > 1)
    throw new Error(
      `${where}: has ${existing.nlink} names (hard links); allowed: a file with one name, or a new path (writing it would overwrite the others)`,
    );
  const target = realPath(out);
  for (const input of inputs) {
    const dir = realPath(input);
    if (target === dir || target.startsWith(`${dir}${path.sep}`))
      throw new Error(
        `${where}: is inside ${input}, a plan this diff reads; allowed: a path outside both plan folders`,
      );
  }
  let fd: number;
  try {
    fd = openSync(
      out,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (err) {
    throw new Error(
      `${where}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    writeSync(fd, summary);
  } finally {
    closeSync(fd);
  }
}

const USAGE = `usage: npm run plan:diff -- <baseDir> <headDir> [--budget N (1000 to ${MAX_BUDGET})] [--out FILE]`;

function main(argv: string[]): number {
  const parsed = readArgs(USAGE, () => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { budget: { type: "string" }, out: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    const budget = values.budget === undefined ? DEFAULT_BUDGET : Number(values.budget);
    if (!Number.isInteger(budget) || budget < 1000 || budget > MAX_BUDGET)
      throw new UsageError(
        `--budget: got ${JSON.stringify(values.budget)}; allowed: an integer from 1000 to ${MAX_BUDGET}`,
      );
    if (values.out === "") throw new UsageError("--out: got an empty path; allowed: a file path");
    if (positionals.length !== 2)
      throw new UsageError(`expected <baseDir> <headDir>, got ${positionals.length} folder(s)`);
    return { baseDir: positionals[0] ?? "", headDir: positionals[1] ?? "", budget, out: values.out };
  });
  if (!parsed.ok) {
    console.error(parsed.message);
    return 2;
  }
  const { baseDir, headDir, budget, out } = parsed.args;
  try {
    const summary = renderSummary(diffDirs(baseDir, headDir), budget);
    if (out !== undefined) writeSummaryFile(out, summary, [baseDir, headDir]);
    else process.stdout.write(summary);
  } catch (err) {
    console.error(`plan:diff: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
