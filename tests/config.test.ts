// config/: every key's constraint, the cross-key rules, and Pulumi.yaml declaring exactly the keys read.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../config/errors";
import { compareMemory, cpuMillis, memoryBytes } from "../config/formats";
import { DECLARED_KEYS, neededSecretKeys, PLAIN_KEYS, RETIRED_KEYS, SECRET_KEYS } from "../config/keys";
import { configKeyProblems } from "../config/load";
import { parsePlainConfig } from "../config/parse";
import { describeService } from "../config/services/workflow-runner";
import { CONTRACT_COMMIT, type ContractVar, WORKFLOW_RUNNER_ENV } from "../contracts/workflow-runner";
import { PROJECT_DIR } from "../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../tools/plan/stack-files";

/** Raw config of the dev stack as the CLI would hand it to the program, with overrides. */
function devRaw(overrides: Record<string, string> = {}): Record<string, string> {
  const project = readProjectFile(PROJECT_DIR);
  const resolved = resolveConfig(project, readStackFile(PROJECT_DIR, "dev"), overrides);
  return Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v]),
  );
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("parsePlainConfig", () => {
  it("accepts the dev stack as committed", () => {
    const raw = devRaw();
    const cfg = parsePlainConfig(raw);
    assert.equal(cfg.replicas, Number(raw.replicas));
    assert.equal(cfg.createNamespace, true);
    assert.equal(cfg.imageDigest, undefined, "an empty default means no digest");
  });

  const cases: [string, Record<string, string>, ...string[]][] = [
    [
      "negative replicas",
      { replicas: "-1" },
      'workflow-runner:replicas: got "-1"; allowed: an integer from 1 to 50',
    ],
    [
      "zero replicas",
      { replicas: "0" },
      'workflow-runner:replicas: got "0"; allowed: an integer from 1 to 50',
    ],
    [
      "tag with a space",
      { imageTag: "bad tag!" },
      'workflow-runner:imageTag: got "bad tag!"; allowed: an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}',
    ],
    [
      "md5 digest",
      { imageDigest: "md5:abc" },
      'workflow-runner:imageDigest: got "md5:abc"; allowed: empty, or sha256: followed by 64 lowercase hex digits',
    ],
    [
      "unparseable memory",
      { memoryLimit: "lots" },
      'workflow-runner:memoryLimit: got "lots"; allowed: a memory quantity such as 256Mi or 1Gi',
    ],
    [
      "uppercase namespace",
      { namespace: "Workflow" },
      "workflow-runner:namespace: got \"Workflow\"; allowed: a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
    ],
    [
      "request above limit",
      { cpuRequest: "2", cpuLimit: "500m" },
      'workflow-runner:cpuRequest: got "2"; allowed: a quantity no larger than cpuLimit (500m)',
    ],
    [
      "minAvailable not below replicas",
      { replicas: "2", minAvailable: "2" },
      'workflow-runner:minAvailable: got "2"; allowed: an integer below replicas (2), or voluntary evictions are blocked for good',
    ],
    [
      "temporal without port",
      { temporalAddress: "temporal.temporal.svc" },
      'workflow-runner:temporalAddress: got "temporal.temporal.svc"; allowed: host:port of the Temporal frontend: <service>.<namespace>.svc[.cluster.local]:<port>, a dotted external host, or an IPv4 address',
    ],
    [
      "temporal on a single-label host the NetworkPolicy cannot name",
      { temporalAddress: "temporal:7233" },
      'workflow-runner:temporalAddress: got "temporal:7233"; allowed: host:port of the Temporal frontend: <service>.<namespace>.svc[.cluster.local]:<port>, a dotted external host, or an IPv4 address',
    ],
    [
      "no Stigmer backend endpoint",
      { stigmerBackendEndpoint: "" },
      'workflow-runner:stigmerBackendEndpoint: got ""; allowed: host:port of the Stigmer backend\'s gRPC API, e.g. stigmer-prod-api.planton.live:443',
    ],
    [
      "claim check without bucket and endpoint",
      { claimCheckEnabled: "true" },
      "workflow-runner:r2Bucket: got (not set); allowed: empty, or an R2 bucket name (3 to 63 of a-z, 0-9, '-'); required when claimCheckEnabled is true and stigmerProxyEndpoint is empty: the service exits with \"R2_BUCKET is required when Claim Check is enabled in direct mode\" (worker/config/config.go)",
      'workflow-runner:r2Endpoint: got (not set); allowed: empty, or R2\'s https endpoint, e.g. https://<account id>.r2.cloudflarestorage.com; required when claimCheckEnabled is true and stigmerProxyEndpoint is empty: the service exits with "R2_ENDPOINT is required when Claim Check is enabled in direct mode" (worker/config/config.go)',
    ],
    [
      "R2 settings next to the proxy, which the service then ignores",
      { claimCheckEnabled: "true", stigmerProxyEndpoint: "https://api.stigmer.ai", r2Bucket: "b-1" },
      'workflow-runner:r2Bucket: got "b-1"; allowed: empty when stigmerProxyEndpoint is set: claim check then asks the proxy for presigned URLs and the service ignores the R2 settings (worker/config/config.go)',
    ],
    [
      "invalid Bazel label",
      { bazelPushTarget: "backend/services/workflow-runner:push" },
      'workflow-runner:bazelPushTarget: got "backend/services/workflow-runner:push"; allowed: empty (the monorepo\'s naming: //backend/services/<service>:<service with - as _>_push), or a Bazel label //package:target',
    ],
    [
      "empty branch",
      { gitBranch: "" },
      "workflow-runner:gitBranch: got \"\"; allowed: a non-empty branch name of letters, digits, '.', '_', '-', '/', without '..', '//' or a leading or trailing '/'",
    ],
    [
      "non-https webhook URL",
      { webhookUrl: "http://hooks.dev.stigmer.ai/workflow-runner" },
      'workflow-runner:webhookUrl: got "http://hooks.dev.stigmer.ai/workflow-runner"; allowed: empty, or an https:// URL with a host name, e.g. https://hooks.dev.stigmer.ai/workflow-runner',
    ],
    [
      "Bazel image without tag or digest",
      { bazelImage: "gcr.io/bazel-public/bazel" },
      'workflow-runner:bazelImage: got "gcr.io/bazel-public/bazel"; allowed: an image with a tag (not latest) or a digest, of the Bazel version in the monorepo\'s .bazelversion, e.g. gcr.io/bazel-public/bazel:8.0.0',
    ],
    [
      "Bazel image on latest",
      { bazelImage: "gcr.io/bazel-public/bazel:latest" },
      'workflow-runner:bazelImage: got "gcr.io/bazel-public/bazel:latest"; allowed: an image with a tag (not latest) or a digest, of the Bazel version in the monorepo\'s .bazelversion, e.g. gcr.io/bazel-public/bazel:8.0.0',
    ],
    [
      "a self-hosted trigger without a webhook URL",
      { webhookUrl: "", trigger: "tekton" },
      'workflow-runner:webhookUrl: got ""; allowed: empty, or an https:// URL with a host name, e.g. https://hooks.dev.stigmer.ai/workflow-runner (required when trigger is tekton)',
    ],
    [
      "repository files without the pipeline",
      { buildPipeline: "false" },
      'workflow-runner:ownsSharedPipeline: got "true"; allowed: false unless buildPipeline is true: the owner renders the shared pipeline from its build settings',
      'workflow-runner:manageRepositoryFiles: got "true"; allowed: false unless buildPipeline is true: the committed pipeline is the one this stack applies',
    ],
  ];
  for (const [title, overrides, ...messages] of cases) {
    it(`rejects ${title} with the key, the value and what is allowed`, () => {
      assert.deepEqual(
        problemsOf(() => parsePlainConfig(devRaw(overrides))),
        messages,
      );
    });
  }

  it("reports every bad key at once", () => {
    const problems = problemsOf(() => parsePlainConfig(devRaw({ replicas: "x", logLevel: "loud" })));
    assert.deepEqual(
      problems.map((p) => p.split(":")[1]),
      ["replicas", "logLevel"],
    );
  });
});

