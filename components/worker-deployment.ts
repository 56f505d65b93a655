// WorkerDeployment: a long-running worker on Kubernetes, rendered from its service description (any service).
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { digestLabel, type ServiceLabels, serviceLabels, versionLabel } from "../config/labels";
import type { ServiceDescription } from "../config/service";
import { egressPeer, internetPeer, NAMESPACE_NAME_LABEL } from "./network-peers";
import { workerContainerSecurityContext } from "./security-context";
import { buildServiceAccount } from "./service-account";
import { buildVolume, buildVolumeClaims } from "./worker-deployment-volumes";

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
  /** Values of the service's secret variables (`service.workload.secretEnv`), from secret config. Kept secret. */
  readonly secretValues: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The inputs every builder here shares. */
export interface WorkloadSpecArgs {
  readonly service: ServiceDescription;
  readonly labels: ServiceLabels;
  readonly namespace: pulumi.Input<string>;
}

/** Label of the namespace name, set by Kubernetes on every namespace. */

/** Name of the ConfigMap holding the plain environment. Pure. */
export function settingsName(serviceName: string): string {
  return `${serviceName}-settings`;
}

/** ConfigMap of the service's plain environment (contract variables and extras). Pure. */
export function buildConfigMap(a: WorkloadSpecArgs): Input.core.v1.ConfigMap {
  return {
    metadata: { name: settingsName(a.service.name), namespace: a.namespace, labels: a.labels.common },
    data: { ...a.service.workload.env },
  };
}

/** A stable hash of the plain settings, so that changing one rolls the pods. Pure. */
export function settingsChecksum(settings: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(
    Object.entries(settings).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  );
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

/** The Secret of the service's credentials; its name carries a random suffix renewed whenever a value changes. Pure. */
export function buildWorkloadSecret(
  a: WorkloadSpecArgs & {
    name: pulumi.Input<string>;
    values: Readonly<Record<string, pulumi.Input<string>>>;
  },
): Input.core.v1.Secret {
  const stringData: Record<string, pulumi.Input<string>> = {};
  for (const name of a.service.workload.secretEnv) {
    const value = a.values[name];
    if (value !== undefined) stringData[name] = pulumi.secret(value);
  }
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels.common },
    type: "Opaque",
    immutable: true,
    stringData,
  };
}

/**
 * The container's environment: plain values from the ConfigMap, each secret variable by `secretKeyRef`, to the
 * Secret this program makes or to one that exists already (`secretRefs`). Pure.
 */
export function buildEnv(
  service: ServiceDescription,
  secretName: pulumi.Input<string>,
): Pick<Input.core.v1.Container, "env" | "envFrom"> {
  return {
    envFrom: [{ configMapRef: { name: settingsName(service.name) } }],
    env: [
      ...service.workload.secretEnv.map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: secretName, key: name } },
      })),
      ...service.workload.secretRefs.map((ref) => ({
        name: ref.env,
        valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
      })),
    ],
  };
}

/**
 * The Deployment: the process settings its contract declares (user, capabilities, volumes, strategy), contract env,
 * no port and no probe, digest-pinned image. Pure.
 */
export function buildDeployment(
  a: WorkloadSpecArgs & {
    imageRef: pulumi.Input<string>;
    imagePullSecretName: pulumi.Input<string>;
    secretName: pulumi.Input<string>;
    versionLabels?: pulumi.Input<Record<string, string>>;
  },
): Input.apps.v1.Deployment {
  const w = a.service.workload;
  const p = w.process;
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
      strategy:
        p.strategy === "Recreate"
          ? { type: "Recreate" }
          : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels,
          annotations: { "stigmer.ai/settings-checksum": settingsChecksum(w.env) },
        },
        spec: {
          serviceAccountName: a.service.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
          imagePullSecrets: [{ name: a.imagePullSecretName }],
          securityContext: {
            runAsNonRoot: p.uid !== 0,
            runAsUser: p.uid,
            runAsGroup: p.gid,
            ...(p.fsGroup !== undefined ? { fsGroup: p.fsGroup } : {}),
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
              ...buildEnv(a.service, a.secretName),
              resources: {
                requests: { ...w.resources.requests },
                limits: { ...w.resources.limits },
              },
              securityContext: workerContainerSecurityContext(p),
              volumeMounts: p.volumes.map((v) => ({
                name: v.name,
                mountPath: v.mountPath,
                ...(v.readOnly ? { readOnly: true } : {}),
              })),
            },
          ],
          volumes: p.volumes.map(buildVolume),
        },
      },
    },
  };
}

