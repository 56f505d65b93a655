// Over 400 lines: one service module whose boot rules (TLS, tokens, artifacts) are many and belong together.
// stigmer-runner as a service module: the keys it owns, what its start-up refuses (checked at plan), and how its
// config becomes the description the generic components consume. Its facts are in contracts/stigmer-runner.ts.

import {
  DEFAULT_RUNNER_QUEUE,
  RUNNER_DATA_PATH,
  RUNNER_DELIVERY,
  RUNNER_POD_SECURITY_REASON,
  runnerDelivery,
  runnerQueues,
  runnerVarIsSecret,
  SECRET_REF_VARS,
  STIGMER_RUNNER_CONTRACT,
  TLS_ITEMS,
} from "../../contracts/stigmer-runner";
import { describeCommonWorkload, describeImage } from "../describe";
import { problem } from "../errors";
import { labelMap, parseHttpsUrl, splitAddress } from "../formats";
import { type PlainConfig, type PlainKey, PROJECT } from "../keys";
import { clusterServiceNamespace } from "../network";
import type { EgressTarget, ServiceDescription, ServiceModule, WorkloadVolume } from "../service";

/** The keys only stigmer-runner reads, with their Pulumi.yaml defaults. */
export const STIGMER_RUNNER_KEYS: Readonly<Partial<Record<PlainKey, string>>> = {
  runnerMode: "local",
  runnerTaskQueue: DEFAULT_RUNNER_QUEUE,
  runnerSecretName: "",
  runnerSecretKeys: "[]",
  runnerTemporalTls: "",
  runnerTemporalTlsServerName: "",
  runnerPayloadKeyId: "",
  runnerPayloadSecondaryKeyId: "",
  runnerArtifactStorage: "",
  runnerArtifactClaim: "",
  runnerArtifactPath: "/artifacts",
  runnerDataSize: "10Gi",
  runnerDataStorageClass: "",
};

/** Where a `_PATH` item of the Secret is mounted as a file. */
export const RUNNER_TLS_DIR = "/etc/stigmer-runner/tls";
/** The runner's state directories on /data, as upstream's chart sets them (values.yaml@08b52654, _env.tpl@08b52654). */
const WORKSPACE_ROOT_DIR = `${RUNNER_DATA_PATH}/.stigmer/data/workspace`;
const AGENT_HOME = `${RUNNER_DATA_PATH}/agent`;

/** The artifact storage the runner uses under this config: the key, else its own default. Pure. */
export function artifactStorage(cfg: PlainConfig): "local" | "proxy" | "none" {
  return cfg.runnerArtifactStorage ?? (cfg.stigmerProxyEndpoint ? "proxy" : "local");
}

/** Whether the runner mounts a volume it shares with the server (local artifacts on a shared claim). Pure. */
function sharesVolume(cfg: PlainConfig): boolean {
  return artifactStorage(cfg) === "local" && cfg.runnerArtifactClaim !== undefined;
}

/** The Secret's items given by file path (`..._PATH`), each mounted from the Secret's key of the same name. Pure. */
function pathItems(cfg: PlainConfig): string[] {
  return cfg.runnerSecretKeys.filter((name) => name.endsWith("_PATH"));
}

/** The plain environment of the runner's container, from the contract's rendered variables. Pure. */
export function runnerEnv(cfg: PlainConfig): Record<string, string> {
  const storage = artifactStorage(cfg);
  const values: Record<string, string | undefined> = {
    MODE: cfg.runnerMode,
    STIGMER_TASK_QUEUE: cfg.runnerTaskQueue,
    TEMPORAL_SERVICE_ADDRESS: cfg.temporalAddress,
    TEMPORAL_NAMESPACE: cfg.temporalNamespace,
    TEMPORAL_MAX_CONCURRENCY: String(cfg.temporalMaxConcurrency),
    STIGMER_BACKEND_ENDPOINT: cfg.stigmerBackendEndpoint,
    STIGMER_PROXY_ENDPOINT: cfg.stigmerProxyEndpoint,
    ARTIFACT_STORAGE_TYPE: storage,
    LOCAL_ARTIFACT_PATH: storage === "local" ? cfg.runnerArtifactPath : undefined,
    CLAIMCHECK_ENABLED: String(cfg.claimCheckEnabled),
    CLAIMCHECK_THRESHOLD_BYTES: cfg.claimCheckEnabled ? String(cfg.claimCheckThresholdBytes) : undefined,
    CLAIMCHECK_COMPRESSION_ENABLED: cfg.claimCheckEnabled ? String(cfg.claimCheckCompression) : undefined,
    STIGMER_TEMPORAL_TLS: cfg.runnerTemporalTls === undefined ? undefined : String(cfg.runnerTemporalTls),
    STIGMER_TEMPORAL_TLS_SERVER_NAME: cfg.runnerTemporalTlsServerName,
    STIGMER_PAYLOAD_ENCRYPTION_KEY_ID: cfg.runnerPayloadKeyId,
    STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY_ID: cfg.runnerPayloadSecondaryKeyId,
    WORKSPACE_ROOT_DIR,
    STIGMER_AGENT_HOME: AGENT_HOME,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && runnerDelivery(name)?.deployment === "rendered") env[name] = value;
  }
  for (const name of pathItems(cfg)) env[name] = `${RUNNER_TLS_DIR}/${name}`;
  for (const kv of cfg.extraEnv) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  return env;
}

