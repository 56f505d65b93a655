// ServiceHubEntry: the Planton service-hub catalog entry that points the platform at the service's pipeline.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceHubDescription } from "../config";
import { commitFile, type RepositoryTarget, renderYamlFile } from "./repository-files";

/** Arguments of ServiceHubEntry. */
export interface ServiceHubEntryArgs {
  /** Service name; the entry's metadata.name and its `service-name` pipeline param. */
  readonly serviceName: string;
  /** Organization, registry connection and environments. */
  readonly serviceHub: ServiceHubDescription;
  /** The monorepo. */
  readonly repository: { readonly owner: string; readonly name: string; readonly branch: string };
  /** Repository path of the pipeline: TektonPipeline's `pipelineFilePath`. */
  readonly pipelineFilePath: pulumi.Input<string>;
  /** Image repository with its host: GhcrRegistry's `repository`. */
  readonly imageRepository: pulumi.Input<string>;
  /** Commit the entry here. @default not committed */
  readonly commitTo?: RepositoryTarget;
}

/** Where the entry lives in the monorepo. Pure. */
export function serviceHubEntryPath(serviceName: string): string {
  return `_ops/planton/service-hub/services/${serviceName}.yaml`;
}

/** The image repository path without the registry host ("ghcr.io/a/b" -> "a/b"). Pure. */
export function imageRepositoryPath(repository: string): string {
  return repository.slice(repository.indexOf("/") + 1);
}

/** The `service-hub.planton.ai/v1` Service. Pure. */
export function buildServiceHubEntry(a: {
  serviceName: string;
  serviceHub: ServiceHubDescription;
  repository: ServiceHubEntryArgs["repository"];
  pipelineFilePath: string;
  imageRepository: string;
}) {
  return {
    apiVersion: "service-hub.planton.ai/v1",
    kind: "Service",
    metadata: { name: a.serviceName, org: a.serviceHub.org },
    spec: {
      gitRepo: {
        gitRepoProvider: "github",
        ownerName: a.repository.owner,
        name: a.repository.name,
        defaultBranch: a.repository.branch,
      },
      packageType: "container_image",
      containerRegistry: a.serviceHub.containerRegistry,
      pipelineConfiguration: {
        pipelineProvider: "self",
        tektonPipelineYamlFile: a.pipelineFilePath,
        imageRepositoryPath: imageRepositoryPath(a.imageRepository),
        pipelineBranches: [a.repository.branch],
        params: { "service-name": a.serviceName },
      },
      deploymentEnvironments: [...a.serviceHub.environments],
    },
  };
}

/** The service-hub entry, rendered from the other components' outputs and committed where Planton reads it. */
export class ServiceHubEntry extends pulumi.ComponentResource {
  /** The entry as an object. */
  public readonly entry: pulumi.Output<ReturnType<typeof buildServiceHubEntry>>;
  /** Its path in the monorepo. */
  public readonly entryPath: pulumi.Output<string>;

  constructor(name: string, args: ServiceHubEntryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:ServiceHubEntry", name, {}, opts);
    const path = serviceHubEntryPath(args.serviceName);
    this.entry = pulumi
      .all([args.pipelineFilePath, args.imageRepository])
      .apply(([pipelineFilePath, imageRepository]) =>
        buildServiceHubEntry({ ...args, pipelineFilePath, imageRepository }),
      );
    if (args.commitTo) {
      // The entry in the monorepo, where `planton apply` and the platform read it.
      commitFile(
        this,
        name,
        "entry",
        args.commitTo,
        path,
        renderYamlFile("components/service-hub.ts", this.entry),
      );
    }
    this.entryPath = pulumi.output(path);
    this.registerOutputs({ entry: this.entry, entryPath: this.entryPath });
  }
}
