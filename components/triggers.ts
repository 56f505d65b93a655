// PipelineTriggers: GitHub push -> webhook -> Ingress -> EventListener -> PipelineRun of the service's Pipeline.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { BuildDescription } from "../config/service";
import { BUILD_SECRET_FILES } from "../contracts/planton";
import { admissionRule } from "./admission";
import { buildDockerConfigJson, buildDockerConfigSecret, registryHost } from "./registry-credentials";
import { buildServiceAccount } from "./service-account";
import {
  buildEventListener,
  buildListenerAdmission,
  buildListenerClusterRole,
  buildListenerRole,
  buildWebhookIngress,
  triggerNames,
  WEBHOOK_SECRET_KEY,
} from "./trigger-listener";
import { buildPipelineRunTemplate, buildTriggerBinding, buildTriggerTemplate } from "./trigger-run";

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
