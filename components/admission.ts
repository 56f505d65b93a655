// Admission rules the cluster enforces on what CI identities create: ValidatingAdmissionPolicies (CEL) and bindings.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { parseImageReference, SHA256_HEX_SOURCE, TAG_SOURCE } from "../config/image-reference";
import { celString, celStringList } from "./cel";
import { POD_VOLUME_SOURCES } from "./security-context";

/** The API of ValidatingAdmissionPolicy and its binding (GA in Kubernetes 1.30). */
export const ADMISSION_API = "admissionregistration.k8s.io/v1";
/** Label Kubernetes puts on every namespace, valued with its name. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** One CEL validation: the expression must be true, or the request is refused with the message. */
export interface Validation {
  readonly expression: string;
  readonly message: string;
}

/** The request's user is this ServiceAccount (the username Kubernetes gives a ServiceAccount token). Pure. */
export function requestedBy(namespace: string, serviceAccount: string): string {
  return `request.userInfo.username == ${celString(`system:serviceaccount:${namespace}:${serviceAccount}`)}`;
}

/** An image reference without its digest and tag: `ghcr.io/o/r:1@sha256:...` -> `ghcr.io/o/r`. Pure. */
export function imageRepositoryOf(ref: string): string {
  const parsed = parseImageReference(ref);
  if ("problem" in parsed)
    throw new Error(`not an image reference: ${JSON.stringify(ref)}: ${parsed.problem}`);
  return parsed.repository;
}

/** What a pod template created by a CI identity may be. */
export interface PodTemplateRule {
  /** The only ServiceAccount the pods may run as. */
  readonly serviceAccountName: string;
  /** The only image repository the containers may run, each by digest (`<repository>[:<tag>]@sha256:<64 hex>`). */
  readonly imageRepository: string;
  /** Names of the Secrets the pods may read (volumes, env, envFrom, image pull); none when empty. */
  readonly secretNames: readonly string[];
  /** A pattern (RE2) for further Secret names, e.g. a name with a generated suffix. @default none */
  readonly secretNamePattern?: string;
  /** Capabilities a container may add (the workload's contract). @default none: every container drops ALL */
  readonly addedCapabilities?: readonly string[];
}

/**
 * CEL validations over a pod template at `path` (e.g. `object.spec.template.spec`): the fixed ServiceAccount, every
 * container's image from the one repository by digest, no Secret but the allowed ones in volumes (direct or
 * projected), env, envFrom or imagePullSecrets, and nothing of the node's (hostPath, host namespaces, privileged).
 * Pure.
 */
