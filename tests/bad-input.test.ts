// Every kind of bad input, through the plan command as users run it: exit 1, the exact message, no files, no resources.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../config/errors";
import { rfc3339Millis } from "../config/formats";
import { parsePlainConfig } from "../config/parse";
import { runPlanCommand } from "../tools/plan/cli";
import { EvaluationError, evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { npmNodeCommand } from "../tools/plan/npm-command";
import { PLAN_MARKER, PLAN_MARKER_TEXT } from "../tools/plan/render";
import { readProjectFile, readStackFile, resolveConfig } from "../tools/plan/stack-files";
import { DEV_OUTPUTS_FILE, digest, filesUnder, tempDir } from "./helpers";

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
    { imagePin: "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner:v1" },
    `${P}:imagePin: got "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner:v1"; allowed: empty, or a full digest reference <repository>[:<tag>]@sha256:<64 hex> that overrides tag, digest and promotion`,
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
    { memoryRequest: "1Gi", memoryLimit: "500Mi" },
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
    { replicas: "3", minAvailable: "3" },
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
    { gitOwner: "-stigmer" },
    `${P}:gitOwner: got "-stigmer"; allowed: a GitHub owner name (letters, digits, single hyphens, at most 39 characters)`,
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
    `${P}:pulumiAccessToken: got [secret] (a plain-text value); allowed: an encrypted value, set with \`pulumi config set --secret pulumiAccessToken\` (needed because buildPipeline is true and trigger is tekton (with Planton the token is a build secret))`,
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
  /** The class docs/plan.md's bad-input table lists. */
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
  /** Exit status: 2 for arguments node:util's parseArgs refuses (a usage error). @default 1 */
  readonly exit?: number;
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
  // A plain YAML scalar reaches the program as yaml.v3 resolves it (config/stack-file.ts readPlainScalar); one whose
  // text that changes is refused by the program, under `pulumi up` as in the plan, with the form meant or quotes.
  ...(
    [
      [
        "replicas 0x10 is read as 16",
        "replicas",
        "0x10",
        'written 0x10, which YAML reads as the int 16, so pulumi up hands the program "16"; allowed: the value as meant, quoted to keep it as written ("0x10") or written as 16',
      ],
      [
        "replicas +5 is read as 5",
        "replicas",
        "+5",
        'written +5, which YAML reads as the int 5, so pulumi up hands the program "5"; allowed: the value as meant, quoted to keep it as written ("+5") or written as 5',
      ],
      [
        "replicas 1e1 is read as 10",
        "replicas",
        "1e1",
        'written 1e1, which YAML reads as the float 10, so pulumi up hands the program "10"; allowed: the value as meant, quoted to keep it as written ("1e1") or written as 10',
      ],
      [
        "createNamespace True is read as true",
        "createNamespace",
        "True",
        'written True, which YAML reads as the bool true, so pulumi up hands the program "true"; allowed: the value as meant, quoted to keep it as written ("True") or written as true',
      ],
      [
        "an empty namespace reaches the program as empty",
        "namespace",
        "",
        'got ""; allowed: a DNS-1123 label',
      ],
      [
        "a namespace of ~ reaches the program as empty",
        "namespace",
        "~",
        'got ""; allowed: a DNS-1123 label',
      ],
      [
        "a list key given a single value",
        "deploymentEnvironments",
        "dev",
        'got "dev"; allowed: a non-empty list of environment names (DNS-1123 labels)',
      ],
    ] as const
  ).map(
    ([title, key, value, message]): Case => ({
      title,
      stack: "dev",
      kind: "YAML scalars",
      stackFile: devStackWith(key, `  workflow-runner:${key}: ${value}`.trimEnd()),
      names: `${P}:${key}`,
      message: `${P}:${key}: ${message}`,
    }),
  ),
  // Undeclared keys.
  ...(
    [
      ["--config replica (typo)", { replica: "5" }, "replica", "replicas"],
      ["--config replicaCount (a longer name)", { replicaCount: "5" }, "replicaCount", "replicas"],
      ["--config imageDigset (typo)", { imageDigset: digest("1") }, "imageDigset", "imageDigest"],
      ["--config with a key no one declared", { colour: "blue" }, "colour", ""],
      ["--config namespace in the wrong case", { NameSpace: "x" }, "NameSpace", "namespace"],
    ] as const
  ).map(
    ([title, config, key, hint]): Case => ({
      title,
      stack: "dev",
      kind: "undeclared keys",
      config,
      names: `${P}:${key}`,
      // A near miss is renamed, keeping its value; `pulumi config rm` is the advice only for a key that is no typo.
      message: hint
        ? `${P}:${key}: not a key of this project (did you mean ${hint}?); allowed: one of the keys Pulumi.yaml declares. Rename it to ${P}:${hint} in Pulumi.dev.yaml, keeping its value`
        : `${P}:${key}: not a key of this project; allowed: one of the keys Pulumi.yaml declares. Remove it with \`pulumi config rm ${key}\``,
    }),
  ),
  {
    title: "a misspelt key and a wrong-typed value of one stack file, in one run, each with its line",
    stack: "dev",
    kind: "undeclared keys",
    stackFile: devStackWith("replicas", "  workflow-runner:replicaCount: 2").replace(
      /^ {2}workflow-runner:cpuLimit:.*$/m,
      "  workflow-runner:cpuLimit: lots",
    ),
    names: `${P}:replicaCount`,
    message: `${P}:cpuLimit: got "lots"; allowed: a CPU quantity such as 500m or 1 (Pulumi.dev.yaml line ${
      DEV_STACK.split("\n").findIndex((l) => l.startsWith("  workflow-runner:cpuLimit:")) + 1
    })`,
  },
  {
    title: "an extraEnv item the program renders itself: the item's line and the key to set",
    stack: "dev",
    kind: "service contract",
    stackFile: `${DEV_STACK}  workflow-runner:extraEnv:\n    - FOO=1\n    - TEMPORAL_SERVICE_ADDRESS=x:7233\n`,
    names: `${P}:extraEnv`,
    message: `${P}:extraEnv: got TEMPORAL_SERVICE_ADDRESS; allowed: a name outside the service contract: the program renders it from the key temporalAddress: set ${P}:temporalAddress instead (Pulumi.dev.yaml line ${
      DEV_STACK.trimEnd().split("\n").length + 3
    })`,
  },
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
    config: { imageRepository: "stigmer/stigmer-cloud/workflow-runner" },
    names: `${P}:imageRepository`,
    message: `"stigmer" would be taken as the registry`,
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
    message: `${P}:r2AccessKeyId: got (not set); allowed: the R2 access key id (R2_ACCESS_KEY_ID), set with \`pulumi config set --secret r2AccessKeyId\` (needed because claimCheckEnabled is true and stigmerProxyEndpoint is empty)`,
  },
  {
    title: "a key the service no longer reads",
    stack: "dev",
    kind: "service contract",
    config: { executionMode: "temporal" },
    names: `${P}:executionMode`,
    message: `${P}:executionMode: no longer a key of this project: the service ignores EXECUTION_MODE since stigmer/stigmer c532cd93 (the binary runs only the Temporal worker). Remove it: \`pulumi config rm executionMode\` (deletes the line ${P}:executionMode from Pulumi.dev.yaml)`,
  },
  {
    title: "the sandbox's task queue as an extra variable",
    stack: "dev",
    kind: "service contract",
    config: { extraEnv: '["STIGMER_TASK_QUEUE=runner:abc"]' },
    names: `${P}:extraEnv`,
    message: `${P}:extraEnv: got STIGMER_TASK_QUEUE; allowed: a name outside the service contract: it switches the service to sandbox mode`,
  },
  {
    title: "R2 settings next to the claim-check proxy",
    stack: "prod",
    kind: "service contract",
    config: { stigmerProxyEndpoint: "https://api.stigmer.ai", r2Bucket: "stigmer-claimcheck-prod" },
    names: `${P}:r2Bucket`,
    message: `${P}:r2Bucket: got "stigmer-claimcheck-prod"; allowed: empty when stigmerProxyEndpoint is set: claim check then asks the proxy for presigned URLs and the service ignores the R2 settings (worker/config/config.go)`,
  },
  {
    title: "a claim-check proxy over plain http",
    stack: "dev",
    kind: "values",
    config: { stigmerProxyEndpoint: "http://api.stigmer.ai" },
    names: `${P}:stigmerProxyEndpoint`,
    message: `${P}:stigmerProxyEndpoint: got "http://api.stigmer.ai"; allowed: empty, or the https base URL of the Stigmer side-channel proxy (STIGMER_PROXY_ENDPOINT), e.g. https://api.stigmer.ai`,
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
    message:
      "the environment of stack \"dev\" (its name, its prefix before '-', or its suffix after the last '-')",
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

const DEV_OUTPUTS = readFileSync(DEV_OUTPUTS_FILE, "utf8");
/** dev's outputs with one field replaced (the raw JSON text of its value). */
function devOutputsWith(field: string, json: string): string {
  return DEV_OUTPUTS.replace(new RegExp(`"${field}": [^\n]*?(,?)$`, "m"), `"${field}": ${json}$1`);
}
const TEKTON = { trigger: "tekton" };
const PIN = `ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner:latest@${digest("a")}`;
/** A stack file: dev's, with extra text after its config lines (YAML that defines anchors goes before `config:`). */
function devStackWithTop(top: string, lines = ""): string {
  return `${top}${DEV_STACK}${lines}`;
}

/** Round three: what Kubernetes, Pulumi, Tekton or the policy pack would refuse, and files that are not ours. */
const roundThree: Case[] = [
  // Kubernetes: compute bounds (config/platform-limits.ts COMPUTE_BOUNDS).
  ...(
    [
      ["a CPU request below 10m", { cpuRequest: "5m" }, "cpuRequest", "a CPU quantity from 10m to 64"],
      ["a CPU limit below 100m", { cpuRequest: "50m", cpuLimit: "50m" }, "cpuLimit", "from 100m to 64"],
      ["a CPU limit above a node", { cpuLimit: "65" }, "cpuLimit", "a CPU quantity from 100m to 64"],
      [
        "a CPU request above its limit",
        { cpuRequest: "1", cpuLimit: "500m" },
        "cpuRequest",
        "no larger than cpuLimit (500m)",
      ],
      ["a memory request below 32Mi", { memoryRequest: "16Mi" }, "memoryRequest", "from 32Mi to 256Gi"],
      [
        "a memory limit below 64Mi",
        { memoryRequest: "32Mi", memoryLimit: "60Mi" },
        "memoryLimit",
        "from 64Mi",
      ],
      ["a memory limit above a node", { memoryLimit: "300Gi" }, "memoryLimit", "from 64Mi to 256Gi"],
      ["a memory request of a terabyte", { memoryRequest: "1Ti" }, "memoryRequest", "from 32Mi to 256Gi"],
    ] as const
  ).map(
    ([title, config, key, message]): Case => ({
      title,
      stack: "dev",
      kind: "platform limits",
      config,
      names: `${P}:${key}`,
      message,
    }),
  ),
  // Kubernetes: label values we derive, Ingress hosts, the ConfigMap's size.
  ...(
    [
      ["a branch whose trigger name passes 63 characters", "b".repeat(70)],
      ["a branch whose trigger name ends with '-'", "release_"],
      ["a branch in upper case, whose trigger name ends with '-'", "Feature/X"],
    ] as const
  ).map(
    ([title, branch]): Case => ({
      title,
      stack: "dev",
      kind: "platform limits",
      config: { ...TEKTON, gitBranch: branch },
      names: `${P}:gitBranch`,
      message: "is a label value (at most 63 characters, starting and ending with a letter or digit)",
    }),
  ),
  {
    title: "a webhook host with a label over 63 characters",
    stack: "dev",
    kind: "platform limits",
    config: { webhookUrl: `https://${"h".repeat(64)}.stigmer.ai/wr` },
    names: `${P}:webhookUrl`,
    message: "has 64 characters, over the 63 a DNS label may have",
  },
  {
    title: "a webhook host over 253 characters",
    stack: "dev",
    kind: "platform limits",
    config: { webhookUrl: `https://${Array(5).fill("h".repeat(60)).join(".")}.ai/wr` },
    names: `${P}:webhookUrl`,
    message: "over the 253 a DNS name may have",
  },
  {
    title: "extra variables that make the ConfigMap pass 1 MiB",
    stack: "dev",
    kind: "platform limits",
    config: { extraEnv: JSON.stringify(["A=x".padEnd(600_000, "x"), "B=y".padEnd(600_000, "y")]) },
    names: `${P}:extraEnv`,
    message: "together at most 1048576 bytes (1 MiB, Kubernetes' limit)",
  },
  // Pulumi: stack-file keys, merge keys, aliases.
  ...(
    [
      ["a stack-file key without a namespace", "  replicas: 2\n", "replicas", "not a Pulumi config key"],
      [
        "a stack-file key with an underscore namespace",
        "  workflow_runner:replicas: 2\n",
        "workflow_runner:replicas",
        'the namespace "workflow_runner" is not this project\'s; allowed: workflow-runner:replicas',
      ],
      [
        "a stack-file key with the namespace in upper case",
        "  Workflow-Runner:namespace: x\n",
        "Workflow-Runner:namespace",
        "is not this project's",
      ],
      [
        "a stack-file key with a misspelt namespace",
        "  workflow-runer:logLevel: info\n",
        "workflow-runer:logLevel",
        "allowed: workflow-runner:logLevel",
      ],
      ["a stack-file key with three parts", "  a:b:c: x\n", "a:b:c", "allowed: <namespace>:<name>"],
      [
        "an old-form key read as the CLI reads it",
        "  workflow-runner:config:logLevel: loud\n",
        `${P}:logLevel`,
        `${P}:logLevel: got "loud"`,
      ],
    ] as const
  ).map(
    ([title, line, names, message]): Case => ({
      title,
      stack: "dev",
      kind: "stack file keys",
      stackFile: `${DEV_STACK}${line}`,
      names,
      message,
    }),
  ),
  {
    title: "a merge key brings in a bad value",
    stack: "dev",
    kind: "stack file keys",
    stackFile: devStackWithTop("base: &base\n  workflow-runner:temporalMaxConcurrency: 0\n").replace(
      "config:\n",
      "config:\n  <<: *base\n",
    ),
    names: `${P}:temporalMaxConcurrency`,
    message: `${P}:temporalMaxConcurrency: got "0"`,
  },
  {
    title: "of two merged maps the earlier wins, as in Go's yaml.v3",
    stack: "dev",
    kind: "stack file keys",
    stackFile: devStackWithTop(
      "a: &a\n  workflow-runner:r2Region: BAD\nb: &b\n  workflow-runner:r2Region: auto\n",
    ).replace("config:\n", "config:\n  <<: [*a, *b]\n"),
    names: `${P}:r2Region`,
    message: `${P}:r2Region: got "BAD"`,
  },
  {
    title: "a key of the map itself wins over a merged one, as in Go's yaml.v3",
    stack: "dev",
    kind: "stack file keys",
    stackFile: `base: &base\n  workflow-runner:logLevel: info\n${DEV_STACK.replace("config:\n", "config:\n  <<: *base\n").replace(/workflow-runner:logLevel: .*/, "workflow-runner:logLevel: loud")}`,
    names: `${P}:logLevel`,
    message: `${P}:logLevel: got "loud"`,
  },
  {
    title: "a merged map with a misspelt namespace",
    stack: "dev",
    kind: "stack file keys",
    stackFile: devStackWithTop("base: &base\n  workflow_runner:logLevel: info\n").replace(
      "config:\n",
      "config:\n  <<: *base\n",
    ),
    names: "workflow_runner:logLevel",
    message: "is not this project's",
  },
  {
    title: "an alias for a bad branch",
    stack: "dev",
    kind: "stack file keys",
    stackFile: devStackWithTop('branch: &br "-main"\n', "  workflow-runner:gitBranch: *br\n"),
    names: `${P}:gitBranch`,
    message: `${P}:gitBranch: got "-main"`,
  },
  {
    title: "a duplicate config map",
    stack: "dev",
    kind: "stack file keys",
    stackFile: `${DEV_STACK}config:\n  workflow-runner:replicas: 2\n`,
    names: "--stack-file",
    message: "Map keys must be unique",
  },
  // Time.
  ...(
    [
      ["--now on 30 February", "2026-02-30T00:00:00Z"],
      ["--now without a zone", "2026-11-27T12:00:00"],
      ["--now at hour 24", "2026-11-27T24:00:00Z"],
      ["--now with a space for T", "2026-11-27 12:00:00Z"],
      ["--now without seconds", "2026-11-27T12:00Z"],
      ["--now with a zone of 25 hours", "2026-11-27T12:00:00+25:00"],
    ] as const
  ).map(
    ([title, now]): Case => ({
      title,
      stack: "dev",
      kind: "time",
      out: (dir) => ["--out", dir, "--now", now],
      names: "--now",
      message: `--now: got ${JSON.stringify(now)}; allowed: an RFC 3339 time: a real calendar date and a zone`,
    }),
  ),
  ...(
    [
      ["evidence from the future", '"2999-01-01T00:00:00Z"', "is in the future"],
      ["evidence without a zone", '"2026-01-01T00:00:00"', "is not an RFC 3339 date-time with a zone"],
      ["evidence in month 13", '"2026-13-01T00:00:00Z"', "is not an RFC 3339 date-time with a zone"],
      ["evidence on 29 February of 2025", '"2025-02-29T00:00:00Z"', "is not an RFC 3339 date-time"],
    ] as const
  ).map(
    ([title, json, message]): Case => ({
      title,
      stack: "prod",
      kind: "time",
      stackOutputs: devOutputsWith("verifiedAt", json),
      names: `${P}:promoteFrom`,
      message,
    }),
  ),
  {
    title: "evidence verified after --now",
    stack: "prod",
    kind: "time",
    stackOutputs: DEV_OUTPUTS,
    out: (dir) => ["--out", dir, "--now", "2025-12-31T23:59:59Z"],
    names: `${P}:promoteFrom`,
    message: "is in the future (now 2025-12-31T23:59:59.000Z)",
  },
  // JSON inputs.
  ...(
    [
      [
        "a stack-outputs file with a duplicate key",
        DEV_OUTPUTS.replace("{", '{\n  "imageTag": "x",'),
        "Map keys must be unique",
      ],
      [
        "a stack-outputs file with __proto__",
        DEV_OUTPUTS.replace("{", '{\n  "__proto__": {"imageRef": "x"},'),
        "has the key __proto__",
      ],
      [
        "a stack-outputs file with a nested constructor",
        DEV_OUTPUTS.replace("{", '{\n  "x": {"constructor": 1},'),
        "has the key x.constructor",
      ],
      [
        "an imageRef that is a number",
        devOutputsWith("imageRef", "5"),
        "output imageRef is a number; allowed: a string",
      ],
      [
        "a verifiedAt that is null",
        devOutputsWith("verifiedAt", "null"),
        "output verifiedAt is null; allowed: a string",
      ],
      [
        "an imagePinned that is a string",
        DEV_OUTPUTS.replace("{", '{\n  "imagePinned": "yes",'),
        "output imagePinned is a string; allowed: a boolean",
      ],
    ] as const
  ).map(
    ([title, content, message]): Case => ({
      title,
      stack: "prod",
      kind: "JSON inputs",
      stackOutputs: content,
      names: "--stack-outputs stigmer/workflow-runner/dev=",
      message,
    }),
  ),
  {
    title: "a --stack-outputs name that is not fully qualified",
    stack: "prod",
    kind: "JSON inputs",
    out: (dir) => ["--out", dir, "--stack-outputs", `dev=${DEV_OUTPUTS_FILE}`],
    names: "--stack-outputs dev=",
    message: "is not a fully qualified stack name",
  },
  {
    title: "the same --stack-outputs stack twice",
    stack: "prod",
    kind: "JSON inputs",
    out: (dir) => [
      "--out",
      dir,
      ...["a", "b"].flatMap(() => ["--stack-outputs", `stigmer/workflow-runner/dev=${DEV_OUTPUTS_FILE}`]),
    ],
    names: "--stack-outputs stigmer/workflow-runner/dev",
    message: "given more than once",
  },
  // CLI flags.
  ...(
    [
      ["--stack given twice", ["--stack", "prod"], "--stack", "--stack: given 2 times; allowed: once"],
      ["--org given twice", ["--org", "a", "--org", "b"], "--org", "--org: given 2 times"],
      [
        "--now given twice",
        ["--now", "2026-11-27T12:00:00Z", "--now", "2026-11-28T12:00:00Z"],
        "--now",
        "given 2 times",
      ],
      ["an empty --org", ["--org", ""], "--org", '--org: got ""; allowed: a Pulumi organization name'],
      ["an --org starting with '-'", ["--org=-x"], "--org", "allowed: a Pulumi organization name"],
      ["an --org with a slash", ["--org", "a/b"], "--org", "allowed: a Pulumi organization name"],
      [
        "--config of one key twice",
        ["--config", "replicas=1", "--config", "replicas=2"],
        "--config replicas",
        "given more than once",
      ],
      [
        "--config under a misspelt namespace",
        ["--config", "workflow_runner:replicas=2"],
        "--config workflow_runner:replicas",
        "is not this project's",
      ],
    ] as const
  ).map(
    ([title, extra, names, message]): Case => ({
      title,
      stack: "dev",
      kind: "CLI flags",
      out: (dir) => ["--out", dir, ...extra],
      names,
      message,
    }),
  ),
  // Usage errors (exit 2): node:util's parseArgs refuses the arguments, and the usage follows.
  ...(
    [
      ["a misspelt flag", ["--stak", "dev"], "--stak", "usage: npm run plan -- --stack <name>"],
      [
        "a flag missing its value",
        ["--org"],
        "Option '--org <value>' argument missing",
        "usage: npm run plan",
      ],
      [
        "a flag whose value looks like a flag",
        ["--org", "--now"],
        "Option '--org' argument is ambiguous",
        "usage: npm run plan",
      ],
      ["a stray argument", ["dev"], "Unexpected argument 'dev'", "usage: npm run plan"],
    ] as const
  ).map(
    ([title, extra, names, message]): Case => ({
      title,
      stack: "dev",
      kind: "CLI flags",
      out: (dir) => ["--out", dir, ...extra],
      names,
      message,
      exit: 2,
    }),
  ),
  ...(
    [
      ["a stack name with a slash", "dev/x", "allowed: a Pulumi stack name"],
      ["a stack name with a space", "de v", "allowed: a Pulumi stack name"],
      ["a stack name of 101 characters", "s".repeat(101), "allowed: a Pulumi stack name"],
      ["a stack name that leaves the plan folder", "..", "is not inside"],
    ] as const
  ).map(
    ([title, stack, message]): Case => ({
      title,
      stack,
      kind: "CLI flags",
      // Without --out: the stack names the folder.
      out: () => [],
      names: "--stack",
      message,
    }),
  ),
  // The plan writer: only a folder with the tool's own marker is replaced, never through a link.
  ...(
    [
      ["--out a folder holding only a hand-written kubernetes.yaml", { "kubernetes.yaml": "# mine\n" }],
      ["--out a folder holding someone's files/", { "files/notes.md": "mine\n" }],
      ["--out a folder with a hand-made marker", { [PLAN_MARKER]: "mine\n", "outputs.json": "{}\n" }],
    ] as const
  ).map(
    ([title, content]): Case => ({
      title,
      stack: "dev",
      kind: "plan writer",
      out: (dir) => {
        const folder = path.join(path.dirname(dir), "theirs");
        for (const [rel, text] of Object.entries(content)) {
          mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
          writeFileSync(path.join(folder, rel), text);
        }
        return ["--out", folder];
      },
      names: "--out",
      message: "refusing to replace a folder that is not a plan",
    }),
  ),
  {
    title: "--out a folder whose marker is a link",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const folder = path.join(path.dirname(dir), "linked-marker");
      mkdirSync(folder);
      symlinkSync(path.join(dir, PLAN_MARKER), path.join(folder, PLAN_MARKER));
      writeFileSync(path.join(folder, "kubernetes.yaml"), "# mine\n");
      return ["--out", folder];
    },
    names: "--out",
    message: "refusing to replace a folder that is not a plan",
  },
  {
    title: "--out a link to a plan folder",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const link = path.join(path.dirname(dir), "link");
      symlinkSync(dir, link);
      return ["--out", link];
    },
    names: "--out",
    message: "is a symbolic link",
  },
  {
    title: "--out a dangling link",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const link = path.join(path.dirname(dir), "dangling");
      symlinkSync(path.join(path.dirname(dir), "nowhere"), link);
      return ["--out", link];
    },
    names: "--out",
    message: "is a symbolic link",
  },
  {
    title: "--out a path through a file",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => ["--out", path.join(dir, "kubernetes.yaml", "plan")],
    names: "--out",
    message: "is a file, not a folder; allowed: a path of folders",
  },
  {
    title: "--out an empty path",
    stack: "dev",
    kind: "plan writer",
    out: () => ["--out="],
    names: "--out",
    message: "--out: got an empty path",
  },
  {
    title: "a --stack-outputs file inside the output folder",
    stack: "prod",
    kind: "plan writer",
    out: (dir) => {
      const file = path.join(dir, "outputs.json");
      writeFileSync(file, DEV_OUTPUTS);
      return ["--out", dir, "--stack-outputs", `stigmer/workflow-runner/dev=${file}`];
    },
    names: "--stack-outputs stigmer/workflow-runner/dev=",
    message: "is inside the output folder",
  },
  {
    title: "a --stack-file inside the output folder",
    stack: "dev",
    kind: "plan writer",
    out: (dir) => {
      const file = path.join(dir, "Pulumi.dev.yaml");
      writeFileSync(file, DEV_STACK);
      return ["--out", dir, "--stack-file", file];
    },
    names: "--stack-file",
    message: "is inside the output folder",
  },
  // Text that reaches a script, a heredoc or YAML.
  ...(
    [
      ["a kube context with a command substitution", "kubeContext", "ctx$(id)"],
      ["a kube context with a quote", "kubeContext", "ctx'x"],
      ["a kube context with a newline", "kubeContext", "ctx\nx"],
      ["a backend URL with a semicolon and a space", "pulumiBackendUrl", "s3://bucket;rm -rf x"],
      ["a backend URL with a command substitution", "pulumiBackendUrl", "https://state.example/$(id)"],
      ["a backend URL with a double quote", "pulumiBackendUrl", 's3://b"x'],
      ["a branch with a quote (it lands in CEL)", "gitBranch", "a'b"],
      ["a branch with a command substitution", "gitBranch", "x$(id)"],
    ] as const
  ).map(
    ([title, key, value]): Case => ({
      title,
      stack: "dev",
      kind: "script text",
      config: { [key]: value },
      names: `${P}:${key}`,
      message: `${P}:${key}: got ${JSON.stringify(value)}; allowed:`,
    }),
  ),
  // Planton paths that leave the repository.
  ...(
    [
      ["a trigger path that climbs out", "triggerPaths", '["../other/**"]'],
      ["a trigger path that climbs out midway", "triggerPaths", '["a/../../x"]'],
      ["an absolute trigger path", "triggerPaths", '["/etc/**"]'],
      ["a project root that climbs out", "projectRoot", "../x"],
      ["a program path that climbs out midway", "programPath", "a/../../b"],
    ] as const
  ).map(
    ([title, key, value]): Case => ({
      title,
      stack: "dev",
      kind: "repository paths",
      config: { [key]: value },
      names: `${P}:${key}`,
      message: key === "triggerPaths" ? "no leading '/', no '..'" : "without '..'",
    }),
  ),
  // Contradictions, both keys named.
  ...(
    [
      [
        "a stack that promotes and builds",
        { promoteFrom: "stigmer/workflow-runner/prod" },
        "buildPipeline",
        "false when promoteFrom is set",
      ],
      ["minSoak without promoteFrom", { minSoak: "2h" }, "minSoak", "0s unless promoteFrom is set"],
      [
        "TLS off for a backend outside the cluster",
        { stigmerBackendTls: "false", stigmerBackendEndpoint: "stigmer-dev-api.planton.live:443" },
        "stigmerBackendTls",
        "true for stigmerBackendEndpoint stigmer-dev-api.planton.live:443, a host outside the cluster",
      ],
      [
        "a CI namespace that is Tekton's own",
        { ciNamespace: "tekton-pipelines" },
        "ciNamespace",
        "not a system namespace (kube-*) or Tekton's own",
      ],
      [
        "a CI namespace that is a system one",
        { ciNamespace: "kube-flannel" },
        "ciNamespace",
        "not a system namespace (kube-*)",
      ],
      [
        "an environment listed twice",
        { deploymentEnvironments: '["dev","prod","dev"]' },
        "deploymentEnvironments",
        "a list of distinct environments (dev is listed more than once)",
      ],
    ] as const
  ).map(
    ([title, config, key, message]): Case => ({
      title,
      stack: "dev",
      kind: "contradictions",
      config,
      names: `${P}:${key}`,
      message,
    }),
  ),
  // What the policy pack refuses.
  ...(
    [
      [
        "a token by its name in extraEnv",
        '["GITHUB_TOKEN=abc-7f3a-hidden"]',
        "extraEnv",
        "GITHUB_TOKEN names a credential",
        "abc-7f3a-hidden",
      ],
      [
        "a token by its shape in extraEnv",
        `["FOO=ghp_${"x".repeat(20)}"]`,
        "extraEnv",
        "the value of FOO has the shape of a credential",
        `ghp_${"x".repeat(20)}`,
      ],
      [
        "a *_KEY in extraEnv",
        '["SIGNING_KEY=k-7f3a-hidden"]',
        "extraEnv",
        "SIGNING_KEY names a credential",
        "k-7f3a-hidden",
      ],
      [
        "a *_SECRET in extraEnv",
        '["CLIENT_SECRET=s-7f3a-hidden"]',
        "extraEnv",
        "CLIENT_SECRET names a credential",
        "s-7f3a-hidden",
      ],
    ] as const
  ).map(
    ([title, value, key, message, hidden]): Case => ({
      title,
      stack: "dev",
      kind: "policies",
      config: { [key]: value },
      names: `${P}:${key}`,
      message,
      hidden,
    }),
  ),
  ...(
    [
      ["a pin on :latest", "imagePin", PIN, "its tag is latest"],
      [
        "a verification image with an upper-case registry",
        "verifyImage",
        "Docker.io/temporalio/admin-tools:1.2",
        'its registry "Docker.io" is not lower case',
      ],
      [
        "a Bazel image with an upper-case registry",
        "bazelImage",
        "GCR.IO/bazel-public/bazel:8.0.0",
        'its registry "GCR.IO" is not lower case',
      ],
      [
        "an image repository with an upper-case registry",
        "imageRepository",
        "GHCR.io/leftbin/x",
        'its registry "GHCR.io" is not lower case',
      ],
      ["a git image on latest with a digest", "gitImage", `gcr.io/git:latest@${digest("b")}`, "(not latest)"],
    ] as const
  ).map(
    ([title, key, value, message]): Case => ({
      title,
      stack: "dev",
      kind: "policies",
      config: { [key]: value },
      names: `${P}:${key}`,
      message,
    }),
  ),
];
cases.push(...roundThree);

