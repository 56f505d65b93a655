// config.ts: every key's constraint, the cross-key rules, and Pulumi.yaml declaring exactly the keys read.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  ConfigError,
  compareMemory,
  cpuMillis,
  describeService,
  memoryBytes,
  PLAIN_KEYS,
  parsePlainConfig,
  SECRET_KEYS,
} from "../config";
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
    const cfg = parsePlainConfig(devRaw());
    assert.equal(cfg.replicas, 1);
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
      "an unknown mode (the binary would quietly run grpc)",
      { executionMode: "worker" },
      'workflow-runner:executionMode: got "worker"; allowed: one of grpc, temporal, dual (the binary silently runs grpc for anything else)',
    ],
    [
      "an empty task queue (the binary would quietly use its default)",
      { executionTaskQueue: "" },
      'workflow-runner:executionTaskQueue: got ""; allowed: a non-empty Temporal task queue name',
    ],
    [
      "no Stigmer backend endpoint",
      { stigmerBackendEndpoint: "" },
      'workflow-runner:stigmerBackendEndpoint: got ""; allowed: host:port of the Stigmer backend\'s gRPC API, e.g. stigmer-prod-api.planton.live:443',
    ],
    [
      "claim check without bucket and endpoint",
      { claimCheckEnabled: "true" },
      "workflow-runner:r2Bucket: got (not set); allowed: empty, or an R2 bucket name (3 to 63 of a-z, 0-9, '-'); required when claimCheckEnabled is true: the service exits with \"R2_BUCKET is required when Claim Check is enabled\" (worker/config/config.go)",
      'workflow-runner:r2Endpoint: got (not set); allowed: empty, or R2\'s https endpoint, e.g. https://<account id>.r2.cloudflarestorage.com; required when claimCheckEnabled is true: the service exits with "R2_ENDPOINT is required when Claim Check is enabled" (worker/config/config.go)',
    ],
    [
      "claim check in grpc mode, which never reads it",
      { claimCheckEnabled: "true", executionMode: "grpc" },
      'workflow-runner:claimCheckEnabled: got "true"; allowed: false in executionMode grpc: only a mode that runs the worker (temporal, dual) reads the claim-check settings (worker/config/config.go)',
    ],
    [
      "a metrics port the service is not told to serve",
      { metricsPort: "9090" },
      'workflow-runner:metricsPort: got "9090"; allowed: a port together with otelMetricsExporter prometheus, or 0 with none (got otelMetricsExporter none): a metrics port only exists where the service is told to serve metrics on it',
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
  it("renders the contract's variables for temporal mode, and nothing the mode does not read", () => {
    const service = describeService(parsePlainConfig(devRaw()), "dev");
    assert.deepEqual(service.workload.env, {
      EXECUTION_MODE: "temporal",
      LOG_LEVEL: "debug",
      ENV: "dev",
      TEMPORAL_SERVICE_ADDRESS: "temporal-frontend.temporal.svc.cluster.local:7233",
      TEMPORAL_NAMESPACE: "stigmer-dev",
      TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE: "workflow_execution_runner",
      TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE: "zigflow_execution",
      TEMPORAL_WORKFLOW_VALIDATION_RUNNER_TASK_QUEUE: "workflow_validation_runner",
      TEMPORAL_MAX_CONCURRENCY: "10",
      STIGMER_BACKEND_ENDPOINT: "stigmer-dev-api.planton.live:443",
      STIGMER_SERVICE_USE_TLS: "true",
      CLAIMCHECK_ENABLED: "false",
      LOG_FORMAT: "json",
      OTEL_SERVICE_NAME: "workflow-runner",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    });
    assert.deepEqual(service.workload.secretEnv, ["STIGMER_API_KEY"]);
    assert.equal(service.workload.metricsPort, undefined);
    assert.equal(service.workload.grpcPort, undefined);
  });
  it("adds extra variables, and refuses one that collides with the contract or is not a valid name", () => {
    const service = describeService(parsePlainConfig(devRaw({ extraEnv: '["GOMAXPROCS=2"]' })), "dev");
    assert.equal(service.workload.env.GOMAXPROCS, "2");
    for (const bad of ['["TEMPORAL_NAMESPACE=x"]', '["1BAD=x"]', '["A-B=x"]', '["A=1","A=2"]']) {
      assert.deepEqual(
        problemsOf(() => parsePlainConfig(devRaw({ extraEnv: bad }))),
        [
          `workflow-runner:extraEnv: got ${JSON.stringify(bad)}; allowed: a list of NAME=value strings; NAME a valid environment name outside the service contract`,
        ],
      );
    }
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

describe("README", () => {
  // The security baseline's keys are documented in docs/security.md's table.
  const readme = ["README.md", "docs/security.md"]
    .map((file) => readFileSync(path.join(PROJECT_DIR, file), "utf8"))
    .join("\n");
  it("documents every config key in its table", () => {
    for (const key of [...Object.keys(PLAIN_KEYS), ...Object.keys(SECRET_KEYS)]) {
      assert.match(readme, new RegExp(`\\| \`${key}\`|/ \`${key}\``), `README's config table lacks ${key}`);
    }
  });
});
