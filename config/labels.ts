// The recommended app.kubernetes.io labels, computed once per service and shared by every component.
import { LABEL_VALUE } from "./formats";
import { sha256Hex } from "./image-reference";
import type { ServiceDescription } from "./service";

/** Label naming the environment of every object; the policy pack protects `prod` namespaces by it. */
export const ENVIRONMENT_LABEL = "stigmer.ai/environment";
/** Annotation a ServiceAccount carries to say why it needs an API token mounted. */
export const TOKEN_REASON_ANNOTATION = "stigmer.ai/api-token-reason";

/** Labels that never change over a Deployment's life: they form its immutable selector. */
export type SelectorLabels = Readonly<Record<string, string>>;

/** The selector labels and the full label set (selector plus descriptive labels). */
export interface ServiceLabels {
  /** `app.kubernetes.io/name` and `/instance`: the Deployment's selector and the NetworkPolicy's pod selector. */
  readonly selector: SelectorLabels;
  /** Selector labels plus component, part-of and managed-by: put on every object. */
  readonly common: Readonly<Record<string, string>>;
}

/** Computes the recommended labels for a service in one environment. Pure. */
export function serviceLabels(
  service: Pick<ServiceDescription, "name" | "environment" | "component" | "partOf">,
): ServiceLabels {
  const selector = {
    "app.kubernetes.io/name": service.name,
    "app.kubernetes.io/instance": `${service.name}-${service.environment}`,
  };
  return {
    selector,
    common: {
      ...selector,
      "app.kubernetes.io/component": service.component,
      "app.kubernetes.io/part-of": service.partOf,
      "app.kubernetes.io/managed-by": "pulumi",
      [ENVIRONMENT_LABEL]: service.environment,
    },
  };
}

/** `app.kubernetes.io/version` for an image tag, or no label when the tag is not a valid label value. Pure. */
export function versionLabel(tag: string): Record<string, string> {
  return tag !== "" && LABEL_VALUE.test(tag) ? { "app.kubernetes.io/version": tag } : {};
}

/** Label on the worker's pods naming the digest they run (its first 40 hex digits): what verification selects by. */
export const DIGEST_LABEL = "stigmer.ai/image-digest";

/** The digest label of an image reference `...@sha256:<hex>`, or none without a digest. Pure. */
export function digestLabel(imageRef: string): Record<string, string> {
  const hex = sha256Hex(imageRef);
  return hex ? { [DIGEST_LABEL]: hex.slice(0, 40) } : {};
}
