// RootPipeline: the monorepo's shared root pipeline and its Tasks, generic over services (service-name picks one),
// committed for Planton to compile and, when Tekton is self-hosted, applied to the CI namespace.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { IMAGE_CONFIG_KEYS } from "../config/keys";
import type { BuildDescription, RootPipelineDescription } from "../config/service";
import { ALWAYS_SUPPLIED_PARAMS, BUILD_SECRET_FILES, REGISTRY_PARAM } from "../contracts/planton";
import { commitFile, type RepositoryTarget, renderYamlFile } from "./repository-files";
import {
  inNamespace,
  type ParamSpec,
  type PipelineSpec,
  param,
  type Step,
  type TaskSpec,
  TEKTON_API,
  type TypedObject,
  taskResult,
  typedObject,
} from "./tekton";

/** Path of the committed root Pipeline, the file every service's entry points at. */
export const PIPELINE_FILE = ".planton/pipeline.yaml";
/** Folder of the committed Tasks, where Planton resolves plain task references first. */
export const TASKS_DIR = ".planton/tasks";
/** UID every step runs as (the nonroot user of distroless and Tekton's own images). */
export const STEP_UID = 65532;

/** The Tasks of the root pipeline, by role: the name it is committed and referenced under. */
export const TASK_NAMES = {
  checkout: "source-checkout",
  buildPush: "bazel-oci-push",
  deploy: "pulumi-deploy",
} as const;

/**
 * The optional cache workspaces and the claims a self-hosted run binds them to (Planton binds only source and
 * secrets, so its runs leave them unbound and build cold unless bazel-remote-cache names a remote cache).
 */
export const CACHE_WORKSPACES = {
  /** Bazel's output root, repository cache and disk cache (build-push). */
  build: { workspace: "build-cache", claimName: "root-pipeline-build-cache" },
  /** npm's cache and Pulumi's plugins (deploy); apart from the build's, so no build step can write what deploy runs. */
  deploy: { workspace: "deploy-cache", claimName: "root-pipeline-deploy-cache" },
} as const;

/** Labels of the shared files and objects: they belong to no one service. */
export const SHARED_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/part-of": "stigmer",
  "app.kubernetes.io/component": "root-pipeline",
  "app.kubernetes.io/managed-by": "pulumi",
};

/** Params a service's entry hands the root pipeline beyond Planton's own (and the self-hosted trigger the same). */
export const SERVICE_PARAMS = {
  serviceName: "service-name",
  pushTarget: "bazel-push-target",
  imageTarget: "bazel-image-target",
  deployStack: "deploy-stack",
  deployProgramPath: "deploy-program-path",
  deployTargets: "deploy-targets",
  deployKubeContext: "deploy-kube-context",
  pulumiBackendUrl: "pulumi-backend-url",
  bazelRemoteCache: "bazel-remote-cache",
} as const;

/** A step script of this component, read from components/scripts/ (copied beside the compiled JavaScript). */
export function readScript(name: string): string {
  return readFileSync(path.join(__dirname, "scripts", name), "utf8");
}

/** The restricted security context every step runs with. */
function stepSecurityContext(): Input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: STEP_UID,
    runAsGroup: STEP_UID,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function task(name: string, spec: TaskSpec): TypedObject<TaskSpec> {
  return typedObject(TEKTON_API, "Task", { name, labels: { ...SHARED_LABELS } }, spec);
}

