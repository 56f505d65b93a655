// The SDK's own cost of one service's registrations: the same resources, through the same provider classes, with
// the inputs the components produced given as plain values. What the components add is the fleet figure minus this.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RecordedResource } from "../plan/evaluate";

/** A provider resource class, as the SDK packages export them. */
type ResourceClass = new (
  name: string,
  args: Record<string, unknown>,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/** A component with the recorded type and no code of its own: it registers, and registers no outputs. */
class ReplayedComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

/** Kubernetes API groups as the type token spells them, to the package's module names. */
const K8S_GROUPS: Readonly<Record<string, string>> = {
  core: "core",
  apps: "apps",
  batch: "batch",
  policy: "policy",
  "networking.k8s.io": "networking",
  "rbac.authorization.k8s.io": "rbac",
  "admissionregistration.k8s.io": "admissionregistration",
};

/** The class that registers a custom resource of this type token; throws on a token it cannot place. */
export function resourceClass(type: string): ResourceClass {
  const [pkg, mod = "", kind = ""] = type.split(":");
  const lookup = (root: unknown, path: string[]): unknown =>
    path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], root);
  let found: unknown;
  if (pkg === "kubernetes") {
    const [group = "", version = ""] = mod.split("/");
    found = lookup(k8s, [K8S_GROUPS[group] ?? group, version, kind]);
  } else if (pkg === "random") found = lookup(random, [kind]);
  else if (pkg === "github") found = lookup(github, [kind]);
  if (typeof found !== "function") throw new Error(`replay: no provider class for ${type}`);
  return found as ResourceClass;
}

/**
 * A program registering `count` copies of `recorded` (one service's resources, without the providers): components as
 * plain ComponentResources under the same parents, custom resources through their provider class with their
 * recorded inputs (secrets shown, unknowns as their marker text) and the given providers.
 */
export function replayProgram(
  recorded: readonly RecordedResource[],
  count: number,
  providers: () => Record<string, pulumi.ProviderResource>,
): () => Record<string, unknown> {
  const own = recorded.filter((r) => !r.type.startsWith("pulumi:providers:"));
  // Parents before their children: a parent's URN is registered under its own name.
  const depth = (r: RecordedResource): number => {
    const parent = own.find((p) => p.urn === r.parent);
    return parent ? 1 + depth(parent) : 0;
  };
  const ordered = [...own].sort((a, b) => depth(a) - depth(b));
  return () => {
    const byPackage = providers();
    for (let n = 0; n < count; n++) {
      const made = new Map<string, pulumi.Resource>();
      for (const r of ordered) {
        const parent = made.get(r.parent);
        const name = `${r.name}-${n}`;
        if (!r.custom) {
          made.set(r.urn, new ReplayedComponent(r.type, name, parent ? { parent } : {}));
          continue;
        }
        const provider = byPackage[r.type.split(":")[0] ?? ""];
        const Class = resourceClass(r.type);
        made.set(
          r.urn,
          new Class(name, r.revealedInputs as Record<string, unknown>, {
            ...(parent ? { parent } : {}),
            ...(provider ? { provider } : {}),
          }),
        );
      }
    }
    return {};
  };
}