describe("quantities", () => {
  it("converts CPU and memory to comparable numbers", () => {
    assert.equal(cpuMillis("250m"), 250);
    assert.equal(cpuMillis("1.5"), 1500);
    assert.equal(cpuMillis("0.001"), 1);
    assert.deepEqual(memoryBytes("128Mi"), [128n * 2n ** 20n, 1n]);
    assert.deepEqual(memoryBytes("1.5G"), [15n * 10n ** 9n, 10n]);
    // Exactly: a float would call these equal.
    assert.equal(compareMemory("0.50000000000000001Gi", "512Mi"), 1);
    assert.equal(compareMemory("512Mi", "0.5Gi"), 0);
    assert.equal(compareMemory("1k", "1Ki"), -1);
  });
});

describe("describeService", () => {
  it("renders the contract's variables, and nothing the service does not read", () => {
    // The test owns the values it checks; the stack file's own ones are whatever its users chose.
    const service = describeService(
      parsePlainConfig(
        devRaw({
          logLevel: "debug",
          temporalAddress: "temporal-frontend.temporal.svc.cluster.local:7233",
          temporalNamespace: "stigmer-dev",
          temporalMaxConcurrency: "10",
          stigmerBackendEndpoint: "stigmer-dev-api.planton.live:443",
        }),
      ),
      "dev",
    );
    assert.deepEqual(service.workload.env, {
      LOG_LEVEL: "debug",
      ENV: "dev",
      TEMPORAL_SERVICE_ADDRESS: "temporal-frontend.temporal.svc.cluster.local:7233",
      TEMPORAL_NAMESPACE: "stigmer-dev",
      TEMPORAL_MAX_CONCURRENCY: "10",
      STIGMER_BACKEND_ENDPOINT: "stigmer-dev-api.planton.live:443",
      STIGMER_SERVICE_USE_TLS: "true",
      CLAIMCHECK_ENABLED: "false",
    });
    assert.deepEqual(service.workload.secretEnv, ["STIGMER_API_KEY"]);
    for (const name of Object.keys(service.workload.env))
      assert.equal(WORKFLOW_RUNNER_ENV[name as ContractVar].deployment, "rendered", name);
    assert.deepEqual(
      service.workload.temporal.taskQueues.map((q) => q.name),
      ["workflow_execution_runner", "zigflow_execution", "workflow_validation_runner"],
    );
  });
  it("with the proxy: STIGMER_PROXY_ENDPOINT, no R2 variable and no R2 key, and egress to the proxy", () => {
    const cfg = parsePlainConfig(
      devRaw({ claimCheckEnabled: "true", stigmerProxyEndpoint: "https://proxy.stigmer.ai:8443/base" }),
    );
    const w = describeService(cfg, "dev").workload;
    assert.equal(w.env.STIGMER_PROXY_ENDPOINT, "https://proxy.stigmer.ai:8443/base");
    assert.equal(w.env.CLAIMCHECK_ENABLED, "true");
    assert.deepEqual(
      Object.keys(w.env).filter((k) => k.startsWith("R2_")),
      [],
    );
    assert.deepEqual(w.secretEnv, ["STIGMER_API_KEY"]);
    assert.deepEqual(
      neededSecretKeys(cfg).filter((k) => k.startsWith("r2")),
      [],
    );
    assert.ok(w.egress.some((t) => t.host === "proxy.stigmer.ai" && t.port === 8443));
  });
  it("adds extra variables, and refuses an invalid or repeated name", () => {
    const service = describeService(parsePlainConfig(devRaw({ extraEnv: '["GOMAXPROCS=2"]' })), "dev");
    assert.equal(service.workload.env.GOMAXPROCS, "2");
    for (const bad of ['["1BAD=x"]', '["A-B=x"]', '["A=1","A=2"]']) {
      assert.deepEqual(
        problemsOf(() => parsePlainConfig(devRaw({ extraEnv: bad }))),
        [
          `workflow-runner:extraEnv: got ${JSON.stringify(bad)}; allowed: a list of NAME=value strings with distinct, valid environment names outside the service contract`,
        ],
      );
    }
  });
  it("refuses in extraEnv the sandbox's variables, STIGMER_TOKEN, other contract names and retired names", () => {
    const cases: [string, string][] = [
      [
        "STIGMER_TASK_QUEUE=runner:abc",
        "workflow-runner:extraEnv: got STIGMER_TASK_QUEUE; allowed: a name outside the service contract: it switches the service to sandbox mode (queues <value>:wf-orch and <value>:wf-exec, no validation queue), which is for the cloud's ephemeral runners, never for the Kubernetes worker",
      ],
      [
        "STIGMER_RUNNER_ID=r-1",
        "workflow-runner:extraEnv: got STIGMER_RUNNER_ID; allowed: a name outside the service contract: it is a sandbox runner's id and starts the sandbox heartbeat; the Kubernetes worker has none",
      ],
      [
        "STIGMER_TOKEN=t",
        "workflow-runner:extraEnv: got STIGMER_TOKEN; allowed: a name outside the service contract: it takes precedence over STIGMER_API_KEY (pkg/config/stigmer_config.go) and would silently replace stigmerApiKey, in plain text; set stigmerApiKey instead",
      ],
      [
        "TEMPORAL_NAMESPACE=x",
        "workflow-runner:extraEnv: got TEMPORAL_NAMESPACE; allowed: a name outside the service contract: the program renders it from the key temporalNamespace: set workflow-runner:temporalNamespace instead",
      ],
      [
        "OPENAI_API_KEY=sk",
        "workflow-runner:extraEnv: got OPENAI_API_KEY; allowed: a name outside the service contract: the program does not offer it (a credential would land in a ConfigMap in plain text)",
      ],
      [
        "EXECUTION_MODE=temporal",
        `workflow-runner:extraEnv: got EXECUTION_MODE; allowed: a name the service reads: it ignores EXECUTION_MODE since stigmer/stigmer ${CONTRACT_COMMIT.slice(0, 8)}. Remove it from extraEnv`,
      ],
    ];
    for (const [kv, message] of cases) {
      assert.deepEqual(
        problemsOf(() => parsePlainConfig(devRaw({ extraEnv: JSON.stringify([kv]) }))),
        [message],
      );
    }
  });
});

