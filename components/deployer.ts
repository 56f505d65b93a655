// ServiceDeployer: the identity the root pipeline's deploy step uses in the workload cluster, allowed one Deployment.
import * as k8s from "@pulumi/kubernetes";
import type { input as Input } from "@pulumi/kubernetes/types";
import * as pulumi from "@pulumi/pulumi";
import { admissionRule, buildAdmissionRule, type PodTemplateRule, podTemplateValidations } from "./admission";
import { buildServiceAccount } from "./service-account";

/** Arguments of ServiceDeployer. */
export interface ServiceDeployerArgs {
  /** Service name; the ServiceAccount is `<service>-deployer`. */
  readonly serviceName: string;
  /** Namespace of the workload the deploy step updates (where the Role is). */
  readonly workloadNamespace: pulumi.Input<string>;
  /** Name of the Deployment the deploy step updates: the only object it may change. */
  readonly deploymentName: pulumi.Input<string>;
  /**
   * Namespace of the ServiceAccount. Self-hosted Tekton: the CI namespace, where the deploy TaskRun runs as it (its
   * token mounted). Planton: the workload namespace; an operator mints a token for the kubeconfig build secret.
   */
  readonly namespace: pulumi.Input<string>;
  /**
   * The deploy also runs the rollout's verification Job (named after the digest, so each deploy creates one and
   * deletes the last): the Role then creates, reads and deletes Jobs in the namespace. @default false
   */
  readonly runsVerification?: boolean;
  /** Mount the token in the deploy TaskRun (self-hosted Tekton). @default false */
  readonly mountToken?: boolean;
  /** Labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** What the identity may create: the admission rules on its Deployment patches and Job creations. */
  readonly admission: DeployerAdmission;
}

/** What the deployer's requests may contain, enforced by ValidatingAdmissionPolicies (admission.ts). */
export interface DeployerAdmission {
  /** The workload namespace, by name. */
  readonly workloadNamespace: string;
  /** The namespace of the deployer's ServiceAccount, by name. */
  readonly identityNamespace: string;
  /** The one Deployment it updates, and what its pods may be. */
  readonly deployment: PodTemplateRule & { readonly name: string };
  /** What the verification Jobs it creates may be (with runsVerification). @default no Job rule */
  readonly job?: PodTemplateRule;
}

/**
 * The admission rules of the deployer's requests: its Deployment keeps the worker's identity, image repository (by
 * digest) and Secrets; its Jobs run only the verification's identity and tool image by digest, with no Secret. RBAC
 * cannot say either (it grants verbs on resources, not the content of the objects). Pure.
 */
export function buildDeployerAdmission(
  serviceName: string,
  a: DeployerAdmission,
  labels: Record<string, string>,
) {
  const identity = {
    namespace: a.identityNamespace,
    serviceAccount: deployerNames(serviceName).serviceAccount,
  };
  const base = `${a.workloadNamespace}-${serviceName}-deployer`;
  return {
    deployment: buildAdmissionRule({
      name: `${base}-deployment`,
      resource: { group: "apps", version: "v1", plural: "deployments" },
      resourceNames: [a.deployment.name],
      namespace: a.workloadNamespace,
      identity,
      validations: podTemplateValidations("object.spec.template.spec", a.deployment),
      labels,
    }),
    ...(a.job
      ? {
          job: buildAdmissionRule({
            name: `${base}-jobs`,
            resource: { group: "batch", version: "v1", plural: "jobs" },
            namespace: a.workloadNamespace,
            identity,
            validations: podTemplateValidations("object.spec.template.spec", a.job),
            labels,
          }),
        }
      : {}),
  };
}

/** Names of the deployer's objects. Pure. */
export function deployerNames(serviceName: string) {
  return { serviceAccount: `${serviceName}-deployer`, role: `${serviceName}-deployer` } as const;
}

/**
 * The deployer's Role in the workload namespace: read, patch and update the one Deployment (by `resourceNames`, no
 * `create`: a missing Deployment is an infrastructure change, not a deploy), and read what Pulumi watches while the
 * rollout converges (list and watch cannot be narrowed by name; they only read). Pure.
 */
export function buildDeployerRole(a: {
  name: string;
  namespace: pulumi.Input<string>;
  deploymentName: pulumi.Input<string>;
  labels: Readonly<Record<string, string>>;
  runsVerification?: boolean;
}): Input.rbac.v1.Role {
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: { ...a.labels } },
    rules: [
      {
        apiGroups: ["apps"],
        resources: ["deployments"],
        resourceNames: [a.deploymentName],
        verbs: ["get", "patch", "update"],
      },
      { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["pods", "events"], verbs: ["get", "list", "watch"] },
      ...(a.runsVerification
        ? [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] }]
        : []),
    ],
  };
}

/** The deploy step's identity in the workload cluster. */
export class ServiceDeployer extends pulumi.ComponentResource {
  /** Name of the ServiceAccount. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Its namespace. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ServiceDeployerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:ServiceDeployer", name, {}, opts);
    const names = deployerNames(args.serviceName);
    const labels = { ...args.labels, "app.kubernetes.io/component": "deployer" };
    const child = { parent: this };
    // The identity itself; its token is mounted only where the deploy TaskRun runs as it.
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      buildServiceAccount({
        name: names.serviceAccount,
        namespace: args.namespace,
        labels,
        ...(args.mountToken
          ? { tokenReason: "the pipeline's deploy step runs pulumi up as this identity" }
          : {}),
      }),
      child,
    );
    // What it may do: update the one Deployment and watch it roll out.
    const role = new k8s.rbac.v1.Role(
      `${name}-role`,
      buildDeployerRole({
        name: names.role,
        namespace: args.workloadNamespace,
        deploymentName: args.deploymentName,
        labels,
        runsVerification: args.runsVerification ?? false,
      }),
      child,
    );
    // Grants it.
    new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: { name: names.role, namespace: args.workloadNamespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: args.namespace }],
      },
      child,
    );
    // What its requests may contain, enforced at admission: RBAC lets it patch the Deployment and create Jobs, these
    // rules fix the identity, images and Secrets of the pods that makes.
    const admission = buildDeployerAdmission(
      args.serviceName,
      args.runsVerification ? args.admission : { ...args.admission, job: undefined },
      labels,
    );
    admissionRule(this, `${name}-deployment-admission`, admission.deployment);
    if (admission.job) admissionRule(this, `${name}-jobs-admission`, admission.job);
    this.serviceAccountName = sa.metadata.name;
    this.namespace = pulumi.output(args.namespace);
    this.registerOutputs({ serviceAccountName: this.serviceAccountName, namespace: this.namespace });
  }
}
