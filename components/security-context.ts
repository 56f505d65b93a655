// The restricted container security context the service's own pods (the worker, the verification Job) run with.
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
 * The volume sources a pod of this project may mount (the admission policies and the policy pack hold CI identities'
 * pods to it): data the API server serves (configMap, secret, projected,
 * downwardAPI) and scratch space (emptyDir). Everything else reaches the node: hostPath is its file system;
 * flexVolume runs a driver binary on the node; csi and ephemeral (a claim of any storage class, node-local ones
 * included) hand the node's driver a volume of the caller's choosing; the other in-tree types (iscsi, rbd, nfs,
 * glusterfs, cephfs, fc, cinder, ...) are mounted by the kubelet from wherever they point. An allow-list, so an in-tree
 * type this list never heard of is refused too (Kubernetes api/core/v1 types.go VolumeSource).
 */
export const POD_VOLUME_SOURCES = ["configMap", "secret", "projected", "downwardAPI", "emptyDir"] as const;
