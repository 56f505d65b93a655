// RolloutVerification: after a rollout, a Job named after the digest proves the new pods poll every task queue.
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { rfc3339Millis } from "../config/formats";
import { sha256Hex } from "../config/image-reference";
import { DIGEST_LABEL } from "../config/labels";
import { DEFAULT_POLLER_IDENTITY_FORMAT, type PollerIdentityFormat } from "../contracts/poller-identity";
import type { PolledQueue } from "../contracts/service";
import { NONROOT_ID, restrictedContainerSecurityContext } from "./security-context";
import { buildServiceAccount } from "./service-account";
import { readScript } from "./steps";

/** Arguments of RolloutVerification. */
export interface RolloutVerificationArgs {
  /** Service name; prefixes every object. */
  readonly serviceName: string;
  /** The workload's namespace: the Job runs on its network, as the worker does. */
  readonly namespace: pulumi.Input<string>;
  /** The rolled-out image, `<repository>:<tag>@sha256:<hex>`. */
  readonly imageRef: pulumi.Input<string>;
  /** The workload's Deployment: the Job starts once its rollout is done. */
  readonly deployment: pulumi.Resource;
  /** The worker pods' selector labels. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Temporal frontend `host:port` and namespace, and the task queues every new pod must poll, for what. */
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueues: readonly PolledQueue[];
  };
  /**
   * The SDK whose default worker identity the pollers carry, by which a poller is told to be a new pod's
   * (contracts/poller-identity.ts). @default "go"
   */
  readonly identityFormat?: PollerIdentityFormat;
  /** Where the Job's pod reaches the API server (network-peers.ts `apiServerPeers`). */
  readonly apiServerPeers: Input.networking.v1.NetworkPolicyPeer[];
  /** How the Job's pod reaches Temporal: the worker's own egress rule for it. */
  readonly temporalPeer: Input.networking.v1.NetworkPolicyPeer;
  /** Temporal frontend port. */
  readonly temporalPort: number;
  /** Image with the Temporal CLI, bash, grep and curl, pinned. */
  readonly image: string;
  /** Seconds the pollers have to appear. */
  readonly timeoutSeconds: number;
  /** Labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Annotation by which the Kubernetes provider replaces, instead of awaiting again, a resource left unready. */
export const REPLACE_UNREADY = "pulumi.com/replaceUnready";

/** The Job's name: the service and the digest's first 12 hex digits, so one digest is verified once. Pure. */
export function verificationJobName(serviceName: string, imageRef: string): string {
  const hex = sha256Hex(imageRef) ?? "unknown";
  return `${serviceName}-verify-${hex.slice(0, 12)}`;
}

/**
 * What the script checks, as `<type>:<queue>` words: each queue once for every kind of poller its worker starts
 * (a queue name may hold ':' but no space; the type never holds ':'). Pure.
 */
export function polledQueues(queues: readonly PolledQueue[]): string {
  return queues.flatMap((q) => q.pollers.map((type) => `${type}:${q.name}`)).join(" ");
}

