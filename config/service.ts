// The typed service description the components consume, built from parsed config. Pure.
import {
  CONTRACT_VARS,
  type ContractSettings,
  type ContractVar,
  EXECUTION_TASK_QUEUE,
  isRequired,
  type PolledQueue,
  TASK_QUEUES,
  WORKFLOW_RUNNER_ENV,
} from "../contracts/workflow-runner";
import { durationSeconds, HTTPS_URL, splitAddress } from "./formats";
import { type PlainConfig, SERVICE_COMPONENT, SERVICE_NAME, SERVICE_PART_OF } from "./keys";
import { clusterServiceNamespace } from "./network";

/** Where the image comes from and how it is pinned. */
export interface ImageSource {
  /** Repository without tag or digest. */
  readonly repository: string;
  /** The tag the pipeline pushed; "" when this run names none (the stack keeps what it runs). */
  readonly tag: string;
  /** The digest the pipeline reported; absent when it must be looked up on the registry. */
  readonly digest?: string;
  /** A full digest reference an operator pinned; overrides tag, digest and promotion. */
  readonly pin?: string;
  /** Fully qualified stack whose `imageRef` this stack deploys. */
  readonly promoteFrom?: string;
  /** This stack, fully qualified: where its current image is read when nothing names a new one. */
  readonly self: string;
  /** How long a promoted image must have been verified on the stack it comes from, in seconds. @default 0 */
  readonly minSoakSeconds?: number;
}

