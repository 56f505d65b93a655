// The container security contexts of the service's own pods: the verification Job's restricted one, and the worker's
// from its contract's process needs.
import type { input as Input } from "@pulumi/kubernetes/types";

/** UID and GID the service's containers run as (the distroless `nonroot` user). */
export const NONROOT_ID = 65532;

/**
 * A container that runs as `nonroot`, on a read-only root filesystem, never privileged, with every capability
 * dropped and the runtime's default seccomp profile (Pod Security "restricted"). Pure.
 */
export function restrictedContainerSecurityContext(): Input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_ID,
    runAsGroup: NONROOT_ID,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * The worker container's context from its process settings: the uid and gid it needs, no privilege escalation,
 * never privileged, every capability dropped and only the contract's added back, seccomp RuntimeDefault. For a
 * nonroot process on a read-only root filesystem with no capability it is exactly the restricted context. Pure.
 */
export function workerContainerSecurityContext(process: {
  readonly uid: number;
  readonly gid: number;
  readonly readOnlyRootFilesystem: boolean;
  readonly addCapabilities: readonly string[];
}): Input.core.v1.SecurityContext {
  return {
    runAsNonRoot: process.uid !== 0,
    runAsUser: process.uid,
    runAsGroup: process.gid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: process.readOnlyRootFilesystem,
    privileged: false,
    capabilities:
      process.addCapabilities.length > 0
        ? { drop: ["ALL"], add: [...process.addCapabilities] }
        : { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * The volume sources a pod of this project may mount (the admission policies and the policy pack hold CI identities'
 * pods to it): data the API server serves (configMap, secret, projected,
 * downwardAPI) and scratch space (emptyDir). Everything else reaches the node: hostPath is its file system;
 * flexVolume runs a driver binary on the node; csi and ephemeral (a claim of any storage class, node-local ones
 * included) hand the node's driver a volume of the caller's choosing; the other in-tree types (iscsi, rbd, nfs,
 * glusterfs, cephfs, fc, cinder, ...) are mounted by the kubelet from wherever they point. An allow-list, so an in-tree
 * type this list never heard of is refused too (Kubernetes api/core/v1 types.go VolumeSource).
 */
export const POD_VOLUME_SOURCES = ["configMap", "secret", "projected", "downwardAPI", "emptyDir"] as const;