/**
 * Probes the rendering must not have. The worker opens no port (main.go runs only the Temporal worker: no gRPC
 * server, no health service) and has no health command, so every network probe would fail and an exec probe would
 * have nothing to run; none is rendered, and the kubelet restarts the container when the process exits (start-up
 * errors end in log.Fatal). Returns one line per probe found; empty when all is well. Pure.
 */
export function probeProblems(
  container: { readonly [field: string]: unknown },
  serviceName = "the worker",
): string[] {
  const problems: string[] = [];
  for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    if (container[kind] !== undefined) {
      problems.push(`${kind} is set, but ${serviceName} opens no port and has no health command to probe`);
    }
  }
  const ports = container.ports as readonly unknown[] | undefined;
  if ((ports?.length ?? 0) > 0)
    problems.push(`a container port is declared, but ${serviceName} opens no port`);
  return problems;
}

/** PodDisruptionBudget keeping `minAvailable` pods through voluntary evictions (node drains). Pure. */
export function buildPodDisruptionBudget(a: WorkloadSpecArgs): Input.policy.v1.PodDisruptionBudget {
  return {
    metadata: { name: a.service.name, namespace: a.namespace, labels: a.labels.common },
    spec: { minAvailable: a.service.workload.minAvailable, selector: { matchLabels: a.labels.selector } },
  };
}

/**
 * NetworkPolicy. Egress: cluster DNS; each target the worker dials (Temporal, the Stigmer backend, R2) at its own
 * destination; and TCP 443 to the internet less `egressDeniedCidrs`, for the HTTPS calls user workflows make.
 * Ingress: none; the worker opens no port. Pure.
 */
