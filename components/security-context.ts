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
