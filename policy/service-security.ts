// The rules that check each service's pods and namespace against its own contract (contracts/<service>.ts): the
// security context its process may have, and the Pod Security level its namespace enforces.
import { serviceModule } from "../config/services/index";
import type { ProcessNeeds } from "../contracts/service";
import { containers, type Json, podSpec, policy } from "./workloads";

/** The label naming a workload's or a namespace's service (config/labels.ts serviceLabels). */
const NAME_LABEL = "app.kubernetes.io/name";
/** The namespace label Pod Security admission enforces (Kubernetes "Pod Security Admission"). */
const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
/** The annotation naming why a namespace enforces less than restricted (components/namespace.ts). */
const POD_SECURITY_REASON = "stigmer.ai/pod-security-reason";

/** The process needs a service's contract declares, for a Deployment of that service; undefined for anything else. */
export function declaredProcess(args: {
  type: string;
  props: Json;
}): { name: string; process: ProcessNeeds } | undefined {
  if (args.type !== "kubernetes:apps/v1:Deployment") return undefined;
  const name =
    args.props.spec?.template?.metadata?.labels?.[NAME_LABEL] ?? args.props.metadata?.labels?.[NAME_LABEL];
  const module = typeof name === "string" ? serviceModule(name) : undefined;
  return module ? { name: module.contract.name, process: module.contract.process } : undefined;
}

/**
 * Pods run restricted (the Pod Security Standard's container rules), with one kind of exception: a service's own
 * Deployment gets exactly what its contract declares (contracts/<service>.ts process: its uid, a writable root
 * filesystem, the capabilities it names), and nothing more. Every other pod, and every other container, is restricted.
 */
export const restrictedSecurityContext = policy(
  "restricted-security-context",
  "Pods run non-root, with a read-only root filesystem, no privilege escalation, all capabilities dropped and seccomp RuntimeDefault; a service's Deployment gets only the exceptions its contract declares.",
  (args, report) => {
    const pod = podSpec(args);
    if (!pod) return;
    const declared = declaredProcess(args);
    for (const c of containers(pod)) {
      const sc = c.securityContext ?? {};
      const psc = pod.securityContext ?? {};
      const own = declared && c.name === declared.name ? declared.process : undefined;
      if (own && own.uid === 0) {
        const uid = sc.runAsUser ?? psc.runAsUser;
        if (uid !== 0)
          report(`container ${c.name}: runAsUser is ${String(uid)}, but its contract requires uid 0`);
      } else if (!(sc.runAsNonRoot ?? psc.runAsNonRoot))
        report(`container ${c.name}: runAsNonRoot is not true`);
      if (sc.readOnlyRootFilesystem !== true && !own?.writesRootFilesystem)
        report(`container ${c.name}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false)
        report(`container ${c.name}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) report(`container ${c.name}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL"))
        report(`container ${c.name}: capabilities do not drop ALL`);
      const allowed = new Set(Object.keys(own?.capabilities ?? {}));
      for (const cap of sc.capabilities?.add ?? []) {
        if (!allowed.has(String(cap)))
          report(
            `container ${c.name}: adds capability ${String(cap)}, which ${own ? "its contract does not declare" : "a restricted pod may not add"}`,
          );
      }
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== "RuntimeDefault") report(`container ${c.name}: seccompProfile is not RuntimeDefault`);
    }
  },
);

/**
 * A service's namespace enforces the Pod Security level its contract declares, no lower (restricted unless the
 * contract names an exception), and an exception carries its reason. Namespaces of no service enforce restricted or
 * baseline (the CI namespace runs Tekton's pods under baseline).
 */
export const podSecurityPerContract = policy(
  "pod-security-per-contract",
  `A service's namespace enforces exactly the Pod Security level its contract declares, and a level below restricted is annotated ${POD_SECURITY_REASON}.`,
  (args, report) => {
    if (args.type !== "kubernetes:core/v1:Namespace") return;
    const labels = args.props.metadata?.labels ?? {};
    const name = args.props.metadata?.name;
    const level = labels[ENFORCE_LABEL];
    const module = typeof labels[NAME_LABEL] === "string" ? serviceModule(labels[NAME_LABEL]) : undefined;
    if (!module) {
      if (level !== "restricted" && level !== "baseline")
        report(`Namespace ${name} enforces ${String(level)}; allowed: restricted or baseline`);
      return;
    }
    const declared = module.contract.process.podSecurity.level;
    if (level !== declared)
      report(
        `Namespace ${name} of ${module.contract.name} enforces ${String(level)}; its contract declares ${declared}`,
      );
    if (level !== "restricted" && !args.props.metadata?.annotations?.[POD_SECURITY_REASON])
      report(
        `Namespace ${name} enforces ${String(level)} without a ${POD_SECURITY_REASON} annotation saying why`,
      );
  },
);
