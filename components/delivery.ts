// ServiceDelivery: one service's whole delivery path (namespace, registry, worker, pipeline, triggers, service-hub entry).
import type * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { serviceLabels } from "../config/labels";
import type { ServiceDescription } from "../config/service";
import type { StackOutputsInput } from "../contracts/stack-outputs";
import { imageRepositoryOf } from "./admission";
import { ServiceDeployer } from "./deployer";
import type { SelectedImage } from "./image-choice";
import { ServiceNamespace } from "./namespace";
import { apiServerPeers, egressPeer } from "./network-peers";
import { PIPELINE_FILE, type RootPipeline, SERVICE_PARAMS, serviceBuildParams } from "./pipeline";
import { GhcrRegistry } from "./registry";
import { ServiceHubEntry } from "./service-hub";
import { PipelineTriggers } from "./triggers";
import { RolloutVerification } from "./verification";
import { WorkerDeployment } from "./worker-deployment";

/** Arguments of ServiceDelivery. */
export interface ServiceDeliveryArgs {
  /** The service in this environment. */
  readonly service: ServiceDescription;
  /** The image chosen for it (registry.ts `selectImage`). */
  readonly image: SelectedImage;
  /** Registry user that owns the tokens. */
  readonly registryUsername: string;
  /** GHCR read token for the pull Secret and digest lookups. */
  readonly registryToken: pulumi.Input<string>;
  /** GHCR write token for the build step; required when the service builds here. @default none */
  readonly registryPushToken?: pulumi.Input<string>;
  /** Pulumi token for the deploy step; required when the service builds here. @default none */
  readonly pulumiAccessToken?: pulumi.Input<string>;
  /** Values of the service's secret variables (STIGMER_API_KEY, R2 keys), from secret config. Kept secret. */
  readonly serviceSecrets: Readonly<Record<string, pulumi.Input<string>>>;
  /** GitHub provider (owner and token) for the webhook and committed files; required when either is on. @default none */
  readonly githubProvider?: github.Provider;
  /** The shared root pipeline (one per program): its name and file. @default the file at PIPELINE_FILE */
  readonly rootPipeline?: RootPipeline;
  /** CI namespace of self-hosted runs (trigger tekton): ServiceNamespace's `name`. @default none */
  readonly ciNamespace?: pulumi.Input<string>;
}

/** Refuses a description whose build side or repository files lack what they need. Pure. */
export function checkDeliveryArgs(args: ServiceDeliveryArgs): void {
  const tekton = args.service.build?.trigger === "tekton";
  const missing = [
    ...(tekton && !args.registryPushToken ? ["registryPushToken"] : []),
    ...(tekton && !args.pulumiAccessToken ? ["pulumiAccessToken"] : []),
    ...(tekton && !args.ciNamespace ? ["ciNamespace"] : []),
    ...((tekton || args.service.manageRepositoryFiles) && !args.githubProvider ? ["githubProvider"] : []),
  ];
  if (missing.length > 0)
    throw new Error(`ServiceDelivery ${args.service.name}: missing ${missing.join(", ")}`);
}

/** Everything one service needs, wired so the built digest is the deployed one. */
export class ServiceDelivery extends pulumi.ComponentResource {
  /** The stack outputs this service's delivery produces. */
  public readonly outputs: StackOutputsInput;

