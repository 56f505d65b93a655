// The security baseline as policy rules: pure validation functions over resource inputs, tested without a policy server.
import type {
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { POD_VOLUME_SOURCES } from "../components/security-context";
import { imageReference, sha256Hex } from "../config/image-reference";
import { ENVIRONMENT_LABEL, TOKEN_REASON_ANNOTATION } from "../config/labels";
import { networkPolicyProblems } from "../config/network";
import { imageReferenceProblem, imageRegistryProblem, secretLooking } from "../config/policy-parity";
import { noNodeAccess } from "./node-access";
import { podSecurityPerContract, restrictedSecurityContext } from "./service-security";
import { containers, type Json, nodeVolumes, podSpec, policy } from "./workloads";

// The rules that read each service's contract (policy/service-security.ts).
// The predicates the program's config refuses with too (one definition: the pack imports from config).
export {
  imageReferenceProblem,
  imageRegistryProblem,
  noNodeAccess,
  podSecurityPerContract,
  restrictedSecurityContext,
  secretLooking,
};

/**
 * Images run by digest, never by `:latest`, with no exception a resource can grant itself (no label waives it: the
 * verification Job's tool image is resolved to its digest by the program); Tekton step images never by :latest.
 */
export const imagesPinned = policy(
  "images-pinned-by-digest",
  "Every workload container runs an image by sha256 digest, never :latest; Tekton step images never by :latest.",
  (args, report) => {
    for (const c of containers(podSpec(args))) {
      if (sha256Hex(String(c.image)) === undefined)
        report(`container ${c.name} runs ${c.image}, not pinned by digest`);
      if (imageReference(String(c.image))?.tag === "latest") report(`container ${c.name} runs :latest`);
      const why = imageRegistryProblem(String(c.image));
      if (why) report(`container ${c.name} runs ${c.image}: ${why}`);
    }
    if (args.type === "kubernetes:tekton.dev/v1:Task") {
      for (const s of args.props.spec?.steps ?? []) {
        const ref = imageReference(String(s.image));
        if (!ref || ref.tag === "latest" || (ref.tag === undefined && ref.digest === undefined)) {
          report(`step ${s.name} runs ${s.image}: give it a tag other than latest, or a digest`);
        }
        const why = imageRegistryProblem(String(s.image));
        if (why) report(`step ${s.name} runs ${s.image}: ${why}`);
      }
    }
  },
);

/** Requests and limits on every container. */
export const resourceLimits = policy(
  "requests-and-limits",
  "Every container requests and limits CPU and memory.",
  (args, report) => {
    for (const c of containers(podSpec(args))) {
      for (const kind of ["requests", "limits"]) {
        for (const res of ["cpu", "memory"]) {
          if (!c.resources?.[kind]?.[res]) report(`container ${c.name}: no ${res} ${kind.replace(/s$/, "")}`);
        }
      }
    }
  },
);

/** A probe's target port (number or name), or undefined for an exec probe. */
function probePort(probe: Json): unknown {
  return probe?.grpc?.port ?? probe?.httpGet?.port ?? probe?.tcpSocket?.port;
}

/**
 * Probes that tell the truth: a Deployment container that opens a port has liveness and readiness probes aimed at
 * one of its ports; a container that opens none (a Temporal worker in `temporal` mode) has no network probe, since
 * nothing would answer it.
 */
export const probes = policy(
  "probes",
  "A Deployment container with ports has liveness and readiness probes on its own ports; one without ports has no network probes.",
  (args, report) => {
    if (args.type !== "kubernetes:apps/v1:Deployment") return;
    for (const c of podSpec(args)?.containers ?? []) {
      const ports = new Set<unknown>((c.ports ?? []).flatMap((p: Json) => [p.containerPort, p.name]));
      for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const probe = c[kind];
        if (probe && probe.exec === undefined && !ports.has(probePort(probe))) {
          report(
            `container ${c.name}: ${kind} targets port ${String(probePort(probe))}, which the container does not open`,
          );
        }
      }
      if (ports.size === 0) continue;
      if (!c.livenessProbe) report(`container ${c.name}: no livenessProbe`);
      if (!c.readinessProbe) report(`container ${c.name}: no readinessProbe`);
    }
  },
);

/** No credential in a ConfigMap or a plain env value. */
export const noPlainSecrets = policy(
  "no-plain-secrets",
  "No secret-looking value in a ConfigMap or in a container's or Tekton step's plain env value.",
  (args, report) => {
    if (args.type === "kubernetes:core/v1:ConfigMap") {
      for (const [k, v] of Object.entries(args.props.data ?? {})) {
        const why = secretLooking(k, v);
        if (why) report(`ConfigMap ${args.props.metadata?.name}: ${why}; use a Secret`);
      }
    }
    const envHolders = [
      ...containers(podSpec(args)),
      ...(args.type === "kubernetes:tekton.dev/v1:Task" ? (args.props.spec?.steps ?? []) : []),
    ];
    for (const c of envHolders) {
      for (const e of c.env ?? []) {
        const why = secretLooking(String(e.name), e.value);
        if (why) report(`${c.name}: env ${why}; use valueFrom.secretKeyRef`);
      }
    }
  },
);

