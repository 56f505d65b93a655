// PipelineTriggers: GitHub push -> webhook -> Ingress -> EventListener -> PipelineRun of the service's Pipeline.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HTTPS_URL } from "../config/formats";
import { tektonTriggerName } from "../config/platform-limits";
import type { BuildDescription } from "../config/service";
import { BUILD_SECRET_FILES, REGISTRY_PARAM } from "../contracts/planton";
import {
  type AdmissionObjects,
  admissionRule,
  buildAdmissionRule,
  pipelineRunValidations,
} from "./admission";
import { deployerNames } from "./deployer";
import { CACHE_WORKSPACES, STEP_UID } from "./pipeline";
import { buildDockerConfigJson, buildDockerConfigSecret, registryHost } from "./registry";
import { buildServiceAccount } from "./service-account";
import { type ObjectArgs, TEKTON_API, TRIGGERS_API, typedObject } from "./tekton";

/** Arguments of PipelineTriggers. */
export interface PipelineTriggersArgs {
  /** Service name; prefixes every object. */
  readonly serviceName: string;
  /** The build side of the service description. */
  readonly build: BuildDescription;
  /** CI namespace. */
  readonly namespace: pulumi.Input<string>;
  /** Root Pipeline to run: RootPipeline's `pipelineName`. */
  readonly pipelineName: pulumi.Input<string>;
  /** The service's params for the root pipeline (serviceBuildParams), as its entry hands them to Planton. */
  readonly params: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Image repository the push target pushes to, for image-name (as Planton forms it). */
  readonly imageRepository: pulumi.Input<string>;
  /** ServiceAccount of the deploy TaskRun: ServiceDeployer's `serviceAccountName`. */
  readonly deployServiceAccountName: pulumi.Input<string>;
  /** Registry user that owns the push token. */
  readonly registryUsername: pulumi.Input<string>;
  /** GHCR token with write:packages, for the registry-credentials workspace. Kept secret. */
  readonly pushToken: pulumi.Input<string>;
  /** Pulumi access token, the secrets workspace's pulumi-access-token file. Kept secret. */
  readonly pulumiAccessToken: pulumi.Input<string>;
  /** Labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Size of each run's source volume. @default "5Gi" */
  readonly sourceVolumeSize?: string;
}

/** Names of the objects, derived once from the service name. Pure. */
export function triggerNames(serviceName: string) {
  return {
    eventListener: serviceName,
    eventListenerService: `el-${serviceName}`,
    binding: `${serviceName}-push`,
    template: `${serviceName}-run`,
    serviceAccount: `${serviceName}-triggers`,
    webhookSecret: `${serviceName}-github-webhook`,
    ingress: `${serviceName}-webhook`,
    tlsSecret: `${serviceName}-webhook-tls`,
    runServiceAccount: `${serviceName}-pipeline`,
    pushSecret: `${serviceName}-ghcr-push`,
    buildSecrets: `${serviceName}-build-secrets`,
    listenerRole: `${serviceName}-triggers`,
  } as const;
}

/** The key of the webhook token inside its Secret. */
export const WEBHOOK_SECRET_KEY = "secretToken";
/** Port of the EventListener's Service. */
export const EVENT_LISTENER_PORT = 8080;

/** The CEL filter: pushes (not deletions) to the build branch of this repository. Pure. */
export function pushFilter(build: BuildDescription): string {
  return [
    `body.ref == 'refs/heads/${build.git.branch}'`,
    // GitHub names are case-insensitive; the payload carries the canonical case, so compare lowercased
    // (lowerAscii is cel-go's strings extension, which Triggers' CEL interceptor includes).
    `body.repository.full_name.lowerAscii() == '${`${build.git.owner}/${build.git.repository}`.toLowerCase()}'`,
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

/** EventListener: GitHub interceptor (signature, push events), CEL filter, binding, template. Pure. */
export function buildEventListener(a: {
  names: ReturnType<typeof triggerNames>;
  build: BuildDescription;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}) {
  return {
    apiVersion: TRIGGERS_API,
    kind: "EventListener",
    metadata: { name: a.names.eventListener, namespace: a.namespace, labels: a.labels },
    spec: {
      serviceAccountName: a.names.serviceAccount,
      triggers: [
        {
          name: tektonTriggerName(a.build.git.branch),
          interceptors: [
            {
              ref: { name: "github" },
              params: [
                {
                  name: "secretRef",
                  value: { secretName: a.names.webhookSecret, secretKey: WEBHOOK_SECRET_KEY },
                },
                { name: "eventTypes", value: ["push"] },
              ],
            },
            { ref: { name: "cel" }, params: [{ name: "filter", value: pushFilter(a.build) }] },
          ],
          bindings: [{ ref: a.names.binding }],
          template: { ref: a.names.template },
        },
      ],
      resources: {
        kubernetesResource: {
          spec: {
            template: {
              spec: {
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
              },
            },
          },
        },
      },
    },
  };
}

/** The Ingress publishing the EventListener at the webhook URL, with a cert-manager certificate. Pure. */
export function buildWebhookIngress(a: {
  names: ReturnType<typeof triggerNames>;
  build: BuildDescription;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}): Input.networking.v1.Ingress {
  const { host = "", path = "/" } = HTTPS_URL.exec(a.build.webhookUrl)?.groups ?? {};
  return {
    metadata: {
      name: a.names.ingress,
      namespace: a.namespace,
      labels: a.labels,
      annotations: { "cert-manager.io/cluster-issuer": a.build.tlsClusterIssuer },
    },
    spec: {
      ingressClassName: a.build.ingressClassName,
      tls: [{ hosts: [host], secretName: a.names.tlsSecret }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path,
                pathType: "Prefix",
                backend: {
                  service: { name: a.names.eventListenerService, port: { number: EVENT_LISTENER_PORT } },
                },
              },
            ],
          },
        },
      ],
    },
  };
}