/** The runner's name, for messages. */
const RUNNER = STIGMER_RUNNER_CONTRACT.name;

/**
 * What the runner's boot would refuse under this config, and what it would get wrong in its own pod, each said with
 * the upstream rule it follows. Pure.
 */
export function runnerStartProblems(cfg: PlainConfig): string[] {
  const problems: string[] = [];
  const held = new Set(cfg.runnerSecretKeys);
  const keys = JSON.stringify(cfg.runnerSecretKeys);
  const exits = (why: string) => `the runner exits at boot: ${why}`;
  if (cfg.runnerTaskQueue === "") {
    problems.push(
      problem(
        "runnerTaskQueue",
        "",
        `a queue name (default ${DEFAULT_RUNNER_QUEUE}): src/config.ts@03c64c81 reads the queue with ??, so an empty STIGMER_TASK_QUEUE would be polled as a queue named "", which no server sends to`,
      ),
    );
  }
  const needsToken =
    cfg.runnerMode === "cloud"
      ? "runnerMode is cloud"
      : cfg.stigmerProxyEndpoint
        ? "stigmerProxyEndpoint is set"
        : undefined;
  if (needsToken && !held.has("STIGMER_TOKEN")) {
    problems.push(
      problem(
        "runnerSecretKeys",
        keys,
        `a list with STIGMER_TOKEN because ${needsToken}: ${exits('"Required environment variable STIGMER_TOKEN is not set" (src/config.ts@03c64c81)')}`,
      ),
    );
  }
  for (const name of cfg.runnerSecretKeys.filter((n) => !SECRET_REF_VARS.includes(n))) {
    problems.push(
      problem(
        "runnerSecretKeys",
        keys,
        `names of the runner's credentials and Temporal TLS items only (${SECRET_REF_VARS.join(", ")}); ${name} is not one${runnerDelivery(name) ? ` (${runnerDelivery(name)?.description})` : ""}`,
      ),
    );
  }
  if (cfg.runnerSecretKeys.length > 0 && cfg.runnerSecretName === undefined) {
    problems.push(
      problem(
        "runnerSecretName",
        undefined,
        `the Secret that holds ${cfg.runnerSecretKeys.join(", ")} (runnerSecretKeys): its name, in the runner's namespace`,
      ),
    );
  }
  // Temporal TLS: temporal-codecs/src/connection/config.ts@b53c02fe.
  for (const item of TLS_ITEMS) {
    const data = `STIGMER_TEMPORAL_TLS_${item}_DATA`;
    const path = `STIGMER_TEMPORAL_TLS_${item}_PATH`;
    if (held.has(data) && held.has(path)) {
      problems.push(
        problem(
          "runnerSecretKeys",
          keys,
          `one of ${data} and ${path}: ${exits("both forms of one TLS item")}`,
        ),
      );
    }
  }
  const has = (item: string) =>
    held.has(`STIGMER_TEMPORAL_TLS_${item}_DATA`) || held.has(`STIGMER_TEMPORAL_TLS_${item}_PATH`);
  if (has("CLIENT_CERT") !== has("CLIENT_KEY")) {
    const missing = has("CLIENT_CERT") ? "CLIENT_KEY" : "CLIENT_CERT";
    problems.push(
      problem(
        "runnerSecretKeys",
        keys,
        `both halves of the client pair or neither: STIGMER_TEMPORAL_TLS_${missing}_DATA or _PATH is missing, and ${exits("half a client certificate/key pair")}`,
      ),
    );
  }
  if (cfg.runnerTemporalTls === false) {
    const implied = [
      ...TLS_ITEMS.filter(has).map((i) => `STIGMER_TEMPORAL_TLS_${i}`),
      ...(held.has("STIGMER_TEMPORAL_API_KEY") ? ["STIGMER_TEMPORAL_API_KEY"] : []),
      ...(cfg.runnerTemporalTlsServerName ? ["runnerTemporalTlsServerName"] : []),
    ];
    if (implied.length > 0) {
      problems.push(
        problem(
          "runnerTemporalTls",
          "false",
          `empty or true while ${implied.join(", ")} ${implied.length > 1 ? "are" : "is"} set: ${exits("STIGMER_TEMPORAL_TLS=false together with a TLS item or an API key")}`,
        ),
      );
    }
  }
  // Payload encryption: temporal-codecs/src/encryption/config.ts@2795a960.
  for (const [secret, idKey] of [
    ["STIGMER_PAYLOAD_ENCRYPTION_KEY", "runnerPayloadKeyId"],
    ["STIGMER_PAYLOAD_ENCRYPTION_SECONDARY_KEY", "runnerPayloadSecondaryKeyId"],
  ] as const) {
    if (held.has(secret) && cfg[idKey] === undefined) {
      problems.push(
        problem(
          idKey,
          undefined,
          `the id of ${secret} (runnerSecretKeys holds it): ${exits("a payload key without its id")}`,
        ),
      );
    }
  }
  // Artifacts: the server writes, the runner reads the same files ("filesystem sharing is the contract", stigmer#285).
  const storage = artifactStorage(cfg);
  if (storage === "local" && cfg.runnerArtifactClaim === undefined) {
    problems.push(
      problem(
        "runnerArtifactStorage",
        cfg.runnerArtifactStorage ?? "(not set: local, the runner's default without a proxy)",
        "local only with runnerArtifactClaim: local storage reads the files the server writes (LOCAL_ARTIFACT_PATH must equal the server's ARTIFACT_LOCAL_BASE_PATH), and a runner in its own pod sees them only on a volume it shares with the server. Name that ReadWriteMany claim in runnerArtifactClaim, or choose proxy (stigmerProxyEndpoint and STIGMER_TOKEN) or none (artifact features refused)",
      ),
    );
  }
  if (storage === "proxy" && !cfg.stigmerProxyEndpoint) {
    problems.push(
      problem(
        "runnerArtifactStorage",
        "proxy",
        "proxy only with stigmerProxyEndpoint set: the runner presigns artifacts through the proxy",
      ),
    );
  }
  if (storage !== "local" && cfg.runnerArtifactClaim !== undefined) {
    problems.push(
      problem(
        "runnerArtifactClaim",
        cfg.runnerArtifactClaim,
        `empty unless artifact storage is local (it is ${storage}): nothing would read the volume`,
      ),
    );
  }
  // The process's needs (contracts/stigmer-runner.ts): one replica, a grace period it can drain in.
  const { maxReplicas, minGracePeriodSeconds } = STIGMER_RUNNER_CONTRACT.process;
  if (cfg.replicas > maxReplicas.count) {
    problems.push(
      problem("replicas", String(cfg.replicas), `${maxReplicas.count} for ${RUNNER}: ${maxReplicas.why}`),
    );
  }
  if (cfg.terminationGracePeriodSeconds < minGracePeriodSeconds.seconds) {
    problems.push(
      problem(
        "terminationGracePeriodSeconds",
        String(cfg.terminationGracePeriodSeconds),
        `at least ${minGracePeriodSeconds.seconds} for ${RUNNER}: ${minGracePeriodSeconds.why}`,
      ),
    );
  }
  const image = STIGMER_RUNNER_CONTRACT.image;
  if (cfg.imageRepository.split("/").pop() !== image.repository.split("/").pop()) {
    problems.push(
      problem(
        "imageRepository",
        cfg.imageRepository,
        `${image.repository} (or a mirror of it, ending in /${image.repository.split("/").pop()}): ${RUNNER} is released upstream, not built here`,
      ),
    );
  }
  if (cfg.imageTag !== undefined && !image.tagFormat.test(cfg.imageTag)) {
    problems.push(
      problem("imageTag", cfg.imageTag, `a release tag v<version>, e.g. v1.4.0 (${image.source})`),
    );
  }
  for (const kv of cfg.extraEnv) {
    const name = kv.slice(0, kv.indexOf("="));
    const spec = runnerDelivery(name);
    if (!spec && runnerVarIsSecret(name)) {
      problems.push(
        `${PROJECT}:extraEnv: got ${name}; allowed: a plain setting: ${name} is a credential of ${RUNNER} (its README's table), which reaches the pod only by secretKeyRef, and this program does not deliver it`,
      );
    } else if (spec && spec.deployment !== "extraEnv") {
      problems.push(
        `${PROJECT}:extraEnv: got ${name}; allowed: a name the program does not set for ${RUNNER}: ${
          spec.deployment === "rendered"
            ? "the program renders it from its own config key"
            : spec.deployment === "secretRef"
              ? "a credential: list it in runnerSecretKeys, the Secret holds it"
              : `it is never set (${spec.description})`
        }`,
      );
    }
  }
  return problems;
}

