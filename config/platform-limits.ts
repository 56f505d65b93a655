// Values Kubernetes, Tekton or the pipeline's scripts would refuse or misread, beyond each key's own grammar.
import { problem } from "./errors";
import {
  compareMemory,
  cpuMillis,
  DNS1123_SUBDOMAIN,
  ingressPathProblem,
  LABEL_VALUE,
  memoryBytes,
  parseHttpsUrl,
} from "./formats";
import type { PlainConfig } from "./keys";
import { parseIpv4 } from "./network";

/**
 * Bounds of the worker's CPU and memory. Below: what a Go Temporal worker needs to start (the Go runtime, the gRPC
 * connection and three workers take some 30-50 MiB; a CPU limit under 100m throttles start-up to minutes). Above:
 * the largest node this platform schedules on (64 cores, 256 GiB); a pod asking more is never scheduled.
 */
export const COMPUTE_BOUNDS = {
  cpuRequest: { min: "10m", max: "64" },
  cpuLimit: { min: "100m", max: "64" },
  memoryRequest: { min: "32Mi", max: "256Gi" },
  memoryLimit: { min: "64Mi", max: "256Gi" },
} as const;

/** CPU and memory outside COMPUTE_BOUNDS. Zero is reported by parsePlainConfig already. Pure. */
export function computeBoundsProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  for (const k of ["cpuRequest", "cpuLimit"] as const) {
    const { min, max } = COMPUTE_BOUNDS[k];
    const v = cpuMillis(cfg[k]);
    if (v > 0 && (v < cpuMillis(min) || v > cpuMillis(max)))
      problems.push(problem(k, cfg[k], `a CPU quantity from ${min} to ${max} (${COMPUTE_BOUNDS_WHY})`));
  }
  for (const k of ["memoryRequest", "memoryLimit"] as const) {
    const { min, max } = COMPUTE_BOUNDS[k];
    if (memoryBytes(cfg[k])[0] > 0n && (compareMemory(cfg[k], min) < 0 || compareMemory(cfg[k], max) > 0))
      problems.push(problem(k, cfg[k], `a memory quantity from ${min} to ${max} (${COMPUTE_BOUNDS_WHY})`));
  }
  return problems;
}
const COMPUTE_BOUNDS_WHY = "below, a Go Temporal worker cannot start; above, no node can schedule it";

/** Kubernetes' limit on a ConfigMap's data, summed over its values (pkg/apis/core/validation ValidateConfigMap: MaxSecretSize). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** The worker's settings ConfigMap over Kubernetes' 1 MiB: the API server would refuse it at apply. Pure. */
export function configMapSizeProblems(cfg: PlainConfig, env: Readonly<Record<string, string>>): string[] {
  const size = Object.values(env).reduce((n, v) => n + Buffer.byteLength(v, "utf8"), 0);
  return size > CONFIGMAP_MAX_BYTES
    ? [
        problem(
          "extraEnv",
          `${cfg.extraEnv.length} variables`,
          `values that fit a ConfigMap: together at most ${CONFIGMAP_MAX_BYTES} bytes (1 MiB, Kubernetes' limit), got ${size}`,
        ),
      ]
    : [];
}

/** The name of the EventListener's trigger for a branch; Tekton stamps it on every run as a label value. Pure. */
export function tektonTriggerName(branch: string): string {
  return `push-${branch.replace(/[^a-z0-9-]/g, "-")}`;
}

/** Why a host cannot be an Ingress host (a DNS-1123 subdomain, not an IP address), or undefined. Pure. */
export function ingressHostProblem(host: string): string | undefined {
  if (parseIpv4(host) !== undefined) return "its host is an IP address; an Ingress host must be a DNS name";
  if (host.length > 253) return `its host has ${host.length} characters, over the 253 a DNS name may have`;
  const long = host.split(".").find((label) => label.length > 63);
  if (long)
    return `its host's label "${long}" has ${long.length} characters, over the 63 a DNS label may have`;
  if (!DNS1123_SUBDOMAIN.test(host)) return "its host is not a DNS name of lower-case labels";
  return undefined;
}

/** Why the webhook's https URL cannot be served by its Ingress (host, port, path), or undefined. Pure. */
export function webhookUrlProblem(url: string): string | undefined {
  const parsed = parseHttpsUrl(url);
  // A URL outside the key's grammar is reported by the key's own check.
  if (!parsed) return undefined;
  return (
    ingressHostProblem(parsed.host) ??
    (parsed.explicitPort
      ? `it names port ${parsed.port}; the Ingress serves HTTPS on 443 only, so drop the port`
      : ingressPathProblem(parsed.path))
  );
}

/**
 * Values Kubernetes, Tekton or the pipeline's scripts would refuse or misread, beyond each key's own grammar: compute
 * bounds, label values we derive, the webhook's Ingress host, the ConfigMap's size. Pure.
 */
export function platformLimitProblems(cfg: PlainConfig, env: Readonly<Record<string, string>>): string[] {
  const problems = computeBoundsProblems(cfg);
  if (cfg.buildPipeline && cfg.trigger === "tekton") {
    const name = tektonTriggerName(cfg.gitBranch);
    if (!LABEL_VALUE.test(name))
      problems.push(
        problem(
          "gitBranch",
          cfg.gitBranch,
          `a branch whose trigger name "${name}" is a label value (at most 63 characters, starting and ending with a letter or digit): Tekton labels every run with it (triggers.tekton.dev/trigger)`,
        ),
      );
  }
  const webhookWhy = cfg.webhookUrl ? webhookUrlProblem(cfg.webhookUrl) : undefined;
  if (cfg.webhookUrl && webhookWhy)
    problems.push(problem("webhookUrl", cfg.webhookUrl, `an https URL an Ingress can serve: ${webhookWhy}`));
  problems.push(...configMapSizeProblems(cfg, env));
  return problems;
}
