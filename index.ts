// The workflow-runner delivery program: config -> image choice -> providers -> the service's delivery -> outputs.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CiNetworkPolicy } from "./components/ci-network-policy";
import { ServiceDelivery } from "./components/delivery";
import { promotedImageRef, readStackOutputs, selectImage } from "./components/image-choice";
import { ServiceNamespace } from "./components/namespace";
import { RootPipeline } from "./components/pipeline";
import { SHARED_LABELS, sharedResourceOptions } from "./components/shared";
import { loadStackConfig, serviceSecretValues } from "./config/load";
import type { StackOutputsInput } from "./contracts/stack-outputs";

/** The program: validates config, chooses the image, builds everything, and returns the stack outputs. */
export = async (): Promise<StackOutputsInput> => {
  const cfg = loadStackConfig();
  const service = cfg.service;

  // The image: a pin wins; a promotion deploys the other stack's imageRef; the pipeline's tag and digest next; else
  // the stack keeps the image it runs (its own last imageRef). Read before anything is created here.
  // A promotion deploys the source's verified image, once soaked (its evidence outputs).
  const { pin, promoteFrom, tag, digest, self } = service.image;
  const source =
    promoteFrom && !pin
      ? await readStackOutputs(promoteFrom, ["imageRef", "verifiedImageRef", "verifiedAt"], "promote-from")
      : undefined;
  const promotedRef = source ? promotedImageRef(service.image, source, Date.now()) : undefined;
  const keepsCurrent = !pin && !promoteFrom && !tag && !digest;
  const currentRef = keepsCurrent
    ? (await readStackOutputs(self, ["imageRef"], "current")).imageRef
    : undefined;
  const image = selectImage(service.image, promotedRef, currentRef);
  if (image.warning) pulumi.log.warn(image.warning);

  // The cluster this stack deploys to: the configured kubeconfig context, or the ambient current one.
  const kubernetes = new k8s.Provider("kubernetes", cfg.kubeContext ? { context: cfg.kubeContext } : {});
  // GitHub, for the webhook and the committed files: the monorepo's owner, with a token from secret config.
  const githubProvider = cfg.secrets.githubToken
    ? new github.Provider("github", { owner: service.repository.owner, token: cfg.secrets.githubToken })
    : undefined;

  // The monorepo's shared root pipeline, once for every service it builds: committed for Planton, and applied to
  // the CI namespace when Tekton is self-hosted. One stack owns them (ownsSharedPipeline) and keeps them when it is
  // destroyed; every other stack names them.
  const build = service.build;
  const ownsShared = build !== undefined && cfg.plain.ownsSharedPipeline;
  const shared = sharedResourceOptions({ providers: [kubernetes] });
  const ci =
    build?.trigger === "tekton" && ownsShared
      ? new ServiceNamespace(
          "ci",
          { name: build.ciNamespace, labels: { ...SHARED_LABELS }, podSecurity: "baseline" },
          shared,
        )
      : undefined;
  if (ci && build) {
    // Default-deny in the CI namespace, opened only for what runs there.
    new CiNetworkPolicy(
      "ci-network",
      {
        namespace: ci.name,
        ingressControllerNamespace: build.ingressControllerNamespace,
        deniedCidrs: service.workload.egressDeniedCidrs,
        apiServerCidrs: service.workload.apiServerCidrs,
        labels: { ...SHARED_LABELS },
      },
      shared,
    );
  }
  const ciNamespace = build?.trigger === "tekton" ? (ci?.name ?? build.ciNamespace) : undefined;
  const rootPipeline =
    build && ownsShared
      ? new RootPipeline(
          "root-pipeline",
          {
            pipeline: build.pipeline,
            ...(service.manageRepositoryFiles
              ? { commitTo: { repository: service.repository.name, branch: service.repository.branch } }
              : {}),
            ...(ci ? { namespace: ci.name } : {}),
          },
          sharedResourceOptions({ providers: githubProvider ? [kubernetes, githubProvider] : [kubernetes] }),
        )
      : undefined;

  const delivery = new ServiceDelivery(
    service.name,
    {
      service,
      image,
      registryUsername: cfg.plain.registryUsername,
      registryToken: cfg.secrets.registryToken,
      serviceSecrets: serviceSecretValues(cfg.secrets),
      ...(cfg.secrets.registryPushToken ? { registryPushToken: cfg.secrets.registryPushToken } : {}),
      ...(cfg.secrets.pulumiAccessToken ? { pulumiAccessToken: cfg.secrets.pulumiAccessToken } : {}),
      ...(githubProvider ? { githubProvider } : {}),
      ...(rootPipeline ? { rootPipeline } : {}),
      ...(ciNamespace !== undefined ? { ciNamespace } : {}),
    },
    { providers: [kubernetes] },
  );
  return delivery.outputs;
};
