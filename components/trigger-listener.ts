// The EventListener, the Ingress publishing it, and what it may do: its Roles and its PipelineRuns' admission rule.
import type { input as Input } from "@pulumi/kubernetes/types";
import type * as pulumi from "@pulumi/pulumi";
import { parseHttpsUrl } from "../config/formats";
import { tektonTriggerName } from "../config/platform-limits";
import type { BuildDescription } from "../config/service";
import { type AdmissionObjects, buildAdmissionRule, pipelineRunValidations } from "./admission";
import { deployerNames } from "./deployer";
import { CACHE_WORKSPACES } from "./pipeline-tasks";
import { type ObjectArgs, TRIGGERS_API } from "./tekton";
import { pushFilter } from "./trigger-run";

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
  const { host = "", path = "/" } = parseHttpsUrl(a.build.webhookUrl) ?? {};
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
      workspaceClaims: Object.fromEntries(
        Object.values(CACHE_WORKSPACES).map((c) => [c.workspace, c.claimName]),
      ),
    }),
    labels,
  });
}
