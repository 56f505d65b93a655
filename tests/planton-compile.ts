// A model of Planton's pipeline compiler, built from its documented verdicts (plantonhq/planton
// site/public/docs/ci-cd/self-managed-pipelines.md, "Compile verdicts"), to check the committed files offline; and of
// how a committed entry registers (push-to-register) and which builds its secrets reach (deployment-environments.md,
// self-managed-pipelines.md "Secrets and Variables"), both as contracts/planton.ts records them.
import { type Document, parseAllDocuments } from "yaml";
import {
  ALWAYS_SUPPLIED_PARAMS,
  BOUND_WORKSPACES,
  CATALOG_TASKS,
  type CompileVerdict,
  DECLARED_ONLY_PARAMS,
  PUSH_TO_REGISTER,
  REGISTRY_PARAM,
  SECRET_SCOPES,
} from "../contracts/planton";

// biome-ignore lint/suspicious/noExplicitAny: Tekton documents as plain JSON.
type Obj = any;

/** The params a Service hands its pipeline, in either entry form (v1alpha1 `build.tektonPipeline`, v1). */
export function entryParams(entry: Obj): Record<string, string> {
  return entry.spec.build?.tektonPipeline?.params ?? entry.spec.pipelineConfiguration?.params ?? {};
}

/** What a dispatch compiles: the files at the built commit, and what the Service supplies. */
export interface CompileInput {
  /** `.planton/pipeline.yaml`'s text; undefined when the file cannot be read at that commit. */
  readonly pipelineFile: string | undefined;
  /** `.planton/tasks/*.yaml` texts, by path. */
  readonly taskFiles: Readonly<Record<string, string>>;
  /** The entry's `params`. */
  readonly entryParams: Readonly<Record<string, string>>;
  /** The entry names a registry, so `image-name` is supplied. */
  readonly registry: boolean;
  /** Names of the build secrets the Service names (files of the secrets workspace). */
  readonly buildSecrets: readonly string[];
  /** Tasks the organization has published. @default none */
  readonly orgTasks?: readonly string[];
}

/** One refusal. */
export interface Verdict {
  readonly code: CompileVerdict;
  readonly message: string;
}

/** A literal env value that looks like a secret: a credential-like name with a literal value, or a token's shape. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIAL|PRIVATE_?KEY)/i;
const SECRET_SHAPE = /^(ghp_|gho_|ghs_|github_pat_|pul-|xox[abpr]-|AKIA)[A-Za-z0-9_-]{8,}/;

function docs(text: string, file: string, verdicts: Verdict[]): Obj[] {
  let parsed: Document[];
  try {
    parsed = parseAllDocuments(text) as Document[];
  } catch (err) {
    verdicts.push({ code: "invalid_yaml", message: `${file}: ${String(err)}` });
    return [];
  }
  const out: Obj[] = [];
  for (const d of parsed) {
    const first = d.errors[0];
    if (first) {
      verdicts.push({ code: "invalid_yaml", message: `${file}: ${first.message.split("\n")[0]}` });
      continue;
    }
    const value = d.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Every `$(tasks.<task>.results.<result>)` in a value. */
function resultRefs(value: unknown): [string, string][] {
  return [...JSON.stringify(value).matchAll(/\$\(tasks\.([a-z0-9-]+)\.results\.([A-Za-z0-9_-]+)\)/g)].map(
    (m) => [m[1] ?? "", m[2] ?? ""],
  );
}

