// The typed contract of this stack's outputs: what index.ts exports, the components type, other stacks read.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * Where the deployed image came from: an operator's pin, a promotion, a configured digest (the pipeline's deploy),
 * a registry lookup of a configured tag, or the image the stack already ran (nothing named a new one).
 */
export type ImageOrigin = "pin" | "promotion" | "config" | "registry" | "current";

/** Every output of a workflow-runner stack. None is secret. */
export interface StackOutputs {
  /** `<repository>:<tag>@sha256:<hex>`: the exact image the Deployment runs. */
  readonly imageRef: string;
  /** The image tag ("" for a pin without a tag). */
  readonly imageTag: string;
  /** The image digest, `sha256:<hex>`. */
  readonly imageDigest: string;
  /** Where the image came from. */
  readonly imageOrigin: ImageOrigin;
  /** True while `imagePin` holds the image, whatever the pipeline or promotion pass. */
  readonly imagePinned: boolean;
  /** Namespace the worker runs in. */
  readonly namespace: string;
  /** The worker's ServiceAccount. */
  readonly serviceAccountName: string;
  /** The worker's Deployment. */
  readonly deploymentName: string;
  /** Temporal namespace the worker polls. */
  readonly temporalNamespace: string;
  /** The execution task queue (fixed: zigflow_execution): where clients start ExecuteServerlessWorkflow. */
  readonly temporalTaskQueue: string;
  /** The Tekton Pipeline, or "" where the stack does not build. */
  readonly pipelineName: string;
  /** Public URL of the EventListener, or "" where the stack does not build. */
  readonly eventListenerUrl: string;
  /** Path of the service-hub entry in the monorepo. */
  readonly serviceHubEntryPath: string;
  /** The exact `repository:tag@digest` whose rollout was verified (pollers on every task queue); "" when none. */
  readonly verifiedImageRef: string;
  /** When that digest was first verified, RFC 3339 UTC; fixed for the digest, so re-runs do not reset it. "" when none. */
  readonly verifiedAt: string;
  /** What ran the verification (the Job and its image); "" when none. */
  readonly verifiedBy: string;
}

/**
 * The earliest `verifiedAt` any evidence can hold: the first day an image of a service this program delivers could
 * have existed and been verified. A time before it (the zero time 0001-01-01T00:00:00Z a Go zero value prints, the
 * epoch 1970-01-01T00:00:00Z of a zero Unix time) is not a verification; it would only make any soak look long over.
 * The choice: 2025-01-01, a year before the oldest entry of stigmer/stigmer's _changelog (2026-01, where
 * workflow-runner is first written in the open repository); the private monorepo's own history could not be checked,
 * hence the margin. The source stack's image build time would be a tighter floor, but no output records it.
 */
export const EARLIEST_VERIFIED_AT = "2025-01-01T00:00:00Z";

/** What index.ts returns: each output as a Pulumi Input of its contract type. */
export type StackOutputsInput = { readonly [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };

/** The output names, in a fixed order; the type check keeps this list and the interface equal. */
export const STACK_OUTPUT_NAMES = [
  "imageRef",
  "imageTag",
  "imageDigest",
  "imageOrigin",
  "imagePinned",
  "namespace",
  "serviceAccountName",
  "deploymentName",
  "temporalNamespace",
  "temporalTaskQueue",
  "pipelineName",
  "eventListenerUrl",
  "serviceHubEntryPath",
  "verifiedImageRef",
  "verifiedAt",
  "verifiedBy",
] as const satisfies readonly (keyof StackOutputs)[];

/** Fails to compile when STACK_OUTPUT_NAMES misses a key of StackOutputs. */
type MissingNames = Exclude<keyof StackOutputs, (typeof STACK_OUTPUT_NAMES)[number]>;
const _allNamesListed: [MissingNames] extends [never] ? true : MissingNames = true;
void _allNamesListed;

/** The shape of each output, checked with zod where another stack's outputs or a file of them are read. */
export const STACK_OUTPUT_SHAPES: { readonly [K in keyof StackOutputs]: z.ZodType<StackOutputs[K]> } = {
  imageRef: z.string(),
  imageTag: z.string(),
  imageDigest: z.string(),
  imageOrigin: z.enum(["pin", "promotion", "config", "registry", "current"]),
  imagePinned: z.boolean(),
  namespace: z.string(),
  serviceAccountName: z.string(),
  deploymentName: z.string(),
  temporalNamespace: z.string(),
  temporalTaskQueue: z.string(),
  pipelineName: z.string(),
  eventListenerUrl: z.string(),
  serviceHubEntryPath: z.string(),
  verifiedImageRef: z.string(),
  verifiedAt: z.string(),
  verifiedBy: z.string(),
};

/**
 * A file of a stack's outputs, as `pulumi stack output --json` prints them (examples/stack-outputs/*.json): any of the
 * contract's outputs, each of its contract type.
 */
export const STACK_OUTPUTS_FILE = z.object(STACK_OUTPUT_SHAPES).partial();

/**
 * One output's value checked against the contract; the error names the output, the value ([secret] for a secret one)
 * and what is allowed.
 */
export function checkStackOutput<K extends keyof StackOutputs>(
  name: K,
  value: unknown,
  source: string,
  secret = false,
): StackOutputs[K] {
  const parsed = STACK_OUTPUT_SHAPES[name].safeParse(value);
  if (!parsed.success)
    throw new Error(
      `${source}: output ${name} is ${secret ? "[secret]" : (JSON.stringify(value) ?? "undefined")}; allowed: ${z.prettifyError(parsed.error).replace(/^✖ /, "")} (contracts/stack-outputs.ts)`,
    );
  return parsed.data;
}

/** Another stack's outputs, typed: each a `pulumi.Output` of its contract type. */
export type StackOutputsOf = { readonly [K in keyof StackOutputs]: pulumi.Output<StackOutputs[K]> };

/** Reads a workflow-runner stack's outputs through a StackReference, each checked against the contract's shape. */
export function readStackOutputs(ref: pulumi.StackReference): StackOutputsOf {
  const read = <K extends keyof StackOutputs>(name: K): pulumi.Output<StackOutputs[K]> =>
    pulumi
      .all([ref.name, ref.requireOutput(name)])
      .apply(([stack, value]) => checkStackOutput(name, value, `stack ${stack}`));
  return {
    imageRef: read("imageRef"),
    imageTag: read("imageTag"),
    imageDigest: read("imageDigest"),
    imageOrigin: read("imageOrigin"),
    imagePinned: read("imagePinned"),
    namespace: read("namespace"),
    serviceAccountName: read("serviceAccountName"),
    deploymentName: read("deploymentName"),
    temporalNamespace: read("temporalNamespace"),
    temporalTaskQueue: read("temporalTaskQueue"),
    pipelineName: read("pipelineName"),
    eventListenerUrl: read("eventListenerUrl"),
    serviceHubEntryPath: read("serviceHubEntryPath"),
    verifiedImageRef: read("verifiedImageRef"),
    verifiedAt: read("verifiedAt"),
    verifiedBy: read("verifiedBy"),
  };
}
