// TektonPipeline: the Tasks and Pipeline that clone, build and push with Bazel, and deploy the pushed digest.
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { type BuildDescription, IMAGE_CONFIG_KEYS, PROJECT } from "../config";
import { buildServiceAccount } from "./labels";
import { buildDockerConfigJson, buildDockerConfigSecret, registryHost } from "./registry";
import { commitFile, type RepositoryTarget, renderYamlFile } from "./repository-files";
import {
  type ObjectArgs,
  type Param,
  type PipelineSpec,
  param,
  type Step,
  type TaskSpec,
  TEKTON_API,
  type TypedObject,
  taskResult,
  typedObject,
} from "./tekton";

/** Arguments of TektonPipeline. */
export interface TektonPipelineArgs {
  /** Service name; prefixes every object. */
  readonly serviceName: string;
  /** The build side of the service description. */
  readonly build: BuildDescription;
  /** CI namespace (ServiceNamespace's output, so it exists first). */
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the workload the deploy step updates. */
  readonly workloadNamespace: pulumi.Input<string>;
  /** Image repository the push target pushes to: GhcrRegistry's `repository`. */
  readonly imageRepository: pulumi.Input<string>;
  /** URNs of the resources the deploy step updates (`pulumi up --target`): the worker's Deployment. */
  readonly deployTargets: pulumi.Input<string>[];
  /** Registry user that owns the push token. */
  readonly registryUsername: pulumi.Input<string>;
  /** GHCR token with write:packages for the build step. Kept secret. */
  readonly pushToken: pulumi.Input<string>;
  /** Pulumi access token for the deploy step. Kept secret. */
  readonly pulumiAccessToken: pulumi.Input<string>;
  /** Labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Commit `.planton/pipeline.yaml` and `.planton/tasks/*.yaml` here. @default not committed */
  readonly commitTo?: RepositoryTarget;
}

/** Path of the committed Pipeline, the file the service-hub entry points at. */
export const PIPELINE_FILE = ".planton/pipeline.yaml";
/** Folder of the committed Tasks. */
export const TASKS_DIR = ".planton/tasks";
/** UID every step runs as (the nonroot user of distroless and Tekton's own images). */
export const STEP_UID = 65532;