/** Compiles as the dispatch does and returns every verdict (none: it compiles). */
export function compile(input: CompileInput): Verdict[] {
  const verdicts: Verdict[] = [];
  const v = (code: CompileVerdict, message: string) => verdicts.push({ code, message });
  if (input.pipelineFile === undefined) {
    v("repo_file_unreadable", ".planton/pipeline.yaml could not be read at the built commit");
    return verdicts;
  }
  const pipelineDocs = docs(input.pipelineFile, ".planton/pipeline.yaml", verdicts);
  const pipelines = pipelineDocs.filter((d) => d?.kind === "Pipeline");
  if (pipelines.length > 1) v("multiple_pipeline_documents", `${pipelines.length} Pipelines in one source`);
  const pipeline = pipelines[0];
  if (pipeline?.apiVersion !== "tekton.dev/v1") {
    v("invalid_pipeline_schema", "the source is not a tekton.dev/v1 Pipeline");
  }
  const taskDocs: Obj[] = pipelineDocs.filter((d) => d !== pipeline && d?.kind !== "Pipeline");
  for (const [file, text] of Object.entries(input.taskFiles)) taskDocs.push(...docs(text, file, verdicts));
  const tasks = new Map<string, Obj>();
  for (const d of taskDocs) {
    if (d?.kind !== "Task") {
      v("unexpected_document_kind", `a ${String(d?.kind)} document beside the pipeline`);
      continue;
    }
    if (d.apiVersion !== "tekton.dev/v1")
      v("invalid_pipeline_schema", `Task ${d.metadata?.name} is not tekton.dev/v1`);
    const name = String(d.metadata?.name);
    if (tasks.has(name)) v("duplicate_task_definition", `two Tasks named ${name}`);
    tasks.set(name, d);
  }
  if (!pipeline) return verdicts;
  const spec = pipeline.spec ?? {};

  // Task references.
  const known = new Set([...tasks.keys(), ...(input.orgTasks ?? []), ...CATALOG_TASKS]);
  const pipelineTasks: Obj[] = [...(spec.tasks ?? []), ...(spec.finally ?? [])];
  for (const pt of pipelineTasks) {
    if (pt.taskRef?.resolver !== undefined) {
      v("resolver_ref_unsupported", `task ${pt.name} uses resolver ${pt.taskRef.resolver}`);
    } else if (pt.taskRef && !known.has(pt.taskRef.name)) {
      v("unresolved_task_ref", `task ${pt.name} references ${pt.taskRef.name}, which nothing defines`);
    }
  }

  // The parameter contract, both ways.
  const declared = new Map<string, Obj>((spec.params ?? []).map((p: Obj) => [p.name, p]));
  const supplied = new Set<string>([
    ...ALWAYS_SUPPLIED_PARAMS,
    ...(input.registry ? [REGISTRY_PARAM] : []),
    ...Object.keys(input.entryParams),
    ...DECLARED_ONLY_PARAMS.filter((p) => declared.has(p)),
  ]);
  for (const name of supplied) {
    if (!declared.has(name))
      v("undeclared_param", `the platform supplies ${name}, which the pipeline does not declare`);
  }
  for (const [name, p] of declared) {
    if (p.default === undefined && !supplied.has(name)) {
      v("missing_required_param", `${name} has no default and nothing supplies it`);
    }
  }

  // Workspaces.
  const workspaces: Obj[] = spec.workspaces ?? [];
  for (const w of workspaces) {
    if (!(BOUND_WORKSPACES as readonly string[]).includes(w.name) && !w.optional) {
      v(
        "unbindable_workspace",
        `workspace ${w.name} is required, and the platform binds only source and secrets`,
      );
    }
  }
  const secrets = workspaces.find((w) => w.name === "secrets");
  if (secrets && !secrets.optional && input.buildSecrets.length === 0) {
    v(
      "secrets_workspace_without_secrets",
      "the pipeline requires secrets, but the Service names no build secrets",
    );
  }
  if (!secrets && input.buildSecrets.length > 0) {
    v(
      "build_secrets_never_mounted",
      "build secrets reach this build, but the pipeline declares no secrets workspace",
    );
  }

  // Result references.
  const byName = new Map<string, Obj>(pipelineTasks.map((pt) => [pt.name, pt]));
  for (const [taskName, result] of resultRefs(spec)) {
    const pt = byName.get(taskName);
    const task = pt?.taskRef ? tasks.get(pt.taskRef.name) : pt?.taskSpec ? { spec: pt.taskSpec } : undefined;
    const results: Obj[] = task?.spec?.results ?? [];
    if (!pt || (task && !results.some((r) => r.name === result))) {
      v("dangling_result_reference", `$(tasks.${taskName}.results.${result}) names nothing`);
    }
  }

  // Literal secrets in env.
  for (const task of tasks.values()) {
    for (const step of [...(task.spec?.steps ?? []), ...(task.spec?.sidecars ?? [])]) {
      for (const e of step.env ?? []) {
        if (typeof e.value !== "string" || e.value === "" || e.value.includes("$(")) continue;
        if (SECRET_NAME.test(e.name) || SECRET_SHAPE.test(e.value)) {
          v(
            "literal_secret_env",
            `Task ${task.metadata.name}, step ${step.name}: env ${e.name} holds a literal`,
          );
        }
      }
    }
  }

  // Tekton's own validation, as far as the dispatch relies on it: every pipeline task binds what its Task requires
  // and passes only what it declares, and every $(params.x) of the Pipeline is declared.
  const pipelineWorkspaces = new Set(workspaces.map((w) => w.name));
  for (const pt of pipelineTasks) {
    const task = pt.taskRef ? tasks.get(pt.taskRef.name) : undefined;
    for (const w of pt.workspaces ?? []) {
      if (!pipelineWorkspaces.has(w.workspace)) {
        v("invalid_pipeline_schema", `task ${pt.name} binds undeclared workspace ${w.workspace}`);
      }
    }
    if (!task) continue;
    const bound = new Set((pt.workspaces ?? []).map((w: Obj) => w.name));
    for (const w of task.spec?.workspaces ?? []) {
      if (!w.optional && !bound.has(w.name))
        v("invalid_pipeline_schema", `task ${pt.name} does not bind workspace ${w.name}`);
    }
    const taskParams = new Map<string, Obj>((task.spec?.params ?? []).map((p: Obj) => [p.name, p]));
    const passed = new Set<string>((pt.params ?? []).map((p: Obj) => String(p.name)));
    for (const name of passed) {
      if (!taskParams.has(name))
        v(
          "invalid_pipeline_schema",
          `task ${pt.name} passes ${name}, which Task ${task.metadata.name} does not declare`,
        );
    }
    for (const [name, p] of taskParams) {
      if (p.default === undefined && !passed.has(name))
        v("invalid_pipeline_schema", `task ${pt.name} does not pass required ${name}`);
    }
  }
  for (const m of JSON.stringify(spec).matchAll(/\$\(params\.([A-Za-z0-9_-]+)\)/g)) {
    if (!declared.has(m[1] ?? "")) v("invalid_pipeline_schema", `$(params.${m[1]}) is not declared`);
  }
  return verdicts;
}