/** Task source-checkout: the commit into the source workspace (idempotent over Planton's own checkout). Pure. */
export function buildCheckoutTask(root: RootPipelineDescription): TypedObject<TaskSpec> {
  const step: Step = {
    name: "checkout",
    image: root.gitImage,
    env: [
      { name: "GIT_URL", value: param("url") },
      { name: "GIT_REVISION", value: param("revision") },
      { name: "SOURCE_DIR", value: "$(workspaces.source.path)" },
      { name: "RESULT_COMMIT", value: "$(results.commit.path)" },
      { name: "HOME", value: "/checkout-home" },
    ],
    script: readScript("source-checkout.sh"),
    computeResources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: stepSecurityContext(),
    volumeMounts: [{ name: "home", mountPath: "/checkout-home" }],
  };
  return task(TASK_NAMES.checkout, {
    description:
      "Puts one commit of the repository into the source workspace (shallow; a no-op over a checkout of it).",
    params: [
      { name: "url", type: "string", description: "https clone URL of the repository." },
      { name: "revision", type: "string", description: "Commit SHA to check out." },
    ],
    results: [{ name: "commit", type: "string", description: "The SHA checked out." }],
    workspaces: [{ name: "source", description: "Receives the checkout." }],
    steps: [step],
    volumes: [{ name: "home", emptyDir: {} }],
  });
}