/** A container's CPU and memory requests and limits. */
export interface ComputeResources {
  /** What the scheduler reserves. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** What the kubelet enforces. */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Who triggers a build: Planton's service-hub entry, or this program's own Tekton Triggers. */
export type TriggerMode = "planton" | "tekton";

/**
 * The monorepo's shared root pipeline: what its committed files are made of. Nothing here names a service, so every
 * service built by it renders the same files. Pure data.
 */
export interface RootPipelineDescription {
  /** Name of the Pipeline (`.planton/pipeline.yaml`). */
  readonly name: string;
  /** Image Bazel runs in (the version of the monorepo's .bazelversion). */
  readonly bazelImage: string;
  /** Image the checkout step runs git in. */
  readonly gitImage: string;
  /** Image the deploy step runs `pulumi up` in (Pulumi CLI, Node.js, git). */
  readonly deployImage: string;
  /** Seconds the deploy step waits for the stack's lock before failing. */
  readonly lockTimeoutSeconds: number;
  /** Pulumi backends the deploy step may send its token to (it refuses any other). */
  readonly pulumiBackendAllowList: readonly string[];
  /** Size of each cache volume of the self-hosted pipeline (Bazel's caches; npm's and Pulumi's). */
  readonly cacheSize: string;
}

/** How the service's image is built and delivered: the root pipeline, who triggers it, and the deploy step. */
export interface BuildDescription {
  /** Who triggers: Planton (the entry) or this program's EventListener and webhook. */
  readonly trigger: TriggerMode;
  /** The shared root pipeline. */
  readonly pipeline: RootPipelineDescription;
  /** Namespace the self-hosted pipeline, its runs and its triggers live in (trigger tekton). */
  readonly ciNamespace: string;
  /** The monorepo. */
  readonly git: {
    /** GitHub owner. */
    readonly owner: string;
    /** Repository name. */
    readonly repository: string;
    /** Branch whose pushes build and deploy. */
    readonly branch: string;
    /** https clone URL. */
    readonly url: string;
  };
  /** The service's folder in the monorepo, and other paths whose changes build it. */
  readonly projectRoot: string;
  /** Globs whose changes also build the service. */
  readonly triggerPaths: readonly string[];
  /** Bazel targets when they differ from the monorepo's naming; undefined: derived from the service name. */
  readonly bazel: { readonly pushTarget?: string; readonly imageTarget?: string };
  /** Path of this program inside the monorepo. */
  readonly programPath: string;
  /** Pulumi backend URL for the deploy step; undefined for Pulumi Cloud. */
  readonly pulumiBackendUrl?: string;
  /** Bazel remote cache the build uses; undefined: none (the build-cache workspace, when bound, is the cache). */
  readonly bazelRemoteCache?: string;
  /** Public https URL GitHub sends push events to (trigger tekton); "" otherwise. */
  readonly webhookUrl: string;
  /** IngressClass of the webhook's Ingress. */
  readonly ingressClassName: string;
  /** Namespace of the ingress controller: the only source the CI namespace accepts traffic from. */
  readonly ingressControllerNamespace: string;
  /** cert-manager ClusterIssuer that signs the webhook's certificate. */
  readonly tlsClusterIssuer: string;
  /** The fully qualified stack the deploy step updates. */
  readonly deployStack: string;
  /** Kubernetes context name the deploy step gives its credentials, matching the stack's provider. */
  readonly deployKubeContext?: string;
  /** Which form of the service-hub entry to write. */
  readonly entryFormat: "v1" | "v1alpha1";
}

/** The service's Planton service-hub catalog entry. */
export interface ServiceHubDescription {
  /** Planton organization. */
  readonly org: string;
  /** Planton container registry connection the platform pushes and pulls with. */
  readonly containerRegistry: string;
  /** Environments the service is deployed to. */
  readonly environments: readonly string[];
}

/** A host the worker dials, for the NetworkPolicy's egress rules. */
export interface EgressTarget {
  /** What it is, for the rule's comment and the plan summary. */
  readonly purpose: string;
  /** Host name or IPv4 address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Namespace of the target when its host names a cluster Service (config/network.ts clusterServiceNamespace). @default none */
  readonly clusterNamespace?: string;
  /** Pod labels of the target, when it is a cluster Service whose pods are known. @default the whole namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The worker in one environment: how it runs, what it reads, where it may connect. */
export interface WorkloadDescription {
  /** Namespace the worker runs in. */
  readonly namespace: string;
  /** Create the namespace (false: adopt an existing one). */
  readonly createNamespace: boolean;
  /** Protect the namespace from deletion. */
  readonly protectNamespace: boolean;
  /** Pod replicas. */
  readonly replicas: number;
  /** PodDisruptionBudget minAvailable, below replicas. */
  readonly minAvailable: number;
  /** Container requests and limits. */
  readonly resources: ComputeResources;
  /** Seconds between SIGTERM and SIGKILL. */
  readonly terminationGracePeriodSeconds: number;
  /** Plain environment variables (contract variables and extras), handed to the container from a ConfigMap. */
  readonly env: Readonly<Record<string, string>>;
  /** Contract variables the container reads from the Secret (secretKeyRef), by name. */
  readonly secretEnv: readonly ContractVar[];
  /** Where the worker connects besides DNS and the internet's HTTPS. */
  readonly egress: readonly EgressTarget[];
  /** IPv4 ranges outbound internet traffic may not reach (cluster ranges, cloud metadata). */
  readonly egressDeniedCidrs: readonly string[];
  /** Link-local ranges a configured destination may be in (the internet rule always denies 169.254.0.0/16). */
  readonly allowedLinkLocalCidrs: readonly string[];
  /** The API server's endpoints; empty: any address outside egressDeniedCidrs on 443 and 6443. */
  readonly apiServerCidrs: readonly string[];
  /** The rollout's verification (pollers of the new digest on every task queue), where configured. */
  readonly verification?: { readonly image: string; readonly timeoutSeconds: number };
  /** The Temporal side, for outputs and verification. */
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    /** The fixed task queues the three workers poll, each with what it is polled for. */
    readonly taskQueues: readonly PolledQueue[];
    /** The queue clients start ExecuteServerlessWorkflow on: the execution worker's. */
    readonly executionTaskQueue: string;
  };
}

/** Everything the components need to know about one service in one environment. */
export interface ServiceDescription {
  /** Service name; the Deployment, ServiceAccount and labels use it. */
  readonly name: string;
  /** What the service is, for `app.kubernetes.io/component`. */
  readonly component: string;
  /** The larger system it belongs to, for `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** Environment name (dev, prod). */
  readonly environment: string;
  /** The image to run. */
  readonly image: ImageSource;
  /** Workload settings. */
  readonly workload: WorkloadDescription;
  /** The build side; undefined when this stack does not run the pipeline. */
  readonly build?: BuildDescription;
  /** The monorepo (owner, name, branch), for the files this stack commits and the service-hub entry. */
  readonly repository: { readonly owner: string; readonly name: string; readonly branch: string };
  /** Whether this stack commits the pipeline and service-hub files to the repository. */
  readonly manageRepositoryFiles: boolean;
  /** The service-hub entry. */
  readonly serviceHub: ServiceHubDescription;
}

/** `["k=v", ...]` as a label map. Pure. */
function labelMap(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** What decides the contract's conditional rules under this config. Pure. */
export function contractSettings(cfg: PlainConfig): ContractSettings {
  return { claimCheck: cfg.claimCheckEnabled, proxy: cfg.stigmerProxyEndpoint !== undefined };
}

/**
 * The environment the binary gets, from the contract's table: each contract variable this config sets, and the
 * extras. Values the service would ignore (R2 settings with the proxy, claim-check tuning with claim check off) are
 * left out, so the rendered env says only what the service uses. Pure.
 */
/** The key each plain variable of the contract is rendered from (workloadEnv), for messages that name it. */
export const RENDERED_FROM: Readonly<Partial<Record<ContractVar, keyof PlainConfig>>> = {
  LOG_LEVEL: "logLevel",
  ENV: "environment",
  STIGMER_BACKEND_ENDPOINT: "stigmerBackendEndpoint",
  STIGMER_SERVICE_USE_TLS: "stigmerBackendTls",
  STIGMER_PROXY_ENDPOINT: "stigmerProxyEndpoint",
  TEMPORAL_SERVICE_ADDRESS: "temporalAddress",
  TEMPORAL_NAMESPACE: "temporalNamespace",
  TEMPORAL_MAX_CONCURRENCY: "temporalMaxConcurrency",
  CLAIMCHECK_ENABLED: "claimCheckEnabled",
  CLAIMCHECK_THRESHOLD_BYTES: "claimCheckThresholdBytes",
  CLAIMCHECK_COMPRESSION_ENABLED: "claimCheckCompression",
  CLAIMCHECK_TTL_DAYS: "claimCheckTtlDays",
  R2_BUCKET: "r2Bucket",
  R2_ENDPOINT: "r2Endpoint",
  R2_REGION: "r2Region",
};

export function workloadEnv(cfg: PlainConfig): {
  env: Record<string, string>;
  secretEnv: ContractVar[];
} {
  const settings = contractSettings(cfg);
  const values: Partial<Record<ContractVar, string>> = {
    LOG_LEVEL: cfg.logLevel,
    ENV: cfg.environment,
    STIGMER_BACKEND_ENDPOINT: cfg.stigmerBackendEndpoint,
    STIGMER_SERVICE_USE_TLS: String(cfg.stigmerBackendTls),
    ...(cfg.stigmerProxyEndpoint ? { STIGMER_PROXY_ENDPOINT: cfg.stigmerProxyEndpoint } : {}),
    TEMPORAL_SERVICE_ADDRESS: cfg.temporalAddress,
    TEMPORAL_NAMESPACE: cfg.temporalNamespace,
    TEMPORAL_MAX_CONCURRENCY: String(cfg.temporalMaxConcurrency),
    CLAIMCHECK_ENABLED: String(cfg.claimCheckEnabled),
    ...(cfg.claimCheckEnabled
      ? {
          CLAIMCHECK_THRESHOLD_BYTES: String(cfg.claimCheckThresholdBytes),
          CLAIMCHECK_COMPRESSION_ENABLED: String(cfg.claimCheckCompression),
          CLAIMCHECK_TTL_DAYS: String(cfg.claimCheckTtlDays),
        }
      : {}),
    ...(cfg.claimCheckEnabled && !settings.proxy
      ? { R2_BUCKET: cfg.r2Bucket ?? "", R2_ENDPOINT: cfg.r2Endpoint ?? "", R2_REGION: cfg.r2Region }
      : {}),
  };
  const env: Record<string, string> = {};
  for (const name of CONTRACT_VARS) {
    const spec: EnvVarContractLike = WORKFLOW_RUNNER_ENV[name];
    const value = values[name];
    if (value !== undefined && !spec.secret && spec.deployment === "rendered") env[name] = value;
  }
  for (const kv of cfg.extraEnv) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  const secretEnv = CONTRACT_VARS.filter(
    (name) => WORKFLOW_RUNNER_ENV[name].secret && isRequired(name, settings),
  );
  return { env, secretEnv };
}

/** The fields of a contract entry the renderer looks at. */
type EnvVarContractLike = { readonly secret: boolean; readonly deployment: string };

/** The worker's part of the service description. Pure. */
export function describeWorkload(cfg: PlainConfig): WorkloadDescription {
  const { env, secretEnv } = workloadEnv(cfg);
  const temporal = splitAddress(cfg.temporalAddress);
  const backend = splitAddress(cfg.stigmerBackendEndpoint);
  const httpsTarget = (purpose: string, url: string): EgressTarget[] => {
    const host = HTTPS_URL.exec(url)?.groups?.host;
    const port = Number(/:([0-9]{1,5})(\/|$)/.exec(url.slice(8))?.[1] ?? 443);
    return host ? [{ purpose, host, port, ...inCluster(host) }] : [];
  };
  const inCluster = (host: string) => {
    const namespace = clusterServiceNamespace(host, cfg.clusterDomain);
    return namespace ? { clusterNamespace: namespace } : {};
  };
  const egress: EgressTarget[] = [
    {
      purpose: "Temporal frontend",
      ...temporal,
      ...inCluster(temporal.host),
      podLabels: labelMap(cfg.temporalFrontendLabels),
    },
    { purpose: "Stigmer backend", ...backend, ...inCluster(backend.host) },
    ...(cfg.stigmerProxyEndpoint ? httpsTarget("Stigmer proxy", cfg.stigmerProxyEndpoint) : []),
    ...(cfg.claimCheckEnabled && !cfg.stigmerProxyEndpoint && cfg.r2Endpoint
      ? httpsTarget("Cloudflare R2 (claim check)", cfg.r2Endpoint)
      : []),
  ];
  return {
    namespace: cfg.namespace,
    createNamespace: cfg.createNamespace,
    protectNamespace: cfg.protectNamespace,
    replicas: cfg.replicas,
    minAvailable: cfg.minAvailable,
    resources: {
      requests: { cpu: cfg.cpuRequest, memory: cfg.memoryRequest },
      limits: { cpu: cfg.cpuLimit, memory: cfg.memoryLimit },
    },
    terminationGracePeriodSeconds: cfg.terminationGracePeriodSeconds,
    env,
    secretEnv,
    egress,
    egressDeniedCidrs: cfg.egressDeniedCidrs,
    allowedLinkLocalCidrs: cfg.allowedLinkLocalCidrs,
    apiServerCidrs: cfg.apiServerCidrs,
    ...(cfg.verifyRollout
      ? { verification: { image: cfg.verifyImage, timeoutSeconds: cfg.verifyTimeoutSeconds } }
      : {}),
    temporal: {
      address: cfg.temporalAddress,
      namespace: cfg.temporalNamespace,
      taskQueues: TASK_QUEUES,
      executionTaskQueue: EXECUTION_TASK_QUEUE,
    },
  };
}

/** Builds the service description of workflow-runner from parsed config. Pure. */
export function describeService(cfg: PlainConfig, stack: string): ServiceDescription {
  return {
    name: SERVICE_NAME,
    component: SERVICE_COMPONENT,
    partOf: SERVICE_PART_OF,
    environment: cfg.environment,
    image: {
      repository: cfg.imageRepository,
      self: stack,
      tag: cfg.imageTag ?? "",
      ...(cfg.imageDigest ? { digest: cfg.imageDigest } : {}),
      ...(cfg.imagePin ? { pin: cfg.imagePin } : {}),
      ...(cfg.promoteFrom
        ? { promoteFrom: cfg.promoteFrom, minSoakSeconds: durationSeconds(cfg.minSoak) }
        : {}),
    },
    workload: describeWorkload(cfg),
    ...(cfg.buildPipeline
      ? {
          build: {
            trigger: cfg.trigger,
            pipeline: {
              name: cfg.rootPipelineName,
              bazelImage: cfg.bazelImage,
              gitImage: cfg.gitImage,
              deployImage: cfg.deployImage,
              lockTimeoutSeconds: cfg.deployLockTimeoutSeconds,
              pulumiBackendAllowList: cfg.pulumiBackendAllowList,
              cacheSize: cfg.buildCacheSize,
            },
            ciNamespace: cfg.ciNamespace,
            git: {
              owner: cfg.gitOwner,
              repository: cfg.gitRepository,
              branch: cfg.gitBranch,
              url: `https://github.com/${cfg.gitOwner}/${cfg.gitRepository}.git`,
            },
            projectRoot: cfg.projectRoot,
            triggerPaths: cfg.triggerPaths,
            bazel: {
              ...(cfg.bazelPushTarget ? { pushTarget: cfg.bazelPushTarget } : {}),
              ...(cfg.bazelImageTarget ? { imageTarget: cfg.bazelImageTarget } : {}),
            },
            programPath: cfg.programPath,
            ...(cfg.pulumiBackendUrl ? { pulumiBackendUrl: cfg.pulumiBackendUrl } : {}),
            ...(cfg.bazelRemoteCache ? { bazelRemoteCache: cfg.bazelRemoteCache } : {}),
            webhookUrl: cfg.webhookUrl ?? "",
            ingressClassName: cfg.ingressClassName,
            ingressControllerNamespace: cfg.ingressControllerNamespace,
            tlsClusterIssuer: cfg.tlsClusterIssuer,
            deployStack: stack,
            ...(cfg.kubeContext ? { deployKubeContext: cfg.kubeContext } : {}),
            entryFormat: cfg.serviceHubEntryFormat,
          },
        }
      : {}),
    repository: { owner: cfg.gitOwner, name: cfg.gitRepository, branch: cfg.gitBranch },
    manageRepositoryFiles: cfg.manageRepositoryFiles,
    serviceHub: {
      org: cfg.serviceHubOrg,
      containerRegistry: cfg.containerRegistryConnection,
      environments: cfg.deploymentEnvironments,
    },
  };
}
