// workflow-runner as a service module: the keys it owns, its start-up rules, and how its config becomes the
// description the generic components consume. Its facts are in contracts/workflow-runner.ts and
// contracts/service-start.ts, from its Go source.

import { RETIRED_VARS, serviceStartProblems } from "../../contracts/service-start";
import {
  CONTRACT_VARS,
  type ContractSettings,
  type ContractVar,
  EXECUTION_TASK_QUEUE,
  isRequired,
  TASK_QUEUES,
  WORKFLOW_RUNNER_CONTRACT,
  WORKFLOW_RUNNER_ENV,
} from "../../contracts/workflow-runner";
import { describeCommonWorkload, describeImage } from "../describe";
import { CONFIG_WORDING } from "../errors";
import { labelMap, parseHttpsUrl, splitAddress } from "../formats";
import type { PlainConfig, PlainKey } from "../keys";
import { clusterServiceNamespace } from "../network";
import type {
  EgressTarget,
  ProcessDescription,
  ServiceDescription,
  ServiceModule,
  WorkloadDescription,
} from "../service";

/**
 * The pod settings workflow-runner's process needs (WORKFLOW_RUNNER_CONTRACT.process): the distroless nonroot user,
 * a read-only root filesystem with a small writable /tmp, no capability, rolling updates, Pod Security restricted.
 */
export const WORKFLOW_RUNNER_PROCESS: ProcessDescription = {
  uid: WORKFLOW_RUNNER_CONTRACT.process.uid,
  gid: WORKFLOW_RUNNER_CONTRACT.process.gid,
  fsGroup: WORKFLOW_RUNNER_CONTRACT.process.gid,
  readOnlyRootFilesystem: !WORKFLOW_RUNNER_CONTRACT.process.writesRootFilesystem,
  addCapabilities: [],
  strategy: WORKFLOW_RUNNER_CONTRACT.process.strategy.type,
  volumes: [{ name: "tmp", mountPath: "/tmp", source: { kind: "emptyDir", sizeLimit: "64Mi" } }],
  podSecurity: { level: WORKFLOW_RUNNER_CONTRACT.process.podSecurity.level },
};

/**
 * The keys only workflow-runner reads, with their Pulumi.yaml defaults: its logging, backend TLS and R2 settings,
 * and the shared root pipeline and service-hub entry that build it (a released service has neither).
 */
export const WORKFLOW_RUNNER_KEYS: Readonly<Partial<Record<PlainKey, string>>> = {
  logLevel: "info",
  stigmerBackendTls: "true",
  claimCheckTtlDays: "30",
  r2Bucket: "",
  r2Endpoint: "",
  r2Region: "auto",
  buildPipeline: "false",
  ownsSharedPipeline: "false",
  manageRepositoryFiles: "false",
  ciNamespace: "workflow-runner-ci",
  gitOwner: "stigmer",
  gitRepository: "stigmer-cloud",
  gitBranch: "main",
  bazelPushTarget: "",
  bazelImageTarget: "",
  bazelImage: "gcr.io/bazel-public/bazel:8.0.0",
  trigger: "planton",
  rootPipelineName: "stigmer-java-backend-service-pipeline",
  serviceHubEntryFormat: "v1alpha1",
  projectRoot: "backend/services/workflow-runner",
  triggerPaths: '[".planton/**",".bazelrc",".bazelversion","MODULE.bazel","MODULE.bazel.lock"]',
  deployLockTimeoutSeconds: "1800",
  gitImage:
    "ghcr.io/tektoncd/github.com/tektoncd/pipeline/cmd/git-init:v0.45.0@sha256:8ab0f58d8381b0b71f5b2bae1f63522989d739e3154d8cab1bacfa0ef5317214",
  deployImage: "pulumi/pulumi-nodejs:3.276.0",
  programPath: "_ops/pulumi/workflow-runner",
  pulumiBackendUrl: "",
  pulumiBackendAllowList: '["https://api.pulumi.com"]',
  bazelRemoteCache: "",
  buildCacheSize: "50Gi",
  webhookUrl: "",
  ingressClassName: "nginx",
  ingressControllerNamespace: "ingress-nginx",
  tlsClusterIssuer: "letsencrypt-prod",
  serviceHubOrg: "stigmer",
  deploymentEnvironments: '["dev","prod"]',
};

/** What decides the contract's conditional rules under this config. Pure. */
export function contractSettings(cfg: PlainConfig): ContractSettings {
  return { claimCheck: cfg.claimCheckEnabled, proxy: cfg.stigmerProxyEndpoint !== undefined };
}

/**
 * The environment the binary gets, from the contract's table: each contract variable this config sets, and the
 * extras. Values the service would ignore (R2 settings with the proxy, claim-check tuning with claim check off) are
 * left out, so the rendered env says only what the service uses. Pure.
 */
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

/** The fields of a contract entry the renderer looks at. */
type EnvVarContractLike = { readonly secret: boolean; readonly deployment: string };

/** The worker's part of the service description. Pure. */
export function describeWorkload(cfg: PlainConfig): WorkloadDescription {
  const { env, secretEnv } = workloadEnv(cfg);
  const temporal = splitAddress(cfg.temporalAddress);
  const backend = splitAddress(cfg.stigmerBackendEndpoint);
  const httpsTarget = (purpose: string, url: string): EgressTarget[] => {
    const parsed = parseHttpsUrl(url);
    return parsed ? [{ purpose, host: parsed.host, port: parsed.port, ...inCluster(parsed.host) }] : [];
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
    ...describeCommonWorkload(cfg),
    env,
    secretEnv,
    secretRefs: [],
    process: WORKFLOW_RUNNER_PROCESS,
    egress,
    temporal: {
      address: cfg.temporalAddress,
      namespace: cfg.temporalNamespace,
      taskQueues: TASK_QUEUES,
      executionTaskQueue: EXECUTION_TASK_QUEUE,
      pollerIdentity: WORKFLOW_RUNNER_CONTRACT.pollerIdentity,
    },
  };
}

/** Builds the service description of workflow-runner from parsed config. Pure. */
export function describeService(cfg: PlainConfig, stack: string): ServiceDescription {
  return {
    name: WORKFLOW_RUNNER_CONTRACT.name,
    component: WORKFLOW_RUNNER_CONTRACT.component,
    partOf: WORKFLOW_RUNNER_CONTRACT.partOf,
    environment: cfg.environment,
    image: describeImage(cfg, stack),
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
      ...(cfg.containerRegistryConnection ? { containerRegistry: cfg.containerRegistryConnection } : {}),
      environments: cfg.deploymentEnvironments,
    },
  };
}

/** workflow-runner, as the program delivers it. */
export const WORKFLOW_RUNNER: ServiceModule = {
  contract: WORKFLOW_RUNNER_CONTRACT,
  ownedKeys: WORKFLOW_RUNNER_KEYS,
  reservedEnvNames: [...CONTRACT_VARS, ...RETIRED_VARS],
  plainEnv: (cfg) => workloadEnv(cfg).env,
  startProblems: (cfg) =>
    serviceStartProblems(cfg, { ...CONFIG_WORDING, renderedFrom: (name) => RENDERED_FROM[name] }),
  describe: describeService,
};