/** Names of the objects, derived once from the service name. Pure. */
export function pipelineNames(serviceName: string) {
  return {
    pipeline: serviceName,
    cloneTask: `${serviceName}-clone`,
    buildPushTask: `${serviceName}-build-push`,
    deployTask: `${serviceName}-deploy`,
    runServiceAccount: `${serviceName}-pipeline`,
    deployServiceAccount: `${serviceName}-deployer`,
    pushSecret: `${serviceName}-ghcr-push`,
    deploySecret: `${serviceName}-pulumi-deploy`,
    deployRole: `${serviceName}-deployer`,
  } as const;
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

/** A Bazel package's output path of a label (`//a/b:c` -> `a/b`). Pure. */
export function bazelPackage(label: string): string {
  return label.slice(2, label.indexOf(":"));
}

function task(a: ObjectArgs, spec: TaskSpec): TypedObject<TaskSpec> {
  return typedObject(TEKTON_API, "Task", a, spec);
}

/** Task clone: fetches one revision of the monorepo into the `source` workspace; result `commit`. Pure. */
export function buildCloneTask(a: ObjectArgs & { build: BuildDescription }) {
  const step: Step = {
    name: "clone",
    image: a.build.gitImage,
    env: [
      { name: "GIT_URL", value: param("url") },
      { name: "GIT_REVISION", value: param("revision") },
      { name: "HOME", value: "/tekton/home" },
    ],
    workingDir: "$(workspaces.source.path)",
    script: [
      "#!/bin/sh",
      "set -eu",
      "git config --global --add safe.directory '*'",
      "git init -q .",
      'git remote add origin "$GIT_URL"',
      'git fetch -q --depth 1 origin "$GIT_REVISION"',
      "git checkout -q FETCH_HEAD",
      'printf "%s" "$(git rev-parse HEAD)" > "$(results.commit.path)"',
      "",
    ].join("\n"),
    computeResources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: stepSecurityContext(),
  };
  return task(a, {
    description: "Fetches one revision of the repository (shallow) into the source workspace.",
    params: [
      { name: "url", type: "string", description: "https clone URL of the repository." },
      { name: "revision", type: "string", description: "Commit SHA, branch or tag to check out." },
    ],
    results: [{ name: "commit", type: "string", description: "The SHA checked out." }],
    workspaces: [{ name: "source", description: "Receives the checkout." }],
    steps: [step],
  });
}

/**
 * Task build-push: `bazel run <push target> --stamp --define TAG=<tag>` with push credentials from the
 * dockerconfig workspace, then reports the pushed image as IMAGE_URL / IMAGE_DIGEST (the Tekton Chains pair)
 * and IMAGE_TAG. The digest is read from the image layout's index.json, which is what rules_oci pushes. Pure.
 */
export function buildBuildPushTask(
  a: ObjectArgs & {
    build: BuildDescription;
    imageRepository: pulumi.Input<string>;
  },
) {
  const { pushTarget, imageTarget } = a.build.bazel;
  const bazel = 'bazel --output_user_root="$HOME/bazel-root"';
  const step: Step = {
    name: "bazel-push",
    image: a.build.bazel.image,
    workingDir: "$(workspaces.source.path)",
    env: [
      { name: "IMAGE_TAG", value: param("image-tag") },
      { name: "COMMIT", value: param("commit") },
      { name: "IMAGE_REPOSITORY", value: a.imageRepository },
      { name: "DOCKER_CONFIG", value: "$(workspaces.dockerconfig.path)" },
      { name: "HOME", value: "/bazel-home" },
      { name: "USER", value: "builder" },
    ],
    script: [
      "#!/usr/bin/env bash",
      "set -euo pipefail",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
      'tag="${IMAGE_TAG:-$COMMIT}"',
      'if [[ ! "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]]; then echo "not an OCI tag: $tag" >&2; exit 1; fi',
      `${bazel} run ${pushTarget} --stamp --define "TAG=\${tag}"`,
      `layout="$(${bazel} cquery --output=files ${imageTarget} 2>/dev/null | head -n 1)"`,
      `digest="$(grep -o '"digest": *"sha256:[a-f0-9]\\{64\\}"' "$layout/index.json" | head -n 1 | grep -o 'sha256:[a-f0-9]\\{64\\}' || true)"`,
      'if [ -z "$digest" ]; then echo "no sha256 digest in $layout/index.json" >&2; exit 1; fi',
      'printf "%s" "$IMAGE_REPOSITORY:$tag" > "$(results.IMAGE_URL.path)"',
      'printf "%s" "$digest" > "$(results.IMAGE_DIGEST.path)"',
      'printf "%s" "$tag" > "$(results.IMAGE_TAG.path)"',
      'echo "pushed $IMAGE_REPOSITORY:$tag@$digest"',
      "",
    ].join("\n"),
    computeResources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    securityContext: stepSecurityContext(),
    volumeMounts: [{ name: "bazel-home", mountPath: "/bazel-home" }],
  };
  return task(a, {
    description: `Builds and pushes ${bazelPackage(pushTarget)} with Bazel; reports the pushed digest.`,
    params: [
      { name: "image-tag", type: "string", description: "Tag to push; empty means the commit.", default: "" },
      {
        name: "commit",
        type: "string",
        description: "The commit checked out, the tag when image-tag is empty.",
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
        name: "dockerconfig",
        description: "config.json with push credentials for the registry.",
        readOnly: true,
      },
    ],
    steps: [step],
    volumes: [{ name: "bazel-home", emptyDir: {} }],
  });
}

/** The kubeconfig the deploy step writes: in-cluster credentials under the stack's context name. Pure. */
export function inClusterKubeconfig(contextName: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: in-cluster",
    "    cluster:",
    "      server: https://kubernetes.default.svc",
    "      certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    "users:",
    "  - name: deployer",
    "    user:",
    "      tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
    "contexts:",
    `  - name: ${contextName}`,
    "    context:",
    "      cluster: in-cluster",
    "      user: deployer",
    `current-context: ${contextName}`,
  ].join("\n");
}

