// WorkerDeployment: a long-running worker (workflow-runner first) on Kubernetes, hardened and pinned by digest.
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../config";
import { buildServiceAccount, type ServiceLabels, serviceLabels, versionLabel } from "./labels";

/** Arguments of WorkerDeployment. */
export interface WorkerDeploymentArgs {
  /** The service and its environment's settings. */
  readonly service: ServiceDescription;
  /** Namespace to deploy into (an Output of ServiceNamespace, so it is created first). */
  readonly namespace: pulumi.Input<string>;
  /** Digest-pinned image reference, `<repository>:<tag>@sha256:<hex>`: GhcrRegistry's `imageRef`. */
  readonly imageRef: pulumi.Input<string>;
  /** Image tag, for the `app.kubernetes.io/version` label. @default no version label */
  readonly imageTag?: pulumi.Input<string>;
  /** Name of the `kubernetes.io/dockerconfigjson` Secret the kubelet pulls with: GhcrRegistry's `pullSecretName`. */
  readonly imagePullSecretName: pulumi.Input<string>;
}

/** The inputs every builder here shares. */
export interface WorkloadSpecArgs {
  readonly service: ServiceDescription;
  readonly labels: ServiceLabels;
  readonly namespace: pulumi.Input<string>;
}

/** UID and GID the container runs as (the distroless `nonroot` user). */
export const RUN_AS_ID = 65532;

/** ConfigMap of the service's non-secret settings, handed to the container as environment. Pure. */
export function buildConfigMap(a: WorkloadSpecArgs): Input.core.v1.ConfigMap {
  return {
    metadata: { name: `${a.service.name}-settings`, namespace: a.namespace, labels: a.labels.common },
    data: { ...a.service.workload.settings },
  };
}

/** A stable hash of the settings, so that changing a setting rolls the pods. Pure. */
export function settingsChecksum(settings: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.entries(settings).sort(([x], [y]) => x.localeCompare(y)));
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

