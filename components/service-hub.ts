// ServiceHubEntry: the Planton service-hub catalog entry that points the platform at the shared root pipeline.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceHubDescription } from "../config/service";
import {
  BUILD_SECRET_FILES,
  ENTRY_FORMATS,
  type EntryFormat,
  environmentSecretRef,
  PUSH_TO_REGISTER,
} from "../contracts/planton";
import { commitFile, type RepositoryTarget, renderYamlFile } from "./repository-files";

/** Where the service lives in the monorepo, and what else builds it. */
export interface EntryRepository {
  readonly owner: string;
  readonly name: string;
  readonly branch: string;
  /** The service's folder: only changes under it (and triggerPaths) build it. */
  readonly projectRoot?: string;
  /** Other globs whose changes build it. */
  readonly triggerPaths?: readonly string[];
}

/** Arguments of ServiceHubEntry. */
export interface ServiceHubEntryArgs {
  /** Service name; the entry's metadata.name and its `service-name` pipeline param. */
  readonly serviceName: string;
  /** Organization, registry connection and environments. */
  readonly serviceHub: ServiceHubDescription;
  /** The monorepo. */
  readonly repository: EntryRepository;
  /** Repository path of the root pipeline: RootPipeline's `pipelineFilePath`. */
  readonly pipelineFilePath: pulumi.Input<string>;
  /** Image repository with its host: GhcrRegistry's `repository`. */
  readonly imageRepository: pulumi.Input<string>;
  /** What the entry hands the pipeline (`service-name`, deploy params): serviceBuildParams. */
  readonly params: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The pipeline deploys (pulumi up), so Planton's own deploy stage is turned off. @default false */
  readonly pipelineDeploys?: boolean;
  /** The environment whose build secrets the deploy reads (v1alpha1 names them). @default none */
  readonly deployEnvironment?: string;
  /** Entry form. @default "v1alpha1" (the form whose docs name build secrets) */
  readonly format?: EntryFormat;
  /** Commit the entry here. @default not committed */
  readonly commitTo?: RepositoryTarget;
}

/**
 * Where the entry lives in the monorepo: a `service.yaml` (the only name Planton's push-to-register reads,
 * contracts/planton.ts PUSH_TO_REGISTER) in the service's folder of the monorepo's `_ops/planton/service-hub/services`.
 * Pure.
 */
export function serviceHubEntryPath(serviceName: string): string {
  return `_ops/planton/service-hub/services/${serviceName}/${PUSH_TO_REGISTER.fileName}`;
}

/** The image repository path without the registry host ("ghcr.io/a/b" -> "a/b"). Pure. */
export function imageRepositoryPath(repository: string): string {
  return repository.slice(repository.indexOf("/") + 1);
}

/** The entry's inputs once resolved. */
export interface EntryInputs {
  readonly serviceName: string;
  readonly serviceHub: ServiceHubDescription;
  readonly repository: EntryRepository;
  readonly pipelineFilePath: string;
  readonly imageRepository: string;
  readonly params: Readonly<Record<string, string>>;
  readonly pipelineDeploys: boolean;
  readonly deployEnvironment?: string;
}

/** The v1 `gitRepo`: the provider, the repository, and the trigger paths (which that form keeps here). */
function gitRepoV1(a: EntryInputs) {
  return {
    gitRepoProvider: "github",
    ...gitRepoV1alpha1(a),
    ...(a.repository.triggerPaths?.length ? { triggerPaths: [...a.repository.triggerPaths] } : {}),
  };
}

/**
 * The v1alpha1 `gitRepo`: owner, name, default branch, project root; no trigger rules (they live under
 * `build.triggers`, and nowhere else) and no `gitRepoProvider` (not a v1alpha1 field). `gitConnection` is left out: the
 * entry registers by push (PUSH_TO_REGISTER), and a pushed manifest may omit the repository's identity, which Planton
 * fills from the push (owner, name and branch are the push's own, so they agree with it).
 */
function gitRepoV1alpha1(a: EntryInputs) {
  return {
    ownerName: a.repository.owner,
    name: a.repository.name,
    defaultBranch: a.repository.branch,
    ...(a.repository.projectRoot ? { projectRoot: a.repository.projectRoot } : {}),
  };
}

/**
 * The `service-hub.planton.ai/v1` Service, the form the monorepo's build note quotes: `pipelineProvider: self`, the
 * root pipeline file, the service's params, and `disableDeployments` when the pipeline's own deploy step deploys.
 * Its docs document no build secrets, so nothing says a v1 Service's build gets the deploy step's credentials. Pure.
 */
