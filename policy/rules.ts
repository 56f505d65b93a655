// The security baseline as policy rules: pure validation functions over resource inputs, tested without a policy server.
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

import { ENVIRONMENT_LABEL, TOKEN_REASON_ANNOTATION, TOOL_IMAGE_LABEL } from "../components/labels";
import { imageReferenceProblem, imageRegistryProblem, secretLooking } from "../config";

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are schemaless JSON to a policy.
type Json = any;

const WORKLOADS: Readonly<Record<string, (props: Json) => Json>> = {
  "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
  "kubernetes:core/v1:Pod": (p) => p.spec,
};

/** The pod spec of a workload, or undefined for anything else. */
function podSpec(args: { type: string; props: Json }): Json | undefined {
  return WORKLOADS[args.type]?.(args.props);
}

/** The pod template's labels of a workload, or undefined. */
function podTemplateLabels(args: { type: string; props: Json }): Json | undefined {
  return args.type === "kubernetes:core/v1:Pod"
    ? args.props.metadata?.labels
    : args.props.spec?.template?.metadata?.labels;
}

function containers(pod: Json): Json[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

// The predicates the program's config refuses with too (one definition: the pack imports from config).
export { imageReferenceProblem, imageRegistryProblem, secretLooking };

function policy(
  name: string,
  description: string,
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource };
}

/** Images run by digest, never by `:latest`; tool images in Tekton steps may use a tag, never `latest`. */
export const imagesPinned = policy(
  "images-pinned-by-digest",
  "Workload images are referenced by sha256 digest and never by :latest; Tekton step images never by :latest.",
  (args, report) => {
    // A tool (the rollout verification's Temporal CLI) may be pinned by tag like a Tekton step, never by latest.
    const tool = podTemplateLabels(args)?.[TOOL_IMAGE_LABEL] === "true";
    for (const c of containers(podSpec(args))) {
      if (!tool && !/@sha256:[a-f0-9]{64}$/.test(String(c.image)))
        report(`container ${c.name} runs ${c.image}, not pinned by digest`);
      if (tool && !/[:@]/.test(String(c.image).split("/").pop() ?? ""))
        report(`container ${c.name} runs ${c.image}: give it a tag other than latest, or a digest`);
      if (/:latest(@|$)/.test(String(c.image))) report(`container ${c.name} runs :latest`);
      const why = imageRegistryProblem(String(c.image));
      if (why) report(`container ${c.name} runs ${c.image}: ${why}`);
    }
    if (args.type === "kubernetes:tekton.dev/v1:Task") {
      for (const s of args.props.spec?.steps ?? []) {
        if (/:latest(@|$)/.test(String(s.image)) || !/[:@]/.test(String(s.image).split("/").pop() ?? "")) {
          report(`step ${s.name} runs ${s.image}: give it a tag other than latest, or a digest`);
        }
        const why = imageRegistryProblem(String(s.image));
        if (why) report(`step ${s.name} runs ${s.image}: ${why}`);
      }
    }
  },
);

/** The restricted Pod Security Standard's container rules. */
export const restrictedSecurityContext = policy(
  "restricted-security-context",
  "Pods run non-root, with a read-only root filesystem, no privilege escalation, all capabilities dropped and seccomp RuntimeDefault.",
  (args, report) => {
    const pod = podSpec(args);
    if (!pod) return;
    for (const c of containers(pod)) {
      const sc = c.securityContext ?? {};
      const psc = pod.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) report(`container ${c.name}: runAsNonRoot is not true`);
      if (sc.readOnlyRootFilesystem !== true)
        report(`container ${c.name}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false)
        report(`container ${c.name}: allowPrivilegeEscalation is not false`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL"))
        report(`container ${c.name}: capabilities do not drop ALL`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== "RuntimeDefault") report(`container ${c.name}: seccompProfile is not RuntimeDefault`);
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

/** Production namespaces cannot be deleted by a stray `pulumi destroy`. */
export const prodNamespaceProtected = policy(
  "prod-namespace-protected",
  `Namespaces labelled ${ENVIRONMENT_LABEL}=prod are protected from deletion.`,
  (args, report) => {
    if (args.type !== "kubernetes:core/v1:Namespace") return;
    if (args.props.metadata?.labels?.[ENVIRONMENT_LABEL] === "prod" && !args.opts.protect) {
      report(`Namespace ${args.props.metadata?.name} is a prod namespace without protect: true`);
    }
  },
);

/** Every resource-level rule. */
export const resourcePolicies: ResourceValidationPolicy[] = [
  imagesPinned,
  restrictedSecurityContext,
  resourceLimits,
  probes,
  noPlainSecrets,
  serviceAccountTokens,
  tektonStepResources,
  prodNamespaceProtected,
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
