// RootPipeline: the monorepo's shared root pipeline and its Tasks, generic over services (service-name picks one),
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import type { BuildDescription, RootPipelineDescription } from "../config/service";
import { ALWAYS_SUPPLIED_PARAMS, REGISTRY_PARAM } from "../contracts/planton";
import { CACHE_WORKSPACES, rootPipelineTasks, TASK_NAMES } from "./pipeline-tasks";
import { commitFile, type RepositoryTarget, renderYamlFile } from "./repository-files";
import { SHARED_LABELS } from "./shared";
import {
  inNamespace,
  type ParamSpec,
  type PipelineSpec,
  param,
  TEKTON_API,
  type TypedObject,
  taskResult,
  typedObject,
} from "./tekton";

/** Path of the committed root Pipeline, the file every service's entry points at. */
export const PIPELINE_FILE = ".planton/pipeline.yaml";
/** Folder of the committed Tasks, where Planton resolves plain task references first. */
export const TASKS_DIR = ".planton/tasks";
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
