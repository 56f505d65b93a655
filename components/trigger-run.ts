// What a push becomes: the CEL filter, the payload's binding, the root pipeline's PipelineRun with Planton's params.
import * as pulumi from "@pulumi/pulumi";
import type { BuildDescription } from "../config/service";
import { REGISTRY_PARAM } from "../contracts/planton";
import { celString } from "./cel";
import { CACHE_WORKSPACES } from "./pipeline-tasks";
import { STEP_UID } from "./steps";
import { type ObjectArgs, TEKTON_API, TRIGGERS_API, typedObject } from "./tekton";

/** The CEL filter: pushes (not deletions) to the build branch of this repository. Pure. */
export function pushFilter(build: BuildDescription): string {
  return [
    `body.ref == ${celString(`refs/heads/${build.git.branch}`)}`,
    // GitHub names are case-insensitive; the payload carries the canonical case, so compare lowercased
    // (lowerAscii is cel-go's strings extension, which Triggers' CEL interceptor includes).
    `body.repository.full_name.lowerAscii() == ${celString(`${build.git.owner}/${build.git.repository}`.toLowerCase())}`,
    "!body.deleted",
  ].join(" && ");
}

/** TriggerBinding: the pushed commit and the clone URL out of the push payload. Pure. */
export function buildTriggerBinding(a: ObjectArgs) {
  return typedObject(TRIGGERS_API, "TriggerBinding", a, {
    params: [
      { name: "git-revision", value: "$(body.after)" },
      { name: "git-url", value: "$(body.repository.clone_url)" },
    ],
  });
}

/** The label a self-hosted run stamps on everything it creates, as Planton's owner-identifier does. */
export const OWNER_LABEL_KEY = "stigmer.ai/build-owner";

/**
 * The PipelineRun a push creates: the root Pipeline with exactly the params Planton would supply (its nine, image-name,
 * and the service's own), the source volume, the build secrets as the secrets workspace and the push credentials as
 * registry-credentials, the deploy task as the deployer. Its labels (the owner identifier among them) propagate to
 * every TaskRun and Pod it creates. Pure.
 */
export function buildPipelineRunTemplate(a: {
  serviceName: string;
  build: BuildDescription;
  labels: Record<string, string>;
  pipelineName: pulumi.Input<string>;
  params: Record<string, pulumi.Input<string>>;
  imageRepository: pulumi.Input<string>;
  runServiceAccountName: string;
  deployServiceAccountName: pulumi.Input<string>;
  pushSecretName: string;
  buildSecretsName: string;
  sourceVolumeSize: string;
}) {
  const platform: Record<string, pulumi.Input<string>> = {
    "git-url": "$(tt.params.git-url)",
    "git-revision": "$(tt.params.git-revision)",
    "git-branch": a.build.git.branch,
    "project-root": a.build.projectRoot,
    "sparse-checkout-directories": "",
    "owner-identifier-label-key": OWNER_LABEL_KEY,
    "owner-identifier-label-value": a.serviceName,
    "kustomize-manifests-config-map-name": "",
    "kustomize-base-directory": "",
    [REGISTRY_PARAM]: pulumi.interpolate`${a.imageRepository}:$(tt.params.git-revision)`,
  };
  return {
    apiVersion: TEKTON_API,
    kind: "PipelineRun",
    metadata: {
      generateName: `${a.serviceName}-`,
      labels: { ...a.labels, [OWNER_LABEL_KEY]: a.serviceName },
    },
    spec: {
      pipelineRef: { name: a.pipelineName },
      params: Object.entries({ ...platform, ...a.params }).map(([name, value]) => ({ name, value })),
      workspaces: [
        {
          name: "source",
          volumeClaimTemplate: {
            spec: {
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: a.sourceVolumeSize } },
            },
          },
        },
        { name: "secrets", secret: { secretName: a.buildSecretsName } },
        {
          name: "registry-credentials",
          secret: {
            secretName: a.pushSecretName,
            items: [{ key: ".dockerconfigjson", path: "config.json" }],
          },
        },
        // The caches that outlive runs (RootPipeline's claims), so a second build downloads nothing.
        ...Object.values(CACHE_WORKSPACES).map((c) => ({
          name: c.workspace,
          persistentVolumeClaim: { claimName: c.claimName },
        })),
      ],
      taskRunTemplate: {
        serviceAccountName: a.runServiceAccountName,
        podTemplate: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: STEP_UID,
            runAsGroup: STEP_UID,
            fsGroup: STEP_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
        },
      },
      taskRunSpecs: [{ pipelineTaskName: "deploy", serviceAccountName: a.deployServiceAccountName }],
      timeouts: { pipeline: "1h45m0s", tasks: "1h35m0s", finally: "10m0s" },
    },
  };
}

/** TriggerTemplate wrapping the PipelineRun. Pure. */
export function buildTriggerTemplate(
  a: ObjectArgs & { pipelineRun: pulumi.Input<ReturnType<typeof buildPipelineRunTemplate>> },
) {
  return typedObject(TRIGGERS_API, "TriggerTemplate", a, {
    params: [
      { name: "git-revision", description: "The pushed commit SHA." },
      { name: "git-url", description: "https clone URL of the repository." },
    ],
    resourcetemplates: [a.pipelineRun],
  });
}