/**
 * The `pulumi up` command line of the deploy step. The `-c` keys are the ones config.ts reads. Besides the given
 * resources it targets the stack's root resource, so the stack outputs (the imageRef prod promotes) are updated
 * with the image. Pure.
 */
export function deployCommand(targets: readonly string[]): string {
  // The root resource's URN names the bare stack (an org-qualified $STACK loses its prefix).
  const stackUrn = `urn:pulumi:\${STACK##*/}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-\${STACK##*/}`;
  return [
    'pulumi up --yes --non-interactive --skip-preview --stack "$STACK"',
    ...targets.map((t) => `--target '${t}'`),
    `--target "${stackUrn}"`,
    `-c "${IMAGE_CONFIG_KEYS.tag}=$IMAGE_TAG"`,
    `-c "${IMAGE_CONFIG_KEYS.digest}=$IMAGE_DIGEST"`,
  ].join(" \\\n  ");
}

/**
 * Task deploy: runs this program from the same checkout with `pulumi up`, handing it the tag and the digest
 * the build pushed. It updates only the worker's Deployment (`--target`), with the TaskRun's in-cluster
 * credentials, so its ServiceAccount needs rights on that Deployment alone. Pure.
 */
export function buildDeployTask(
  a: ObjectArgs & {
    build: BuildDescription;
    deployTargets: pulumi.Input<string>[];
    deploySecret: string;
  },
) {
  const script = pulumi
    .all(a.deployTargets)
    .apply((targets) =>
      [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        'if [[ ! "$IMAGE_DIGEST" =~ ^sha256:[a-f0-9]{64}$ ]]; then echo "refusing to deploy without a sha256 digest: \'$IMAGE_DIGEST\'" >&2; exit 1; fi',
        `cd "$(workspaces.source.path)/${a.build.programPath}"`,
        "npm ci --no-audit --no-fund",
        'mkdir -p "$HOME/.kube"',
        `cat > "$HOME/.kube/config" <<'KUBECONFIG'`,
        inClusterKubeconfig(a.build.deployKubeContext ?? "in-cluster"),
        "KUBECONFIG",
        deployCommand(targets),
        "",
      ].join("\n"),
    );
  const step: Step = {
    name: "pulumi-up",
    image: a.build.deployImage,
    env: [
      { name: "IMAGE_TAG", value: param("image-tag") },
      { name: "IMAGE_DIGEST", value: param("image-digest") },
      { name: "STACK", value: param("stack") },
      { name: "HOME", value: "/deploy-home" },
      { name: "PULUMI_SKIP_UPDATE_CHECK", value: "true" },
    ],
    envFrom: [{ secretRef: { name: a.deploySecret } }],
    script,
    computeResources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    securityContext: stepSecurityContext(),
    volumeMounts: [{ name: "deploy-home", mountPath: "/deploy-home" }],
  };
  return task(a, {
    description: "Deploys the pushed digest by running this Pulumi program's pulumi up for one stack.",
    params: [
      { name: "image-tag", type: "string", description: "Tag that was pushed." },
      { name: "image-digest", type: "string", description: "Digest that was pushed (sha256:<hex>)." },
      { name: "stack", type: "string", description: "Pulumi stack to update." },
    ],
    results: [],
    workspaces: [{ name: "source", description: "The checkout holding this program." }],
    steps: [step],
    volumes: [{ name: "deploy-home", emptyDir: {} }],
  });
}