/** Task bazel-oci-push: `bazel run --config=ci --define TAG=<tag> <push target>` and the pushed digest. Pure. */
export function buildBuildPushTask(root: RootPipelineDescription): TypedObject<TaskSpec> {
  const step: Step = {
    name: "bazel-push",
    image: root.bazelImage,
    workingDir: "$(workspaces.source.path)",
    env: [
      { name: "SERVICE_NAME", value: param("service-name") },
      { name: "COMMIT", value: param("commit") },
      { name: "IMAGE_NAME", value: param("image-name") },
      { name: "PUSH_TARGET", value: param("push-target") },
      { name: "IMAGE_TARGET", value: param("image-target") },
      { name: "REGISTRY_CREDENTIALS_BOUND", value: "$(workspaces.registry-credentials.bound)" },
      { name: "REGISTRY_CREDENTIALS_DIR", value: "$(workspaces.registry-credentials.path)" },
      { name: "BUILD_CACHE_BOUND", value: "$(workspaces.build-cache.bound)" },
      { name: "BUILD_CACHE_DIR", value: "$(workspaces.build-cache.path)" },
      { name: "BAZEL_REMOTE_CACHE", value: param("remote-cache") },
      { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
      { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
      { name: "RESULT_IMAGE_TAG", value: "$(results.IMAGE_TAG.path)" },
      { name: "HOME", value: "/bazel-home" },
      { name: "USER", value: "builder" },
    ],
    script: readScript("bazel-oci-push.sh"),
    computeResources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    securityContext: stepSecurityContext(),
    volumeMounts: [{ name: "bazel-home", mountPath: "/bazel-home" }],
  };
  return task(TASK_NAMES.buildPush, {
    description:
      "Builds and pushes //backend/services/<service-name> with Bazel as the monorepo does (--config=ci --define TAG=<tag>); reports the pushed digest.",
    params: [
      {
        name: "service-name",
        type: "string",
        description: "The service to build (a folder of backend/services).",
      },
      {
        name: "commit",
        type: "string",
        description: "The commit checked out: the tag unless image-name names one.",
      },
      {
        name: "image-name",
        type: "string",
        description:
          "Planton's <registry>/<path>:<tag>; its tag is pushed and its repository must be the push target's.",
        default: "",
      },
      {
        name: "push-target",
        type: "string",
        description: "oci_push label; empty: the monorepo's naming.",
        default: "",
      },
      {
        name: "image-target",
        type: "string",
        description: "oci_image label; empty: the monorepo's naming.",
        default: "",
      },
      {
        name: "remote-cache",
        type: "string",
        description: "Bazel remote cache (grpcs:// or https://); empty: the build-cache workspace, or none.",
        default: "",
      },
    ],
    results: [
      { name: "IMAGE_URL", type: "string", description: "repository:tag pushed (Tekton Chains type hint)." },
      {
        name: "IMAGE_DIGEST",
        type: "string",
        description: "sha256 digest pushed (Tekton Chains type hint).",
      },
      { name: "IMAGE_TAG", type: "string", description: "The tag pushed." },
    ],
    workspaces: [
      { name: "source", description: "The checkout." },
      {
        name: "registry-credentials",
        description: "config.json with push credentials; unbound, the run identity's docker config is used.",
        readOnly: true,
        optional: true,
      },
      {
        name: CACHE_WORKSPACES.build.workspace,
        description:
          "Bazel's output root, repository cache and disk cache, kept between runs; unbound: a cold build.",
        optional: true,
      },
    ],
    steps: [step],
    volumes: [{ name: "bazel-home", emptyDir: {} }],
  });
}

/** Task pulumi-deploy: a delivery program's `pulumi up` with the pushed tag and digest, from a fresh clone. Pure. */
export function buildDeployTask(root: RootPipelineDescription): TypedObject<TaskSpec> {
  const configKey = (full: string) => full.slice(full.indexOf(":") + 1);
  const step: Step = {
    name: "pulumi-up",
    image: root.deployImage,
    env: [
      { name: "STACK", value: param("stack") },
      { name: "PROGRAM_PATH", value: param("program-path") },
      { name: "DEPLOY_TARGETS", value: param("targets") },
      { name: "KUBE_CONTEXT", value: param("kube-context") },
      { name: "IMAGE_TAG", value: param("image-tag") },
      { name: "IMAGE_DIGEST", value: param("image-digest") },
      { name: "GIT_URL", value: param("git-url") },
      { name: "GIT_REVISION", value: param("git-revision") },
      { name: "PULUMI_BACKEND_URL", value: param("pulumi-backend-url") },
      { name: "SECRETS_BOUND", value: "$(workspaces.secrets.bound)" },
      { name: "SECRETS_DIR", value: "$(workspaces.secrets.path)" },
      // The allow-list is part of the committed Task, not a param: an entry cannot widen it.
      { name: "PULUMI_BACKEND_ALLOWED", value: root.pulumiBackendAllowList.join(" ") },
      { name: "DEPLOY_CACHE_BOUND", value: "$(workspaces.deploy-cache.bound)" },
      { name: "DEPLOY_CACHE_DIR", value: "$(workspaces.deploy-cache.path)" },
      // The config keys config/keys.ts declares (IMAGE_CONFIG_KEYS), without the project: the script prefixes it.
      { name: "TAG_CONFIG", value: configKey(IMAGE_CONFIG_KEYS.tag) },
      { name: "DIGEST_CONFIG", value: configKey(IMAGE_CONFIG_KEYS.digest) },
      { name: "LOCK_TIMEOUT_SECONDS", value: String(root.lockTimeoutSeconds) },
      { name: "RESULT_DEPLOYED", value: "$(results.deployed.path)" },
      { name: "HOME", value: "/deploy-home" },
      { name: "PULUMI_SKIP_UPDATE_CHECK", value: "true" },
    ],
    script: readScript("pulumi-deploy.sh"),
    computeResources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    securityContext: stepSecurityContext(),
    volumeMounts: [{ name: "deploy-home", mountPath: "/deploy-home" }],
  };
  return task(TASK_NAMES.deploy, {
    description: `Runs a delivery program's pulumi up for one stack with the pushed tag and digest; credentials are the ${Object.values(BUILD_SECRET_FILES).join(" and ")} files of the secrets workspace.`,
    params: [
      { name: "stack", type: "string", description: "Fully qualified Pulumi stack to update." },
      { name: "program-path", type: "string", description: "The program's folder in the repository." },
      {
        name: "targets",
        type: "string",
        description: "URNs pulumi up targets, space-separated.",
        default: "",
      },
      {
        name: "kube-context",
        type: "string",
        description: "Context name of the in-cluster kubeconfig.",
        default: "",
      },
      { name: "image-tag", type: "string", description: "Tag that was pushed." },
      { name: "image-digest", type: "string", description: "Digest that was pushed (sha256:<hex>)." },
      { name: "git-url", type: "string", description: "https clone URL of the repository." },
      { name: "git-revision", type: "string", description: "The built commit (a full SHA)." },
      {
        name: "pulumi-backend-url",
        type: "string",
        description: "Backend to log in to; empty: Pulumi Cloud.",
        default: "",
      },
    ],
    results: [
      { name: "deployed", type: "string", description: "true, or false when a newer build runs already." },
    ],
    workspaces: [
      {
        name: "secrets",
        description: `Build secrets: ${BUILD_SECRET_FILES.pulumiAccessToken} and ${BUILD_SECRET_FILES.kubeconfig}.`,
        readOnly: true,
        optional: true,
      },
      {
        name: CACHE_WORKSPACES.deploy.workspace,
        description: "npm's cache and Pulumi's plugins, kept between runs; unbound: downloaded again.",
        optional: true,
      },
    ],
    steps: [step],
    volumes: [{ name: "deploy-home", emptyDir: {} }],
  });
}

/** The parameters the root Pipeline declares: Planton's contract, then the services' own. Pure. */
export function rootPipelineParams(): ParamSpec[] {
  const platform: Record<(typeof ALWAYS_SUPPLIED_PARAMS)[number], string> = {
    "git-url": "Repository clone URL (Planton).",
    "git-revision": "Commit SHA being built (Planton).",
    "git-branch": "Branch name, empty for a tag build (Planton); unused.",
    "project-root": "The service's project root (Planton); unused: service-name picks the Bazel package.",
    "sparse-checkout-directories":
      "Sparse-checkout patterns (Planton); unused: Bazel needs the whole repository.",
    "owner-identifier-label-key": "Label key Planton stamps on the run for log attribution (Planton).",
    "owner-identifier-label-value": "Label value Planton stamps on the run for log attribution (Planton).",
    "kustomize-manifests-config-map-name": "Where Planton's deploy stage reads overlays (Planton); unused.",
    "kustomize-base-directory": "The service's kustomize base (Planton); unused.",
  };
  return [
    ...ALWAYS_SUPPLIED_PARAMS.map((name) => ({
      name,
      type: "string" as const,
      description: platform[name],
      ...(name === "git-url" || name === "git-revision" ? {} : { default: "" }),
    })),
    {
      name: REGISTRY_PARAM,
      type: "string",
      description:
        "Planton's <registry host>/<imageRepositoryPath>:<commit>: used as the pushed tag, and checked against the push target's repository.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.serviceName,
      type: "string",
      description: "The service to build, from the entry's params.",
    },
    { name: SERVICE_PARAMS.pushTarget, type: "string", description: "oci_push label override.", default: "" },
    {
      name: SERVICE_PARAMS.imageTarget,
      type: "string",
      description: "oci_image label override.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.deployStack,
      type: "string",
      description: "Pulumi stack to deploy; empty: no deploy.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.deployProgramPath,
      type: "string",
      description: "The delivery program's folder.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.deployTargets,
      type: "string",
      description: "URNs the deploy targets.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.deployKubeContext,
      type: "string",
      description: "kubeconfig context of the stack.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.pulumiBackendUrl,
      type: "string",
      description: "Pulumi backend; empty: Pulumi Cloud.",
      default: "",
    },
    {
      name: SERVICE_PARAMS.bazelRemoteCache,
      type: "string",
      description: "Bazel remote cache URL; empty: none.",
      default: "",
    },
  ];
}

/** The root Pipeline: checkout -> build-push -> deploy (only where the entry names a stack). Pure. */
export function buildRootPipeline(root: RootPipelineDescription): TypedObject<PipelineSpec> {
  const ws = (name: string, workspace = name) => ({ name, workspace });
  const p = (name: string, value: string) => ({ name, value });
  return typedObject(
    TEKTON_API,
    "Pipeline",
    { name: root.name, labels: { ...SHARED_LABELS } },
    {
      description: [
        "The monorepo's shared root pipeline: builds the Bazel service named by service-name and pushes it;",
        "deploys the pushed digest with pulumi up when the entry names a deploy-stack.",
        "image-name is used: its tag is the pushed tag, and its repository must equal the push target's.",
      ].join(" "),
      params: rootPipelineParams(),
      workspaces: [
        { name: "source", description: "The checkout (Planton binds it)." },
        { name: "secrets", description: "Build secrets, one file each (Planton binds it).", optional: true },
        {
          name: "registry-credentials",
          description: "Push credentials (self-hosted runs bind it).",
          optional: true,
        },
        {
          name: CACHE_WORKSPACES.build.workspace,
          description: "Bazel's caches, kept between runs (self-hosted runs bind it).",
          optional: true,
        },
        {
          name: CACHE_WORKSPACES.deploy.workspace,
          description:
            "The deploy's npm cache and Pulumi plugins, kept between runs (self-hosted runs bind it).",
          optional: true,
        },
      ],
      tasks: [
        {
          name: "checkout",
          taskRef: { kind: "Task", name: TASK_NAMES.checkout },
          params: [p("url", param("git-url")), p("revision", param("git-revision"))],
          workspaces: [ws("source")],
          timeout: "10m",
          retries: 2,
        },
        {
          name: "build-push",
          taskRef: { kind: "Task", name: TASK_NAMES.buildPush },
          runAfter: ["checkout"],
          params: [
            p("service-name", param(SERVICE_PARAMS.serviceName)),
            p("commit", taskResult("checkout", "commit")),
            p("image-name", param(REGISTRY_PARAM)),
            p("push-target", param(SERVICE_PARAMS.pushTarget)),
            p("image-target", param(SERVICE_PARAMS.imageTarget)),
            p("remote-cache", param(SERVICE_PARAMS.bazelRemoteCache)),
          ],
          workspaces: [ws("source"), ws("registry-credentials"), ws(CACHE_WORKSPACES.build.workspace)],
          timeout: "45m",
        },
        {
          name: "deploy",
          taskRef: { kind: "Task", name: TASK_NAMES.deploy },
          runAfter: ["build-push"],
          when: [{ input: param(SERVICE_PARAMS.deployStack), operator: "notin", values: [""] }],
          params: [
            p("stack", param(SERVICE_PARAMS.deployStack)),
            p("program-path", param(SERVICE_PARAMS.deployProgramPath)),
            p("targets", param(SERVICE_PARAMS.deployTargets)),
            p("kube-context", param(SERVICE_PARAMS.deployKubeContext)),
            p("image-tag", taskResult("build-push", "IMAGE_TAG")),
            p("image-digest", taskResult("build-push", "IMAGE_DIGEST")),
            p("git-url", param("git-url")),
            p("git-revision", taskResult("checkout", "commit")),
            p("pulumi-backend-url", param(SERVICE_PARAMS.pulumiBackendUrl)),
          ],
          // Only the deploy sees the build secrets: no pod that builds mounts them.
          workspaces: [ws("secrets"), ws(CACHE_WORKSPACES.deploy.workspace)],
          timeout: "45m",
        },
      ],
      results: [
        {
          name: "IMAGE_URL",
          description: "repository:tag pushed.",
          value: taskResult("build-push", "IMAGE_URL"),
        },
        {
          name: "IMAGE_DIGEST",
          description: "Digest pushed.",
          value: taskResult("build-push", "IMAGE_DIGEST"),
        },
      ],
    },
  );
}

/** The Tasks of the root pipeline, by role. Pure. */
export function rootPipelineTasks(root: RootPipelineDescription): Record<string, TypedObject<TaskSpec>> {
  return {
    [TASK_NAMES.checkout]: buildCheckoutTask(root),
    [TASK_NAMES.buildPush]: buildBuildPushTask(root),
    [TASK_NAMES.deploy]: buildDeployTask(root),
  };
}

/** The committed files: `.planton/pipeline.yaml` and `.planton/tasks/<task>.yaml`, by repository path. Pure. */
export function rootPipelineFiles(root: RootPipelineDescription): Record<string, TypedObject<unknown>> {
  return {
    [PIPELINE_FILE]: buildRootPipeline(root),
    ...Object.fromEntries(
      Object.entries(rootPipelineTasks(root)).map(([name, obj]) => [`${TASKS_DIR}/${name}.yaml`, obj]),
    ),
  };
}

/**
 * The params a service hands the root pipeline (its entry's `params`, and the self-hosted trigger's): which service,
 * target overrides, and, where this stack deploys it, the stack, the program and the URNs to target. Pure.
 */
export function serviceBuildParams(
  serviceName: string,
  build: BuildDescription,
  deployTargets: readonly string[],
): Record<string, string> {
  return {
    [SERVICE_PARAMS.serviceName]: serviceName,
    ...(build.bazel.pushTarget ? { [SERVICE_PARAMS.pushTarget]: build.bazel.pushTarget } : {}),
    ...(build.bazel.imageTarget ? { [SERVICE_PARAMS.imageTarget]: build.bazel.imageTarget } : {}),
    [SERVICE_PARAMS.deployStack]: build.deployStack,
    [SERVICE_PARAMS.deployProgramPath]: build.programPath,
    [SERVICE_PARAMS.deployTargets]: deployTargets.join(" "),
    ...(build.deployKubeContext ? { [SERVICE_PARAMS.deployKubeContext]: build.deployKubeContext } : {}),
    ...(build.pulumiBackendUrl ? { [SERVICE_PARAMS.pulumiBackendUrl]: build.pulumiBackendUrl } : {}),
    ...(build.bazelRemoteCache ? { [SERVICE_PARAMS.bazelRemoteCache]: build.bazelRemoteCache } : {}),
  };
}

/** A cache volume of the self-hosted pipeline: ReadWriteOnce (runs on one node share it in turn). Pure. */
export function buildCacheClaim(
  claimName: string,
  namespace: pulumi.Input<string>,
  size: string,
): Input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: claimName, namespace, labels: { ...SHARED_LABELS } },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
  };
}

