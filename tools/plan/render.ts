// Turns an evaluation into the plan's files: kubernetes.yaml, resources.json, outputs.json and files/.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { type Evaluation, type RecordedResource, SECRET_MARKER, UNKNOWN_MARKER } from "./evaluate";

/** A Kubernetes object as it would be applied. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A file the stack would commit to a repository. */
export interface RepositoryFilePlan {
  /** owner/name of the repository. */
  readonly repository: string;
  /** Branch it is committed to. */
  readonly branch: string;
  /** Path inside the repository. */
  readonly path: string;
  /** File content. */
  readonly content: string;
}

/** The order kinds are applied in (Helm's, with Tekton's objects before what refers to them); unlisted kinds last, by name. */
const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "Deployment",
  "PodDisruptionBudget",
  "Task",
  "Pipeline",
  "TriggerBinding",
  "TriggerTemplate",
  "EventListener",
  "Ingress",
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

/** Compares by code point, the same on every machine and locale (localeCompare is not). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True for a Kubernetes object (not the provider, not a component). */
function isKubernetesObject(r: RecordedResource): boolean {
  return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:");
}

/** Notes written as YAML comments above an object: what only the deploy will know. */
const notes = new WeakMap<KubernetesObject, string[]>();

/**
 * The object as applied. A Secret keeps its keys and loses every value, whatever was marked secret; a Secret
 * payload that is wholly unknown until deploy (a generated token) is written empty, with a note saying so.
 */
function asKubernetesObject(r: RecordedResource): KubernetesObject {
  const obj = { ...r.inputs } as unknown as KubernetesObject;
  if (obj.kind === "Secret") {
    for (const field of ["data", "stringData"]) {
      const data = r.revealedInputs[field];
      if (data && typeof data === "object" && !Array.isArray(data)) {
        obj[field] = Object.fromEntries(Object.keys(data).map((k) => [k, SECRET_MARKER]));
      } else if (data === UNKNOWN_MARKER) {
        obj[field] = {};
        notes.set(obj, [...(notes.get(obj) ?? []), `${field} is secret and known only after deploy`]);
      }
    }
  }
  return obj;
}

