// How a Temporal worker names itself to the server: the identity each of its pollers carries, by the SDK it is built on.
//
// Sources:
//   Go: temporalio/sdk-go (go.temporal.io/sdk) internal/internal_utils.go getWorkerIdentity, read in a version that
//     defines PollerAutoscaleBehavior: fmt.Sprintf("%d@%s@%s", os.Getpid(), getHostName(), taskqueueName), the host
//     from os.Hostname(); internal/internal_workflow_client.go NewServiceClient gives a client without an identity
//     getWorkerIdentity("") ("<pid>@<host>@"), which a worker without an identity of its own takes. Either way an
//     "@" follows the host.
//   TypeScript: temporalio/sdk-typescript packages/worker/src/worker-options.ts (07eed14b) addDefaultWorkerOptions:
//     identity: `${process.pid}@${os.hostname()}`, nothing after the host; the same line ships in the published
//     @temporalio/worker 1.24.0, lib/worker-options.js.
// In a pod, the hostname is the pod's name (the pod spec sets no `hostname`), so an identity names the pod it runs in.

/** The SDK whose default worker identity a service's pollers carry. */
export type PollerIdentityFormat = "go" | "typescript";

/** Every format, in a stable order (what the verification script accepts). */
export const POLLER_IDENTITY_FORMATS = [
  "go",
  "typescript",
] as const satisfies readonly PollerIdentityFormat[];

/** One format: the identity's shape, and how a pod's identity is told from another pod's. */
export interface PollerIdentityShape {
  /** The identity, with its parts named. */
  readonly shape: string;
  /** What the verification accepts as the identity of pod P: the rule its script applies. */
  readonly ofPod: string;
  /** Where the shape comes from. */
  readonly source: string;
}

/** Each format's shape, with its source. */
export const POLLER_IDENTITY: Readonly<Record<PollerIdentityFormat, PollerIdentityShape>> = {
  go: {
    shape: "<pid>@<hostname>@<task queue, or empty>",
    ofPod: "decimal pid, '@', P, '@', then anything",
    source:
      "temporalio/sdk-go internal/internal_utils.go getWorkerIdentity; internal_workflow_client.go NewServiceClient",
  },
  typescript: {
    shape: "<pid>@<hostname>",
    ofPod: "decimal pid, '@', P, and nothing after",
    source:
      "temporalio/sdk-typescript packages/worker/src/worker-options.ts (07eed14b) addDefaultWorkerOptions; @temporalio/worker 1.24.0",
  },
};

/** The format of a service whose contract names none: workflow-runner's, the Go worker's. */
export const DEFAULT_POLLER_IDENTITY_FORMAT: PollerIdentityFormat = "go";