/**
 * The EventListener's own Role in the CI namespace: read its Triggers objects and create PipelineRuns, nothing else
 * (no Secret reads: the GitHub interceptor runs in Triggers' core-interceptors with its own identity; no
 * impersonation). Pure.
 */
export function buildListenerRole(a: ObjectArgs): Input.rbac.v1.Role {
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    rules: [
      {
        apiGroups: ["triggers.tekton.dev"],
        resources: ["eventlisteners", "triggerbindings", "triggertemplates", "triggers", "interceptors"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    ],
  };
}

/** The cluster-scoped Triggers objects an EventListener reads (interceptors, cluster bindings), read-only. Pure. */
export function buildListenerClusterRole(a: {
  name: pulumi.Input<string>;
  labels: Record<string, string>;
}): Input.rbac.v1.ClusterRole {
  return {
    metadata: { name: a.name, labels: a.labels },
    rules: [
      {
        apiGroups: ["triggers.tekton.dev"],
        resources: ["clusterinterceptors", "clustertriggerbindings"],
        verbs: ["get", "list", "watch"],
      },
    ],
  };
}

/**
 * The admission rule of the EventListener's PipelineRuns (admission.ts): the shared pipeline by name, TaskRuns as the
 * run identity and only the deploy task as the deployer, each workspace with its own Secret. Pure.
 */
export function buildListenerAdmission(
  serviceName: string,
  build: BuildDescription,
  labels: Record<string, string>,
): AdmissionObjects {
  const names = triggerNames(serviceName);
  return buildAdmissionRule({
    name: `${build.ciNamespace}-${serviceName}-listener-pipelineruns`,
    resource: { group: "tekton.dev", version: "*", plural: "pipelineruns" },
    namespace: build.ciNamespace,
    identity: { namespace: build.ciNamespace, serviceAccount: names.serviceAccount },
    validations: pipelineRunValidations({
      pipelineName: build.pipeline.name,
      runServiceAccountName: names.runServiceAccount,
      deployTask: { name: "deploy", serviceAccountName: deployerNames(serviceName).serviceAccount },
      workspaceSecrets: { secrets: names.buildSecrets, "registry-credentials": names.pushSecret },
    }),
    labels,
  });
}

/** Self-hosted Tekton: from a push on GitHub to a PipelineRun of the root pipeline, with Planton's params. */
export class PipelineTriggers extends pulumi.ComponentResource {
  /** Name of the EventListener. */
  public readonly eventListenerName: pulumi.Output<string>;
  /** Public URL GitHub posts push events to. */
  public readonly eventListenerUrl: pulumi.Output<string>;
  /** The webhook token, generated once and kept secret; the EventListener and GitHub hold the same value. */
  public readonly webhookSecret: pulumi.Output<string>;

  constructor(name: string, args: PipelineTriggersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:PipelineTriggers", name, {}, opts);
    const names = triggerNames(args.serviceName);
    const labels = { ...args.labels, "app.kubernetes.io/component": "triggers" };
    const ns = args.namespace;
    const child = { parent: this };

    // The webhook token: generated once, stored only in state (secret), rotated by replacing this resource.
    const token = new random.RandomPassword(`${name}-webhook-token`, { length: 40, special: false }, child);
    const webhookSecret = pulumi.secret(token.result);
    // The EventListener's copy of the token, read by the GitHub interceptor.
    new k8s.core.v1.Secret(
      `${name}-webhook-secret`,
      {
        metadata: { name: names.webhookSecret, namespace: ns, labels },
        type: "Opaque",
        stringData: { [WEBHOOK_SECRET_KEY]: webhookSecret },
      },
      child,
    );
    // GHCR push credentials (write:packages), bound only to the build task as registry-credentials.
    const pushToken = pulumi.secret(args.pushToken);
    new k8s.core.v1.Secret(
      `${name}-push-secret`,
      buildDockerConfigSecret({
        name: names.pushSecret,
        namespace: ns,
        labels,
        dockerConfigJson: pulumi.secret(
          pulumi
            .all([args.imageRepository, args.registryUsername, pushToken])
            .apply(([repo, user, tok]) => buildDockerConfigJson(registryHost(repo), user, tok)),
        ),
      }),
      child,
    );
    // The deploy's build secrets, one file each, bound only to the deploy task as the secrets workspace.
    new k8s.core.v1.Secret(
      `${name}-build-secrets`,
      {
        metadata: { name: names.buildSecrets, namespace: ns, labels },
        type: "Opaque",
        stringData: { [BUILD_SECRET_FILES.pulumiAccessToken]: pulumi.secret(args.pulumiAccessToken) },
      },
      child,
    );
    // Identity of the checkout and build TaskRuns: no API access, no token mounted.
    new k8s.core.v1.ServiceAccount(
      `${name}-run-sa`,
      buildServiceAccount({ name: names.runServiceAccount, namespace: ns, labels }),
      child,
    );
    // The EventListener's identity.
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      buildServiceAccount({
        name: names.serviceAccount,
        namespace: ns,
        labels,
        tokenReason: "the EventListener reads its triggers and creates PipelineRuns",
      }),
      child,
    );
    // Its own Role: its Triggers objects and PipelineRuns, in its namespace only.
    const role = new k8s.rbac.v1.Role(
      `${name}-listener-role`,
      buildListenerRole({ name: names.listenerRole, namespace: ns, labels }),
      child,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-listener-binding`,
      {
        metadata: { name: names.listenerRole, namespace: ns, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }],
      },
      child,
    );
    // Read-only access to the cluster-scoped interceptors and bindings, nothing else cluster-wide.
    const clusterRoleName = pulumi.interpolate`${ns}-${names.listenerRole}`;
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-listener-cluster-role`,
      buildListenerClusterRole({ name: clusterRoleName, labels }),
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-listener-cluster-binding`,
      {
        metadata: { name: clusterRoleName, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }],
      },
      child,
    );
    // Push payload -> params.
    const binding = new k8s.apiextensions.CustomResource(
      `${name}-binding`,
      buildTriggerBinding({ name: names.binding, namespace: ns, labels }),
      child,
    );
    // Params -> PipelineRun of the root pipeline, with what Planton would supply.
    const template = new k8s.apiextensions.CustomResource(
      `${name}-template`,
      buildTriggerTemplate({
        name: names.template,
        namespace: ns,
        labels,
        pipelineRun: pulumi.output(args.params).apply((params) =>
          buildPipelineRunTemplate({
            serviceName: args.serviceName,
            build: args.build,
            labels,
            pipelineName: args.pipelineName,
            params: params as Record<string, string>,
            imageRepository: args.imageRepository,
            runServiceAccountName: names.runServiceAccount,
            deployServiceAccountName: args.deployServiceAccountName,
            pushSecretName: names.pushSecret,
            buildSecretsName: names.buildSecrets,
            sourceVolumeSize: args.sourceVolumeSize ?? "5Gi",
          }),
        ),
      }),
      child,
    );
    // The listener itself, once what it refers to exists.
    const listener = new k8s.apiextensions.CustomResource(
      `${name}-event-listener`,
      buildEventListener({ names, build: args.build, namespace: ns, labels }),
      { parent: this, dependsOn: [binding, template, sa] },
    );
    // Publishes the listener at the webhook URL over TLS.
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      buildWebhookIngress({ names, build: args.build, namespace: ns, labels }),
      { parent: this, dependsOn: [listener] },
    );
    // GitHub's side: push events to that URL, signed with the same token.
    new github.RepositoryWebhook(
      `${name}-github-webhook`,
      {
        repository: args.build.git.repository,
        events: ["push"],
        active: true,
        configuration: {
          url: args.build.webhookUrl,
          contentType: "json",
          insecureSsl: false,
          secret: webhookSecret,
        },
      },
      { parent: this, dependsOn: [listener] },
    );

    // What the listener's PipelineRuns may be, enforced at admission: its Role lets it create PipelineRuns, this rule
    // fixes them to the shared pipeline by name, the run and deploy identities and the service's own Secrets.
    admissionRule(
      this,
      `${name}-pipelinerun-admission`,
      buildListenerAdmission(args.serviceName, args.build, labels),
    );

    this.eventListenerName = listener.metadata.name;
    this.eventListenerUrl = pulumi.output(args.build.webhookUrl);
    this.webhookSecret = webhookSecret;
    this.registerOutputs({
      eventListenerName: this.eventListenerName,
      eventListenerUrl: this.eventListenerUrl,
    });
  }
}
