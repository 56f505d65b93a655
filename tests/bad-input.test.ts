// Every kind of bad input, through the plan command as users run it: exit 1, the exact message, no files, no resources.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runPlanCommand } from "../tools/plan/cli";
import { EvaluationError, evaluate } from "../tools/plan/evaluate";
import { digest, tempDir } from "./helpers";

const P = "workflow-runner";
const DNS_LABEL = "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters";
const TAG = "an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
const DIGEST = "empty, or sha256: followed by 64 lowercase hex digits";
const TOOL = "an image with a tag (not latest) or a digest";
const HTTPS = "empty, or an https:// URL with a host name, e.g. https://hooks.dev.stigmer.ai/workflow-runner";
const BRANCH =
  "a non-empty branch name of letters, digits, '.', '_', '-', '/', without '..', '//' or a leading or trailing '/'";
const QUALIFIED =
  "empty, or a fully qualified stack name <org>/workflow-runner/<stack> whose imageRef this stack deploys";

/** [title, stack, config overrides, the one expected problem line]. */
const cases: [string, string, Record<string, string>, string][] = [
  [
    "namespace with uppercase and underscore",
    "dev",
    { namespace: "Workflow_Runner" },
    `${P}:namespace: got "Workflow_Runner"; allowed: ${DNS_LABEL}`,
  ],
  [
    "namespace of 64 characters",
    "dev",
    { namespace: "n".repeat(64) },
    `${P}:namespace: got "${"n".repeat(64)}"; allowed: ${DNS_LABEL}`,
  ],
  [
    "CI namespace starting with a dash",
    "dev",
    { ciNamespace: "-ci" },
    `${P}:ciNamespace: got "-ci"; allowed: ${DNS_LABEL}`,
  ],
  [
    "empty environment (a required key)",
    "dev",
    { environment: "" },
    `${P}:environment: got ""; allowed: a lowercase environment name (DNS-1123 label), e.g. dev or prod`,
  ],
  ["tag with a space", "dev", { imageTag: "bad tag!" }, `${P}:imageTag: got "bad tag!"; allowed: ${TAG}`],
  [
    "tag of 129 characters",
    "dev",
    { imageTag: "t".repeat(129) },
    `${P}:imageTag: got "${"t".repeat(129)}"; allowed: ${TAG}`,
  ],
  [
    "tag starting with a dot",
    "dev",
    { imageTag: ".hidden" },
    `${P}:imageTag: got ".hidden"; allowed: ${TAG}`,
  ],
  ["md5 digest", "dev", { imageDigest: "md5:abc" }, `${P}:imageDigest: got "md5:abc"; allowed: ${DIGEST}`],
  [
    "uppercase sha256 digest",
    "dev",
    { imageDigest: `sha256:${"A".repeat(64)}` },
    `${P}:imageDigest: got "sha256:${"A".repeat(64)}"; allowed: ${DIGEST}`,
  ],
  [
    "sha256 digest of 63 hex",
    "dev",
    { imageDigest: `sha256:${"a".repeat(63)}` },
    `${P}:imageDigest: got "sha256:${"a".repeat(63)}"; allowed: ${DIGEST}`,
  ],
  [
    "pin without a digest",
    "dev",
    { imagePin: "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner:v1" },
    `${P}:imagePin: got "ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner:v1"; allowed: empty, or a full digest reference <repository>[:<tag>]@sha256:<64 hex> that overrides tag, digest and promotion`,
  ],
  [
    "unparseable CPU quantity",
    "dev",
    { cpuRequest: "lots" },
    `${P}:cpuRequest: got "lots"; allowed: a CPU quantity such as 100m or 0.5`,
  ],
  [
    "CPU quantity with four decimals",
    "dev",
    { cpuLimit: "1.2345" },
    `${P}:cpuLimit: got "1.2345"; allowed: a CPU quantity such as 500m or 1`,
  ],
  [
    "memory in MB",
    "dev",
    { memoryLimit: "256MB" },
    `${P}:memoryLimit: got "256MB"; allowed: a memory quantity such as 256Mi or 1Gi`,
  ],
  [
    "memory request above its limit",
    "dev",
    { memoryRequest: "1Gi" },
    `${P}:memoryRequest: got "1Gi"; allowed: a quantity no larger than memoryLimit (500Mi)`,
  ],
  [
    "replica count of 0 in prod",
    "prod",
    { replicas: "0" },
    `${P}:replicas: got "0"; allowed: an integer from 1 to 50`,
  ],
  [
    "replicas in words",
    "dev",
    { replicas: "three" },
    `${P}:replicas: got "three"; allowed: an integer from 1 to 50`,
  ],
  [
    "minAvailable equal to replicas in prod",
    "prod",
    { minAvailable: "3" },
    `${P}:minAvailable: got "3"; allowed: an integer below replicas (3), or voluntary evictions are blocked for good`,
  ],
  [
    "Temporal port out of range",
    "dev",
    { temporalAddress: "temporal.temporal.svc:70000" },
    `${P}:temporalAddress: got "temporal.temporal.svc:70000"; allowed: host:port of the Temporal frontend: <service>.<namespace>.svc[.cluster.local]:<port>, a dotted external host, or an IPv4 address`,
  ],
  [
    "unknown log level",
    "dev",
    { logLevel: "verbose" },
    `${P}:logLevel: got "verbose"; allowed: one of debug, info, warn, error`,
  ],
  ["gRPC port 0", "dev", { grpcPort: "0" }, `${P}:grpcPort: got "0"; allowed: a port number from 1 to 65535`],
  [
    "metrics port on the gRPC port",
    "dev",
    { metricsPort: "8080", otelMetricsExporter: "prometheus", executionMode: "dual" },
    `${P}:metricsPort: got "8080"; allowed: a port other than grpcPort (8080)`,
  ],
  [
    "boolean as yes",
    "dev",
    { createNamespace: "yes" },
    `${P}:createNamespace: got "yes"; allowed: true or false`,
  ],
  [
    "http webhook URL",
    "dev",
    { webhookUrl: "http://hooks.dev.stigmer.ai/x" },
    `${P}:webhookUrl: got "http://hooks.dev.stigmer.ai/x"; allowed: ${HTTPS}`,
  ],
  [
    "webhook URL with a query",
    "dev",
    { webhookUrl: "https://hooks.dev.stigmer.ai/x?y=1" },
    `${P}:webhookUrl: got "https://hooks.dev.stigmer.ai/x?y=1"; allowed: ${HTTPS}`,
  ],
  [
    "Bazel label without //",
    "dev",
    { bazelPushTarget: "backend/x:push" },
    `${P}:bazelPushTarget: got "backend/x:push"; allowed: a Bazel label //package:target, e.g. //backend/services/workflow-runner:workflow_runner_push`,
  ],
  [
    "Bazel label without a target",
    "dev",
    { bazelImageTarget: "//backend/services/workflow-runner" },
    `${P}:bazelImageTarget: got "//backend/services/workflow-runner"; allowed: a Bazel label //package:target, e.g. //backend/services/workflow-runner:workflow_runner_image`,
  ],
  [
    "Bazel image without tag or digest",
    "dev",
    { bazelImage: "gcr.io/bazel-public/bazel" },
    `${P}:bazelImage: got "gcr.io/bazel-public/bazel"; allowed: ${TOOL}, e.g. gcr.io/bazel-public/bazel:7.4.1`,
  ],
  [
    "deploy image on latest",
    "dev",
    { deployImage: "pulumi/pulumi-nodejs:latest" },
    `${P}:deployImage: got "pulumi/pulumi-nodejs:latest"; allowed: ${TOOL}, e.g. pulumi/pulumi-nodejs:3.248.0`,
  ],
  [
    "GitHub owner starting with a dash",
    "dev",
    { gitOwner: "-leftbin" },
    `${P}:gitOwner: got "-leftbin"; allowed: a GitHub owner name (letters, digits, single hyphens, at most 39 characters)`,
  ],
  [
    "repository name with a space",
    "dev",
    { gitRepository: "stigmer cloud" },
    `${P}:gitRepository: got "stigmer cloud"; allowed: a GitHub repository name (letters, digits, '.', '_', '-')`,
  ],
  ["empty branch", "dev", { gitBranch: "" }, `${P}:gitBranch: got ""; allowed: ${BRANCH}`],
  [
    "branch with ..",
    "dev",
    { gitBranch: "feature/../main" },
    `${P}:gitBranch: got "feature/../main"; allowed: ${BRANCH}`,
  ],
  [
    "stack name not fully qualified",
    "prod",
    { promoteFrom: "workflow-runner/dev" },
    `${P}:promoteFrom: got "workflow-runner/dev"; allowed: ${QUALIFIED}`,
  ],
  [
    "environments not a list",
    "dev",
    { deploymentEnvironments: "dev,prod" },
    `${P}:deploymentEnvironments: got "dev,prod"; allowed: a non-empty list of environment names (DNS-1123 labels)`,
  ],
  [
    "environments without this stack's",
    "dev",
    { deploymentEnvironments: '["prod"]' },
    `${P}:deploymentEnvironments: got "[\\"prod\\"]"; allowed: a list that includes this stack's environment (dev)`,
  ],
  [
    "backend URL over http",
    "dev",
    { pulumiBackendUrl: "http://state.example" },
    `${P}:pulumiBackendUrl: got "http://state.example"; allowed: empty (Pulumi Cloud), or an https://, s3://, gs:// or azblob:// backend URL`,
  ],
  [
    "a needed credential left empty",
    "dev",
    { githubToken: "" },
    `${P}:githubToken: got (not set); allowed: a GitHub token that may manage webhooks and write contents on the repository, set with \`pulumi config set --secret githubToken\` (needed because buildPipeline or manageRepositoryFiles is true)`,
  ],
  [
    "a credential set in plain text",
    "dev",
    { pulumiAccessToken: "pul-plain" },
    `${P}:pulumiAccessToken: got a plain-text value (not shown); allowed: an encrypted value, set with \`pulumi config set --secret pulumiAccessToken\` (needed because buildPipeline is true)`,
  ],
];

