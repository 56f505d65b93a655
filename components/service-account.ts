// The ServiceAccount every component that runs a pod builds: no API token unless it says why it needs one.
import type { input as Input } from "@pulumi/kubernetes/types";
import type * as pulumi from "@pulumi/pulumi";
import { TOKEN_REASON_ANNOTATION } from "../config/labels";

/**
 * A ServiceAccount. It mounts no API token unless given the reason it needs one, which it then carries as
 * TOKEN_REASON_ANNOTATION (the policy pack checks exactly this). Pure.
 */
export function buildServiceAccount(a: {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Readonly<Record<string, string>>;
  tokenReason?: string;
}): Input.core.v1.ServiceAccount {
  return {
    metadata: {
      name: a.name,
      namespace: a.namespace,
      labels: { ...a.labels },
      ...(a.tokenReason ? { annotations: { [TOKEN_REASON_ANNOTATION]: a.tokenReason } } : {}),
    },
    automountServiceAccountToken: a.tokenReason !== undefined,
  };
}