export function podTemplateValidations(path: string, rule: PodTemplateRule): Validation[] {
  const allowed = `(${celStringList(rule.secretNames)}.exists(n, n == NAME)${
    rule.secretNamePattern ? ` || NAME.matches(${celString(rule.secretNamePattern)})` : ""
  })`;
  const secretOk = (name: string) => allowed.replace(/NAME/g, name);
  const repo = rule.imageRepository.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const imageRe = celString(`^${repo}(:${TAG_SOURCE})?@sha256:${SHA256_HEX_SOURCE}$`);
  const allContainers = (cond: string) =>
    `${path}.containers.all(c, ${cond}) && (!has(${path}.initContainers) || ${path}.initContainers.all(c, ${cond})) && !has(${path}.ephemeralContainers)`;
  return [
    {
      expression: `has(${path}.serviceAccountName) && ${path}.serviceAccountName == ${celString(rule.serviceAccountName)}`,
      message: `pods must run as ServiceAccount ${rule.serviceAccountName}`,
    },
    {
      expression: allContainers(`c.image.matches(${imageRe})`),
      message: `every container must run ${rule.imageRepository} by digest`,
    },
    {
      expression: `!has(${path}.volumes) || ${path}.volumes.all(v, (!has(v.secret) || ${secretOk("v.secret.secretName")}) && (!has(v.projected) || v.projected.sources.all(s, !has(s.secret) || ${secretOk("s.secret.name")})) && !has(v.hostPath))`,
      message: "pods may mount no Secret but the allowed ones, and no host path",
    },
    {
      expression: allContainers(
        `(!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || ${secretOk("e.valueFrom.secretKeyRef.name")})) && (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef) || ${secretOk("f.secretRef.name")}))`,
      ),
      message: "containers may read no Secret but the allowed ones",
    },
    {
      expression: `!has(${path}.imagePullSecrets) || ${path}.imagePullSecrets.all(p, ${secretOk("p.name")})`,
      message: "pods may pull with no Secret but the allowed ones",
    },
    {
      expression: `!(has(${path}.hostNetwork) && ${path}.hostNetwork) && !(has(${path}.hostPID) && ${path}.hostPID) && !(has(${path}.hostIPC) && ${path}.hostIPC) && ${allContainers("!has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged")}`,
      message: "pods may use no host namespace and no privileged container",
    },
    {
      expression: `!has(${path}.volumes) || ${path}.volumes.all(v, v.all(k, k == 'name' || k in ${celStringList(POD_VOLUME_SOURCES)}))`,
      message: `volumes: only ${POD_VOLUME_SOURCES.join(", ")}; no hostPath, flexVolume, csi, ephemeral, iscsi, rbd, nfs, glusterfs, cephfs, persistentVolumeClaim or other volume the node mounts or runs`,
    },
    {
      expression: allContainers(
        `!has(c.securityContext) || !has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(x, x in ${celStringList(rule.addedCapabilities ?? [])})`,
      ),
      message: `securityContext.capabilities.add: ${rule.addedCapabilities?.length ? `only ${rule.addedCapabilities.join(", ")}` : "none"} (the workload's contract)`,
    },
    {
      expression: `!(has(${path}.securityContext) && has(${path}.securityContext.seccompProfile) && ${path}.securityContext.seccompProfile.type == 'Unconfined') && ${allContainers("!has(c.securityContext) || !has(c.securityContext.seccompProfile) || c.securityContext.seccompProfile.type != 'Unconfined'")}`,
      message: "securityContext.seccompProfile: not Unconfined, on the pod or any container",
    },
    {
      expression: allContainers("!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
      message: "ports: no hostPort (it opens a port on the node)",
    },
  ];
}

/** What a PipelineRun created by an EventListener may be. */
export interface PipelineRunRule {
  /** The shared Pipeline, the only one a run may reference (by name, in the namespace, without a resolver). */
  readonly pipelineName: string;
  /** ServiceAccount of the run's TaskRuns. */
  readonly runServiceAccountName: string;
  /** The pipeline task that may run as another identity, and that identity. */
  readonly deployTask: { readonly name: string; readonly serviceAccountName: string };
  /** The Secrets each workspace may bind, by workspace name; any other workspace binds no Secret. */
  readonly workspaceSecrets: Readonly<Record<string, string>>;
  /** The claim each workspace may bind, by workspace name; any other workspace binds no existing claim. */
  readonly workspaceClaims: Readonly<Record<string, string>>;
}

/**
 * CEL validations over a PipelineRun: it references the shared pipeline by name (no embedded pipelineSpec, no remote
 * resolver), its TaskRuns run as the run identity, only the deploy task as the deployer, with no pod or step
 * overrides, and each workspace binds no Secret but its own. Pure.
 */
export function pipelineRunValidations(rule: PipelineRunRule): Validation[] {
  const ws = Object.entries(rule.workspaceSecrets)
    .map(([name, secret]) => `(w.name == ${celString(name)} && w.secret.secretName == ${celString(secret)})`)
    .join(" || ");
  const claims = Object.entries(rule.workspaceClaims)
    .map(
      ([name, claim]) =>
        `(w.name == ${celString(name)} && w.persistentVolumeClaim.claimName == ${celString(claim)})`,
    )
    .join(" || ");
  return [
    {
      expression: `!has(object.spec.pipelineSpec) && has(object.spec.pipelineRef) && has(object.spec.pipelineRef.name) && object.spec.pipelineRef.name == ${celString(rule.pipelineName)} && !has(object.spec.pipelineRef.resolver) && !has(object.spec.pipelineRef.params)`,
      message: `a PipelineRun must reference the Pipeline ${rule.pipelineName} by name, with no embedded spec and no resolver`,
    },
    {
      expression: `has(object.spec.taskRunTemplate) && has(object.spec.taskRunTemplate.serviceAccountName) && object.spec.taskRunTemplate.serviceAccountName == ${celString(rule.runServiceAccountName)} && (!has(object.spec.taskRunTemplate.podTemplate) || (!has(object.spec.taskRunTemplate.podTemplate.volumes) && !has(object.spec.taskRunTemplate.podTemplate.hostNetwork) && !has(object.spec.taskRunTemplate.podTemplate.imagePullSecrets)))`,
      message: `TaskRuns must run as ${rule.runServiceAccountName}, with no extra volumes, host network or pull Secrets`,
    },
    {
      expression: `!has(object.spec.taskRunSpecs) || object.spec.taskRunSpecs.all(s, s.pipelineTaskName == ${celString(rule.deployTask.name)} && s.serviceAccountName == ${celString(rule.deployTask.serviceAccountName)} && !has(s.podTemplate) && !has(s.stepSpecs) && !has(s.sidecarSpecs))`,
      message: `only the ${rule.deployTask.name} task may run as ${rule.deployTask.serviceAccountName}, with no pod or step overrides`,
    },
    {
      expression: `!has(object.spec.workspaces) || object.spec.workspaces.all(w, (!has(w.secret) && !has(w.projected) && !has(w.csi)) || (has(w.secret) && (${ws || "false"})))`,
      message: "a workspace may bind no Secret but its own",
    },
    {
      expression: `!has(object.spec.workspaces) || object.spec.workspaces.all(w, !has(w.persistentVolumeClaim) || (${claims || "false"}))`,
      message: `workspaces: each binds only its own claim (${Object.entries(rule.workspaceClaims)
        .map(([name, claim]) => `${name}: ${claim}`)
        .join(", ")}), so no task is handed another's cache`,
    },
  ];
}

/** A ValidatingAdmissionPolicy and its binding, rendered. */
export interface AdmissionObjects {
  readonly policy: k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicy;
  readonly binding: k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
}

/** Arguments of an admission rule. */
export interface AdmissionRuleArgs {
  /** Name of the policy and its binding (cluster-scoped: unique in the cluster). */
  readonly name: string;
  /** API group, version and plural resource the rule checks. */
  readonly resource: { readonly group: string; readonly version: string; readonly plural: string };
  /** Only objects of these names (e.g. one Deployment). @default every object */
  readonly resourceNames?: readonly string[];
  /** The namespace the rule applies in. */
  readonly namespace: string;
  /** The identity whose requests are checked: a ServiceAccount's namespace and name. */
  readonly identity: { readonly namespace: string; readonly serviceAccount: string };
  /** The checks. */
  readonly validations: readonly Validation[];
  /** Labels for both objects. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The policy (failurePolicy Fail: an expression that errors refuses the request too) and its Deny binding, scoped to
 * one namespace and to the requests of one identity. Pure.
 */
export function buildAdmissionRule(a: AdmissionRuleArgs): AdmissionObjects {
  const metadata = { name: a.name, labels: { ...a.labels } };
  return {
    policy: {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicy",
      metadata,
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [a.resource.group],
              apiVersions: [a.resource.version],
              operations: ["CREATE", "UPDATE"],
              resources: [a.resource.plural],
              ...(a.resourceNames ? { resourceNames: [...a.resourceNames] } : {}),
            },
          ],
        },
        matchConditions: [
          {
            name: "requested-by-identity",
            expression: requestedBy(a.identity.namespace, a.identity.serviceAccount),
          },
        ],
        validations: a.validations.map((v) => ({ ...v })),
      },
    },
    binding: {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata,
      spec: {
        policyName: a.name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: a.namespace } } },
      },
    },
  };
}

/** Registers a rule's policy and binding as children of `parent`, after `dependsOn`. */
export function admissionRule(
  parent: pulumi.Resource,
  name: string,
  objects: AdmissionObjects,
  dependsOn: pulumi.Input<pulumi.Resource>[] = [],
): void {
  // The policy: what the identity's requests must satisfy.
  const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
    `${name}-policy`,
    objects.policy,
    {
      parent,
      dependsOn,
    },
  );
  // The binding: enforce it (Deny) in the namespace.
  new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-binding`, objects.binding, {
    parent,
    dependsOn: [policy],
  });
}