const LINK_LOCAL_REFUSED =
  "a destination outside 169.254.0.0/16 (cloud metadata and credentials), unless allowedLinkLocalCidrs lists a range that holds 169.254.169.254";
const PROXY_ALLOWED =
  "empty, or the https base URL of the Stigmer side-channel proxy (STIGMER_PROXY_ENDPOINT), e.g. https://api.stigmer.ai";
const R2_ALLOWED = "empty, or R2's https endpoint, e.g. https://<account id>.r2.cloudflarestorage.com";
const TEMPORAL_ALLOWED =
  "host:port of the Temporal frontend: <service>.<namespace>.svc[.cluster.local]:<port>, a dotted external host, or an IPv4 address";
const BACKEND_ALLOWED = "host:port of the Stigmer backend's gRPC API, e.g. stigmer-prod-api.planton.live:443";
const NO_CREDENTIAL = "a value without credentials: ";
/** dev's stack file with a credential written in plain text. */
const PLAIN_SECRET_STACK = devStackWith(
  "githubToken",
  "  workflow-runner:githubToken: ghp_plainq7xplainq7xplain",
);
const CACHE_ALLOWED =
  "a storage quantity with a unit, e.g. 50Gi (each of the self-hosted pipeline's cache volumes)";
const NUL_ANY =
  "a value without a NUL character (\\0): no file, label, script or process environment this value reaches can hold one";