describe("bad input", () => {
  it("has at least 25 distinct cases", () => {
    assert.ok(cases.length >= 25);
    assert.equal(new Set(cases.map(([t]) => t)).size, cases.length);
  });

  for (const [title, stack, config, message] of cases) {
    it(`${stack}: ${title}`, async () => {
      // Through the plan command: exit 1, the message, and no plan folder.
      const out = path.join(tempDir("bad-"), "plan");
      const err: string[] = [];
      // prod promotes; these cases plan it from its own tag and digest instead, so only the bad value fails.
      const full: Record<string, string> = {
        ...(stack === "prod" && !("promoteFrom" in config)
          ? { promoteFrom: "", imageTag: "v1", imageDigest: digest("1") }
          : {}),
        ...config,
      };
      const args = Object.entries(full).flatMap(([k, v]) => ["--config", `${k}=${v}`]);
      const code = await runPlanCommand(["--stack", stack, "--out", out, ...args], {
        out: () => undefined,
        err: (l) => err.push(l),
      });
      assert.equal(code, 1);
      assert.equal(
        err.join("\n"),
        `plan failed: Invalid stack configuration:\n  - ${message}\nNo plan files were written.`,
      );
      assert.equal(existsSync(out), false);
      // And under the program itself: not a single resource registered.
      await assert.rejects(evaluate({ stack, config: full }), (e: unknown) => {
        assert.ok(e instanceof EvaluationError);
        assert.equal(e.resources.length, 0);
        return true;
      });
    });
  }
});