/** ServiceAccounts do not mount an API token unless they say why. */
export const serviceAccountTokens = policy(
  "service-account-token-automount",
  `ServiceAccounts set automountServiceAccountToken: false unless annotated ${TOKEN_REASON_ANNOTATION}.`,
  (args, report) => {
    if (args.type === "kubernetes:core/v1:ServiceAccount") {
      const reason = args.props.metadata?.annotations?.[TOKEN_REASON_ANNOTATION];
      if (args.props.automountServiceAccountToken !== false && !reason) {
        report(
          `ServiceAccount ${args.props.metadata?.name} mounts an API token without a ${TOKEN_REASON_ANNOTATION} annotation`,
        );
      }
    }
    const pod = podSpec(args);
    if (pod && pod.automountServiceAccountToken !== false)
      report("the pod template does not set automountServiceAccountToken: false");
  },
);

/** Tekton steps declare computeResources. */
export const tektonStepResources = policy(
  "tekton-step-compute-resources",
  "Every Tekton step requests and limits CPU and memory (computeResources).",
  (args, report) => {
    if (args.type !== "kubernetes:tekton.dev/v1:Task") return;
    for (const s of args.props.spec?.steps ?? []) {
      const r = s.computeResources ?? {};
      if (!(r.requests?.cpu && r.requests?.memory && r.limits?.cpu && r.limits?.memory)) {
        report(
          `step ${s.name} of Task ${args.props.metadata?.name}: computeResources lack CPU or memory requests or limits`,
        );
      }
    }
  },
);

/** The environments whose namespaces the pack protects, unless the pack's config names others. */
export const DEFAULT_PROTECTED_ENVIRONMENTS: readonly string[] = ["prod"];

/**
 * Production namespaces cannot be deleted by a stray `pulumi destroy`. Which environments are production is the
 * pack's config (`protectedEnvironments`, `--policy-pack-config`); a namespace's environment is the stack's
 * `environment` config, which the program stamps on it as ${ENVIRONMENT_LABEL}.
 */
export const prodNamespaceProtected: ResourceValidationPolicy = {
  name: "prod-namespace-protected",
  description: `Namespaces of a protected environment (${ENVIRONMENT_LABEL} in the pack's protectedEnvironments) are protected from deletion.`,
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      protectedEnvironments: {
        type: "array",
        items: { type: "string" },
        default: [...DEFAULT_PROTECTED_ENVIRONMENTS],
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== "kubernetes:core/v1:Namespace") return;
    const { protectedEnvironments = DEFAULT_PROTECTED_ENVIRONMENTS } = args.getConfig<{
      protectedEnvironments?: readonly string[];
    }>();
    const environment = args.props.metadata?.labels?.[ENVIRONMENT_LABEL];
    if (environment !== undefined && protectedEnvironments.includes(environment) && !args.opts.protect) {
      report(
        `Namespace ${args.props.metadata?.name} belongs to the protected environment ${environment} and has no protect: true`,
      );
    }
  },
};

/** Verbs that let a subject grant itself more than it has (Kubernetes RBAC docs: "Privilege escalation prevention"). */
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];

/**
 * RBAC rules that say what they grant: no wildcard verb, resource or API group, no escalate, bind or impersonate,
 * and no Secret read (get, list, watch) in a ClusterRole, which would reach every namespace's Secrets.
 */
export const rbacLeastPrivilege = policy(
  "rbac-least-privilege",
  "Roles and ClusterRoles grant no wildcard, no escalate/bind/impersonate, no serviceaccounts/token create, and ClusterRoles read no Secrets.",
  (args, report) => {
    const cluster = args.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
    if (!cluster && args.type !== "kubernetes:rbac.authorization.k8s.io/v1:Role") return;
    const kind = cluster ? "ClusterRole" : "Role";
    for (const [i, rule] of (args.props.rules ?? []).entries()) {
      const where = `${kind} ${args.props.metadata?.name} rule ${i}`;
      const verbs: string[] = rule.verbs ?? [];
      const resources: string[] = rule.resources ?? [];
      if (verbs.includes("*")) report(`${where}: wildcard verb`);
      if (resources.some((r) => r === "*" || r.startsWith("*/") || r.endsWith("/*")))
        report(`${where}: wildcard resource`);
      if ((rule.apiGroups ?? []).includes("*")) report(`${where}: wildcard API group`);
      for (const v of verbs.filter((v) => ESCALATING_VERBS.includes(v))) report(`${where}: verb ${v}`);
      const readsSecrets =
        (rule.apiGroups ?? [""]).includes("") &&
        resources.includes("secrets") &&
        verbs.some((v) => ["get", "list", "watch", "*"].includes(v));
      if (cluster && readsSecrets) report(`${where}: reads Secrets in every namespace`);
      if ((rule.nonResourceURLs ?? []).some((u: string) => u.includes("*")))
        report(`${where}: wildcard nonResourceURL`);
      // A token of any ServiceAccount it may name: TokenRequest is `create` on serviceaccounts/token.
      const mintsTokens =
        (rule.apiGroups ?? [""]).includes("") &&
        resources.includes("serviceaccounts/token") &&
        verbs.some((v) => ["create", "*"].includes(v));
      if (mintsTokens) report(`${where}: creates serviceaccounts/token (mints a token for another identity)`);
    }
  },
);