  constructor(name: string, args: ServiceDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:ServiceDelivery", name, {}, opts);
    checkDeliveryArgs(args);
    const { service, image } = args;
    const labels = serviceLabels(service).common;
    const child = { parent: this };
    const withGithub = args.githubProvider ? { parent: this, providers: [args.githubProvider] } : child;

    // The worker's namespace: created per stack, or adopted.
    const workloadNamespace = new ServiceNamespace(
      `${name}-workload`,
      {
        name: service.workload.namespace,
        create: service.workload.createNamespace,
        protect: service.workload.protectNamespace,
        labels,
        podSecurity: service.workload.process.podSecurity.level,
        ...(service.workload.process.podSecurity.reason
          ? { podSecurityReason: service.workload.process.podSecurity.reason }
          : {}),
      },
      child,
    );
    // The image's home, the pull Secret, and the digest-pinned reference.
    const registry = new GhcrRegistry(
      name,
      {
        repository: image.repository,
        tag: image.tag,
        ...(image.digest ? { digest: image.digest } : {}),
        username: args.registryUsername,
        token: args.registryToken,
        namespace: workloadNamespace.name,
        pullSecretName: `${service.name}-ghcr-pull`,
        labels,
      },
      child,
    );
    // The worker, running exactly the registry's imageRef.
    const worker = new WorkerDeployment(
      name,
      {
        service,
        namespace: workloadNamespace.name,
        imageRef: registry.imageRef,
        imageTag: registry.imageTag,
        imagePullSecretName: registry.pullSecretName,
        secretValues: args.serviceSecrets,
      },
      child,
    );

    // After the rollout, proof that the new pods poll every task queue: the stack's evidence.
    const verify = service.workload.verification;
    const temporalTarget = service.workload.egress.find((t) => t.purpose === "Temporal frontend");
    const verification =
      verify && temporalTarget
        ? new RolloutVerification(
            `${name}-verification`,
            {
              serviceName: service.name,
              namespace: workloadNamespace.name,
              imageRef: registry.imageRef,
              deployment: worker.deployment,
              podSelector: serviceLabels(service).selector,
              temporal: {
                address: service.workload.temporal.address,
                namespace: service.workload.temporal.namespace,
                taskQueues: service.workload.temporal.taskQueues,
              },
              identityFormat: service.workload.temporal.pollerIdentity,
              temporalPeer: egressPeer(temporalTarget, service.workload.egressDeniedCidrs),
              apiServerPeers: apiServerPeers(
                service.workload.apiServerCidrs,
                service.workload.egressDeniedCidrs,
              ),
              temporalPort: temporalTarget.port,
              image: verify.image,
              timeoutSeconds: verify.timeoutSeconds,
              labels,
            },
            child,
          )
        : undefined;

    const commitTo = service.manageRepositoryFiles
      ? { repository: service.repository.name, branch: service.repository.branch }
      : undefined;
    const build = service.build;
    // What the entry (and a self-hosted trigger) hand the root pipeline: this service, and where it deploys.
    const params: pulumi.Output<Record<string, string>> = build
      ? pulumi
          .all([worker.deploymentUrn, ...(verification ? [verification.jobUrn] : [])])
          .apply((urns) => serviceBuildParams(service.name, build, urns))
      : pulumi.output<Record<string, string>>({ [SERVICE_PARAMS.serviceName]: service.name });
    let triggers: PipelineTriggers | undefined;
    if (build) {
      const tekton = build.trigger === "tekton";
      // The deploy step's identity: patch this one Deployment, nothing else.
      const deployer = new ServiceDeployer(
        `${name}-deployer`,
        {
          serviceName: service.name,
          workloadNamespace: workloadNamespace.name,
          deploymentName: worker.deploymentName,
          runsVerification: verification !== undefined,
          namespace: tekton && args.ciNamespace ? args.ciNamespace : workloadNamespace.name,
          mountToken: tekton,
          labels,
          admission: {
            workloadNamespace: service.workload.namespace,
            identityNamespace: tekton ? build.ciNamespace : service.workload.namespace,
            deployment: {
              name: service.name,
              serviceAccountName: service.name,
              imageRepository: image.repository,
              secretNames: [`${service.name}-ghcr-pull`],
              secretNamePattern: `^${service.name}-secrets-[a-f0-9]+$`,
            },
            ...(verify
              ? {
                  job: {
                    serviceAccountName: `${service.name}-verify`,
                    imageRepository: imageRepositoryOf(verify.image),
                    secretNames: [],
                  },
                }
              : {}),
          },
        },
        child,
      );
      if (tekton && args.ciNamespace && args.registryPushToken && args.pulumiAccessToken) {
        // Self-hosted: a push on GitHub starts the root pipeline with the params Planton would supply.
        triggers = new PipelineTriggers(
          name,
          {
            serviceName: service.name,
            build,
            namespace: args.ciNamespace,
            pipelineName: args.rootPipeline?.pipelineName ?? build.pipeline.name,
            params,
            imageRepository: registry.repository,
            deployServiceAccountName: deployer.serviceAccountName,
            registryUsername: args.registryUsername,
            pushToken: args.registryPushToken,
            pulumiAccessToken: args.pulumiAccessToken,
            labels,
          },
          withGithub,
        );
      }
    }
    // The service-hub entry: Planton's trigger for this service, pointing at the shared root pipeline. A service
    // released upstream has none: nothing of ours builds it.
    const serviceHub = service.serviceHub
      ? new ServiceHubEntry(
          name,
          {
            serviceName: service.name,
            serviceHub: service.serviceHub,
            repository: {
              ...service.repository,
              ...(build ? { projectRoot: build.projectRoot, triggerPaths: build.triggerPaths } : {}),
            },
            pipelineFilePath: args.rootPipeline?.pipelineFilePath ?? PIPELINE_FILE,
            imageRepository: registry.repository,
            params,
            pipelineDeploys: build !== undefined,
            deployEnvironment: service.environment,
            ...(build ? { format: build.entryFormat } : {}),
            ...(commitTo ? { commitTo } : {}),
          },
          withGithub,
        )
      : undefined;

    this.outputs = {
      imageRef: registry.imageRef,
      imageTag: registry.imageTag,
      imageDigest: registry.imageDigest,
      imageOrigin: image.origin,
      imagePinned: image.origin === "pin",
      namespace: worker.namespace,
      serviceAccountName: worker.serviceAccountName,
      deploymentName: worker.deploymentName,
      temporalNamespace: service.workload.temporal.namespace,
      temporalTaskQueue: service.workload.temporal.executionTaskQueue,
      pipelineName: build ? (args.rootPipeline?.pipelineName ?? build.pipeline.name) : "",
      eventListenerUrl: triggers?.eventListenerUrl ?? "",
      serviceHubEntryPath: serviceHub?.entryPath ?? "",
      verifiedImageRef: verification?.verifiedImageRef ?? "",
      verifiedAt: verification?.verifiedAt ?? "",
      verifiedBy: verification?.verifiedBy ?? "",
    };
    // These are the stack's outputs (index.ts returns them). Registered on the component as well, every value would be
    // stored twice in each checkpoint and serialized twice in every preview, for display only: the engine uses a
    // component's registered outputs to display it, and the call itself marks it constructed (Pulumi docs, "Component
    // resources"; pulumi/docs#18007 quotes it).
    this.registerOutputs({});
  }
}
