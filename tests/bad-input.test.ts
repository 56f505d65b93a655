// Every kind of bad input, through the plan command as users run it: exit 1, the exact message, no files, no resources.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runPlanCommand } from "../tools/plan/cli";
import { EvaluationError, evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { PLAN_MARKER } from "../tools/plan/render";
import { digest, filesUnder, tempDir } from "./helpers";

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

/** [title, stack, config overrides, the one expected problem line]: the config-value cases. */
const configCases: [string, string, Record<string, string>, string][] = [
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
    `${P}:bazelPushTarget: got "backend/x:push"; allowed: empty (the monorepo's naming: //backend/services/<service>:<service with - as _>_push), or a Bazel label //package:target`,
  ],
  [
    "Bazel label without a target",
    "dev",
    { bazelImageTarget: "//backend/services/workflow-runner" },
    `${P}:bazelImageTarget: got "//backend/services/workflow-runner"; allowed: empty (the monorepo's naming: //backend/services/<service>:<service with - as _>_image), or a Bazel label //package:target`,
  ],
  [
    "Bazel image without tag or digest",
    "dev",
    { bazelImage: "gcr.io/bazel-public/bazel" },
    `${P}:bazelImage: got "gcr.io/bazel-public/bazel"; allowed: an image with a tag (not latest) or a digest, of the Bazel version in the monorepo's .bazelversion, e.g. gcr.io/bazel-public/bazel:8.0.0`,
  ],
  [
    "deploy image on latest",
    "dev",
    { deployImage: "pulumi/pulumi-nodejs:latest" },
    `${P}:deployImage: got "pulumi/pulumi-nodejs:latest"; allowed: ${TOOL}, e.g. pulumi/pulumi-nodejs:3.276.0`,
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
    `${P}:githubToken: got (not set); allowed: a GitHub token that may manage webhooks and write contents on the repository, set with \`pulumi config set --secret githubToken\` (needed because manageRepositoryFiles is true, or trigger is tekton)`,
  ],
  [
    "a credential set in plain text",
    "dev",
    { trigger: "tekton", pulumiAccessToken: "pul-plain" },
    `${P}:pulumiAccessToken: got a plain-text value (not shown); allowed: an encrypted value, set with \`pulumi config set --secret pulumiAccessToken\` (needed because buildPipeline is true and trigger is tekton (with Planton the token is a build secret))`,
  ],
];

const DEV_STACK = readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
/** The dev stack file with one line replaced (or added, when `line` matches nothing). */
function devStackWith(key: string, line: string): string {
  const re = new RegExp(`^  workflow-runner:${key}:.*$`, "m");
  return re.test(DEV_STACK) ? DEV_STACK.replace(re, line) : `${DEV_STACK}${line}\n`;
}

/** One bad input of any class, through the plan command. */
interface Case {
  readonly title: string;
  readonly stack: string;
  /** The class the README's bad-input table lists. */
  readonly kind: string;
  readonly config?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  /** A stack file's text, handed with --stack-file. */
  readonly stackFile?: string;
  /** The content of a --stack-outputs file for dev's outputs. */
  readonly stackOutputs?: string;
  /** Arguments that replace the usual --out: the case is about the output folder itself. */
  readonly out?: (dir: string) => string[];
  /** The key, flag or file the message must name. */
  readonly names: string;
  /** A line the message must hold. */
  readonly message: string;
  /** Text that must never appear in any output (a value given as secret). */
  readonly hidden?: string;
}

const URL_ALLOWED = "an https URL an Ingress can serve";
const BRANCH_GIT = "a branch name git accepts (git check-ref-format)";
const MEMORY = "a memory quantity such as 256Mi or 1Gi";

