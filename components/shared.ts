// What every service shares (the root pipeline, its Tasks, the CI namespace): owned by one stack, kept on destroy.
import * as pulumi from "@pulumi/pulumi";

/** Labels of the shared files and objects: they belong to no one service. */
export const SHARED_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/part-of": "stigmer",
  "app.kubernetes.io/component": "root-pipeline",
  "app.kubernetes.io/managed-by": "pulumi",
};

/**
 * Sets `retainOnDelete` on a resource and, registered as a transformation, on every child of it: `pulumi destroy` of
 * the owning stack, or a replacement, leaves the object where it is for the other services that build with it.
 * Transformations are inherited by children (SDK 3.276 resource.js: a resource's transformations are its own followed
 * by its parent's). Engines from v3.158 (pulumi/pulumi#18956) also pass `retainOnDelete` down to children that do not
 * set it; the transformation states it on every registration, so the plan shows it and an older engine keeps it too.
 */
export const retainOnDelete: pulumi.ResourceTransformation = (args) => ({
  props: args.props,
  opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }),
});

/** Options of the shared resources' components: kept on delete, with all their children. */
export function sharedResourceOptions(
  opts: pulumi.ComponentResourceOptions,
): pulumi.ComponentResourceOptions {
  return pulumi.mergeOptions(opts, { retainOnDelete: true, transformations: [retainOnDelete] });
}