/** Arguments of RootPipeline. */
export interface RootPipelineArgs {
  /** The shared pipeline's description. */
  readonly pipeline: RootPipelineDescription;
  /** Commit the Pipeline and Tasks here. @default not committed */
  readonly commitTo?: RepositoryTarget;
  /** Apply the Tasks and the Pipeline to this namespace (self-hosted Tekton). @default not applied */
  readonly namespace?: pulumi.Input<string>;
}

/** The shared root pipeline: committed once per repository, applied once per self-hosted CI namespace. */
export class RootPipeline extends pulumi.ComponentResource {
  /** Name of the Pipeline. */
  public readonly pipelineName: pulumi.Output<string>;
  /** Repository path of the committed Pipeline. */
  public readonly pipelineFilePath: pulumi.Output<string>;

  constructor(name: string, args: RootPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:RootPipeline", name, {}, opts);
    const files = rootPipelineFiles(args.pipeline);
    if (args.commitTo) {
      for (const [file, obj] of Object.entries(files)) {
        // The shared file, committed where Planton reads it at the commit it builds.
        commitFile(
          this,
          name,
          path.posix.basename(file, ".yaml"),
          args.commitTo,
          file,
          renderYamlFile("components/pipeline.ts", obj),
        );
      }
    }
    if (args.namespace !== undefined) {
      const ns = args.namespace;
      const taskResources = Object.entries(rootPipelineTasks(args.pipeline)).map(
        // One Task per role, for self-hosted runs.
        ([taskName, obj]) =>
          new k8s.apiextensions.CustomResource(`${name}-task-${taskName}`, inNamespace(obj, ns), {
            parent: this,
          }),
      );
      for (const [role, cache] of Object.entries(CACHE_WORKSPACES)) {
        // A volume that outlives the runs: the self-hosted trigger binds it as the task's cache workspace.
        new k8s.core.v1.PersistentVolumeClaim(
          `${name}-${role}-cache`,
          buildCacheClaim(cache.claimName, ns, args.pipeline.cacheSize),
          { parent: this },
        );
      }
      // The Pipeline, once its Tasks exist.
      new k8s.apiextensions.CustomResource(
        `${name}-pipeline`,
        inNamespace(buildRootPipeline(args.pipeline), ns),
        {
          parent: this,
          dependsOn: taskResources,
        },
      );
    }
    this.pipelineName = pulumi.output(args.pipeline.name);
    this.pipelineFilePath = pulumi.output(PIPELINE_FILE);
    this.registerOutputs({ pipelineName: this.pipelineName, pipelineFilePath: this.pipelineFilePath });
  }
}
