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