const NUL_ENV =
  "a value without a NUL character (\\0): a process's environment cannot carry it, so the container would not start as configured";
const ROOT_ALLOWED = "the service's folder in the repository, relative, without '..'";
const DENIED_ALLOWED =
  "a list of IPv4 CIDRs the worker's outbound traffic to the internet may not reach, e.g. 10.0.0.0/8";

/**
 * Round four of the config surface (issue 29 items 2, 3, 4, 10): egress only where intended, no credential in a
 * committed file, no secret in a message, the platform's limits at plan time. Each with its exact message.
 */
const roundFourConfig: Case[] = [
  // A plain key given with --secret: refused as not a credential, and its value is never quoted by the checks that
  // refuse it too (config/load.ts hides every secret value in every message).
  {
    title: "a plain key given with --secret whose value is also invalid",
    stack: "dev",
    kind: "secrets",
    secrets: { replicas: "secretvalue456" },
    names: `${P}:replicas`,
    message: `${P}:replicas: got "[secret]"; allowed: an integer from 1 to 50`,
    hidden: "secretvalue456",
  },
  {
    title: "an extraEnv given with --secret holding a credential and a bad name",
    stack: "dev",
    kind: "secrets",
    secrets: { extraEnv: '["FOO=secretvalue123","1BAD=y"]' },
    names: `${P}:extraEnv`,
    message: `${P}:extraEnv: got a secret value (not shown)`,
    hidden: "secretvalue123",
  },
  // The CI's endpoints go through the same egress check: the deploy step sends its Pulumi token to the backend.
  ...(
    [
      ["pulumiBackendUrl", "https://169.254.169.254"],
      ["bazelRemoteCache", "grpcs://metadata.google.internal:443"],
    ] as const
  ).map(
    ([key, value]): Case => ({
      title: `${key} at the cloud metadata address`,
      stack: "dev",
      kind: "values",
      config: { [key]: value },
      names: `${P}:${key}`,
      message: `${P}:${key}: got ${JSON.stringify(value)}; allowed: ${LINK_LOCAL_REFUSED}`,
    }),
  ),
  // Egress: every endpoint key goes through one check (config/network-rules.ts ENDPOINT_KEYS, endpointProblem).
  ...(
    [
      [
        "the proxy endpoint at the cloud metadata address",
        { stigmerProxyEndpoint: "https://169.254.169.254" },
        `${P}:stigmerProxyEndpoint: got "https://169.254.169.254"; allowed: ${LINK_LOCAL_REFUSED}`,
      ],
      [
        "the proxy endpoint at the metadata address over http",
        { stigmerProxyEndpoint: "http://169.254.169.254" },
        `${P}:stigmerProxyEndpoint: got "http://169.254.169.254"; allowed: ${PROXY_ALLOWED}`,
      ],
      [
        "the proxy endpoint at Google's metadata name",
        { stigmerProxyEndpoint: "https://metadata.google.internal" },
        `${P}:stigmerProxyEndpoint: got "https://metadata.google.internal"; allowed: ${LINK_LOCAL_REFUSED} (metadata.google.internal resolves to 169.254.169.254)`,
      ],
      [
        "the proxy endpoint at AWS's IPv6 metadata address",
        { stigmerProxyEndpoint: "https://[fd00:ec2::254]" },
        `${P}:stigmerProxyEndpoint: got "https://[fd00:ec2::254]"; allowed: ${PROXY_ALLOWED}`,
      ],
      [
        "the proxy endpoint on port 99999",
        { stigmerProxyEndpoint: "https://api.stigmer.ai:99999" },
        `${P}:stigmerProxyEndpoint: got "https://api.stigmer.ai:99999"; allowed: ${PROXY_ALLOWED}`,
      ],
      [
        "the proxy endpoint on port 0",
        { stigmerProxyEndpoint: "https://api.stigmer.ai:0" },
        `${P}:stigmerProxyEndpoint: got "https://api.stigmer.ai:0"; allowed: ${PROXY_ALLOWED}`,
      ],
      [
        "the R2 endpoint at Google's metadata name",
        { r2Endpoint: "https://metadata.google.internal" },
        `${P}:r2Endpoint: got "https://metadata.google.internal"; allowed: ${LINK_LOCAL_REFUSED} (metadata.google.internal resolves to 169.254.169.254)`,
      ],
      [
        "the R2 endpoint on port 70000",
        { r2Endpoint: "https://a.r2.cloudflarestorage.com:70000" },
        `${P}:r2Endpoint: got "https://a.r2.cloudflarestorage.com:70000"; allowed: ${R2_ALLOWED}`,
      ],
      [
        "the Temporal address at Google's metadata name",
        { temporalAddress: "metadata.google.internal:7233" },
        `${P}:temporalAddress: got "metadata.google.internal:7233"; allowed: ${LINK_LOCAL_REFUSED} (metadata.google.internal resolves to 169.254.169.254)`,
      ],
      [
        "the Temporal address at AWS's IPv6 metadata address",
        { temporalAddress: "[fd00:ec2::254]:7233" },
        `${P}:temporalAddress: got "[fd00:ec2::254]:7233"; allowed: ${TEMPORAL_ALLOWED}`,
      ],
      [
        "the backend endpoint at the metadata address",
        { stigmerBackendEndpoint: "169.254.169.254:80" },
        `${P}:stigmerBackendEndpoint: got "169.254.169.254:80"; allowed: ${LINK_LOCAL_REFUSED}`,
      ],
      [
        "the backend endpoint on port 0",
        { stigmerBackendEndpoint: "stigmer-api.example.com:0" },
        `${P}:stigmerBackendEndpoint: got "stigmer-api.example.com:0"; allowed: ${BACKEND_ALLOWED}`,
      ],
      [
        "a denied range with a leading zero",
        { egressDeniedCidrs: '["010.0.0.0/8","169.254.0.0/16"]' },
        `${P}:egressDeniedCidrs: got "[\\"010.0.0.0/8\\",\\"169.254.0.0/16\\"]"; allowed: ${DENIED_ALLOWED}; "010.0.0.0/8": octet "010" has a leading zero (read as octal by some parsers; Kubernetes refuses it)`,
      ],
      [
        "an API server range with an octet over 255",
        { apiServerCidrs: '["10.0.0.256/32"]' },
        `"10.0.0.256/32": octet 256 is over 255`,
      ],
      [
        "a link-local range with prefix 33",
        { allowedLinkLocalCidrs: '["169.254.0.0/33"]' },
        `"169.254.0.0/33": prefix "/33" is not 0 to 32`,
      ],
    ] as const
  ).map(
    ([title, config, message]): Case => ({
      title,
      stack: "dev",
      kind: "values",
      config,
      names: `${P}:${Object.keys(config)[0]}`,
      message,
    }),
  ),
  // No credential in a committed file (config/credentials.ts COMMITTED_KEYS, credentialProblem); shown as [secret].
  ...(
    [
      [
        "a backend URL with a user and password",
        { pulumiBackendUrl: "https://deploy:hunter2-q7x@state.example.com" },
        "pulumiBackendUrl",
        `got "https://deploy:[secret]@state.example.com"; allowed: ${NO_CREDENTIAL}it carries a user and password before the host (user:password@)`,
        "hunter2-q7x",
      ],
      [
        "an allow-list entry with a token in its query",
        { pulumiBackendAllowList: '["https://api.pulumi.com","https://state.example.com?token=t0k3n-q7x"]' },
        "pulumiBackendAllowList",
        `got "[\\"https://api.pulumi.com\\",\\"https://state.example.com?token=[secret]\\"]"; allowed: ${NO_CREDENTIAL}its query holds a credential (token=)`,
        "t0k3n-q7x",
      ],
      [
        "a backend URL presigned for S3",
        {
          pulumiBackendUrl: "s3://state?region=eu&X-Amz-Signature=abc123q7x",
          pulumiBackendAllowList: '["s3://state?region=eu&X-Amz-Signature=abc123q7x"]',
        },
        "pulumiBackendUrl",
        `got "s3://state?region=eu&X-Amz-Signature=[secret]"; allowed: ${NO_CREDENTIAL}its query holds a credential (X-Amz-Signature=)`,
        "abc123q7x",
      ],
      [
        "a backend URL with an Azure SAS signature",
        {
          pulumiBackendUrl: "azblob://state?sv=2022&sig=sas-q7x",
          pulumiBackendAllowList: '["azblob://state?sv=2022&sig=sas-q7x"]',
        },
        "pulumiBackendUrl",
        `got "azblob://state?sv=2022&sig=[secret]"; allowed: ${NO_CREDENTIAL}its query holds a credential (sig=)`,
        "sas-q7x",
      ],
      [
        "an allow-list entry with an access_token",
        { pulumiBackendAllowList: '["https://state.example.com/api?access_token=at-q7x"]' },
        "pulumiBackendAllowList",
        `its query holds a credential (access_token=)`,
        "at-q7x",
      ],
      [
        "a remote cache URL with a GitHub token in its path",
        { bazelRemoteCache: "grpcs://cache.example.com/ghp_abcdefghijklmnopq7x" },
        "bazelRemoteCache",
        `got "grpcs://cache.example.com/[secret]"; allowed: ${NO_CREDENTIAL}it holds a token (ghp_...)`,
        "ghp_abcdefghijklmnopq7x",
      ],
      [
        "a webhook URL with a GitLab token in its path",
        { webhookUrl: "https://hooks.example.com/glpat-abcdefq7x" },
        "webhookUrl",
        `got "https://hooks.example.com/[secret]"; allowed: ${NO_CREDENTIAL}it holds a token (glpat-...)`,
        "glpat-abcdefq7x",
      ],
      [
        "a backend URL with an AWS key id as its user",
        { pulumiBackendUrl: "s3://AKIAIOSFODNN7EXAMPLE@state", pulumiBackendAllowList: '["s3://state"]' },
        "pulumiBackendUrl",
        `got "s3://[secret]@state"; allowed: ${NO_CREDENTIAL}it carries user info before the host (user@), where a token is sent`,
        "AKIAIOSFODNN7EXAMPLE",
      ],
      [
        "a backend URL with a fine-grained GitHub token",
        {
          pulumiBackendUrl: "https://state.example.com/github_pat_11ABCq7x",
          pulumiBackendAllowList: '["https://state.example.com/github_pat_11ABCq7x"]',
        },
        "pulumiBackendUrl",
        `got "https://state.example.com/[secret]"; allowed: ${NO_CREDENTIAL}it holds a token (github_pat_...)`,
        "github_pat_11ABCq7x",
      ],
      [
        "an allow-list entry with a Slack bot token",
        { pulumiBackendAllowList: '["https://api.pulumi.com","https://hooks.example.com/xoxb-123-q7x"]' },
        "pulumiBackendAllowList",
        "it holds a token (xoxb-...)",
        "xoxb-123-q7x",
      ],
      [
        "a backend URL with a Pulumi token in its path",
        {
          pulumiBackendUrl: "https://state.example.com/pul-0123abcdq7x",
          pulumiBackendAllowList: '["https://state.example.com/pul-0123abcdq7x"]',
        },
        "pulumiBackendUrl",
        `got "https://state.example.com/[secret]"; allowed: ${NO_CREDENTIAL}it holds a token (pul-...)`,
        "pul-0123abcdq7x",
      ],
      // No secret in a message, whatever refuses the value (config/redact.ts shownValue, through errors.ts problem).
      [
        "a token in an extraEnv list its grammar refuses",
        { extraEnv: '["GITHUB_TOKEN=abc-q7x-hidden","bad name=1"]' },
        "extraEnv",
        `got "[\\"GITHUB_TOKEN=[secret]\\",\\"bad name=1\\"]"; allowed: a list of NAME=value strings`,
        "abc-q7x-hidden",
      ],
      [
        "a password named twice in extraEnv",
        { extraEnv: '["DB_PASSWORD=pw-q7x","DB_PASSWORD=pw-q7x"]' },
        "extraEnv",
        `got "[\\"DB_PASSWORD=[secret]\\",\\"DB_PASSWORD=[secret]\\"]"; allowed:`,
        "pw-q7x",
      ],
      [
        "an API key in extraEnv that is not JSON",
        { extraEnv: '["MY_API_KEY=k-q7x-hidden"' },
        "extraEnv",
        `got "[\\"MY_API_KEY=[secret]\\""; allowed:`,
        "k-q7x-hidden",
      ],
      [
        "a credential-named variable in extraEnv",
        { extraEnv: '["SERVICE_PASSWORD=pw-q7x-hidden"]' },
        "extraEnv",
        `got "SERVICE_PASSWORD=[secret]"; allowed: plain settings only: SERVICE_PASSWORD names a credential`,
        "pw-q7x-hidden",
      ],
      [
        "a remote cache URL with a password, refused by its grammar",
        { bazelRemoteCache: "https://ci:hunter2-q7x@cache.example.com" },
        "bazelRemoteCache",
        `got "https://ci:[secret]@cache.example.com"; allowed: empty (no remote cache), or a grpcs:// or https:// Bazel remote cache URL without credentials`,
        "hunter2-q7x",
      ],
      [
        "a remote cache URL with an access token, refused by its grammar",
        { bazelRemoteCache: "https://cache.example.com?access_token=at-q7x-hidden" },
        "bazelRemoteCache",
        `got "https://cache.example.com?access_token=[secret]"; allowed: empty (no remote cache)`,
        "at-q7x-hidden",
      ],
    ] as const
  ).map(
    ([title, config, key, message, hidden]): Case => ({
      title,
      stack: "dev",
      kind: "secrets",
      config,
      names: `${P}:${key}`,
      message: `${P}:${key}: ${message}`
        .replace(`${P}:${key}: its`, "its")
        .replace(`${P}:${key}: it `, "it "),
      hidden,
    }),
  ),
  {
    title: "a credential in plain text on a stack file's line",
    stack: "dev",
    kind: "secrets",
    stackFile: PLAIN_SECRET_STACK,
    names: `${P}:githubToken`,
    message: `${P}:githubToken: got [secret] (a plain-text value); allowed: an encrypted value`,
    hidden: "ghp_plainq7xplainq7xplain",
  },
  {
    title: "a credential in plain text names its stack file's line",
    stack: "dev",
    kind: "secrets",
    stackFile: PLAIN_SECRET_STACK,
    names: `${P}:githubToken`,
    message: `(Pulumi.dev.yaml line ${PLAIN_SECRET_STACK.split("\n").findIndex((l) => l.includes("githubToken")) + 1})`,
    hidden: "ghp_plainq7xplainq7xplain",
  },
  // Platform limits at plan time (config/platform-limits.ts; tools/plan/yaml-directive.ts for the stack file).
  ...(
    [
      [
        "a build cache of 0Gi",
        { buildCacheSize: "0Gi" },
        "buildCacheSize",
        `got "0Gi"; allowed: ${CACHE_ALLOWED}, above zero: Kubernetes refuses a PersistentVolumeClaim of no storage ("must be greater than zero")`,
      ],
      [
        "a build cache of 0.0Mi",
        { buildCacheSize: "0.0Mi" },
        "buildCacheSize",
        `got "0.0Mi"; allowed: ${CACHE_ALLOWED}, above zero`,
      ],
      [
        "a build cache of 0 (no unit)",
        { buildCacheSize: "0" },
        "buildCacheSize",
        `got "0"; allowed: ${CACHE_ALLOWED}`,
      ],
      [
        "an extraEnv name of 254 characters (a ConfigMap key)",
        { extraEnv: JSON.stringify([`${"A".repeat(254)}=1`]) },
        "extraEnv",
        `got "${"A".repeat(254)}"; allowed: a variable name Kubernetes takes as a ConfigMap key and an environment variable (apimachinery IsConfigMapKey, IsEnvVarName): it has 254 characters, over the 253 of a ConfigMap key`,
      ],
      [
        "an extraEnv value with a NUL",
        { extraEnv: '["FEATURE=a\\u0000b"]' },
        "extraEnv",
        `got "FEATURE=a\\u0000b"; allowed: ${NUL_ENV}`,
      ],
      [
        "a NUL in the namespace",
        { namespace: "dev\0x" },
        "namespace",
        `got "dev\\u0000x"; allowed: ${NUL_ANY}`,
      ],
      ["a NUL in the image tag", { imageTag: "v1\0" }, "imageTag", `got "v1\\u0000"; allowed: ${NUL_ANY}`],
      [
        "a NUL in a list key",
        { triggerPaths: '[".planton/**\0"]' },
        "triggerPaths",
        `got "[\\".planton/**\\u0000\\"]"; allowed: ${NUL_ANY}`,
      ],
      [
        "a NUL in the backend URL",
        { pulumiBackendUrl: "https://api.pulumi.com\0" },
        "pulumiBackendUrl",
        `got "https://api.pulumi.com\\u0000"; allowed: ${NUL_ANY}`,
      ],
      [
        "projectRoot of .",
        { projectRoot: "." },
        "projectRoot",
        `got "."; allowed: ${ROOT_ALLOWED}: it is the repository's root itself, not a folder below it`,
      ],
      [
        "projectRoot with an empty segment",
        { projectRoot: "backend//workflow-runner" },
        "projectRoot",
        `got "backend//workflow-runner"; allowed: ${ROOT_ALLOWED}: it has an empty segment ('//', or a trailing '/')`,
      ],
      [
        "projectRoot with a trailing /",
        { projectRoot: "backend/services/workflow-runner/" },
        "projectRoot",
        `got "backend/services/workflow-runner/"; allowed: ${ROOT_ALLOWED}: it has an empty segment ('//', or a trailing '/')`,
      ],
      [
        "programPath with a . segment",
        { programPath: "_ops/./pulumi/workflow-runner" },
        "programPath",
        `got "_ops/./pulumi/workflow-runner"; allowed: a relative path inside the repository, without '..': it has a '.' segment`,
      ],
    ] as const
  ).map(
    ([title, config, key, message]): Case => ({
      title,
      stack: "dev",
      kind: "platform limits",
      config,
      names: `${P}:${key}`,
      message: `${P}:${key}: ${message}`,
    }),
  ),
  {
    title: "a NUL in a stack file's double-quoted value",
    stack: "dev",
    kind: "platform limits",
    stackFile: devStackWith("namespace", '  workflow-runner:namespace: "workflow-runner-dev\\0"'),
    names: `${P}:namespace`,
    message: `${P}:namespace: got "workflow-runner-dev\\u0000"; allowed: ${NUL_ANY}`,
  },
  ...(
    [
      [
        "a stack file that declares %YAML 1.2",
        "%YAML 1.2\n---\n",
        'line 1, column 1: found incompatible YAML document ("%YAML 1.2")',
      ],
      [
        "a stack file that declares %YAML 2.0",
        "%YAML 2.0\n---\n",
        'found incompatible YAML document ("%YAML 2.0")',
      ],
      [
        "a stack file that declares %YAML twice",
        "%YAML 1.1\n%YAML 1.1\n---\n",
        "line 2, column 1: found duplicate %YAML directive",
      ],
    ] as const
  ).map(
    ([title, top, message]): Case => ({
      title,
      stack: "dev",
      kind: "files",
      stackFile: devStackWithTop(top),
      names: "Pulumi.dev.yaml",
      message,
    }),
  ),
];
cases.push(...roundFourConfig);

