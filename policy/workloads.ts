// What the pack's rules share: the pod spec of each workload type, its containers, the volumes that reach the node.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { POD_VOLUME_SOURCES } from "../components/security-context";

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are schemaless JSON to a policy.
export type Json = any;

const WORKLOADS: Readonly<Record<string, (props: Json) => Json>> = {
  "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
  "kubernetes:core/v1:Pod": (p) => p.spec,
};

/** The pod spec of a workload, or undefined for anything else. */
export function podSpec(args: { type: string; props: Json }): Json | undefined {
  return WORKLOADS[args.type]?.(args.props);
}

/** Every container of a pod spec, init containers first. */
export function containers(pod: Json): Json[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** A mandatory resource rule. */
export function policy(
  name: string,
  description: string,
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource };
}

/** The volume sources a volume list uses beyond POD_VOLUME_SOURCES, as `<volume>: <source>` (name aside). Pure. */
export function nodeVolumes(volumes: Json[] | undefined): string[] {
  const allowed: readonly string[] = POD_VOLUME_SOURCES;
  return (volumes ?? []).flatMap((v: Json) =>
    Object.keys(v ?? {})
      .filter((k) => k !== "name" && !allowed.includes(k))
      .map((k) => `${v.name}: ${k}`),
  );
}