export function buildNetworkPolicy(a: WorkloadSpecArgs): Input.networking.v1.NetworkPolicy {
  const w = a.service.workload;
  const internet = internetPeer(w.egressDeniedCidrs);
  const rules: {
    to: Input.networking.v1.NetworkPolicyPeer[];
    ports: { port: number; protocol: string }[];
  }[] = [
    {
      to: [
        {
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
    },
    { to: [internet], ports: [{ port: 443, protocol: "TCP" }] },
  ];
  const seen = new Set<string>([JSON.stringify([internet, 443])]);
  for (const target of w.egress) {
    const peer = egressPeer(target, w.egressDeniedCidrs);
    const key = JSON.stringify([peer, target.port]);
    if (seen.has(key)) continue;
    seen.add(key);
    rules.push({ to: [peer], ports: [{ port: target.port, protocol: "TCP" }] });
  }
  // The worker opens no port: no ingress rule, so the policy denies every inbound connection.
  const ingress: Input.networking.v1.NetworkPolicyIngressRule[] = [];
  return {
    metadata: { name: a.service.name, namespace: a.namespace, labels: a.labels.common },
    spec: {
      podSelector: { matchLabels: a.labels.selector },
      policyTypes: ["Ingress", "Egress"],
      ingress,
      egress: rules,
    },
  };
}

/** Egress rules without a destination or without ports: each would open everything by accident. Pure. */
export function egressProblems(policy: {
  spec?: { egress?: readonly { to?: readonly unknown[]; ports?: readonly unknown[] }[] };
}): string[] {
  return (policy.spec?.egress ?? []).flatMap((rule, i) => [
    ...((rule.to?.length ?? 0) === 0
      ? [`egress rule ${i} has no destination (it would allow every address)`]
      : []),
    ...((rule.ports?.length ?? 0) === 0 ? [`egress rule ${i} has no ports (it would allow every port)`] : []),
  ]);
}

/** Refuses a rendering that cannot run: a secret without a value, a probe on a closed port, an open egress rule. */
export function checkWorkload(
  service: ServiceDescription,
  secretValues: Readonly<Record<string, unknown>>,
  deployment: Input.apps.v1.Deployment,
  policy: Input.networking.v1.NetworkPolicy,
): void {
  const container = (
    deployment.spec as unknown as { template: { spec: { containers: Record<string, unknown>[] } } }
  ).template.spec.containers[0];
  const problems = [
    ...service.workload.secretEnv
      .filter((name) => secretValues[name] === undefined)
      .map((name) => `${name} is required by the service but no value was given`),
    ...probeProblems(container ?? {}, service.name),
    ...egressProblems(policy as Parameters<typeof egressProblems>[0]),
  ];
  if (problems.length > 0) {
    throw new Error(`WorkerDeployment ${service.name}: ${problems.join("; ")}`);
  }
}

/** A worker Deployment with its ServiceAccount, settings, credentials, disruption budget and network policy. */
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
  /** The Deployment itself, for what must wait for its rollout (the verification). */
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: WorkerDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:WorkerDeployment", name, {}, opts);
    const labels = serviceLabels(args.service);
    const base: WorkloadSpecArgs = { service: args.service, labels, namespace: args.namespace };
    const child = { parent: this };
    const w = args.service.workload;

    // The service's credentials this program holds, if it holds any (a service may read all of its own from Secrets
    // that exist already: workload.secretRefs).
    const ownsSecret = w.secretEnv.length > 0;
    // A new suffix whenever a credential changes: the Secret is replaced under a new name, so the pods roll.
    const keepers: Record<string, pulumi.Input<string>> = {};
    for (const v of w.secretEnv) {
      const value = args.secretValues[v];
      if (value !== undefined) keepers[v] = pulumi.secret(value);
    }
    const suffix = ownsSecret
      ? new random.RandomId(`${name}-secret-suffix`, { byteLength: 4, keepers }, child)
      : undefined;
    const secretName = suffix
      ? suffix.hex.apply((hex) => `${args.service.name}-secrets-${hex}`)
      : pulumi.output("");
    const deploymentSpec = buildDeployment({
      ...base,
      imageRef: args.imageRef,
      imagePullSecretName: args.imagePullSecretName,
      secretName,
      // The version and the digest the pods run, as labels (verification selects the new pods by the digest).
      versionLabels: pulumi
        .all([args.imageTag ?? "", args.imageRef])
        .apply(([tag, ref]) => ({ ...versionLabel(tag), ...digestLabel(ref) })),
    });
    const policySpec = buildNetworkPolicy(base);
    checkWorkload(args.service, args.secretValues, deploymentSpec, policySpec);

    // The pods' identity; no token is mounted: the worker does not talk to the Kubernetes API.
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      buildServiceAccount({ name: args.service.name, namespace: args.namespace, labels: labels.common }),
      child,
    );
    // Plain environment, read by the container with envFrom.
    const settings = new k8s.core.v1.ConfigMap(`${name}-settings`, buildConfigMap(base), child);
    // The service's credentials, read by the container with secretKeyRef.
    const secret = ownsSecret
      ? new k8s.core.v1.Secret(
          `${name}-secrets`,
          buildWorkloadSecret({ ...base, name: secretName, values: args.secretValues }),
          child,
        )
      : undefined;
    // The volumes the worker keeps its state on, created with the stack.
    const claims = buildVolumeClaims(base).map(
      (claim) =>
        new k8s.core.v1.PersistentVolumeClaim(
          `${name}-${String((claim.metadata as { name: string }).name)}`,
          claim,
          child,
        ),
    );
    // The worker itself, waiting for its settings, credentials, volumes and identity to exist.
    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, deploymentSpec, {
      parent: this,
      dependsOn: [sa, settings, ...(secret ? [secret] : []), ...claims],
    });
    // Keeps minAvailable pods through node drains.
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, buildPodDisruptionBudget(base), child);
    // Egress to DNS, Temporal, the backend, R2 and the internet's HTTPS; no ingress.
    new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, policySpec, child);

    this.deploymentName = deployment.metadata.name;
    this.serviceAccountName = sa.metadata.name;
    this.namespace = pulumi.output(args.namespace);
    this.image = pulumi.output(args.imageRef);
    this.deploymentUrn = deployment.urn;
    this.deployment = deployment;
    this.registerOutputs({
      deploymentUrn: this.deploymentUrn,
      deploymentName: this.deploymentName,
      serviceAccountName: this.serviceAccountName,
      namespace: this.namespace,
      image: this.image,
    });
  }
}