describe("the stigmer org", () => {
  it("is the default owner of the image, the monorepo and the pull-secret user (the registry connection has no default)", () => {
    const cfg = parsePlainConfig(devRaw());
    assert.equal(cfg.imageRepository, "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner");
    assert.equal(cfg.gitOwner, "stigmer");
    assert.equal(cfg.registryUsername, "stigmer");
    assert.equal(describeService(cfg, "dev").build?.git.url, "https://github.com/stigmer/stigmer-cloud.git");
  });
  it("leaves leftbin possible by config", () => {
    const cfg = parsePlainConfig(
      devRaw({
        imageRepository: "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner",
        gitOwner: "leftbin",
        registryUsername: "leftbin",
        containerRegistryConnection: "ghcr-leftbin",
      }),
    );
    const service = describeService(cfg, "dev");
    assert.equal(service.image.repository, "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner");
    assert.equal(service.build?.git.url, "https://github.com/leftbin/stigmer-cloud.git");
    assert.equal(service.serviceHub?.containerRegistry, "ghcr-leftbin");
  });
});

describe("retired keys", () => {
  it("refuses each with the migration step, naming the stack file", () => {
    const problems = configKeyProblems(
      { "workflow-runner:executionMode": "temporal", "workflow-runner:orchestrationTaskQueue": "q" },
      () => false,
      "prod",
    );
    assert.deepEqual(problems, [
      "workflow-runner:executionMode: no longer a key of this project: the service ignores EXECUTION_MODE since stigmer/stigmer c532cd93 (the binary runs only the Temporal worker). Remove it: `pulumi config rm executionMode` (deletes the line workflow-runner:executionMode from Pulumi.prod.yaml)",
      "workflow-runner:orchestrationTaskQueue: no longer a key of this project: the service ignores TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE since stigmer/stigmer c532cd93 (the queue is fixed: workflow_execution_runner). Remove it: `pulumi config rm orchestrationTaskQueue` (deletes the line workflow-runner:orchestrationTaskQueue from Pulumi.prod.yaml)",
    ]);
  });
  it("covers every key the ded8651c contract had that the service no longer reads, and none Pulumi.yaml declares", () => {
    assert.deepEqual(Object.keys(RETIRED_KEYS).sort(), [
      "executionMode",
      "executionTaskQueue",
      "grpcIngressNamespaces",
      "grpcPort",
      "metricsPort",
      "orchestrationTaskQueue",
      "otelMetricsExporter",
      "validationTaskQueue",
    ]);
    for (const key of Object.keys(RETIRED_KEYS)) assert.ok(!DECLARED_KEYS.includes(key), key);
  });
});

