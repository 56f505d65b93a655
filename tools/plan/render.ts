// Turns an evaluation into the plan's files: kubernetes.yaml, resources.json, outputs.json and files/.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
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
/** What a plan folder holds. */
const PLAN_ENTRIES = [
  "kubernetes.yaml",
  "resources.json",
  "outputs.json",
  PLAN_META_FILE,
  "secrets.json",
  "files",
  PLAN_MARKER,
];

/**
 * Refuses an output folder the plan may not replace: a file, or a non-empty folder without PLAN_MARKER (`--out .`
 * would otherwise replace the checkout). A missing or empty folder, or an earlier plan, is fine.
 */
export function checkPlanFolder(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new Error(`--out ${outDir}: is a file, not a folder`);
  const entries = readdirSync(outDir);
  // A plan written before the marker existed holds only the plan's own files.
  const earlierPlan = entries.length > 0 && entries.every((e) => PLAN_ENTRIES.includes(e));
  if (entries.length > 0 && !entries.includes(PLAN_MARKER) && !earlierPlan) {
    throw new Error(
      `--out ${outDir}: refusing to replace a folder that is not a plan (it is not empty and has no ${PLAN_MARKER}); choose an empty or new folder`,
    );
  }
}

/**
 * Writes a plan: every file into a new folder beside the target, then swaps it into place with renames. A failure
 * before the swap removes only the new folder and leaves the previous plan as it was; the previous plan (a folder
 * with PLAN_MARKER) is removed only once the new one is in place. Never removes a folder it did not write.
 */
export function writePlan(outDir: string, files: ReadonlyMap<string, string>): void {
  checkPlanFolder(outDir);
  const parent = path.dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(path.join(parent, `.${path.basename(outDir)}.new-`));
  try {
    for (const [rel, content] of files) {
      const file = path.join(staging, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    writeFileSync(
      path.join(staging, PLAN_MARKER),
      "written by npm run plan; the folder is replaced by the next plan\n",
    );
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `could not write the plan into ${staging} (${err instanceof Error ? err.message : String(err)}); it was removed`,
    );
  }
  let previous: string | undefined;
  if (existsSync(outDir)) {
    previous = `${staging}.old`;
    renameSync(outDir, previous);
  }
  try {
    renameSync(staging, outDir);
  } catch (err) {
    if (previous) renameSync(previous, outDir);
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
}

/** One line on how the worker runs: its mode, and what that mode opens (read from the plan's own objects). */
export function workloadSummary(evaluation: Evaluation): string | undefined {
  const objects = kubernetesObjects(evaluation);
  const settings = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name?.endsWith("-settings"));
  const data = (settings?.data ?? {}) as Record<string, string>;
  const mode = data.EXECUTION_MODE;
  if (!mode) return undefined;
  const grpcPort = data.GRPC_PORT;
  return mode === "temporal"
    ? "Worker: EXECUTION_MODE temporal: no container port, no probe and no Service, because the binary opens no port in this mode (README: the service's start-up contract)."
    : `Worker: EXECUTION_MODE ${mode}: gRPC on ${grpcPort ?? "8080"} with grpc startup, readiness and liveness probes and a ClusterIP Service.`;
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
