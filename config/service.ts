// The typed service description the components consume, and the shape of a service module that builds it from
// parsed config (config/services/<service>.ts). Generic: it names no service.
import type {
  PodSecurityLevel,
  PolledQueue,
  PollerIdentityFormat,
  ServiceContract,
} from "../contracts/service";
import type { PlainConfig, PlainKey } from "./keys";

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
  /** Planton container registry connection the platform pushes and pulls with. @default none named */
  readonly containerRegistry?: string;
  /** Environments the service is deployed to. */
  readonly environments: readonly string[];
}

/** An environment variable read from a Secret that exists in the namespace already. */
export interface SecretRef {
  /** The variable. */
  readonly env: string;
  /** The Secret's name. */
  readonly secretName: string;
  /** The key in the Secret. */
  readonly key: string;
}

/** A volume of the worker's pod and where the container mounts it. */
export interface WorkloadVolume {
  /** Volume name in the pod. */
  readonly name: string;
  /** Where the container mounts it. */
  readonly mountPath: string;
  /** Mounted read-only. @default false */
  readonly readOnly?: boolean;
  /** What backs it. */
  readonly source:
    | { readonly kind: "emptyDir"; readonly sizeLimit: string }
    | {
        readonly kind: "claim";
        readonly claimName: string;
        /** The program creates the claim (ReadWriteOnce, this size); undefined: it exists already. */
        readonly create?: { readonly size: string; readonly storageClassName?: string };
      }
    | {
        readonly kind: "secret";
        readonly secretName: string;
        readonly items: readonly { readonly key: string; readonly path: string }[];
      };
}

/** The pod's process settings, resolved from the service's contract and this stack's config. */
export interface ProcessDescription {
  /** uid the container runs as. */
  readonly uid: number;
  /** gid it runs as. */
  readonly gid: number;
  /** The pod's fsGroup; undefined: none. */
  readonly fsGroup?: number;
  /** A read-only root filesystem. */
  readonly readOnlyRootFilesystem: boolean;
  /** Capabilities added after dropping ALL. */
  readonly addCapabilities: readonly string[];
  /** How a new version replaces the old pods. */
  readonly strategy: "RollingUpdate" | "Recreate";
  /** The pod's volumes. */
  readonly volumes: readonly WorkloadVolume[];
  /** The Pod Security level the namespace enforces, and why when it is not restricted. */
  readonly podSecurity: { readonly level: PodSecurityLevel; readonly reason?: string };
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
  /** Contract variables the container reads from the Secret this program makes (secretKeyRef), by name. */
  readonly secretEnv: readonly string[];
  /** Variables read from Secrets that exist already (secretKeyRef), never from a value this program holds. */
  readonly secretRefs: readonly SecretRef[];
  /** What the process needs from the pod: user, filesystem, capabilities, volumes, strategy, Pod Security level. */
  readonly process: ProcessDescription;
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
    /** The task queues the service polls, each with what it is polled for. */
    readonly taskQueues: readonly PolledQueue[];
    /** The queue clients start work on (the stack's `temporalTaskQueue` output). */
    readonly executionTaskQueue: string;
    /** How its pollers name themselves, for the verification. */
    readonly pollerIdentity: PollerIdentityFormat;
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
  /** The service-hub entry; undefined for a service released upstream, which Planton does not build. */
  readonly serviceHub?: ServiceHubDescription;
}

/**
 * A service as this program delivers it: its contract, the keys it owns, the rules its start-up imposes on config,
 * and how its config becomes the description the components consume. One per service, in config/services/.
 */
export interface ServiceModule {
  /** The contract, from the service's upstream source. */
  readonly contract: ServiceContract;
  /**
   * Keys only this service reads, each with the default Pulumi.yaml declares (as the CLI hands it to the program): a
   * stack of another service that sets one to anything else is refused.
   */
  readonly ownedKeys: Readonly<Partial<Record<PlainKey, string>>>;
  /** Variable names extraEnv may not carry (the service's own, and names it retired). */
  readonly reservedEnvNames: readonly string[];
  /** The plain environment the container gets under this config (for the ConfigMap's size check). Pure. */
  readonly plainEnv: (cfg: PlainConfig) => Readonly<Record<string, string>>;
  /** What the service's start-up would refuse, or get wrong, under this config: each problem worded as config's. */
  readonly startProblems: (cfg: PlainConfig) => string[];
  /** The description of the service in the stack `stack` (fully qualified). Pure. */
  readonly describe: (cfg: PlainConfig, stack: string) => ServiceDescription;
}
