// The workflow-runner delivery program: stack config -> namespace -> GHCR registry -> worker deployment.
import * as k8s from "@pulumi/kubernetes";
import { serviceLabels } from "./components/labels";
import { ServiceNamespace } from "./components/namespace";
import { GhcrRegistry } from "./components/registry";
import { WorkerDeployment } from "./components/worker-deployment";
import { loadStackConfig } from "./config";

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
