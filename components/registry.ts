// GhcrRegistry: the image's home on GHCR, the cluster's pull Secret, and the digest-pinned image reference.
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildDockerConfigJson, buildDockerConfigSecret, registryHost } from "./registry-credentials";

/** Arguments of GhcrRegistry. */
export interface GhcrRegistryArgs {
  /** Image repository without tag or digest. @default "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner" */
  readonly repository?: string;
  /** The tag the pipeline pushed. */
  readonly tag: pulumi.Input<string>;
  /** The pushed digest (`sha256:<hex>`); when absent the tag is resolved to its digest on the registry. @default undefined */
  readonly digest?: pulumi.Input<string>;
  /** Registry user the token belongs to. */
  readonly username: pulumi.Input<string>;
  /** Registry token with read access (a GHCR PAT with read:packages). Kept secret. */
  readonly token: pulumi.Input<string>;
  /** Namespace the pull Secret is created in. */
  readonly namespace: pulumi.Input<string>;
  /** Name of the pull Secret. @default "<component name>-pull" */
  readonly pullSecretName?: string;
  /** Labels for the pull Secret. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The default repository of workflow-runner's image (stigmer/stigmer _kustomize/base/service.yaml at 4a8b0102). */
export const DEFAULT_REPOSITORY = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";

/** `<repository>:<tag>@<digest>` (or `<repository>@<digest>` without a tag): the tag for people, the digest for the kubelet. Pure. */
export function imageReference(repository: string, tag: string, digest: string): string {
  return tag ? `${repository}:${tag}@${digest}` : `${repository}@${digest}`;
}

/** A GHCR repository as this stack sees it: where the image is, how the cluster pulls it, which digest runs. */
export class GhcrRegistry extends pulumi.ComponentResource {
  /** Repository without tag or digest. */
  public readonly repository: pulumi.Output<string>;
  /** The image tag. */
  public readonly imageTag: pulumi.Output<string>;
  /** The image digest, configured or resolved on the registry. */
  public readonly imageDigest: pulumi.Output<string>;
  /** `<repository>:<tag>@<digest>`, the only form the Deployment is given. */
  public readonly imageRef: pulumi.Output<string>;
  /** Name of the `kubernetes.io/dockerconfigjson` pull Secret. */
  public readonly pullSecretName: pulumi.Output<string>;

  constructor(name: string, args: GhcrRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:GhcrRegistry", name, {}, opts);
    const repository = args.repository ?? DEFAULT_REPOSITORY;
    const host = registryHost(repository);
    const token = pulumi.secret(args.token);

    // The cluster's pull Secret, built from the secret token; the document is secret as a whole.
    const dockerConfigJson = pulumi.secret(
      pulumi.all([args.username, token]).apply(([user, tok]) => buildDockerConfigJson(host, user, tok)),
    );
    const pullSecret = new k8s.core.v1.Secret(
      `${name}-pull`,
      buildDockerConfigSecret({
        name: args.pullSecretName ?? `${name}-pull`,
        namespace: args.namespace,
        dockerConfigJson,
        ...(args.labels ? { labels: args.labels } : {}),
      }),
      { parent: this },
    );

    const tag = pulumi.output(args.tag);
    let digest: pulumi.Output<string>;
    if (args.digest !== undefined) {
      digest = pulumi.output(args.digest);
    } else {
      // The provider that asks GHCR which digest the tag names now; it holds the read token.
      const provider = new docker.Provider(
        `${name}-docker`,
        {
          disableDockerDaemonCheck: true,
          registryAuth: [{ address: host, username: args.username, password: token }],
        },
        { parent: this },
      );
      digest = docker.getRegistryImageOutput(
        { name: pulumi.interpolate`${repository}:${tag}` },
        { provider, parent: this },
      ).sha256Digest;
    }

    this.repository = pulumi.output(repository);
    this.imageTag = tag;
    this.imageDigest = digest;
    this.imageRef = pulumi.all([tag, digest]).apply(([t, d]) => imageReference(repository, t, d));
    this.pullSecretName = pullSecret.metadata.name;
    this.registerOutputs({
      repository: this.repository,
      imageTag: this.imageTag,
      imageDigest: this.imageDigest,
      imageRef: this.imageRef,
      pullSecretName: this.pullSecretName,
    });
  }
}
