// Planton's contract for self-managed Tekton pipelines and its service-hub entry formats: the facts this program
// builds the root pipeline and the entry from, and the tests check them against.
//
// Source: plantonhq/planton site/public/docs/ci-cd/self-managed-pipelines.md (dbe2e717): "The parameter contract",
// "Workspaces", "Secrets and Variables", "Compile verdicts"; site/public/docs/ci-cd/what-is-a-service.md (project
// root, trigger paths); a search hit in the same site for v1 `pipelineConfiguration.disableDeployments`; and the
// monorepo's build note (stigmer/stigmer backend/services/workflow-runner/docs/guides/build-strategy.md): the v1
// entry with `pipelineProvider: self`, `tektonPipelineYamlFile: .planton/pipeline.yaml`, `params.service-name`, and
// the shared root pipeline `stigmer-java-backend-service-pipeline` that builds stigmer-service and workflow-runner.

/** Parameters Planton hands every build; a pipeline must declare each (`undeclared_param`). Defaults are fine. */
export const ALWAYS_SUPPLIED_PARAMS = [
  "git-url",
  "git-revision",
  "git-branch",
  "project-root",
  "sparse-checkout-directories",
  "owner-identifier-label-key",
  "owner-identifier-label-value",
  "kustomize-manifests-config-map-name",
  "kustomize-base-directory",
] as const;

/** Supplied when the entry names a registry: `<registry host>/<imageRepositoryPath>:<commit SHA>`. */
export const REGISTRY_PARAM = "image-name";

/** Supplied for Dockerfile builds only (not this pipeline's). */
export const DOCKERFILE_PARAMS = ["dockerfile-config-map-name", "build-context", "dockerfile-path"] as const;

/** Supplied only when the pipeline declares them ("trigger facts"). */
export const DECLARED_ONLY_PARAMS = ["git-tag", "pull-request-number", "trigger-type"] as const;

/** Workspaces the platform binds: the checkout, and the build secrets (one file each). Others must be optional. */
export const BOUND_WORKSPACES = ["source", "secrets"] as const;

/** Tasks the platform catalog resolves by plain name when the repository and the organization do not. */
export const CATALOG_TASKS = ["git-clone", "buildkit-daemonless", "buildpacks", "kustomize-build"] as const;

/** Remote resolvers a taskRef may not use (`resolver_ref_unsupported`). */
export const REMOTE_RESOLVERS = ["git", "hub", "bundles"] as const;

/** Every compile verdict the documentation lists, by code. */
export const COMPILE_VERDICTS = [
  "invalid_yaml",
  "invalid_pipeline_schema",
  "multiple_pipeline_documents",
  "unexpected_document_kind",
  "duplicate_task_definition",
  "unresolved_task_ref",
  "resolver_ref_unsupported",
  "undeclared_param",
  "missing_required_param",
  "unbindable_workspace",
  "secrets_workspace_without_secrets",
  "build_secrets_never_mounted",
  "dangling_result_reference",
  "literal_secret_env",
  "repo_file_unreadable",
] as const;
/** One compile verdict. */
export type CompileVerdict = (typeof COMPILE_VERDICTS)[number];

/**
 * The files this pipeline reads from the `secrets` workspace: Planton build secrets, one per environment. Only the
 * v1alpha1 entry documents how a Service names them (`build.tektonPipeline.secrets`).
 */
export const BUILD_SECRET_FILES = {
  /** A Pulumi access token allowed to update the deploy stack. */
  pulumiAccessToken: "pulumi-access-token",
  /** A kubeconfig for the target cluster (the workload namespace's deployer ServiceAccount). */
  kubeconfig: "kubeconfig",
} as const;

/**
 * Entry API versions and the fields this program may write, as documented; the tests refuse any other field.
 *  - v1: the monorepo's build note (stigmer/stigmer backend/services/workflow-runner/docs/guides/build-strategy.md)
 *    quotes it; `disableDeployments` from a search hit in the Planton site. Its docs name no build secrets.
 *  - v1alpha1: plantonhq/planton site/public/docs/ci-cd/self-managed-pipelines.md (dbe2e717): `spec.build` with
 *    `tektonPipeline{yamlFile, params, secrets[{name, ref}]}`, `registry`, `imageRepositoryPath` ("The pipeline
 *    file", "Secrets and Variables"); trigger rules under `spec.build.triggers` (`branches`, `paths`) and nowhere
 *    else, and the deploy side `spec.deploy.kustomize: {}` (the service's `_kustomize` overlays; deployment-stage.md
 *    23b03faf: git-based manifests are the default), as recorded in this project's notes of the same docs (not
 *    re-read at the source). `gitRepo` as what-is-a-service.md (17a0cf3b) lists it: repository, default branch,
 *    project root; the first-service tutorial's `gitRepo{gitConnection, ownerName, name, defaultBranch}`, and the
 *    push-to-register doc: a pushed manifest may omit the repository's identity. `spec.deploy.disableDeployments:
 *    true` skips the deploy stage ("Build-only services", the branch-deployments tutorial of 2026-04-02).
 */