/** The Pipeline: clone -> build-push -> deploy, results IMAGE_URL / IMAGE_DIGEST. Pure. */
export function buildPipeline(a: {
  serviceName: string;
  build: BuildDescription;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}): TypedObject<PipelineSpec> {
  const n = pipelineNames(a.serviceName);
  const ws = (name: string) => ({ name, workspace: name });
  const p = (name: string, value: string): Param => ({ name, value });
  return {
    apiVersion: TEKTON_API,
    kind: "Pipeline",
    metadata: { name: n.pipeline, namespace: a.namespace, labels: a.labels },
    spec: {
      description: `Builds ${a.serviceName} with Bazel, pushes it to GHCR, and deploys the pushed digest.`,
      params: [
        {
          name: "git-url",
          type: "string",
          description: "https clone URL of the repository.",
          default: a.build.git.url,
        },
        {
          name: "git-revision",
          type: "string",
          description: "Commit to build.",
          default: a.build.git.branch,
        },
        {
          name: "image-tag",
          type: "string",
          description: "Tag to push; empty means the commit SHA.",
          default: "",
        },
        {
          name: "deploy-stack",
          type: "string",
          description: "Pulumi stack the deploy step updates.",
          default: a.build.deployStack,
        },
      ],
      workspaces: [
        { name: "source", description: "Per-run volume holding the checkout." },
        { name: "dockerconfig", description: "Secret with config.json holding GHCR push credentials." },
      ],
      tasks: [
        {
          name: "clone",
          taskRef: { kind: "Task", name: n.cloneTask },
          params: [p("url", param("git-url")), p("revision", param("git-revision"))],
          workspaces: [ws("source")],
          timeout: "10m",
          retries: 2,
        },
        {
          name: "build-push",
          taskRef: { kind: "Task", name: n.buildPushTask },
          runAfter: ["clone"],
          params: [p("image-tag", param("image-tag")), p("commit", taskResult("clone", "commit"))],
          workspaces: [ws("source"), ws("dockerconfig")],
          timeout: "45m",
        },
        {
          name: "deploy",
          taskRef: { kind: "Task", name: n.deployTask },
          runAfter: ["build-push"],
          params: [
            p("image-tag", taskResult("build-push", "IMAGE_TAG")),
            p("image-digest", taskResult("build-push", "IMAGE_DIGEST")),
            p("stack", param("deploy-stack")),
          ],
          workspaces: [ws("source")],
          timeout: "20m",
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
          description: "Digest pushed and deployed.",
          value: taskResult("build-push", "IMAGE_DIGEST"),
        },
      ],
    },
  };
}

/** The deployer's Role in the workload namespace: the Deployment and what Pulumi reads while awaiting it. Pure. */
export function buildDeployerRole(a: {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}): Input.rbac.v1.Role {
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    rules: [
      {
        apiGroups: ["apps"],
        resources: ["deployments"],
        verbs: ["get", "list", "watch", "create", "update", "patch"],
      },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods", "events"], verbs: ["get", "list", "watch"] },
    ],
  };
}

/** The Tekton side of a service's build: Tasks, Pipeline, run identities, credentials, and committed files. */
export class TektonPipeline extends pulumi.ComponentResource {
  /** Name of the Pipeline. */
  public readonly pipelineName: pulumi.Output<string>;
  /** CI namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** ServiceAccount the clone and build TaskRuns run as. */
  public readonly runServiceAccountName: pulumi.Output<string>;
  /** ServiceAccount the deploy TaskRun runs as. */
  public readonly deployServiceAccountName: pulumi.Output<string>;
  /** Secret holding the push credentials, bound as the dockerconfig workspace. */
  public readonly pushSecretName: pulumi.Output<string>;
  /** Repository path of the committed Pipeline. */
  public readonly pipelineFilePath: pulumi.Output<string>;