/** The new pods' label selector: the worker's labels and the rolled-out digest's label, URL-encoded. Pure. */
export function verificationPodSelector(
  podSelector: Readonly<Record<string, string>>,
  imageRef: string,
): string {
  const hex = sha256Hex(imageRef) ?? "";
  return encodeURIComponent(
    Object.entries({ ...podSelector, [DIGEST_LABEL]: hex.slice(0, 40) })
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
}

/**
 * The verification Job: restricted, no retries, bounded by the timeout. The tool image and the rolled-out reference
 * may be Outputs: each is applied at the fields that use it (the name, the image, two variables), so a value unknown
 * at preview (a tag's digest) leaves only those fields unknown and the rest of the Job readable. Pure.
 */
export function buildVerificationJob(
  a: Omit<RolloutVerificationArgs, "deployment" | "temporalPeer" | "temporalPort" | "image"> & {
    image: pulumi.Input<string>;
    imageRef: pulumi.Input<string>;
    serviceAccountName: string;
  },
): Input.batch.v1.Job {
  const labels = { ...a.labels, "app.kubernetes.io/component": "rollout-verification" };
  const imageRef = pulumi.output(a.imageRef);
  return {
    metadata: {
      name: imageRef.apply((ref) => verificationJobName(a.serviceName, ref)),
      namespace: a.namespace,
      labels,
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: a.timeoutSeconds + 120,
      template: {
        metadata: { labels: { ...labels, "stigmer.ai/verifies": a.serviceName } },
        spec: {
          serviceAccountName: a.serviceAccountName,
          // No automounted token: a projected one, short-lived, mounted where the script reads it.
          automountServiceAccountToken: false,
          restartPolicy: "Never",
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NONROOT_ID,
            runAsGroup: NONROOT_ID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "verify",
              image: a.image,
              command: ["bash", "-c", readScript("verify-pollers.sh")],
              env: [
                { name: "TEMPORAL_ADDRESS", value: a.temporal.address },
                { name: "TEMPORAL_NAMESPACE", value: a.temporal.namespace },
                { name: "POLLED_QUEUES", value: polledQueues(a.temporal.taskQueues) },
                { name: "IDENTITY_FORMAT", value: a.identityFormat ?? DEFAULT_POLLER_IDENTITY_FORMAT },
                { name: "IMAGE_REF", value: a.imageRef },
                {
                  name: "POD_SELECTOR",
                  value: imageRef.apply((ref) => verificationPodSelector(a.podSelector, ref)),
                },
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "TIMEOUT_SECONDS", value: String(a.timeoutSeconds) },
                { name: "POLL_SECONDS", value: "10" },
                { name: "SA_DIR", value: "/var/run/secrets/verify" },
                { name: "HOME", value: "/tmp" },
              ],
              resources: {
                requests: { cpu: "50m", memory: "64Mi" },
                limits: { cpu: "500m", memory: "256Mi" },
              },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "api-token", mountPath: "/var/run/secrets/verify", readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
            {
              name: "api-token",
              projected: {
                sources: [
                  { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
                  { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

/** What a verification proves, as the stack's evidence outputs. */
export interface VerificationEvidence {
  /** The exact image verified, or "" when the Job did not succeed. */
  readonly verifiedImageRef: pulumi.Output<string>;
  /** When that digest was first verified (the Job's completion, RFC 3339 UTC); "" when not verified. */
  readonly verifiedAt: pulumi.Output<string>;
  /** What ran the verification. */
  readonly verifiedBy: pulumi.Output<string>;
}

/**
 * The tool image by digest: as given when it names one, else its tag resolved on its registry now, so the Job runs
 * exactly the bytes resolved at this update and the admission rule and the policy pack can require a digest of every
 * pod (no label waives it).
 */
function pinnedToolImage(name: string, parent: pulumi.Resource, image: string): pulumi.Output<string> {
  if (sha256Hex(image) !== undefined) return pulumi.output(image);
  // The provider that asks the tool's registry which digest the tag names: anonymously, for a public image (the
  // bridged kreuzwerker/terraform-provider-docker data_source_docker_registry_image.go answers a 401 with the
  // registry's bearer-token flow when no credential is configured for the registry).
  const provider = new docker.Provider(
    `${name}-tool-registry`,
    { disableDockerDaemonCheck: true },
    { parent },
  );
  return docker
    .getRegistryImageOutput({ name: image }, { provider, parent })
    .sha256Digest.apply((digest) => `${image}@${digest}`);
}

/** The rollout's verification: its Job, the Job's identity (read pods), and the Job's egress. */
export class RolloutVerification extends pulumi.ComponentResource implements VerificationEvidence {
  public readonly verifiedImageRef: pulumi.Output<string>;
  public readonly verifiedAt: pulumi.Output<string>;
  public readonly verifiedBy: pulumi.Output<string>;
  /** URN of the Job: the pipeline's deploy step targets it with the Deployment. */
  public readonly jobUrn: pulumi.Output<string>;

  constructor(name: string, args: RolloutVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:RolloutVerification", name, {}, opts);
    const labels = { ...args.labels, "app.kubernetes.io/component": "rollout-verification" };
    const saName = `${args.serviceName}-verify`;
    const child = { parent: this };
    // The Job's identity: its projected token reads the pods of this namespace, nothing else.
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      buildServiceAccount({
        name: saName,
        namespace: args.namespace,
        labels,
      }),
      child,
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-role`,
      {
        metadata: { name: saName, namespace: args.namespace, labels },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
      },
      child,
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: { name: saName, namespace: args.namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: args.namespace }],
      },
      child,
    );
    // The Job's egress: DNS, the Temporal frontend as the worker reaches it, and the API server.
    const policy = new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: saName, namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: { "stigmer.ai/verifies": args.serviceName } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
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
            { to: [args.temporalPeer], ports: [{ port: args.temporalPort, protocol: "TCP" }] },
            {
              to: args.apiServerPeers,
              ports: [
                { port: 443, protocol: "TCP" },
                { port: 6443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
      child,
    );
    // The verification itself, once the rollout is done; pulumi up waits for it and fails with it. The provider keeps
    // waiting on a Job that failed in an earlier update, so a failed Job would fail every retry of its digest for good;
    // pulumi.com/replaceUnready makes the next update replace it and verify again (@pulumi/kubernetes batch/v1 Job docs).
    const toolImage = pinnedToolImage(name, this, args.image);
    const built = buildVerificationJob({ ...args, image: toolImage, serviceAccountName: saName });
    const jobName = pulumi.output(args.imageRef).apply((ref) => verificationJobName(args.serviceName, ref));
    const job = new k8s.batch.v1.Job(
      `${name}-job`,
      {
        metadata: {
          name: jobName,
          namespace: args.namespace,
          labels,
          annotations: { [REPLACE_UNREADY]: "true" },
        },
        spec: built.spec as Input.batch.v1.JobSpec,
      },
      {
        parent: this,
        dependsOn: [args.deployment, binding, policy],
        customTimeouts: { create: `${args.timeoutSeconds + 300}s` },
      },
    );
    // The evidence, read once from the Job's status: the image and the completion time only when it succeeded.
    const evidence = pulumi.all([job.status, args.imageRef]).apply(([s, ref]) => {
      const ok = (s?.succeeded ?? 0) >= 1;
      // The API server writes RFC 3339 (metav1.Time); read with the one RFC 3339 parser, written back in UTC.
      const completed = ok ? rfc3339Millis(s?.completionTime ?? "") : undefined;
      return {
        imageRef: ok ? ref : "",
        at: completed === undefined ? "" : new Date(completed).toISOString(),
      };
    });
    this.verifiedImageRef = evidence.apply((e) => e.imageRef);
    this.verifiedAt = evidence.apply((e) => e.at);
    this.verifiedBy = pulumi.interpolate`job ${args.namespace}/${jobName} (${args.image}: temporal task-queue describe)`;
    this.jobUrn = job.urn;
    this.registerOutputs({
      verifiedImageRef: this.verifiedImageRef,
      verifiedAt: this.verifiedAt,
      verifiedBy: this.verifiedBy,
      jobUrn: this.jobUrn,
    });
  }
}