export const ENTRY_FORMATS = {
  /** The form the monorepo's build note quotes. */
  v1: {
    apiVersion: "service-hub.planton.ai/v1",
    spec: ["gitRepo", "packageType", "containerRegistry", "pipelineConfiguration", "deploymentEnvironments"],
    gitRepo: ["gitRepoProvider", "ownerName", "name", "defaultBranch", "projectRoot", "triggerPaths"],
    pipelineConfiguration: [
      "pipelineProvider",
      "tektonPipelineYamlFile",
      "imageRepositoryPath",
      "pipelineBranches",
      "params",
      "disableDeployments",
    ],
  },
  /** The current form (self-managed-pipelines.md): `spec.build` selects the builder, `spec.deploy` the deploy stage. */
  v1alpha1: {
    apiVersion: "service-hub.planton.ai/v1alpha1",
    spec: ["gitRepo", "build", "deploy"],
    gitRepo: ["gitConnection", "ownerName", "name", "defaultBranch", "projectRoot"],
    build: ["tektonPipeline", "registry", "imageRepositoryPath", "triggers"],
    tektonPipeline: ["yamlFile", "params", "secrets"],
    /** One build secret: the file name in the secrets workspace and a `$secret/` reference. */
    secret: ["name", "ref"],
    triggers: ["branches", "paths", "disableTriggerBranches"],
    deploy: ["kustomize", "disableDeployments", "branchDeployments"],
    /** One branch mapping (deployment-environments.md, "Branch-Based Targeting"). */
    branchDeployment: ["branch", "env"],
  },
} as const;

/** Entry format names. */
export type EntryFormat = keyof typeof ENTRY_FORMATS;

/**
 * How a committed entry reaches Planton. Push-to-register (the Planton docs' "Push-to-Register — the service.yaml in
 * the Repository IS the Registration", re-read 2026-12-07): a connected repository registers a Service by holding a
 * file named `service.yaml` whose content is a `service-hub.planton.ai/v1alpha1` `Service`, on its default branch; a
 * file of any other name, another kind or version, or on another branch is not read. The repository's identity
 * (`metadata.org`; `spec.gitRepo` connection, owner, name, default branch) may be left out, the platform fills it from
 * the push; present and contradicting the push, the manifest is refused. The other route, `planton apply -f <file>`
 * (any file name; the apply-path tutorials set `spec.gitRepo.gitConnection`), needs someone to run it: this program
 * takes push-to-register, so the file it commits is the registration.
 */
export const PUSH_TO_REGISTER = {
  fileName: "service.yaml",
  apiVersion: "service-hub.planton.ai/v1alpha1",
  kind: "Service",
  /** Identity fields a pushed manifest may omit; present, they must match the push. */
  gitRepoIdentity: ["gitConnection", "ownerName", "name", "defaultBranch"],
} as const;

/**
 * Which builds a build secret reaches (self-managed-pipelines.md dbe2e717, "Secrets and Variables"; deployment-
 * environments.md 8584c95d, "Branch-Based Targeting"): `$secret/@<env>/<slug>` reaches only a build for that one
 * environment (a branch mapped to it, a run scoped to it, a pull request previewing it); a build serving several (the
 * promotion walk a trigger branch's push starts, a tag release) gets the organization's secrets (`$secret/<slug>`)
 * only. A branch is a trigger branch or a mapped branch, never both (refused when saved); an empty or absent
 * `triggers.branches` means the default branch; `triggers.disableTriggerBranches: true` makes no branch a trigger
 * branch. How `branchDeployments` combines with `deploy.disableDeployments` is not documented.
 */
export const SECRET_SCOPES = {
  environment: /^\$secret\/@(?<env>[a-z0-9-]+)\/(?<slug>[A-Za-z0-9._-]+)$/,
  organization: /^\$secret\/(?<slug>[A-Za-z0-9._-]+)$/,
} as const;

/** `$secret/@<env>/<slug>`: a build secret that reaches only builds for that environment. */
export function environmentSecretRef(environment: string, slug: string): string {
  return `$secret/@${environment}/${slug}`;
}

/** The monorepo's Bazel version (stigmer/stigmer `.bazelversion` at b070f18): the build image must match it. */
export const MONOREPO_BAZEL_VERSION = "8.0.0";