describe("Pulumi.yaml", () => {
  const project = readProjectFile(PROJECT_DIR);
  it("declares exactly the keys the program reads", () => {
    assert.deepEqual(
      Object.keys(project.config).sort(),
      [...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)].sort(),
    );
  });
  it("marks the credentials every stack needs secret, and nothing else", () => {
    const secret = Object.entries(project.config)
      .filter(([, d]) => d.secret)
      .map(([k]) => k)
      .sort();
    const always = Object.entries(SECRET_KEYS)
      .filter(([, spec]) => !("neededWhen" in spec))
      .map(([k]) => k)
      .sort();
    assert.deepEqual(secret, always);
  });
  it("declares the credentials only some stacks need with an empty default and says they are secret", () => {
    for (const [key, spec] of Object.entries(SECRET_KEYS)) {
      if (!("neededWhen" in spec)) continue;
      assert.equal(project.config[key]?.default, "", key);
      assert.match(project.config[key]?.description ?? "", /^SECRET \(set with --secret\)/, key);
    }
  });
  it("gives every key a type and a description", () => {
    for (const [key, declared] of Object.entries(project.config)) {
      assert.ok(declared.type, `${key} has no type`);
      assert.ok(declared.description, `${key} has no description`);
    }
  });
  for (const stack of ["dev", "prod"]) {
    it(`Pulumi.${stack}.yaml sets only declared keys of this project`, () => {
      for (const key of Object.keys(readStackFile(PROJECT_DIR, stack))) {
        const [ns, name = ""] = key.split(":");
        assert.equal(ns, "workflow-runner", `${key} is not in this project's namespace`);
        assert.ok(name in project.config, `${key} is not declared in Pulumi.yaml`);
      }
    });
  }
});

describe("docs/config-reference.md", () => {
  // The reference generated from Pulumi.yaml (npm run docs:config; tests/tools/config-docs.test.ts keeps it fresh).
  const reference = readFileSync(path.join(PROJECT_DIR, "docs", "config-reference.md"), "utf8");
  it("documents every config key the program reads in a row of its table", () => {
    for (const key of [...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)]) {
      const row = new RegExp(`^\\| \`${key}\` +\\|`, "m");
      assert.ok(row.test(reference), `docs/config-reference.md has no row for ${key}`);
    }
  });
});
