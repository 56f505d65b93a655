// The workflow-runner delivery program: config -> image choice -> namespace -> registry -> deployment, and the build side.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceLabels } from "./components/labels";
import { ServiceNamespace } from "./components/namespace";
import { PIPELINE_FILE, TektonPipeline } from "./components/pipeline";
import { GhcrRegistry, readPromotedImageRef, selectImage } from "./components/registry";
import { ServiceHubEntry } from "./components/service-hub";
import { PipelineTriggers } from "./components/triggers";
import { WorkerDeployment } from "./components/worker-deployment";
import { loadStackConfig } from "./config";
import type { StackOutputsInput } from "./outputs";

/** The program: validates config, chooses the image, builds everything, and returns the stack outputs. */
export = async (): Promise<StackOutputsInput> => {
  const cfg = loadStackConfig();
  const service = cfg.service;
  const labels = serviceLabels(service).common;

  // The image: a pin wins; a promotion deploys the other stack's imageRef (read before anything is created here).
  const promotedRef =
    service.image.promoteFrom && !service.image.pin
      ? await readPromotedImageRef(service.image.promoteFrom)
      : undefined;
  const image = selectImage(service.image, promotedRef);
  if (image.warning) pulumi.log.warn(image.warning);

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
      repository: image.repository,
      tag: image.tag,
      ...(image.digest ? { digest: image.digest } : {}),
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

  return {
    imageRef: registry.imageRef,
    imageTag: registry.imageTag,
    imageDigest: registry.imageDigest,
    imageOrigin: image.origin,
    imagePinned: image.origin === "pin",
    namespace: worker.namespace,
    serviceAccountName: worker.serviceAccountName,
    deploymentName: worker.deploymentName,
    temporalNamespace: cfg.plain.temporalNamespace,
    temporalTaskQueue: cfg.plain.temporalTaskQueue,
    pipelineName: pipeline?.pipelineName ?? "",
    eventListenerUrl: triggers?.eventListenerUrl ?? "",
    serviceHubEntryPath: serviceHub.entryPath,
  };
};