/** A push of one file to a connected repository, as push-to-register sees it. */
export interface PushedFile {
  /** The file's path in the repository. */
  readonly path: string;
  /** The branch pushed to. */
  readonly branch: string;
  /** The file's YAML text. */
  readonly text: string;
}

/** The repository the push came from: its owner, name and default branch. */
export interface PushedRepository {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
}

/** What push-to-register does with a pushed file. */
export type Registration =
  | { readonly verdict: "registered"; readonly service: string }
  | { readonly verdict: "ignored" | "refused"; readonly reason: string };

/**
 * Push-to-register as Planton documents it (contracts/planton.ts PUSH_TO_REGISTER: "Push-to-Register — the
 * service.yaml in the Repository IS the Registration"): only a file named service.yaml on the default branch, holding a
 * v1alpha1 Service, is read; repository identity it states must be the push's own.
 */
export function pushRegistration(file: PushedFile, repository: PushedRepository): Registration {
  const name = file.path.split("/").pop();
  if (name !== PUSH_TO_REGISTER.fileName)
    return {
      verdict: "ignored",
      reason: `${file.path}: only files named ${PUSH_TO_REGISTER.fileName} are read`,
    };
  if (file.branch !== repository.defaultBranch)
    return {
      verdict: "ignored",
      reason: `${file.branch} is not the default branch ${repository.defaultBranch}`,
    };
  const doc: Obj = parseAllDocuments(file.text)[0]?.toJS() ?? {};
  if (doc.apiVersion !== PUSH_TO_REGISTER.apiVersion || doc.kind !== PUSH_TO_REGISTER.kind)
    return { verdict: "ignored", reason: `${doc.apiVersion} ${doc.kind} is not Planton's` };
  const gitRepo: Obj = doc.spec?.gitRepo ?? {};
  const own: Record<string, string> = {
    ownerName: repository.owner,
    name: repository.name,
    defaultBranch: repository.defaultBranch,
  };
  for (const [field, value] of Object.entries(own)) {
    if (gitRepo[field] !== undefined && gitRepo[field] !== value)
      return {
        verdict: "refused",
        reason: `declares ${field} ${gitRepo[field]} but was pushed to ${value}`,
      };
  }
  return { verdict: "registered", service: String(doc.metadata?.name) };
}

/** The environments a push's build serves: one (a mapped branch), the walk (a trigger branch), or no build. */
export type BuildScope = { readonly env: string } | "walk" | "none";

/** Which builds a push to a branch starts, by the entry's trigger and mapping rules (SECRET_SCOPES). */
export function buildScope(entry: Obj, branch: string, defaultBranch: string): BuildScope {
  const triggers: Obj = entry.spec?.build?.triggers ?? {};
  const listed: string[] = triggers.branches ?? [];
  const triggerBranches = triggers.disableTriggerBranches ? [] : listed.length > 0 ? listed : [defaultBranch];
  const mapped: Obj[] = entry.spec?.deploy?.branchDeployments ?? [];
  const both = mapped.find((m) => triggerBranches.includes(m.branch));
  if (both)
    throw new Error(`refused on save: ${both.branch} is both a trigger branch and mapped to ${both.env}`);
  const mapping = mapped.find((m) => m.branch === branch);
  if (mapping) return { env: String(mapping.env) };
  return triggerBranches.includes(branch) ? "walk" : "none";
}

/** The build secrets (file names of the secrets workspace) a build of this scope can read (SECRET_SCOPES). */
export function secretsReaching(entry: Obj, scope: BuildScope): string[] {
  if (scope === "none") return [];
  const secrets: Obj[] = entry.spec?.build?.tektonPipeline?.secrets ?? [];
  return secrets
    .filter((s) => {
      const env = SECRET_SCOPES.environment.exec(String(s.ref))?.groups?.env;
      if (env !== undefined) return scope !== "walk" && scope.env === env;
      return SECRET_SCOPES.organization.test(String(s.ref));
    })
    .map((s) => String(s.name));
}