  constructor(name: string, args: TektonPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:TektonPipeline", name, {}, opts);
    const n = pipelineNames(args.serviceName);
    const labels = { ...args.labels, "app.kubernetes.io/component": "pipeline" };
    const ns = args.namespace;
    const child = { parent: this };

    // Identity of the clone and build TaskRuns: no API access, no token mounted.
    const runSa = new k8s.core.v1.ServiceAccount(
      `${name}-run-sa`,
      buildServiceAccount({ name: n.runServiceAccount, namespace: ns, labels }),
      child,
    );
    // Identity of the deploy TaskRun: its token is the deploy step's only cluster credential.
    const deploySa = new k8s.core.v1.ServiceAccount(
      `${name}-deploy-sa`,
      buildServiceAccount({
        name: n.deployServiceAccount,
        namespace: ns,
        labels,
        tokenReason: "the deploy step's pulumi up updates the worker's Deployment",
      }),
      child,
    );
    // What the deployer may do: update the worker's Deployment and watch it roll out, nothing else.
    const role = new k8s.rbac.v1.Role(
      `${name}-deployer-role`,
      buildDeployerRole({ name: n.deployRole, namespace: args.workloadNamespace, labels }),
      child,
    );
    // Grants that Role to the deployer's ServiceAccount.
    new k8s.rbac.v1.RoleBinding(
      `${name}-deployer-binding`,
      {
        metadata: { name: n.deployRole, namespace: args.workloadNamespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: deploySa.metadata.name, namespace: ns }],
      },
      child,
    );
    // GHCR push credentials (write:packages), distinct from the cluster's pull token.
    const pushToken = pulumi.secret(args.pushToken);
    const repository = pulumi.output(args.imageRepository);
    const pushSecret = new k8s.core.v1.Secret(
      `${name}-push-secret`,
      buildDockerConfigSecret({
        name: n.pushSecret,
        namespace: ns,
        labels,
        dockerConfigJson: pulumi.secret(
          pulumi
            .all([repository, args.registryUsername, pushToken])
            .apply(([repo, user, token]) => buildDockerConfigJson(registryHost(repo), user, token)),
        ),
      }),
      child,
    );
    // The deploy step's Pulumi backend credentials.
    new k8s.core.v1.Secret(
      `${name}-deploy-secret`,
      {
        metadata: { name: n.deploySecret, namespace: ns, labels },
        type: "Opaque",
        stringData: {
          PULUMI_ACCESS_TOKEN: pulumi.secret(args.pulumiAccessToken),
          ...(args.build.pulumiBackendUrl ? { PULUMI_BACKEND_URL: args.build.pulumiBackendUrl } : {}),
        },
      },
      child,
    );

    const tasks = {
      clone: buildCloneTask({ name: n.cloneTask, build: args.build, namespace: ns, labels }),
      "build-push": buildBuildPushTask({
        name: n.buildPushTask,
        build: args.build,
        namespace: ns,
        labels,
        imageRepository: repository,
      }),
      deploy: buildDeployTask({
        name: n.deployTask,
        build: args.build,
        namespace: ns,
        labels,
        deployTargets: args.deployTargets,
        deploySecret: n.deploySecret,
      }),
    };
    const taskResources = Object.entries(tasks).map(
      // One Task per step of the path, keyed by its role.
      ([key, obj]) => new k8s.apiextensions.CustomResource(`${name}-task-${key}`, obj, child),
    );
    const pipeline = buildPipeline({
      serviceName: args.serviceName,
      build: args.build,
      namespace: ns,
      labels,
    });
    // The Pipeline, applied once its Tasks exist.
    const pipelineResource = new k8s.apiextensions.CustomResource(`${name}-pipeline`, pipeline, {
      parent: this,
      dependsOn: taskResources,
    });

    if (args.commitTo) {
      // The same objects, committed where the service-hub entry and the platform read them.
      commitFile(
        this,
        name,
        "pipeline",
        args.commitTo,
        PIPELINE_FILE,
        renderYamlFile("components/pipeline.ts", pipeline),
      );
      for (const [key, obj] of Object.entries(tasks)) {
        commitFile(
          this,
          name,
          `task-${key}`,
          args.commitTo,
          `${TASKS_DIR}/${key}.yaml`,
          renderYamlFile("components/pipeline.ts", obj),
        );
      }
    }

    this.pipelineName = pipelineResource.metadata.name;
    this.namespace = pulumi.output(ns);
    this.runServiceAccountName = runSa.metadata.name;
    this.deployServiceAccountName = deploySa.metadata.name;
    this.pushSecretName = pushSecret.metadata.name;
    this.pipelineFilePath = pulumi.output(PIPELINE_FILE);
    this.registerOutputs({
      pipelineName: this.pipelineName,
      namespace: this.namespace,
      runServiceAccountName: this.runServiceAccountName,
      deployServiceAccountName: this.deployServiceAccountName,
      pushSecretName: this.pushSecretName,
      pipelineFilePath: this.pipelineFilePath,
    });
  }
}
