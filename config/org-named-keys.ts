// Keys that name a record only the organization knows (no public source names it for this organization, so no
// default): when a stack needs each, how to find the name, and the problem a stack that needs one and lacks it gets.
import { problem } from "./errors";
import type { PlainConfig, PlainKey } from "./keys";

/** A plain key naming a record only the organization knows: when a stack needs it, and how to find the name. */
export interface OrgNamedKeySpec {
  /** What the value names. */
  readonly names: string;
  readonly neededWhen: { readonly reason: string; readonly test: (cfg: PlainConfig) => boolean };
  /** The command that lists the names to choose from. */
  readonly find: string;
}

/**
 * Plain keys that name a record in another system which no public source names for this organization, so they have
 * no default (a guessed name fails only at Planton's apply): a stack that needs one refuses to run without it. The
 * offline plan, which cannot ask Planton, plans with a marked stand-in and says so.
 */
export const ORG_NAMED_KEYS = {
  containerRegistryConnection: {
    names: "the slug of the organization's Planton container registry connection for GHCR",
    neededWhen: {
      reason: "manageRepositoryFiles is true: the committed service-hub entry names it (spec.build.registry)",
      test: (c) => c.manageRepositoryFiles,
    },
    // plantonhq/planton's first-service tutorial: build.registry is "the slug of your container registry connection".
    find: "planton get container-registry-connection",
  },
} as const satisfies Partial<Record<PlainKey, OrgNamedKeySpec>>;

/** A key naming an organization's record (ORG_NAMED_KEYS) that this stack needs and does not set. Pure. */
export function orgNamedKeyProblems(cfg: PlainConfig): string[] {
  return (Object.entries(ORG_NAMED_KEYS) as [PlainKey, OrgNamedKeySpec][])
    .filter(([name, spec]) => cfg[name] === undefined && spec.neededWhen.test(cfg))
    .map(([name, spec]) =>
      problem(
        name,
        undefined,
        `${spec.names}, set in this stack's file, because ${spec.neededWhen.reason}; no public source names it, so there is no default: find it with \`${spec.find}\` and set it with \`pulumi config set ${name} <name>\``,
      ),
    );
}