/** The Deployment: restricted Pod Security Standard, probes, requests and limits, digest-pinned image. Pure. */
export function buildDeployment(
  a: WorkloadSpecArgs & {
    imageRef: pulumi.Input<string>;
    imagePullSecretName: pulumi.Input<string>;
    versionLabels?: pulumi.Input<Record<string, string>>;
  },
): Input.apps.v1.Deployment {
  const w = a.service.workload;
  const ports: Input.core.v1.ContainerPort[] = [
    { name: "health", containerPort: w.healthPort, protocol: "TCP" },
  ];
  if (w.metricsPort !== undefined)
    ports.push({ name: "metrics", containerPort: w.metricsPort, protocol: "TCP" });
  const podLabels = a.versionLabels
    ? pulumi.output(a.versionLabels).apply((v) => ({ ...a.labels.common, ...v }))
    : a.labels.common;
  return {
    metadata: { name: a.service.name, namespace: a.namespace, labels: a.labels.common },
    spec: {
      replicas: w.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: a.labels.selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels,
          annotations: { "stigmer.ai/settings-checksum": settingsChecksum(w.settings) },
        },
        spec: {
          serviceAccountName: a.service.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          imagePullSecrets: [{ name: a.imagePullSecretName }],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_ID,
            runAsGroup: RUN_AS_ID,
            fsGroup: RUN_AS_ID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(w.replicas > 1
            ? {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: "kubernetes.io/hostname",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: a.labels.selector },
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: a.service.name,
              image: a.imageRef,
              imagePullPolicy: "IfNotPresent",
              envFrom: [{ configMapRef: { name: `${a.service.name}-settings` } }],
              ports,
              resources: {
                requests: { ...w.resources.requests },
                limits: { ...w.resources.limits },
              },
              livenessProbe: {
                httpGet: { path: w.livenessPath, port: "health" },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              readinessProbe: {
                httpGet: { path: w.readinessPath, port: "health" },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              securityContext: {
                runAsNonRoot: true,
                runAsUser: RUN_AS_ID,
                runAsGroup: RUN_AS_ID,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  };
}

/** PodDisruptionBudget keeping `minAvailable` pods through voluntary evictions (node drains). Pure. */
export function buildPodDisruptionBudget(a: WorkloadSpecArgs): Input.policy.v1.PodDisruptionBudget {
  return {
    metadata: { name: a.service.name, namespace: a.namespace, labels: a.labels.common },
    spec: { minAvailable: a.service.workload.minAvailable, selector: { matchLabels: a.labels.selector } },
  };
}

/** The namespace of a cluster-local service host (`svc.ns.svc[.cluster.local]`), or undefined. Pure. */
export function clusterServiceNamespace(host: string): string | undefined {
  return /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host)?.[1];
}

/**
 * NetworkPolicy: egress to cluster DNS and to the Temporal frontend only; ingress only to the metrics port,
 * and only when one is configured. Pure.
 */
export function buildNetworkPolicy(a: WorkloadSpecArgs): Input.networking.v1.NetworkPolicy {
  const w = a.service.workload;
  const temporalNamespace = clusterServiceNamespace(w.temporal.host);
  return {
    metadata: { name: a.service.name, namespace: a.namespace, labels: a.labels.common },
    spec: {
      podSelector: { matchLabels: a.labels.selector },
      policyTypes: ["Ingress", "Egress"],
      ingress: w.metricsPort === undefined ? [] : [{ ports: [{ port: w.metricsPort, protocol: "TCP" }] }],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
        {
          ...(temporalNamespace
            ? {
                to: [
                  {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": temporalNamespace } },
                  },
                ],
              }
            : {}),
          ports: [{ port: w.temporal.port, protocol: "TCP" }],
        },
      ],
    },
  };
}

/** ClusterIP Service in front of the metrics port, for scraping. Pure. */
export function buildMetricsService(a: WorkloadSpecArgs): Input.core.v1.Service | undefined {
  const port = a.service.workload.metricsPort;
  if (port === undefined) return undefined;
  return {
    metadata: { name: `${a.service.name}-metrics`, namespace: a.namespace, labels: a.labels.common },
    spec: {
      type: "ClusterIP",
      selector: a.labels.selector,
      ports: [{ name: "metrics", port, targetPort: "metrics", protocol: "TCP" }],
    },
  };
}

/** A worker Deployment with its ServiceAccount, settings, disruption budget and network policy. */
export class WorkerDeployment extends pulumi.ComponentResource {
  /** Name of the Deployment. */
  public readonly deploymentName: pulumi.Output<string>;
  /** Name of the pods' ServiceAccount. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Namespace the worker runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** The image the pod template runs, exactly as given. */
  public readonly image: pulumi.Output<string>;
  /** URN of the Deployment: what the pipeline's deploy step targets. */
  public readonly deploymentUrn: pulumi.Output<string>;

  constructor(name: string, args: WorkerDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:WorkerDeployment", name, {}, opts);
    const labels = serviceLabels(args.service);
    const base: WorkloadSpecArgs = { service: args.service, labels, namespace: args.namespace };
    const child = { parent: this };

    // The pods' identity; no token is mounted: the worker does not talk to the Kubernetes API.
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      buildServiceAccount({ name: args.service.name, namespace: args.namespace, labels: labels.common }),
      child,
    );
    // Non-secret settings, read by the container as environment.
    const settings = new k8s.core.v1.ConfigMap(`${name}-settings`, buildConfigMap(base), child);
    // The worker itself, waiting for its settings and identity to exist.
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      buildDeployment({
        ...base,
        imageRef: args.imageRef,
        imagePullSecretName: args.imagePullSecretName,
        ...(args.imageTag !== undefined
          ? { versionLabels: pulumi.output(args.imageTag).apply(versionLabel) }
          : {}),
      }),
      { parent: this, dependsOn: [sa, settings] },
    );
    // Keeps minAvailable pods through node drains.
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, buildPodDisruptionBudget(base), child);
    // Egress to DNS and Temporal only; ingress to metrics only.
    new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, buildNetworkPolicy(base), child);
    const metrics = buildMetricsService(base);
    if (metrics) {
      // The metrics endpoint, for scraping.
      new k8s.core.v1.Service(`${name}-metrics`, metrics, child);
    }

    this.deploymentName = deployment.metadata.name;
    this.serviceAccountName = sa.metadata.name;
    this.namespace = pulumi.output(args.namespace);
    this.image = pulumi.output(args.imageRef);
    this.deploymentUrn = deployment.urn;
    this.registerOutputs({
      deploymentUrn: this.deploymentUrn,
      deploymentName: this.deploymentName,
      serviceAccountName: this.serviceAccountName,
      namespace: this.namespace,
      image: this.image,
    });
  }
}
