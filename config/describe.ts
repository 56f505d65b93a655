// The parts of a service description every service builds the same way from the shared keys: the image source and
// the workload's common settings (namespace, size, network ranges, verification). Each service module adds its own.
import { durationSeconds } from "./formats";
import type { PlainConfig } from "./keys";
import type { ImageSource, WorkloadDescription } from "./service";

/** Where the image comes from under this config: the pin, the promotion, the pipeline's tag and digest. Pure. */
export function describeImage(cfg: PlainConfig, stack: string): ImageSource {
  return {
    repository: cfg.imageRepository,
    self: stack,
    tag: cfg.imageTag ?? "",
    ...(cfg.imageDigest ? { digest: cfg.imageDigest } : {}),
    ...(cfg.imagePin ? { pin: cfg.imagePin } : {}),
    ...(cfg.promoteFrom
      ? { promoteFrom: cfg.promoteFrom, minSoakSeconds: durationSeconds(cfg.minSoak) }
      : {}),
  };
}

/** The workload settings every service takes from the shared keys. Pure. */
export type CommonWorkload = Pick<
  WorkloadDescription,
  | "namespace"
  | "createNamespace"
  | "protectNamespace"
  | "replicas"
  | "minAvailable"
  | "resources"
  | "terminationGracePeriodSeconds"
  | "egressDeniedCidrs"
  | "allowedLinkLocalCidrs"
  | "apiServerCidrs"
  | "verification"
>;

/** The workload's common settings under this config. Pure. */
export function describeCommonWorkload(cfg: PlainConfig): CommonWorkload {
  return {
    namespace: cfg.namespace,
    createNamespace: cfg.createNamespace,
    protectNamespace: cfg.protectNamespace,
    replicas: cfg.replicas,
    minAvailable: cfg.minAvailable,
    resources: {
      requests: { cpu: cfg.cpuRequest, memory: cfg.memoryRequest },
      limits: { cpu: cfg.cpuLimit, memory: cfg.memoryLimit },
    },
    terminationGracePeriodSeconds: cfg.terminationGracePeriodSeconds,
    egressDeniedCidrs: cfg.egressDeniedCidrs,
    allowedLinkLocalCidrs: cfg.allowedLinkLocalCidrs,
    apiServerCidrs: cfg.apiServerCidrs,
    ...(cfg.verifyRollout
      ? { verification: { image: cfg.verifyImage, timeoutSeconds: cfg.verifyTimeoutSeconds } }
      : {}),
  };
}
