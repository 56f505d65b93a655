// The root pipeline's three Tasks (checkout, build-push, deploy), each from its step script; no service named.
import { IMAGE_CONFIG_KEYS } from "../config/keys";
import type { RootPipelineDescription } from "../config/service";
import { BUILD_SECRET_FILES } from "../contracts/planton";
import { SHARED_LABELS } from "./shared";
import { readScript, stepSecurityContext } from "./steps";
import { param, type Step, type TaskSpec, TEKTON_API, type TypedObject, typedObject } from "./tekton";

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

/** The Tasks of the root pipeline, by role. Pure. */
export function rootPipelineTasks(root: RootPipelineDescription): Record<string, TypedObject<TaskSpec>> {
  return {
    [TASK_NAMES.checkout]: buildCheckoutTask(root),
    [TASK_NAMES.buildPush]: buildBuildPushTask(root),
    [TASK_NAMES.deploy]: buildDeployTask(root),
  };
}
