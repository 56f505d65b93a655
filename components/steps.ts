// What every step and pod of ours runs with: its script (components/scripts/), the non-root UID, a restricted context.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { input as Input } from "@pulumi/kubernetes/types";

/** UID every step runs as (the nonroot user of distroless and Tekton's own images). */
export const STEP_UID = 65532;

/** A step script, read from components/scripts/ (copied beside the compiled JavaScript). */
export function readScript(name: string): string {
  return readFileSync(path.join(__dirname, "scripts", name), "utf8");
}

/** The restricted security context every step runs with. */
export function stepSecurityContext(): Input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: STEP_UID,
    runAsGroup: STEP_UID,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