/** Every entry under a folder, links not followed: its kind, and a file's text or a link's target. */
function treeOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .map((e): [string, string] => {
        const full = path.join(e.parentPath, e.name);
        const kind = e.isSymbolicLink() ? `link ${readlinkSync(full)}` : e.isDirectory() ? "folder" : "";
        return [path.relative(dir, full), kind || readFileSync(full, "utf8")];
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

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
  it("has at least 85 distinct cases across every class, and 60 more of round three", () => {
    assert.ok(cases.length >= 85 + 60, `${cases.length} cases`);
    assert.ok(roundThree.length >= 60, `${roundThree.length} cases of round three`);
    assert.equal(new Set(cases.map((c) => c.title)).size, cases.length);
    assert.deepEqual(
      [...new Set(cases.map((c) => c.kind))].sort(),
      [
        "CLI flags",
        "JSON inputs",
        "platform limits",
        "repository paths",
        "script text",
        "stack file keys",
        "time",
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
      writeFileSync(path.join(out, PLAN_MARKER), PLAN_MARKER_TEXT);
      writeFileSync(path.join(out, "kubernetes.yaml"), "# the previous plan\n");
      const work = tempDir("bad-input-");
      // prod promotes; these cases plan it from its own tag and digest, so only the bad value fails.
      const full: Record<string, string> = {
        ...(c.stack === "prod" && !c.stackOutputs && !c.config?.promoteFrom && !c.out
          ? { promoteFrom: "", minSoak: "0s", imageTag: "v1", imageDigest: digest("1") }
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
      // Whatever --out names must come out untouched too, and so must everything beside it.
      const before = filesUnder(out);
      const outAt = args.indexOf("--out");
      const target = outAt === -1 ? out : (args[outAt + 1] ?? out);
      const root = path.dirname(out);
      const rootBefore = treeOf(root);
      const targetBefore = target === out ? before : snapshotOf(target);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runPlanCommand(args, { out: (l) => stdout.push(l), err: (l) => stderr.push(l) });
      const text = stderr.join("\n");
      assert.equal(code, c.exit ?? 1, text);
      assert.match(text, /^plan failed: /);
      assert.ok(text.includes(c.names), `the message names ${c.names}:\n${text}`);
      assert.ok(text.includes(c.message), `the message holds ${c.message}:\n${text}`);
      assert.match(text, /No plan files were written; any previous plan( in .*)? is unchanged\.$/);
      if (c.hidden)
        assert.ok(![...stdout, ...stderr].join("\n").includes(c.hidden), "a secret value was echoed");
      assert.deepEqual(filesUnder(out), before, "the output folder changed");
      assert.deepEqual(snapshotOf(target), targetBefore, "the folder --out names changed");
      assert.deepEqual(
        treeOf(root),
        rootBefore,
        "a file beside the output folder changed, or a staging folder was left",
      );
    });
  }

  it("never registers a resource when the config is bad (the program itself refuses first)", async () => {
    for (const c of cases.filter((x) => x.kind === "values" || x.kind === "undeclared keys").slice(0, 12)) {
      const full = {
        ...(c.stack === "prod"
          ? { promoteFrom: "", minSoak: "0s", imageTag: "v1", imageDigest: digest("1") }
          : {}),
        ...c.config,
      };
      await assert.rejects(evaluate({ stack: c.stack, config: full }), (e: unknown) => {
        assert.ok(e instanceof EvaluationError);
        assert.equal(e.resources.length, 0, c.title);
        return true;
      });
    }
  });

  it("accepts what the platform accepts, near each new rule's edge (one batch, no plan)", () => {
    const project = readProjectFile(PROJECT_DIR);
    const devRaw = (overrides: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(resolveConfig(project, readStackFile(PROJECT_DIR, "dev"), overrides).values).map(
          ([k, v]) => [k.slice(P.length + 1), v],
        ),
      );
    const accepted: Record<string, string>[] = [
      { cpuRequest: "10m", cpuLimit: "100m", memoryRequest: "32Mi", memoryLimit: "64Mi" },
      { cpuRequest: "64", cpuLimit: "64", memoryRequest: "256Gi", memoryLimit: "256Gi" },
      { trigger: "tekton", gitBranch: "release/v1.2" },
      { trigger: "tekton", gitBranch: "b".repeat(58) },
      { webhookUrl: `https://${"h".repeat(63)}.stigmer.ai/wr` },
      { extraEnv: JSON.stringify(["A=x".padEnd(500_000, "x")]) },
      { extraEnv: '["FEATURE_FLAGS=a,b", "KEYBOARD_LAYOUT=us"]' },
      { stigmerBackendTls: "false", stigmerBackendEndpoint: "stigmer-api.stigmer.svc.cluster.local:8080" },
      { stigmerBackendTls: "false", stigmerBackendEndpoint: "stigmer-api.stigmer.svc:8080" },
      { kubeContext: "arn:aws:eks:eu-west-1:123456789012:cluster/stigmer-dev" },
      { kubeContext: "gke_stigmer_europe-west1_dev" },
      {
        pulumiBackendUrl: "s3://state-bucket?region=eu-west-1&awssdk=v2",
        pulumiBackendAllowList: '["s3://state-bucket?region=eu-west-1&awssdk=v2"]',
      },
      { triggerPaths: '["backend/libs/**", "go.mod", ".bazelversion"]' },
      { ciNamespace: "tekton-ci" },
      { verifyImage: "docker.io/temporalio/admin-tools:1.28.1-tctl-1.18.4-cli-1.4.1" },
      {
        imagePin: `ghcr.io/leftbin/stigmer-cloud/backend/services/workflow-runner:latest-rc1@${digest("a")}`,
      },
    ];
    for (const overrides of accepted)
      assert.doesNotThrow(() => parsePlainConfig(devRaw(overrides)), JSON.stringify(overrides).slice(0, 200));
    // And each edge refused one step further, so the rules above are the ones at work.
    const refused: Record<string, string>[] = [
      { cpuRequest: "9m" },
      { trigger: "tekton", gitBranch: "b".repeat(59) },
      { webhookUrl: `https://${"h".repeat(64)}.stigmer.ai/wr` },
      { stigmerBackendTls: "false", stigmerBackendEndpoint: "stigmer-api.stigmer.svc.example.com:8080" },
    ];
    for (const overrides of refused)
      assert.throws(() => parsePlainConfig(devRaw(overrides)), ConfigError, JSON.stringify(overrides));
  });

  it("reads RFC 3339 times the same in any time zone, and refuses what is not one", () => {
    const saved = process.env.TZ;
    try {
      const seen = new Set<number | undefined>();
      const local = new Set<number>();
      for (const tz of ["UTC", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"]) {
        process.env.TZ = tz;
        seen.add(rfc3339Millis("2026-01-01T00:00:00.5+13:45"));
        // Proof the zone took effect: a time without a zone reads differently in each.
        local.add(Date.parse("2026-01-01T00:00:00"));
        assert.equal(rfc3339Millis("2026-01-01T00:00:00"), undefined, tz);
        assert.equal(rfc3339Millis("2024-02-29T23:59:59Z"), Date.UTC(2024, 1, 29, 23, 59, 59), tz);
      }
      assert.deepEqual([...seen], [Date.UTC(2025, 11, 31, 10, 15, 0, 500)]);
      assert.equal(local.size, 4);
      for (const bad of [
        "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01t00:00:00z",
      ])
        assert.equal(rfc3339Millis(bad), undefined, bad);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("two plans written at once to one folder leave one whole plan and no staging folder", async () => {
    const root = tempDir("bad-race-");
    const out = path.join(root, "plan");
    const plan = npmNodeCommand("plan");
    const run = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(
          process.execPath,
          [
            ...plan.nodeFlags,
            ...plan.args,
            "--stack",
            "dev",
            "--out",
            out,
            "--stack-outputs",
            `stigmer/workflow-runner/dev=${DEV_OUTPUTS_FILE}`,
          ],
          // An odd time zone: nothing in a plan may depend on it.
          { cwd: PROJECT_DIR, env: { ...process.env, TZ: "Pacific/Chatham" } },
        );
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += String(d);
        });
        child.on("close", (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(root), ["plan"], "a staging folder was left beside the plan");
    const files = filesUnder(out);
    assert.equal(files[PLAN_MARKER], PLAN_MARKER_TEXT);
    for (const f of ["kubernetes.yaml", "resources.json", "outputs.json"]) assert.ok(files[f], f);
  });

  it("a failed write leaves the previous plan whole and says so", async () => {
    const { writePlan } = await import("../tools/plan/render");
    const out = path.join(tempDir("bad-write-"), "plan");
    mkdirSync(out);
    writeFileSync(path.join(out, PLAN_MARKER), PLAN_MARKER_TEXT);
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