/** The runner's volumes: /data on its own claim, the claim shared with the server, the Secret's file items. Pure. */
function runnerVolumes(cfg: PlainConfig): WorkloadVolume[] {
  const files = pathItems(cfg);
  return [
    {
      name: "data",
      mountPath: RUNNER_DATA_PATH,
      source: {
        kind: "claim",
        claimName: `${RUNNER}-data`,
        create: {
          size: cfg.runnerDataSize,
          ...(cfg.runnerDataStorageClass ? { storageClassName: cfg.runnerDataStorageClass } : {}),
        },
      },
    },
    ...(sharesVolume(cfg) && cfg.runnerArtifactClaim
      ? [
          {
            name: "artifacts",
            mountPath: cfg.runnerArtifactPath,
            source: { kind: "claim" as const, claimName: cfg.runnerArtifactClaim },
          },
        ]
      : []),
    ...(files.length > 0 && cfg.runnerSecretName
      ? [
          {
            name: "temporal-tls",
            mountPath: RUNNER_TLS_DIR,
            readOnly: true,
            source: {
              kind: "secret" as const,
              secretName: cfg.runnerSecretName,
              items: files.map((name) => ({ key: name, path: name })),
            },
          },
        ]
      : []),
  ];
}

/** Builds the description of stigmer-runner in the stack `stack`. Pure. */
export function describeStigmerRunner(cfg: PlainConfig, stack: string): ServiceDescription {
  const contract = STIGMER_RUNNER_CONTRACT;
  const inCluster = (host: string) => {
    const namespace = clusterServiceNamespace(host, cfg.clusterDomain);
    return namespace ? { clusterNamespace: namespace } : {};
  };
  const temporal = splitAddress(cfg.temporalAddress);
  const backend = splitAddress(cfg.stigmerBackendEndpoint);
  const proxy = cfg.stigmerProxyEndpoint ? parseHttpsUrl(cfg.stigmerProxyEndpoint) : undefined;
  const proxyHost = proxy?.host;
  const proxyPort = proxy?.port ?? 443;
  const egress: EgressTarget[] = [
    {
      purpose: "Temporal frontend",
      ...temporal,
      ...inCluster(temporal.host),
      podLabels: labelMap(cfg.temporalFrontendLabels),
    },
    { purpose: "Stigmer server", ...backend, ...inCluster(backend.host) },
    ...(proxyHost
      ? [{ purpose: "Stigmer proxy", host: proxyHost, port: proxyPort, ...inCluster(proxyHost) }]
      : []),
  ];
  const queue = cfg.runnerTaskQueue;
  const secretName = cfg.runnerSecretName;
  return {
    name: contract.name,
    component: contract.component,
    partOf: contract.partOf,
    environment: cfg.environment,
    image: describeImage(cfg, stack),
    workload: {
      ...describeCommonWorkload(cfg),
      env: runnerEnv(cfg),
      secretEnv: [],
      secretRefs: secretName
        ? cfg.runnerSecretKeys
            .filter((name) => !name.endsWith("_PATH"))
            .map((name) => ({ env: name, secretName, key: name }))
        : [],
      process: {
        uid: contract.process.uid,
        gid: contract.process.gid,
        readOnlyRootFilesystem: !contract.process.writesRootFilesystem,
        addCapabilities: Object.keys(contract.process.capabilities),
        strategy: contract.process.strategy.type,
        volumes: runnerVolumes(cfg),
        podSecurity: { level: contract.process.podSecurity.level, reason: RUNNER_POD_SECURITY_REASON },
      },
      egress,
      temporal: {
        address: cfg.temporalAddress,
        namespace: cfg.temporalNamespace,
        taskQueues: runnerQueues(queue),
        executionTaskQueue: queue,
        pollerIdentity: contract.pollerIdentity,
      },
    },
    repository: { owner: cfg.gitOwner, name: cfg.gitRepository, branch: cfg.gitBranch },
    manageRepositoryFiles: false,
  };
}

/** stigmer-runner, as the program delivers it. */
export const STIGMER_RUNNER: ServiceModule = {
  contract: STIGMER_RUNNER_CONTRACT,
  ownedKeys: STIGMER_RUNNER_KEYS,
  reservedEnvNames: Object.entries(RUNNER_DELIVERY)
    .filter(([, spec]) => spec?.deployment !== "extraEnv")
    .map(([name]) => name),
  plainEnv: runnerEnv,
  startProblems: runnerStartProblems,
  describe: describeStigmerRunner,
};
