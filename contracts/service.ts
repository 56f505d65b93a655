// What every service's contract declares, whatever the service: the shape a contract module fills from its upstream
// source (contracts/<service>.ts). Generic: it names no service.
import type { PollerIdentityFormat } from "./poller-identity";

/** A POSIX environment variable name, as Kubernetes accepts it for a container's env (C identifier form). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A kind of Temporal task a worker polls for. */
export type PollerType = "workflow" | "activity";

/** A task queue by name, with the kinds of task its worker polls it for. */
export interface PolledQueue {
  readonly name: string;
  readonly pollers: readonly PollerType[];
}

/**
 * How the service's Temporal SDK names its pollers (what `temporal task-queue describe` lists as the identity):
 * `go` is `<pid>@<host>@<queue>`, `typescript` is `<pid>@<host>`; the shapes and their SDK sources are in
 * contracts/poller-identity.ts.
 */
export type { PollerIdentityFormat };

/** A Pod Security Standard level (Kubernetes "Pod Security Standards"). */
export type PodSecurityLevel = "restricted" | "baseline";

/** How the container's root filesystem, user and capabilities must be, as the service's start-up code requires. */
export interface ProcessNeeds {
  /** The uid the process must run as; 0 only when its start-up refuses any other. */
  readonly uid: number;
  /** The gid it runs as. */
  readonly gid: number;
  /** Whether it writes outside its volumes at run time (false: a read-only root filesystem is fine). */
  readonly writesRootFilesystem: boolean;
  /** Capabilities it needs added after dropping ALL, each with why. Empty: none. */
  readonly capabilities: Readonly<Record<string, string>>;
  /** The most replicas that may run at once (undefined: no limit), and why. */
  readonly maxReplicas?: { readonly count: number; readonly why: string };
  /** How a new version replaces the old pods, and why. */
  readonly strategy: { readonly type: "RollingUpdate" | "Recreate"; readonly why: string };
  /** The shortest grace period between SIGTERM and SIGKILL that lets it stop cleanly, and why. */
  readonly minGracePeriodSeconds?: { readonly seconds: number; readonly why: string };
  /** Why it keeps state on PersistentVolumeClaims (its pod mounts claims only when this says why). @default none */
  readonly persistentClaims?: string;
  /** Ports it opens: none for a Temporal worker. */
  readonly ports: readonly number[];
  /** Whether it has a health surface a probe could ask; false: no probe is rendered. */
  readonly probes: false;
  /** The least Pod Security level its pod can be admitted under, and why (required for anything but restricted). */
  readonly podSecurity: { readonly level: PodSecurityLevel; readonly why?: string };
}

/** Where the image comes from. */
export type ImageSourceContract =
  /** Built by the monorepo's shared root pipeline with Bazel; the pipeline reports the digest it pushed. */
  | { readonly kind: "built"; readonly repository: string }
  /**
   * Released upstream under version tags; the stack names a tag, the program resolves it to its digest on the
   * registry at update time and records both in the outputs.
   */
  | {
      readonly kind: "released";
      readonly repository: string;
      readonly tagFormat: RegExp;
      readonly source: string;
    };

/** What a service is, as its contract module declares it. Components get this through the service description. */
export interface ServiceContract {
  /** Service name: the Deployment, the ServiceAccount and the labels use it. */
  readonly name: string;
  /** What it is, for `app.kubernetes.io/component`. */
  readonly component: string;
  /** The larger system it belongs to, for `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** Where its code lives upstream (repository and folder), for messages and docs. */
  readonly upstream: string;
  /** How its pollers name themselves. */
  readonly pollerIdentity: PollerIdentityFormat;
  /** What its process needs from the pod. */
  readonly process: ProcessNeeds;
  /** Its image. */
  readonly image: ImageSourceContract;
}
