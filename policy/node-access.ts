// The node's own: host namespaces, host ports, capabilities and volumes the kubelet mounts or runs, as a pack rule.
import { POD_VOLUME_SOURCES } from "../components/security-context";
import { declaredProcess } from "./service-security";
import { containers, nodeVolumes, podSpec, policy } from "./workloads";

/**
 * Nothing of the node's, as the admission policies hold CI identities' pods (components/admission.ts): no host
 * namespace, no hostPort, no capability added, no volume beyond POD_VOLUME_SOURCES (hostPath, flexVolume, csi,
 * ephemeral and the in-tree network volumes the kubelet mounts), no ephemeral container, no Unconfined seccomp.
 */
export const noNodeAccess = policy(
  "no-node-access",
  `Pods use no host namespace, hostPort, added capability, ephemeral container or Unconfined seccomp, and mount only ${POD_VOLUME_SOURCES.join(", ")} volumes.`,
  (args, report) => {
    const pod = podSpec(args);
    if (!pod) return;
    // A service's own Deployment may have what its contract declares, and no more: its claims (persistentClaims) here,
    // its capabilities in restricted-security-context, which holds them to the contract's list.
    const own = declaredProcess(args);
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"])
      if (pod[ns] === true) report(`the pod sets ${ns}: true`);
    const volumes = own?.process.persistentClaims
      ? (pod.volumes ?? []).filter(
          (v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim === undefined,
        )
      : pod.volumes;
    for (const v of nodeVolumes(volumes))
      report(
        `volume ${v}: allowed: ${POD_VOLUME_SOURCES.join(", ")} (the node mounts or runs anything else)`,
      );
    if (pod.ephemeralContainers?.length) report("the pod has ephemeral containers");
    if (pod.securityContext?.seccompProfile?.type === "Unconfined")
      report("the pod's seccompProfile is Unconfined");
    for (const c of containers(pod)) {
      for (const p of c.ports ?? []) if (p.hostPort) report(`container ${c.name}: hostPort ${p.hostPort}`);
      if (own && c.name === own.name) continue;
      for (const cap of c.securityContext?.capabilities?.add ?? [])
        report(`container ${c.name}: adds capability ${cap}; allowed: none (every container drops ALL)`);
    }
  },
);
