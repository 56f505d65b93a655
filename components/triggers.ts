// PipelineTriggers: GitHub push -> webhook -> Ingress -> EventListener -> PipelineRun of the service's Pipeline.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type BuildDescription, HTTPS_URL } from "../config";
import { buildServiceAccount } from "./labels";
import { STEP_UID } from "./pipeline";
import { type ObjectArgs, TEKTON_API, TRIGGERS_API, typedObject } from "./tekton";

/** Arguments of PipelineTriggers. */
export interface PipelineTriggersArgs {
  /** Service name; prefixes every object. */
  readonly serviceName: string;
  /** The build side of the service description. */
  readonly build: BuildDescription;
  /** CI namespace. */
  readonly namespace: pulumi.Input<string>;
  /** Pipeline to run: TektonPipeline's `pipelineName`. */
  readonly pipelineName: pulumi.Input<string>;
  /** ServiceAccount of the clone and build TaskRuns: TektonPipeline's `runServiceAccountName`. */
  readonly runServiceAccountName: pulumi.Input<string>;
  /** ServiceAccount of the deploy TaskRun: TektonPipeline's `deployServiceAccountName`. */
  readonly deployServiceAccountName: pulumi.Input<string>;
  /** Secret bound as the dockerconfig workspace: TektonPipeline's `pushSecretName`. */
  readonly pushSecretName: pulumi.Input<string>;
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

/** The PipelineRun a push creates: the tag is the commit SHA, the source a fresh volume per run. Pure. */
export function buildPipelineRunTemplate(a: {
  serviceName: string;
  build: BuildDescription;
  labels: Record<string, string>;
  pipelineName: pulumi.Input<string>;
  runServiceAccountName: pulumi.Input<string>;
  deployServiceAccountName: pulumi.Input<string>;
  pushSecretName: pulumi.Input<string>;
  sourceVolumeSize: string;
}) {
  return {
    apiVersion: TEKTON_API,
    kind: "PipelineRun",
    metadata: { generateName: `${a.serviceName}-`, labels: a.labels },
    spec: {
      pipelineRef: { name: a.pipelineName },
      params: [
        { name: "git-url", value: "$(tt.params.git-url)" },
        { name: "git-revision", value: "$(tt.params.git-revision)" },
        { name: "image-tag", value: "$(tt.params.git-revision)" },
        { name: "deploy-stack", value: a.build.deployStack },
      ],
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
        {
          name: "dockerconfig",
          secret: {
            secretName: a.pushSecretName,
            items: [{ key: ".dockerconfigjson", path: "config.json" }],
          },
        },
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
      timeouts: { pipeline: "1h30m0s", tasks: "1h20m0s", finally: "10m0s" },
    },
  };
}

/** TriggerTemplate wrapping the PipelineRun. Pure. */
export function buildTriggerTemplate(
  a: ObjectArgs & { pipelineRun: ReturnType<typeof buildPipelineRunTemplate> },
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
          name: `push-${a.build.git.branch.replace(/[^a-z0-9-]/g, "-")}`,
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

/** From a push on GitHub to a PipelineRun: webhook, Ingress, EventListener and its RBAC, binding, template. */
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
    // Lets the EventListener read its triggers and create PipelineRuns in its namespace (ClusterRole shipped by Triggers).
    new k8s.rbac.v1.RoleBinding(
      `${name}-roles`,
      {
        metadata: { name: `${names.serviceAccount}-roles`, namespace: ns, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "tekton-triggers-eventlistener-roles",
        },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }],
      },
      child,
    );
    // Lets the EventListener read cluster interceptors (ClusterRole shipped by Triggers).
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-clusterroles`,
      {
        metadata: { name: pulumi.interpolate`${ns}-${names.serviceAccount}-clusterroles`, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "tekton-triggers-eventlistener-clusterroles",
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
    // Params -> PipelineRun.
    const template = new k8s.apiextensions.CustomResource(
      `${name}-template`,
      buildTriggerTemplate({
        name: names.template,
        namespace: ns,
        labels,
        pipelineRun: buildPipelineRunTemplate({
          serviceName: args.serviceName,
          build: args.build,
          labels,
          pipelineName: args.pipelineName,
          runServiceAccountName: args.runServiceAccountName,
          deployServiceAccountName: args.deployServiceAccountName,
          pushSecretName: args.pushSecretName,
          sourceVolumeSize: args.sourceVolumeSize ?? "5Gi",
        }),
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

    this.eventListenerName = listener.metadata.name;
    this.eventListenerUrl = pulumi.output(args.build.webhookUrl);
    this.webhookSecret = webhookSecret;
    this.registerOutputs({
      eventListenerName: this.eventListenerName,
      eventListenerUrl: this.eventListenerUrl,
    });
  }
}