/** Every Kubernetes object of the evaluation, in apply order: kind, then namespace, then name. */
export function kubernetesObjects(evaluation: Evaluation): KubernetesObject[] {
  return evaluation.resources
    .filter(isKubernetesObject)
    .map(asKubernetesObject)
    .sort(
      (a, b) =>
        kindRank(a.kind) - kindRank(b.kind) ||
        byCodePoint(a.kind, b.kind) ||
        byCodePoint(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
        byCodePoint(a.metadata.name ?? "", b.metadata.name ?? ""),
    );
}

/** Every file the stack would commit with `github.RepositoryFile`. */
export function repositoryFiles(evaluation: Evaluation): RepositoryFilePlan[] {
  return evaluation.resources
    .filter((r) => r.type === "github:index/repositoryFile:RepositoryFile")
    .map((r) => ({
      repository: String(r.inputs.repository),
      branch: String(r.inputs.branch ?? ""),
      path: String(r.inputs.file),
      content: String(r.inputs.content),
    }))
    .sort((a, b) => byCodePoint(a.path, b.path));
}

/** kubernetes.yaml: multi-document YAML. */
export function renderKubernetesYaml(objects: readonly KubernetesObject[]): string {
  return objects
    .map((o) => {
      const comments = (notes.get(o) ?? []).map(
        (n) => `# ${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}: ${n}\n`,
      );
      return `---\n${comments.join("")}${stringify(o, { lineWidth: 0 })}`;
    })
    .join("");
}

/** resources.json: every registered resource, sorted by URN, secrets redacted. */
export function renderResourcesJson(evaluation: Evaluation): string {
  const rows = [...evaluation.resources]
    .sort((a, b) => byCodePoint(a.urn, b.urn))
    .map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent === "" ? null : r.parent,
      ...(r.protect ? { protect: true } : {}),
      ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
      inputs: r.inputs,
    }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** outputs.json: the stack outputs by name, as `pulumi stack output --json` shows them (secrets redacted). */
export function renderOutputsJson(evaluation: Evaluation): string {
  const sorted = Object.keys(evaluation.outputs).sort();
  return `${JSON.stringify(Object.fromEntries(sorted.map((k) => [k, evaluation.outputs[k]?.value ?? null])), null, 2)}\n`;
}

/** A short tree of the registered resources, components with their children. */
export function renderTree(evaluation: Evaluation): string {
  const children = new Map<string, RecordedResource[]>();
  for (const r of evaluation.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [`${evaluation.project} (${evaluation.stack})`];
  const walk = (parent: string, prefix: string) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => byCodePoint(a.urn, b.urn));
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${r.type}  ${r.name}`);
      walk(r.urn, `${prefix}${last ? "   " : "│  "}`);
    });
  };
  walk("", "");
  return lines.join("\n");
}

/** The files of one plan, by path relative to the output folder. */
export function planFiles(evaluation: Evaluation): Map<string, string> {
  const files = new Map<string, string>();
  files.set("kubernetes.yaml", renderKubernetesYaml(kubernetesObjects(evaluation)));
  files.set("resources.json", renderResourcesJson(evaluation));
  files.set("outputs.json", renderOutputsJson(evaluation));
  files.set(
    PLAN_META_FILE,
    `${JSON.stringify({ project: evaluation.project, stack: evaluation.stack }, null, 2)}\n`,
  );
  for (const f of repositoryFiles(evaluation)) files.set(path.posix.join("files", f.path), f.content);
  return files;
}

/** plan.json: which project and stack the plan is of (plan:diff pairs plans by it, not by folder names). */
export const PLAN_META_FILE = "plan.json";

/** The file that marks a folder as a plan this tool wrote; only such a folder is ever replaced. */
export const PLAN_MARKER = ".workflow-runner-plan";
/** What the tool writes into PLAN_MARKER: a marker file with other content (or a link) is not the tool's. */
export const PLAN_MARKER_TEXT = "written by npm run plan; the folder is replaced by the next plan\n";

/** The raw error code of a file system error, or "". */
function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? "";
}

/** Whether `dir` holds PLAN_MARKER as a regular file with the tool's text (never followed through a link). */
function isPlanFolder(dir: string): boolean {
  try {
    const marker = path.join(dir, PLAN_MARKER);
    return lstatSync(marker).isFile() && readFileSync(marker, "utf8") === PLAN_MARKER_TEXT;
  } catch {
    return false;
  }
}

/**
 * Refuses an output folder the plan may not replace, naming --out: a symbolic link (never followed, never replaced),
 * a file, a path through a file, or a non-empty folder without the tool's PLAN_MARKER (`--out .` would otherwise
 * replace the checkout; a hand-written kubernetes.yaml is not a plan). A missing or empty folder, or a plan this tool
 * wrote, is fine.
 */
export function checkPlanFolder(outDir: string): void {
  const where = `--out ${outDir}`;
  // The nearest existing ancestor must be a folder: "a/file.txt/plan" cannot be created.
  for (let dir = path.dirname(outDir); ; dir = path.dirname(dir)) {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(dir);
    } catch (err) {
      if (codeOf(err) === "ENOTDIR")
        throw new Error(`${where}: a part of the path is a file, not a folder; allowed: a path of folders`);
      if (codeOf(err) !== "ENOENT")
        throw new Error(`${where}: cannot read ${dir} (${codeOf(err) || String(err)})`);
    }
    if (stat && !stat.isDirectory())
      throw new Error(`${where}: ${dir} is a file, not a folder; allowed: a path of folders`);
    if (stat || path.dirname(dir) === dir) break;
  }
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(outDir);
  } catch (err) {
    if (codeOf(err) === "ENOENT") return;
    if (codeOf(err) === "ENOTDIR")
      throw new Error(`${where}: a part of the path is a file, not a folder; allowed: a path of folders`);
    throw new Error(`${where}: cannot read it (${codeOf(err) || String(err)})`);
  }
  if (stat.isSymbolicLink())
    throw new Error(
      `${where}: is a symbolic link; allowed: a real folder (a plan never follows or replaces a link: name its target instead)`,
    );
  if (!stat.isDirectory())
    throw new Error(`${where}: is a file, not a folder; allowed: a new, empty or plan folder`);
  if (readdirSync(outDir).length > 0 && !isPlanFolder(outDir)) {
    throw new Error(
      `${where}: refusing to replace a folder that is not a plan (it is not empty and has no ${PLAN_MARKER} written by this tool); choose an empty or new folder`,
    );
  }
}

/**
 * Refuses an input file (a --stack-file, a --stack-outputs file) inside the output folder: replacing the plan would
 * delete it. Compared by real path, so a link into the folder is caught too. Pure but for reading the file system.
 */
export function checkInputOutsidePlan(outDir: string, where: string, file: string): void {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const out = real(outDir);
  const input = real(file);
  const rel = path.relative(out, input);
  if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
    throw new Error(
      `${where}: is inside the output folder (--out ${outDir}), which the plan replaces; allowed: an input file outside --out`,
    );
  }
}

/**
 * Writes a plan: every file into a new uniquely named folder beside the target, then swaps it into place with renames.
 * A failure before the swap removes only the new folder and leaves the previous plan as it was; a previous plan (a
 * folder with the tool's PLAN_MARKER) is moved aside under a unique name and removed only once the new one is in
 * place. Plans written at once to one folder each land whole, the last one stays, and none leaves a staging folder.
 * Never removes a folder it did not write.
 */
export function writePlan(outDir: string, files: ReadonlyMap<string, string>): void {
  checkPlanFolder(outDir);
  const parent = path.dirname(outDir);
  let staging: string;
  try {
    mkdirSync(parent, { recursive: true });
    staging = mkdtempSync(path.join(parent, `.${path.basename(outDir)}.new-`));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(
      `--out ${outDir}: cannot create a folder in ${parent} (${code}); allowed: a writable folder path`,
    );
  }
  try {
    for (const [rel, content] of files) {
      const file = path.join(staging, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    writeFileSync(path.join(staging, PLAN_MARKER), PLAN_MARKER_TEXT);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `could not write the plan into ${staging} (${err instanceof Error ? err.message : String(err)}); it was removed`,
    );
  }
  const aside: string[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // rename(2) replaces a missing or empty folder in one step.
        renameSync(staging, outDir);
        break;
      } catch (err) {
        if (!["EEXIST", "ENOTEMPTY"].includes(codeOf(err)) || attempt >= 20) throw err;
      }
      // Another plan (ours, or one written at the same moment) is there: move it aside, if it is still a plan.
      checkPlanFolder(outDir);
      const old = `${staging}.old-${attempt}`;
      try {
        renameSync(outDir, old);
        aside.push(old);
      } catch (err) {
        // Moved by a concurrent plan in the meantime: try again.
        if (codeOf(err) !== "ENOENT") throw err;
      }
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Put the previous plan back if nothing took its place.
    const previous = aside[0];
    if (previous) {
      try {
        renameSync(previous, outDir);
        aside.shift();
      } catch {
        // A concurrent plan is in place: the previous one is no longer needed.
      }
    }
    for (const old of aside) rmSync(old, { recursive: true, force: true });
    throw new Error(
      `--out ${outDir}: could not put the plan in place (${err instanceof Error ? err.message : String(err)}); any previous plan is unchanged`,
    );
  }
  for (const old of aside) rmSync(old, { recursive: true, force: true });
}

/** One line on how the worker runs and what it opens (read from the plan's own objects). */
export function workloadSummary(evaluation: Evaluation): string | undefined {
  const objects = kubernetesObjects(evaluation);
  const deployment = objects.find((o) => o.kind === "Deployment");
  if (!deployment) return undefined;
  const container = (deployment.spec as { template?: { spec?: { containers?: Record<string, unknown>[] } } })
    ?.template?.spec?.containers?.[0];
  const ports = (container?.ports as unknown[] | undefined)?.length ?? 0;
  const probes = ["startupProbe", "readinessProbe", "livenessProbe"].filter(
    (k) => container?.[k] !== undefined,
  );
  const namespace = (deployment.metadata as { namespace?: string } | undefined)?.namespace;
  const services = objects.filter(
    (o) =>
      o.kind === "Service" && (o.metadata as { namespace?: string } | undefined)?.namespace === namespace,
  ).length;
  return ports === 0 && probes.length === 0 && services === 0
    ? "Worker: the Temporal worker only: no container port, no probe and no Service, because its contract declares no port and no probe (contracts/<service>.ts)."
    : `Worker: ${ports} container port(s), probes ${probes.join(", ") || "none"}, ${services} Service(s).`;
}

/** One line on who triggers the build and who deploys, read from the plan's own objects and outputs. */
export function deliverySummary(evaluation: Evaluation): string {
  const objects = kubernetesObjects(evaluation);
  const pipeline = String(evaluation.outputs.pipelineName?.value ?? "");
  const origin = String(evaluation.outputs.imageOrigin?.value ?? "");
  const trigger = objects.some((o) => o.kind === "EventListener")
    ? "tekton: this program's EventListener and GitHub webhook start the root pipeline"
    : pipeline !== ""
      ? "planton: the service-hub entry is the only trigger (Planton owns the webhook)"
      : "none: this stack does not build";
  const deployer =
    pipeline !== ""
      ? `the root pipeline's deploy step (pulumi up for this stack; the entry turns Planton's deploy stage off)`
      : origin === "promotion"
        ? "pulumi up of this stack, promoting another stack's image"
        : "pulumi up of this stack";
  return `Trigger: ${trigger}. Deploys: ${deployer}.`;
}