export function buildServiceHubEntryV1(a: EntryInputs) {
  return {
    apiVersion: ENTRY_FORMATS.v1.apiVersion,
    kind: "Service",
    metadata: { name: a.serviceName, org: a.serviceHub.org },
    spec: {
      gitRepo: gitRepoV1(a),
      packageType: "container_image",
      ...(a.serviceHub.containerRegistry ? { containerRegistry: a.serviceHub.containerRegistry } : {}),
      pipelineConfiguration: {
        pipelineProvider: "self",
        tektonPipelineYamlFile: a.pipelineFilePath,
        imageRepositoryPath: imageRepositoryPath(a.imageRepository),
        pipelineBranches: [a.repository.branch],
        params: { ...a.params },
        ...(a.pipelineDeploys ? { disableDeployments: true } : {}),
      },
      deploymentEnvironments: [...a.serviceHub.environments],
    },
  };
}

/**
 * The `service-hub.planton.ai/v1alpha1` Service (self-managed-pipelines.md): `spec.build.tektonPipeline` with the
 * pipeline file relative to the project root, the params, and the build secrets of the deploy's environment (the one
 * documented way to hand the deploy step its credentials); trigger rules in `spec.build.triggers`. When the pipeline's
 * deploy step deploys, the branch is mapped to that one environment (`spec.deploy.branchDeployments`) and is no trigger
 * branch (`disableTriggerBranches`, a branch cannot be both): a push to a trigger branch builds for the walk of every
 * environment and gets only the organization's secrets, never `$secret/@<env>/` ones (SECRET_SCOPES); and Planton's
 * own deploy stage is off (`disableDeployments: true`, the documented "build-only service"). Otherwise the branch is a
 * trigger branch and Planton deploys the service's `_kustomize` overlays (`kustomize: {}`). Pure.
 */
export function buildServiceHubEntryV1alpha1(a: EntryInputs) {
  const root = a.repository.projectRoot ?? "";
  const depth = root === "" ? 0 : root.split("/").length;
  const yamlFile = `${"../".repeat(depth)}${a.pipelineFilePath}`;
  const deployTo = a.pipelineDeploys ? a.deployEnvironment : undefined;
  const paths = a.repository.triggerPaths?.length ? { paths: [...a.repository.triggerPaths] } : {};
  return {
    apiVersion: ENTRY_FORMATS.v1alpha1.apiVersion,
    kind: "Service",
    metadata: { name: a.serviceName, org: a.serviceHub.org },
    spec: {
      gitRepo: gitRepoV1alpha1(a),
      build: {
        tektonPipeline: {
          yamlFile,
          params: { ...a.params },
          ...(deployTo
            ? {
                secrets: Object.values(BUILD_SECRET_FILES).map((file) => ({
                  name: file,
                  ref: environmentSecretRef(deployTo, `${a.serviceName}-${file}`),
                })),
              }
            : {}),
        },
        ...(a.serviceHub.containerRegistry ? { registry: a.serviceHub.containerRegistry } : {}),
        imageRepositoryPath: imageRepositoryPath(a.imageRepository),
        triggers: deployTo
          ? { disableTriggerBranches: true, ...paths }
          : { branches: [a.repository.branch], ...paths },
      },
      deploy: deployTo
        ? { branchDeployments: [{ branch: a.repository.branch, env: deployTo }], disableDeployments: true }
        : a.pipelineDeploys
          ? { disableDeployments: true }
          : { kustomize: {} },
    },
  };
}

/** The entry in the chosen form. Pure. */
export function buildServiceHubEntry(a: EntryInputs, format: EntryFormat = "v1alpha1") {
  return format === "v1alpha1" ? buildServiceHubEntryV1alpha1(a) : buildServiceHubEntryV1(a);
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
      .all([args.pipelineFilePath, args.imageRepository, pulumi.output(args.params)])
      .apply(([pipelineFilePath, imageRepository, params]) =>
        buildServiceHubEntry(
          {
            serviceName: args.serviceName,
            serviceHub: args.serviceHub,
            repository: args.repository,
            pipelineFilePath,
            imageRepository,
            params: params as Record<string, string>,
            pipelineDeploys: args.pipelineDeploys ?? false,
            ...(args.deployEnvironment ? { deployEnvironment: args.deployEnvironment } : {}),
          },
          args.format,
        ),
      );
    if (args.commitTo) {
      // The entry in the monorepo as service.yaml on the default branch: the push registers it (PUSH_TO_REGISTER).
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
