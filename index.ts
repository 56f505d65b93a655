// The workflow-runner delivery program: config -> namespace -> registry -> deployment, and the build side that feeds it.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { loadStackConfig } from "./config";
import { serviceLabels } from "./components/labels";
import { ServiceNamespace } from "./components/namespace";
import { PIPELINE_FILE, TektonPipeline } from "./components/pipeline";
import { GhcrRegistry } from "./components/registry";
import { ServiceHubEntry } from "./components/service-hub";
import { PipelineTriggers } from "./components/triggers";
import { WorkerDeployment } from "./components/worker-deployment";

const cfg = loadStackConfig();
const service = cfg.service;
const labels = serviceLabels(service).common;

// The cluster this stack deploys to: the configured kubeconfig context, or the ambient current one.
const kubernetes = new k8s.Provider("kubernetes", cfg.kubeContext ? { context: cfg.kubeContext } : {});
const providers = [kubernetes];

const workloadNamespace = new ServiceNamespace(
  "workload",
  {
    name: service.workload.namespace,
    create: service.workload.createNamespace,
    protect: service.workload.protectNamespace,
    labels,
  },
  { providers },
);

const registry = new GhcrRegistry(
  service.name,
  {
    repository: service.image.repository,
    tag: service.image.tag,
    ...(service.image.digest ? { digest: service.image.digest } : {}),
    username: cfg.plain.registryUsername,
    token: cfg.secrets.registryToken,
    namespace: workloadNamespace.name,
    pullSecretName: `${service.name}-ghcr-pull`,
    labels,
  },
  { providers },
);

const worker = new WorkerDeployment(
  service.name,
  {
    service,
    namespace: workloadNamespace.name,
    imageRef: registry.imageRef,
    imageTag: registry.imageTag,
    imagePullSecretName: registry.pullSecretName,
  },
  { providers },
);

// GitHub, for the webhook and the committed files: the monorepo's owner, with a token from secret config.
const githubProvider = cfg.secrets.githubToken
  ? new github.Provider("github", { owner: service.repository.owner, token: cfg.secrets.githubToken })
  : undefined;
const commitTo = service.manageRepositoryFiles
  ? { repository: service.repository.name, branch: service.repository.branch }
  : undefined;

let pipeline: TektonPipeline | undefined;
let triggers: PipelineTriggers | undefined;
if (service.build && cfg.secrets.registryPushToken && cfg.secrets.pulumiAccessToken && githubProvider) {
  // Tekton's injected init containers meet "restricted" only with its set-security-context flag on, so the CI
  // namespace enforces "baseline" and warns on anything short of "restricted".
  const ciNamespace = new ServiceNamespace(
    "ci",
    { name: service.build.ciNamespace, labels, podSecurity: "baseline" },
    { providers },
  );
  pipeline = new TektonPipeline(
    service.name,
    {
      serviceName: service.name,
      build: service.build,
      namespace: ciNamespace.name,
      workloadNamespace: workloadNamespace.name,
      imageRepository: registry.repository,
      deployTargets: [worker.deploymentUrn],
      registryUsername: cfg.plain.registryUsername,
      pushToken: cfg.secrets.registryPushToken,
      pulumiAccessToken: cfg.secrets.pulumiAccessToken,
      labels,
      ...(commitTo ? { commitTo } : {}),
    },
    { providers: [kubernetes, githubProvider] },
  );
  triggers = new PipelineTriggers(
    service.name,
    {
      serviceName: service.name,
      build: service.build,
      namespace: ciNamespace.name,
      pipelineName: pipeline.pipelineName,
      runServiceAccountName: pipeline.runServiceAccountName,
      deployServiceAccountName: pipeline.deployServiceAccountName,
      pushSecretName: pipeline.pushSecretName,
      labels,
    },
    { providers: [kubernetes, githubProvider] },
  );
}

const serviceHub = new ServiceHubEntry(
  service.name,
  {
    serviceName: service.name,
    serviceHub: service.serviceHub,
    repository: service.repository,
    pipelineFilePath: pipeline?.pipelineFilePath ?? PIPELINE_FILE,
    imageRepository: registry.repository,
    ...(commitTo ? { commitTo } : {}),
  },
  githubProvider ? { providers: [githubProvider] } : {},
);

/** `<repository>:<tag>@sha256:<hex>`: the image the Deployment runs. */
export const imageRef = registry.imageRef;
/** The image tag. */
export const imageTag = registry.imageTag;
/** The image digest, `sha256:<hex>`. */
export const imageDigest = registry.imageDigest;
/** Namespace the worker runs in. */
export const namespace = worker.namespace;
/** Name of the worker's Deployment. */
export const deploymentName = worker.deploymentName;
/** Name of the worker's ServiceAccount. */
export const serviceAccountName = worker.serviceAccountName;
/** Name of the Tekton Pipeline, or "" where this stack does not build. */
export const pipelineName = pipeline?.pipelineName ?? "";
/** Public URL of the EventListener, or "" where this stack does not build. */
export const eventListenerUrl = triggers?.eventListenerUrl ?? "";
/** Path of the service-hub entry in the monorepo. */
export const serviceHubEntryPath = serviceHub.entryPath;