const cases: Case[] = [
  ...configCases.map(
    ([title, stack, config, message]): Case => ({
      title,
      stack,
      kind: "values",
      config,
      names: message.slice(0, message.indexOf(":", P.length + 1)),
      message,
    }),
  ),
  // YAML scalars that change meaning.
  ...(
    [
      [
        "imageTag 1.10 read as the number 1.1",
        "imageTag",
        "1.10",
        'got the YAML number "1.1" (written 1.10); allowed: a string. Quote it: workflow-runner:imageTag: "1.10"',
      ],
      [
        "gitBranch 2024.10 read as 2024.1",
        "gitBranch",
        "2024.10",
        'got the YAML number "2024.1" (written 2024.10); allowed: a string. Quote it: workflow-runner:gitBranch: "2024.10"',
      ],
      [
        "imageTag 0x1F read as 31",
        "imageTag",
        "0x1F",
        'got the YAML number "31" (written 0x1F); allowed: a string. Quote it: workflow-runner:imageTag: "0x1F"',
      ],
      [
        "imageTag 1e3 read as 1000",
        "imageTag",
        "1e3",
        'got the YAML number "1000" (written 1e3); allowed: a string. Quote it: workflow-runner:imageTag: "1e3"',
      ],
      [
        "kubeContext true read as a boolean",
        "kubeContext",
        "true",
        'got the YAML boolean "true" (written true); allowed: a string. Quote it: workflow-runner:kubeContext: "true"',
      ],
      [
        "an empty namespace read as null",
        "namespace",
        "",
        "got an empty value (YAML null); allowed: a value, or no line at all to use the default from Pulumi.yaml",
      ],
      [
        "a namespace of ~ read as null",
        "namespace",
        "~",
        "got an empty value (YAML null); allowed: a value, or no line at all to use the default from Pulumi.yaml",
      ],
    ] as const
  ).map(
    ([title, key, value, message]): Case => ({
      title,
      stack: "dev",
      kind: "YAML scalars",
      stackFile: devStackWith(key, `  workflow-runner:${key}: ${value}`.trimEnd()),
      names: `${P}:${key}`,
      message,
    }),
  ),
  {
    title: "a list key given a single value",
    stack: "dev",
    kind: "YAML scalars",
    stackFile: devStackWith("deploymentEnvironments", "  workflow-runner:deploymentEnvironments: dev"),
    names: `${P}:deploymentEnvironments`,
    message: "got a single value; allowed: a YAML list of strings",
  },
  // Undeclared keys.
  ...(
    [
      ["--config replica (typo)", { replica: "5" }, "replica", " (did you mean replicas?)"],
      [
        "--config imageDigset (typo)",
        { imageDigset: digest("1") },
        "imageDigset",
        " (did you mean imageDigest?)",
      ],
      ["--config with a key no one declared", { colour: "blue" }, "colour", ""],
      ["--config namespace in the wrong case", { NameSpace: "x" }, "NameSpace", " (did you mean namespace?)"],
    ] as const
  ).map(
    ([title, config, key, hint]): Case => ({
      title,
      stack: "dev",
      kind: "undeclared keys",
      config,
      names: `${P}:${key}`,
      message: `${P}:${key}: not a key of this project${hint}; allowed: one of the keys Pulumi.yaml declares. Remove it with \`pulumi config rm ${key}\``,
    }),
  ),
  {
    title: "a typo in the stack file",
    stack: "dev",
    kind: "undeclared keys",
    stackFile: `${DEV_STACK}  workflow-runner:namepsace: other\n`,
    names: `${P}:namepsace`,
    message: `${P}:namepsace: not a key of this project (did you mean namespace?)`,
  },
  // Derived values against their real limits.
  {
    title: "an environment whose instance label passes 63 characters",
    stack: "dev",
    kind: "derived limits",
    config: { environment: "e".repeat(48), deploymentEnvironments: JSON.stringify(["e".repeat(48)]) },
    names: `${P}:environment`,
    message: `the label app.kubernetes.io/instance becomes "workflow-runner-${"e".repeat(48)}" (64 characters), over the 63 a label value may have`,
  },
  ...(
    [
      [
        "a webhook host that is an IP address",
        "https://203.0.113.7/workflow-runner",
        "its host is an IP address; an Ingress host must be a DNS name",
      ],
      ["a webhook path with //", "https://hooks.dev.stigmer.ai//x", "it contains '//'"],
      ["a webhook path with /../", "https://hooks.dev.stigmer.ai/a/../b", "it contains '/../'"],
      ["a webhook path ending in /.", "https://hooks.dev.stigmer.ai/a/.", "it ends with '/.'"],
      [
        "a webhook URL whose port the Ingress would drop",
        "https://hooks.dev.stigmer.ai:8443/wr",
        "it names port 8443; the Ingress serves HTTPS on 443 only, so drop the port",
      ],
    ] as const
  ).map(
    ([title, url, why]): Case => ({
      title,
      stack: "dev",
      kind: "derived limits",
      config: { webhookUrl: url },
      names: `${P}:webhookUrl`,
      message: `${P}:webhookUrl: got ${JSON.stringify(url)}; allowed: ${URL_ALLOWED}: ${why}`,
    }),
  ),
  // Git refs by git's rules.
  ...(
    [
      ["-main", "it starts with '-' (git would read it as an option)"],
      ["release.lock", `its component "release.lock" ends with '.lock'`],
      [".hidden", `its component ".hidden" starts with '.'`],
      ["release.", "it ends with '.'"],
      ["team/.x", `its component ".x" starts with '.'`],
    ] as const
  ).map(
    ([branch, why]): Case => ({
      title: `branch ${branch}`,
      stack: "dev",
      kind: "git refs",
      config: { gitBranch: branch },
      names: `${P}:gitBranch`,
      message: `${P}:gitBranch: got ${JSON.stringify(branch)}; allowed: ${BRANCH_GIT}: ${why}`,
    }),
  ),
  // Quantities.
  ...(
    [
      [
        "a zero CPU request",
        { cpuRequest: "0" },
        "cpuRequest",
        '"0"; allowed: a CPU quantity such as 100m or 0.5, above zero',
      ],
      [
        "a zero CPU limit",
        { cpuLimit: "0m" },
        "cpuLimit",
        '"0m"; allowed: a CPU quantity such as 500m or 1, above zero',
      ],
      [
        "a zero memory request",
        { memoryRequest: "0Mi" },
        "memoryRequest",
        '"0Mi"; allowed: a memory quantity such as 128Mi or 1Gi, above zero',
      ],
      ["a memory limit of 1.5 bytes", { memoryLimit: "1.5" }, "memoryLimit", `"1.5"; allowed: ${MEMORY}`],
      [
        "a memory limit in bare bytes",
        { memoryLimit: "536870912" },
        "memoryLimit",
        `"536870912"; allowed: ${MEMORY}`,
      ],
      [
        "a memory request above its limit only when compared exactly",
        { memoryRequest: "0.50000000000000001Gi", memoryLimit: "512Mi" },
        "memoryRequest",
        '"0.50000000000000001Gi"; allowed: a quantity no larger than memoryLimit (512Mi)',
      ],
    ] as const
  ).map(
    ([title, config, key, rest]): Case => ({
      title,
      stack: "dev",
      kind: "quantities",
      config,
      names: `${P}:${key}`,
      message: `${P}:${key}: got ${rest}`,
    }),
  ),
  // Contradictions and self-reference.
  {
    title: "protecting a namespace this stack does not create",
    stack: "dev",
    kind: "contradictions",
    config: { createNamespace: "false", protectNamespace: "true" },
    names: `${P}:protectNamespace`,
    message: `${P}:protectNamespace: got "true"; allowed: false when createNamespace is false`,
  },
  {
    title: "a stack promoting from itself",
    stack: "prod",
    kind: "contradictions",
    config: { promoteFrom: "stigmer/workflow-runner/prod" },
    names: `${P}:promoteFrom`,
    message: `${P}:promoteFrom: got "stigmer/workflow-runner/prod"; allowed: another stack than this one (stigmer/workflow-runner/prod): a stack cannot promote its own image`,
  },
  {
    title: "a repository written with .git",
    stack: "dev",
    kind: "contradictions",
    config: { gitRepository: "stigmer-cloud.git" },
    names: `${P}:gitRepository`,
    message: `${P}:gitRepository: got "stigmer-cloud.git"; allowed: the repository name without ".git" (stigmer-cloud), as GitHub reports it in push events`,
  },
  {
    title: "an image repository without its registry host",
    stack: "dev",
    kind: "contradictions",
    config: { imageRepository: "leftbin/stigmer-cloud/workflow-runner" },
    names: `${P}:imageRepository`,
    message: `"leftbin" would be taken as the registry`,
  },
  {
    title: "claim check without the R2 keys",
    stack: "dev",
    kind: "service contract",
    // Empty, as an unset key reads: the plan otherwise stands a placeholder in for an unset credential.
    config: {
      claimCheckEnabled: "true",
      r2Bucket: "cc-dev",
      r2Endpoint: "https://a.r2.cloudflarestorage.com",
      r2AccessKeyId: "",
    },
    names: `${P}:r2AccessKeyId`,
    message: `${P}:r2AccessKeyId: got (not set); allowed: the R2 access key id (R2_ACCESS_KEY_ID), set with \`pulumi config set --secret r2AccessKeyId\` (needed because claimCheckEnabled is true)`,
  },
  {
    title: "an execution mode in the wrong case",
    stack: "dev",
    kind: "service contract",
    config: { executionMode: "Temporal" },
    names: `${P}:executionMode`,
    message: `${P}:executionMode: got "Temporal"; allowed: one of grpc, temporal, dual (the binary silently runs grpc for anything else)`,
  },
  {
    title: "an extra variable that overrides the contract",
    stack: "dev",
    kind: "service contract",
    config: { extraEnv: '["EXECUTION_MODE=grpc"]' },
    names: `${P}:extraEnv`,
    message: "NAME a valid environment name outside the service contract",
  },
  // What a mandatory policy would reject, refused up front with the policy's name.
  {
    title: "prod with an unprotected namespace",
    stack: "prod",
    kind: "policies",
    config: { protectNamespace: "false" },
    names: `${P}:protectNamespace`,
    message: "the policy prod-namespace-protected refuses a prod namespace that pulumi destroy could delete",
  },
  {
    title: "environment prod on the dev stack",
    stack: "dev",
    kind: "policies",
    config: { environment: "prod", protectNamespace: "true", deploymentEnvironments: '["dev","prod"]' },
    names: `${P}:environment`,
    message: "the environment of stack \"dev\" (its name, or its prefix before '-')",
  },
  {
    title: "the latest tag",
    stack: "dev",
    kind: "policies",
    config: { imageTag: "latest" },
    names: `${P}:imageTag`,
    message: "the policy images-pinned-by-digest refuses :latest",
  },
  ...(["kube-system", "default"] as const).map(
    (ns): Case => ({
      title: `the reserved namespace ${ns} for the workload`,
      stack: "dev",
      kind: "policies",
      config: { namespace: ns },
      names: `${P}:namespace`,
      message: "a namespace of its own, not one of kube-system, kube-public, kube-node-lease, default",
    }),
  ),
  {
    title: "the reserved namespace kube-public for CI",
    stack: "dev",
    kind: "policies",
    config: { ciNamespace: "kube-public" },
    names: `${P}:ciNamespace`,
    message: "a namespace of its own",
  },
  // Files.
  ...(
    [
      ["a --stack-outputs file holding null", "null", "holds null; allowed: a JSON object of stack outputs"],
      [
        "a --stack-outputs file holding a list",
        '["x"]',
        "holds a list; allowed: a JSON object of stack outputs",
      ],
      ["a malformed --stack-outputs file", '{\n  "imageRef": "x",\n  oops\n}', ": line 3: not JSON"],
    ] as const
  ).map(
    ([title, content, message]): Case => ({
      title,
      stack: "prod",
      kind: "files",
      stackOutputs: content,
      names: "--stack-outputs stigmer/workflow-runner/dev=",
      message,
    }),
  ),
  {
    title: "a --stack-outputs file that does not exist",
    stack: "prod",
    kind: "files",
    out: (dir) => ["--out", dir, "--stack-outputs", "stigmer/workflow-runner/dev=/nonexistent/dev.json"],
    names: "--stack-outputs stigmer/workflow-runner/dev=/nonexistent/dev.json",
    message: "cannot read the file (ENOENT)",
  },
  {
    title: "a duplicate key in the stack file",
    stack: "dev",
    kind: "files",
    stackFile: `${DEV_STACK}  workflow-runner:replicas: 2\n`,
    names: "--stack-file",
    message: 'Map keys must be unique ("workflow-runner:replicas: 2")',
  },
  {
    title: "a stack file that is not YAML",
    stack: "dev",
    kind: "files",
    stackFile: 'config:\n  workflow-runner:namespace: "unclosed\n',
    names: "--stack-file",
    message: ': line 3, column 1: Missing closing "quote',
  },
  // Secrets.
  {
    title: "a plain key given with --secret",
    stack: "dev",
    kind: "secrets",
    secrets: { imageTag: "secret-tag-7f3a" },
    names: `${P}:imageTag`,
    message: `${P}:imageTag: got a secret value (not shown); allowed: a plain value: imageTag is not a credential. Set it with \`pulumi config set imageTag <value>\` (without --secret)`,
    hidden: "secret-tag-7f3a",
  },
  {
    title: "a malformed --secret assignment",
    stack: "dev",
    kind: "secrets",
    out: (dir) => ["--out", dir, "--secret", "stigmerApiKeysecret-value-7f3a"],
    names: "--secret",
    message: "--secret: expected key=value",
    hidden: "secret-value-7f3a",
  },
  // The plan writer.
  {
    title: "--out a folder that is not a plan",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const notAPlan = path.join(path.dirname(dir), "docs");
      mkdirSync(notAPlan);
      writeFileSync(path.join(notAPlan, "README.md"), "not a plan\n");
      return ["--out", notAPlan];
    },
    names: "--out",
    message: "refusing to replace a folder that is not a plan",
  },
  {
    title: "--out a file",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const file = path.join(dir, "kubernetes.yaml");
      return ["--out", file];
    },
    names: "--out",
    message: "is a file, not a folder",
  },
];