/**
 * Tekton steps run as non-root without privilege escalation (and not privileged), adding no capability; a
 * stepTemplate (merged into every step) may weaken none of that; a Task runs no sidecar (a container beside the steps
 * that no step rule would see) and mounts only POD_VOLUME_SOURCES volumes.
 */
export const tektonStepSecurity = policy(
  "tekton-step-security-context",
  "Every Tekton step runs as non-root (runAsNonRoot and a non-zero runAsUser), without privilege escalation, not privileged, adding no capability; no stepTemplate weakens that; no sidecars; only API-served or scratch volumes.",
  (args, report) => {
    if (args.type !== "kubernetes:tekton.dev/v1:Task") return;
    const task = `Task ${args.props.metadata?.name}`;
    const spec = args.props.spec ?? {};
    for (const s of spec.steps ?? []) {
      const sc = s.securityContext ?? {};
      const where = `step ${s.name} of ${task}`;
      if (sc.runAsNonRoot !== true) report(`${where}: runAsNonRoot is not true`);
      if (sc.runAsUser === 0) report(`${where}: runAsUser is 0 (root)`);
      if (sc.allowPrivilegeEscalation !== false) report(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) report(`${where}: privileged`);
      for (const cap of sc.capabilities?.add ?? []) report(`${where}: adds capability ${cap}`);
    }
    const template = spec.stepTemplate?.securityContext ?? {};
    const where = `stepTemplate of ${task}`;
    if (template.runAsNonRoot === false) report(`${where}: runAsNonRoot is false`);
    if (template.runAsUser === 0) report(`${where}: runAsUser is 0 (root)`);
    if (template.allowPrivilegeEscalation === true) report(`${where}: allowPrivilegeEscalation is true`);
    if (template.privileged === true) report(`${where}: privileged`);
    for (const cap of template.capabilities?.add ?? []) report(`${where}: adds capability ${cap}`);
    for (const s of spec.sidecars ?? [])
      report(`sidecar ${s.name} of ${task}: allowed: no sidecars (a container beside the steps)`);
    for (const v of nodeVolumes(spec.volumes))
      report(`volume ${v} of ${task}: allowed: ${POD_VOLUME_SOURCES.join(", ")}`);
  },
);

/**
 * NetworkPolicies that mean what they say (config/network.ts networkPolicyProblems). A link-local destination passes only
 * inside a range of the pack's config `allowedLinkLocalCidrs` (the stack's key of the same name).
 */
export const networkPoliciesValid: ResourceValidationPolicy = {
  name: "network-policies-valid",
  description:
    "Every NetworkPolicy ingress rule has a from, every egress rule a to; every ipBlock is a valid CIDR with except inside it; no rule reaches the link-local range unless allowed; ports are in range.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: { allowedLinkLocalCidrs: { type: "array", items: { type: "string" }, default: [] } },
  },
  validateResource: (args, report) => {
    if (args.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy") return;
    const { allowedLinkLocalCidrs = [] } = args.getConfig<{ allowedLinkLocalCidrs?: readonly string[] }>();
    for (const why of networkPolicyProblems(args.props, allowedLinkLocalCidrs))
      report(`NetworkPolicy ${args.props.metadata?.name}: ${why}`);
  },
};

/** Every resource-level rule. */
export const resourcePolicies: ResourceValidationPolicy[] = [
  imagesPinned,
  restrictedSecurityContext,
  podSecurityPerContract,
  noNodeAccess,
  resourceLimits,
  probes,
  noPlainSecrets,
  serviceAccountTokens,
  tektonStepResources,
  prodNamespaceProtected,
  rbacLeastPrivilege,
  tektonStepSecurity,
  networkPoliciesValid,
];

function selects(selector: Json, labels: Json): boolean {
  const match = selector?.matchLabels ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels?.[k] === v);
}

/** A Deployment with more than one replica has a PodDisruptionBudget selecting its pods. */
export const pdbWhenReplicated: StackValidationPolicy = {
  name: "pdb-when-replicated",
  description:
    "Every Deployment with replicas > 1 has a PodDisruptionBudget in its namespace that selects its pods.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const pdbs = args.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
    for (const d of args.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
      if (!((d.props.spec?.replicas ?? 1) > 1)) continue;
      const covered = pdbs.some(
        (p) =>
          p.props.metadata?.namespace === d.props.metadata?.namespace &&
          selects(p.props.spec?.selector, d.props.spec?.template?.metadata?.labels),
      );
      if (!covered) {
        report(
          `Deployment ${d.props.metadata?.name} has ${d.props.spec?.replicas} replicas and no PodDisruptionBudget`,
          d.urn,
        );
      }
    }
  },
};

/** Every stack-level rule. */
export const stackPolicies: StackValidationPolicy[] = [pdbWhenReplicated];