/** A folder's snapshot, a file's content, or null when nothing is there. */
function snapshotOf(target: string): unknown {
  try {
    return filesUnder(target);
  } catch {
    try {
      return readFileSync(target, "utf8");
    } catch {
      return null;
    }
  }
}

describe("bad input", () => {
  it("has at least 85 distinct cases across every class", () => {
    assert.ok(cases.length >= 85, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.title)).size, cases.length);
    assert.deepEqual(
      [...new Set(cases.map((c) => c.kind))].sort(),
      [
        "contradictions",
        "derived limits",
        "files",
        "git refs",
        "plan writer",
        "policies",
        "quantities",
        "secrets",
        "service contract",
        "undeclared keys",
        "values",
        "YAML scalars",
      ].sort(),
    );
  });

  for (const c of cases) {
    it(`${c.stack}: ${c.title}`, async () => {
      // A previous plan is in the output folder; it must come out untouched.
      const out = path.join(tempDir("bad-"), "plan");
      mkdirSync(out);
      writeFileSync(path.join(out, PLAN_MARKER), "previous\n");
      writeFileSync(path.join(out, "kubernetes.yaml"), "# the previous plan\n");
      const before = filesUnder(out);
      const work = tempDir("bad-input-");
      // prod promotes; these cases plan it from its own tag and digest, so only the bad value fails.
      const full: Record<string, string> = {
        ...(c.stack === "prod" && !c.stackOutputs && !c.config?.promoteFrom && !c.out
          ? { promoteFrom: "", imageTag: "v1", imageDigest: digest("1") }
          : {}),
        ...c.config,
      };
      const args = [
        "--stack",
        c.stack,
        ...(c.out ? c.out(out) : ["--out", out]),
        ...Object.entries(full).flatMap(([k, v]) => ["--config", `${k}=${v}`]),
        ...Object.entries(c.secrets ?? {}).flatMap(([k, v]) => ["--secret", `${k}=${v}`]),
      ];
      if (c.stackFile !== undefined) {
        const file = path.join(work, "Pulumi.dev.yaml");
        writeFileSync(file, c.stackFile);
        args.push("--stack-file", file);
      }
      if (c.stackOutputs !== undefined) {
        const file = path.join(work, "dev-outputs.json");
        writeFileSync(file, c.stackOutputs);
        args.push("--stack-outputs", `stigmer/workflow-runner/dev=${file}`);
      }
      // Whatever --out names must come out untouched too.
      const target = args[args.indexOf("--out") + 1] ?? out;
      const targetBefore = target === out ? before : snapshotOf(target);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runPlanCommand(args, { out: (l) => stdout.push(l), err: (l) => stderr.push(l) });
      const text = stderr.join("\n");
      assert.equal(code, 1, text);
      assert.match(text, /^plan failed: /);
      assert.ok(text.includes(c.names), `the message names ${c.names}:\n${text}`);
      assert.ok(text.includes(c.message), `the message holds ${c.message}:\n${text}`);
      assert.match(text, /No plan files were written; any previous plan in .* is unchanged\.$/);
      if (c.hidden)
        assert.ok(![...stdout, ...stderr].join("\n").includes(c.hidden), "a secret value was echoed");
      assert.deepEqual(filesUnder(out), before, "the output folder changed");
      assert.deepEqual(snapshotOf(target), targetBefore, "the folder --out names changed");
    });
  }

  it("never registers a resource when the config is bad (the program itself refuses first)", async () => {
    for (const c of cases.filter((x) => x.kind === "values" || x.kind === "undeclared keys").slice(0, 12)) {
      const full = {
        ...(c.stack === "prod" ? { promoteFrom: "", imageTag: "v1", imageDigest: digest("1") } : {}),
        ...c.config,
      };
      await assert.rejects(evaluate({ stack: c.stack, config: full }), (e: unknown) => {
        assert.ok(e instanceof EvaluationError);
        assert.equal(e.resources.length, 0, c.title);
        return true;
      });
    }
  });

  it("a failed write leaves the previous plan whole and says so", async () => {
    const { writePlan } = await import("../tools/plan/render");
    const out = path.join(tempDir("bad-write-"), "plan");
    mkdirSync(out);
    writeFileSync(path.join(out, PLAN_MARKER), "previous\n");
    writeFileSync(path.join(out, "kubernetes.yaml"), "# the previous plan\n");
    const before = filesUnder(out);
    // A path that cannot be a file (a NUL byte) fails the write halfway through.
    const files = new Map([
      ["kubernetes.yaml", "new"],
      ["bad\0name", "x"],
    ]);
    assert.throws(() => writePlan(out, files), /could not write the plan into .*; it was removed/);
    assert.deepEqual(filesUnder(out), before);
    assert.deepEqual(
      readdirSync(path.dirname(out)).filter((e) => e !== "plan"),
      [],
      "the staging folder was removed",
    );
  });
});
