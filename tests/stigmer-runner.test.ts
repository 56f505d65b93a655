// stigmer-runner in its own stacks: its stack files planned through the generic components, each boot rule of its
// contract refused at plan with its reason, the keys of each service kept to its stacks, the policy pack checking each
// service against its own contract, and a fixture service added by a module alone.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { ServiceDelivery } from "../components/delivery";
import { selectImage } from "../components/image-choice";
import { ConfigError } from "../config/errors";
import { PLAIN_KEYS, type PlainConfig } from "../config/keys";
import { parsePlainConfig } from "../config/parse";
import type { ServiceDescription } from "../config/service";
import { SERVICE_MODULES } from "../config/services/index";
import { describeStigmerRunner } from "../config/services/stigmer-runner";
import { describeService as describeWorkflowRunner } from "../config/services/workflow-runner";
import type { ServiceContract } from "../contracts/service";
import { RUNNER_DELIVERY, type RunnerVar } from "../contracts/stigmer-runner";
import { STIGMER_RUNNER_ENV } from "../contracts/stigmer-runner-env";
import {
  noNodeAccess,
  podSecurityPerContract,
  resourcePolicies,
  restrictedSecurityContext,
} from "../policy/rules";
import { type Evaluation, evaluate, type RecordedResource } from "../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../tools/plan/stack-files";
import { PROJECT_ROOT } from "../tools/project-root";
import { digest, one, policyArgs, TOOL_DIGESTS } from "./helpers";

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are schemaless JSON here.
type Json = any;

const RUNNER_DEV = "stigmer-runner-dev";
const project = readProjectFile(PROJECT_ROOT);

/** A committed stack's raw config, as the program reads it, with overrides. */
function rawOf(
  stack: string,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string | undefined> {
  const { values } = resolveConfig(project, readStackFile(PROJECT_ROOT, stack, project));
  return Object.fromEntries(
    Object.keys(PLAIN_KEYS).map((k) => [
      k,
      overrides[k] ?? (values[`${project.name}:${k}`] as string | undefined),
    ]),
  );
}

/** The problems parsePlainConfig reports for a stack with overrides; [] when it parses. */
function problemsOf(stack: string, overrides: Readonly<Record<string, string>>): string[] {
  try {
    parsePlainConfig(rawOf(stack, overrides));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** The stack file's own value of a key, parsed by the key's schema (tests never assert today's value of a stack file). */
function stackValue(stack: string, key: keyof typeof PLAIN_KEYS): unknown {
  const raw = readStackFile(PROJECT_ROOT, stack, project)[`${project.name}:${key}`];
  if (raw === undefined) return undefined;
  return PLAIN_KEYS[key].schema.parse(typeof raw === "string" ? raw : JSON.stringify(raw));
}

const pod = (ev: Evaluation): Json =>
  (one(ev, "kubernetes:apps/v1:Deployment").revealedInputs as Json).spec.template.spec;

describe("stigmer-runner's dev stack, planned from the root", () => {
  const repo = String(stackValue(RUNNER_DEV, "imageRepository"));
  const tag = String(stackValue(RUNNER_DEV, "imageTag"));
  const released = digest("7");
  let ev: Evaluation;
  before(async () => {
    ev = await evaluate({
      stack: RUNNER_DEV,
      preview: false,
      registryDigests: { ...TOOL_DIGESTS, [`${repo}:${tag}`]: released },
      secrets: { registryToken: "t" },
    });
  });

  it("runs the released tag by the digest the registry resolved, and exports both", () => {
    const container = pod(ev).containers[0];
    assert.equal(container.image, `${repo}:${tag}@${released}`);
    assert.equal(ev.outputs.imageRef?.value, `${repo}:${tag}@${released}`);
    assert.equal(ev.outputs.imageTag?.value, tag);
    assert.equal(ev.outputs.imageDigest?.value, released);
    assert.equal(ev.outputs.imageOrigin?.value, "registry");
  });

  it("runs as root with exactly the contract's capabilities, no escalation, seccomp RuntimeDefault", () => {
    const spec = pod(ev);
    const sc = spec.containers[0].securityContext;
    assert.equal(spec.securityContext.runAsUser, 0);
    assert.equal(sc.runAsUser, 0);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.deepEqual(sc.capabilities, {
      drop: ["ALL"],
      add: ["SETUID", "SETGID", "CHOWN", "KILL", "DAC_OVERRIDE"],
    });
    assert.equal(sc.seccompProfile.type, "RuntimeDefault");
    assert.equal(spec.containers[0].ports, undefined);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
      assert.equal(spec.containers[0][probe], undefined, probe);
  });

  it("keeps /data on its own claim, one replica, Recreate, the stack's grace period", () => {
    const deployment = one(ev, "kubernetes:apps/v1:Deployment").revealedInputs as Json;
    assert.deepEqual(deployment.spec.strategy, { type: "Recreate" });
    assert.equal(deployment.spec.replicas, stackValue(RUNNER_DEV, "replicas"));
    assert.equal(
      pod(ev).terminationGracePeriodSeconds,
      stackValue(RUNNER_DEV, "terminationGracePeriodSeconds"),
    );
    const claim = one(ev, "kubernetes:core/v1:PersistentVolumeClaim").revealedInputs as Json;
    assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
    const data = pod(ev).volumes.find((v: Json) => v.name === "data");
    assert.equal(data.persistentVolumeClaim.claimName, claim.metadata.name);
    assert.deepEqual(pod(ev).containers[0].volumeMounts, [{ name: "data", mountPath: "/data" }]);
  });

  it("reads every credential by reference from the operator's Secret, and makes no Secret of its own", () => {
    const secretName = stackValue(RUNNER_DEV, "runnerSecretName");
    const keys = stackValue(RUNNER_DEV, "runnerSecretKeys") as string[];
    const env = pod(ev).containers[0].env as Json[];
    assert.deepEqual(
      env.map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]),
      keys.map((k) => [k, secretName, k]),
    );
    assert.ok(env.every((e) => e.value === undefined));
    const secrets = ev.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    assert.deepEqual(
      secrets.map((s) => (s.revealedInputs as Json).type),
      ["kubernetes.io/dockerconfigjson"],
    );
    const settings = (one(ev, "kubernetes:core/v1:ConfigMap").revealedInputs as Json).data;
    assert.equal(settings.STIGMER_TASK_QUEUE, stackValue(RUNNER_DEV, "runnerTaskQueue") ?? "stigmer_runner");
    assert.equal(settings.MODE, stackValue(RUNNER_DEV, "runnerMode"));
  });

  it("gets a baseline namespace naming its reason, and no pipeline or service-hub entry", () => {
    const ns = one(ev, "kubernetes:core/v1:Namespace").revealedInputs as Json;
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
    assert.match(
      ns.metadata.annotations["stigmer.ai/pod-security-reason"],
      /uid 0 .*SETUID, SETGID, CHOWN, KILL/,
    );
    assert.equal(ev.outputs.serviceHubEntryPath?.value, "");
    assert.equal(ev.outputs.pipelineName?.value, "");
    assert.ok(!ev.resources.some((r) => r.type.startsWith("kubernetes:tekton.dev")));
  });

  it("passes every resource rule of the policy pack, the per-contract ones included", () => {
    const found = ev.resources.flatMap((r) =>
      resourcePolicies.flatMap((policy) =>
        violations(policy, r).map((m) => `${policy.name} ${r.name}: ${m}`),
      ),
    );
    assert.deepEqual(found, []);
  });

  it("gets from no-node-access only its declared claims: another volume kind, or a capability of another container, is refused", () => {
    const deployment = one(ev, "kubernetes:apps/v1:Deployment");
    assert.deepEqual(
      violations(noNodeAccess, deployment, (p) => {
        const spec = p.spec.template.spec;
        spec.volumes.push({ name: "host", hostPath: { path: "/" } });
        spec.initContainers = [{ name: "init", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }];
      }),
      [
        "volume host: hostPath: allowed: configMap, secret, projected, downwardAPI, emptyDir (the node mounts or runs anything else)",
        "container init: adds capability NET_ADMIN; allowed: none (every container drops ALL)",
      ],
    );
  });
});

/** What a per-resource rule reports for a recorded resource, with its inputs changed by `edit`. */
function violations(
  policy: typeof restrictedSecurityContext,
  r: RecordedResource,
  edit: (props: Json) => void = () => {},
): string[] {
  const props = structuredClone(r.revealedInputs) as Json;
  edit(props);
  const out: string[] = [];
  const validate = policy.validateResource as (args: Json, report: (m: string) => void) => void;
  validate(policyArgs(r.type, props, r.protect), (m) => out.push(m));
  return out;
}

describe("the policy pack checks each service against its own contract", () => {
  let runner: Evaluation;
  let worker: Evaluation;
  before(async () => {
    runner = await evaluate({
      stack: RUNNER_DEV,
      preview: false,
      config: { imageDigest: digest("7") },
      registryDigests: TOOL_DIGESTS,
      secrets: { registryToken: "t" },
    });
    worker = await evaluate({
      stack: "dev",
      preview: false,
      config: { imageDigest: digest("5") },
      registryDigests: TOOL_DIGESTS,
    });
  });
  const deploymentOf = (ev: Evaluation) => one(ev, "kubernetes:apps/v1:Deployment");
  const namespaceOf = (ev: Evaluation) =>
    ev.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:Namespace" &&
        (r.revealedInputs as Json).metadata.labels["app.kubernetes.io/name"],
    ) as RecordedResource;

  it("refuses a capability the runner's contract does not declare", () => {
    const c0 = (p: Json) => p.spec.template.spec.containers[0].securityContext;
    assert.deepEqual(
      violations(restrictedSecurityContext, deploymentOf(runner), (p) =>
        c0(p).capabilities.add.push("SYS_ADMIN"),
      ),
      ["container stigmer-runner: adds capability SYS_ADMIN, which its contract does not declare"],
    );
    // The five it needs are what its contract declares: dropping one is no violation of the pack, adding a sixth is.
    assert.deepEqual(
      violations(restrictedSecurityContext, deploymentOf(runner), (p) =>
        c0(p).capabilities.add.push("NET_ADMIN"),
      ),
      ["container stigmer-runner: adds capability NET_ADMIN, which its contract does not declare"],
    );
  });

  it("refuses the runner as another uid, and escalation", () => {
    assert.deepEqual(
      violations(restrictedSecurityContext, deploymentOf(runner), (p) => {
        const sc = p.spec.template.spec.containers[0].securityContext;
        sc.runAsUser = 1000;
        sc.allowPrivilegeEscalation = true;
      }),
      [
        "container stigmer-runner: runAsUser is 1000, but its contract requires uid 0",
        "container stigmer-runner: allowPrivilegeEscalation is not false",
      ],
    );
  });

  it("keeps workflow-runner restricted: root, a writable root filesystem or a capability is refused", () => {
    assert.deepEqual(violations(restrictedSecurityContext, deploymentOf(worker)), []);
    assert.deepEqual(
      violations(restrictedSecurityContext, deploymentOf(worker), (p) => {
        const spec = p.spec.template.spec;
        spec.securityContext.runAsNonRoot = false;
        const sc = spec.containers[0].securityContext;
        sc.runAsNonRoot = false;
        sc.runAsUser = 0;
        sc.readOnlyRootFilesystem = false;
        sc.capabilities.add = ["CHOWN"];
      }),
      [
        "container workflow-runner: runAsNonRoot is not true",
        "container workflow-runner: readOnlyRootFilesystem is not true",
        "container workflow-runner: adds capability CHOWN, which its contract does not declare",
      ],
    );
  });

  it("holds each namespace to its contract's level, and an exception to its reason", () => {
    assert.deepEqual(violations(podSecurityPerContract, namespaceOf(worker)), []);
    const level = (value: string) => (p: Json) => {
      p.metadata.labels["pod-security.kubernetes.io/enforce"] = value;
    };
    assert.deepEqual(violations(podSecurityPerContract, namespaceOf(worker), level("baseline")), [
      "Namespace workflow-runner-dev of workflow-runner enforces baseline; its contract declares restricted",
      "Namespace workflow-runner-dev enforces baseline without a stigmer.ai/pod-security-reason annotation saying why",
    ]);
    assert.deepEqual(violations(podSecurityPerContract, namespaceOf(runner), level("privileged")), [
      "Namespace stigmer-runner-dev of stigmer-runner enforces privileged; its contract declares baseline",
    ]);
    assert.deepEqual(
      violations(podSecurityPerContract, namespaceOf(runner), (p) => {
        p.metadata.annotations = undefined;
      }),
      [
        "Namespace stigmer-runner-dev enforces baseline without a stigmer.ai/pod-security-reason annotation saying why",
      ],
    );
  });
});

describe("stigmer-runner's delivery table against its README table", () => {
  /** Variables whose `secret` differs from the README table's (contracts/stigmer-runner-env.ts). Pure. */
  const secretDrift = (delivery: Readonly<Record<string, RunnerVar | undefined>>): string[] =>
    Object.entries(delivery)
      .filter(
        ([name, spec]) =>
          spec && spec.secret !== STIGMER_RUNNER_ENV[name as keyof typeof STIGMER_RUNNER_ENV]?.secret,
      )
      .map(([name]) => name);

  it("marks as secret exactly what the README marks, and delivers every credential by reference or not at all", () => {
    assert.deepEqual(secretDrift(RUNNER_DELIVERY), []);
    for (const [name, spec] of Object.entries(RUNNER_DELIVERY))
      if (spec?.secret) assert.ok(["secretRef", "refused"].includes(spec.deployment), name);
    // The check can fail: a credential marked plain.
    const drifted = {
      ...RUNNER_DELIVERY,
      STIGMER_TOKEN: { ...(RUNNER_DELIVERY.STIGMER_TOKEN as RunnerVar), secret: false },
    };
    assert.deepEqual(secretDrift(drifted), ["STIGMER_TOKEN"]);
  });

  it("lets extraEnv carry a setting it does not model, and refuses one it renders or refuses", () => {
    assert.deepEqual(
      problemsOf(RUNNER_DEV, { extraEnv: '["STIGMER_WORKFLOW_BUNDLE=x","AWS_REGION=eu-west-1"]' }),
      [],
    );
    assert.deepEqual(problemsOf(RUNNER_DEV, { extraEnv: '["MODE=local","STIGMER_POOL_MEMBER_ID=a"]' }), [
      "workflow-runner:extraEnv: got MODE; allowed: a name the program does not set for stigmer-runner: the program renders it from its own config key",
      "workflow-runner:extraEnv: got STIGMER_POOL_MEMBER_ID; allowed: a name the program does not set for stigmer-runner: it is never set (selects the hosted warm pool; a self-hosted runner never sets it)",
    ]);
  });
});

describe("stigmer-runner's boot rules, refused at plan", () => {
  const at = (key: string, value: string, allowed: string) =>
    `workflow-runner:${key}: got ${value}; allowed: ${allowed}`;

  it("accepts both committed runner stacks", () => {
    assert.deepEqual(problemsOf("stigmer-runner-dev", {}), []);
    assert.deepEqual(problemsOf("stigmer-runner-prod", {}), []);
  });

  it("refuses an empty queue", () => {
    assert.deepEqual(problemsOf(RUNNER_DEV, { runnerTaskQueue: "" }), [
      at(
        "runnerTaskQueue",
        '""',
        'a queue name (default stigmer_runner): src/config.ts@03c64c81 reads the queue with ??, so an empty STIGMER_TASK_QUEUE would be polled as a queue named "", which no server sends to',
      ),
    ]);
  });

  it("refuses cloud, or a proxy, without STIGMER_TOKEN", () => {
    const why =
      'the runner exits at boot: "Required environment variable STIGMER_TOKEN is not set" (src/config.ts@03c64c81)';
    assert.deepEqual(problemsOf(RUNNER_DEV, { runnerSecretKeys: '["ANTHROPIC_API_KEY"]' }), [
      at(
        "runnerSecretKeys",
        '"[\\"ANTHROPIC_API_KEY\\"]"',
        `a list with STIGMER_TOKEN because runnerMode is cloud: ${why}`,
      ),
    ]);
    assert.deepEqual(
      problemsOf(RUNNER_DEV, { runnerMode: "local", runnerSecretKeys: "[]", runnerSecretName: "" }),
      [
        at(
          "runnerSecretKeys",
          '"[]"',
          `a list with STIGMER_TOKEN because stigmerProxyEndpoint is set: ${why}`,
        ),
      ],
    );
  });

  it("refuses every Temporal TLS combination that stops the boot", () => {
    const keys = (list: string[]) => ({ runnerSecretKeys: JSON.stringify(["STIGMER_TOKEN", ...list]) });
    const shown = (list: string[]) => JSON.stringify(JSON.stringify(["STIGMER_TOKEN", ...list]));
    const half = ["STIGMER_TEMPORAL_TLS_CLIENT_CERT_DATA"];
    assert.deepEqual(problemsOf(RUNNER_DEV, keys(half)), [
      at(
        "runnerSecretKeys",
        shown(half),
        "both halves of the client pair or neither: STIGMER_TEMPORAL_TLS_CLIENT_KEY_DATA or _PATH is missing, and the runner exits at boot: half a client certificate/key pair",
      ),
    ]);
    const both = ["STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_DATA", "STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_PATH"];
    assert.deepEqual(problemsOf(RUNNER_DEV, keys(both)), [
      at(
        "runnerSecretKeys",
        shown(both),
        "one of STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_DATA and STIGMER_TEMPORAL_TLS_SERVER_CA_CERT_PATH: the runner exits at boot: both forms of one TLS item",
      ),
    ]);
    assert.deepEqual(
      problemsOf(RUNNER_DEV, { ...keys(["STIGMER_TEMPORAL_API_KEY"]), runnerTemporalTls: "false" }),
      [
        at(
          "runnerTemporalTls",
          '"false"',
          "empty or true while STIGMER_TEMPORAL_API_KEY is set: the runner exits at boot: STIGMER_TEMPORAL_TLS=false together with a TLS item or an API key",
        ),
      ],
    );
  });

  it("refuses a payload key without its id", () => {
    assert.deepEqual(
      problemsOf(RUNNER_DEV, { runnerSecretKeys: '["STIGMER_TOKEN","STIGMER_PAYLOAD_ENCRYPTION_KEY"]' }),
      [
        at(
          "runnerPayloadKeyId",
          "(not set)",
          "the id of STIGMER_PAYLOAD_ENCRYPTION_KEY (runnerSecretKeys holds it): the runner exits at boot: a payload key without its id",
        ),
      ],
    );
  });

  it("refuses a local artifact store nothing shares, and says why", () => {
    const [only] = problemsOf(RUNNER_DEV, { runnerArtifactStorage: "local" });
    assert.match(
      only ?? "",
      /^workflow-runner:runnerArtifactStorage: got "local"; allowed: local only with runnerArtifactClaim: local storage reads the files the server writes/,
    );
    // The same five capabilities, shared claim or not (agent-identity.ts@dba3e707 checks all five).
    const cfg = parsePlainConfig(
      rawOf(RUNNER_DEV, { runnerArtifactStorage: "local", runnerArtifactClaim: "stigmer-artifacts" }),
    );
    const process = describeStigmerRunner(cfg, "stigmer/workflow-runner/stigmer-runner-dev").workload.process;
    assert.deepEqual(process.addCapabilities, ["SETUID", "SETGID", "CHOWN", "KILL", "DAC_OVERRIDE"]);
    assert.deepEqual(
      process.volumes.map((v) => [v.name, v.mountPath]),
      [
        ["data", "/data"],
        ["artifacts", "/artifacts"],
      ],
    );
  });

  it("refuses a second replica and a grace period under 60 s, with the reasons", () => {
    const problems = problemsOf(RUNNER_DEV, {
      replicas: "2",
      minAvailable: "1",
      terminationGracePeriodSeconds: "30",
    });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0] ?? "",
      /^workflow-runner:replicas: got "2"; allowed: 1 for stigmer-runner: two runners polling one queue would race the disk/,
    );
    assert.match(
      problems[1] ?? "",
      /^workflow-runner:terminationGracePeriodSeconds: got "30"; allowed: at least 60 for stigmer-runner: the runner finishes in-flight activities with no deadline of its own/,
    );
  });
});

describe("each service's keys stay in its own stacks", () => {
  it("refuses a workflow-runner key in a runner stack, and a runner key in a workflow-runner stack", () => {
    assert.deepEqual(problemsOf(RUNNER_DEV, { logLevel: "debug" }), [
      'workflow-runner:logLevel: got "debug"; allowed: its default (info) in a stack of stigmer-runner: logLevel belongs to workflow-runner, which this stack (service: stigmer-runner) does not deliver. Remove the line from the stack file',
    ]);
    assert.deepEqual(problemsOf("dev", { runnerMode: "cloud" }), [
      'workflow-runner:runnerMode: got "cloud"; allowed: its default (local) in a stack of workflow-runner: runnerMode belongs to stigmer-runner, which this stack (service: workflow-runner) does not deliver. Remove the line from the stack file',
    ]);
  });

  it("refuses a service no module describes", () => {
    assert.deepEqual(problemsOf("dev", { service: "agent-runner" }), [
      `workflow-runner:service: got "agent-runner"; allowed: a service with a module in config/services/: ${Object.keys(SERVICE_MODULES).join(", ")}`,
    ]);
  });
});

describe("a service is a module: a fixture service planned through the generic components", () => {
  // A contract and a description only, as a new service's module would give them; no component is touched.
  const FIXTURE: ServiceContract = {
    name: "fixture-runner",
    component: "temporal-worker",
    partOf: "stigmer",
    upstream: "a fixture",
    pollerIdentity: "typescript",
    process: {
      uid: 1000,
      gid: 1000,
      writesRootFilesystem: false,
      capabilities: {},
      strategy: { type: "Recreate", why: "a fixture" },
      ports: [],
      probes: false,
      podSecurity: { level: "restricted" },
    },
    image: {
      kind: "released",
      repository: "ghcr.io/example/fixture-runner",
      tagFormat: /^v.+$/,
      source: "a fixture",
    },
  };
  const describeFixture = (cfg: PlainConfig): ServiceDescription => {
    const base = describeStigmerRunner(cfg, "stigmer/workflow-runner/fixture-dev");
    return {
      ...base,
      name: FIXTURE.name,
      image: { ...base.image, repository: FIXTURE.image.repository, tag: "v1.0.0" },
      workload: {
        ...base.workload,
        namespace: "fixture-runner-dev",
        secretRefs: [],
        process: {
          uid: FIXTURE.process.uid,
          gid: FIXTURE.process.gid,
          readOnlyRootFilesystem: true,
          addCapabilities: [],
          strategy: FIXTURE.process.strategy.type,
          volumes: [{ name: "tmp", mountPath: "/tmp", source: { kind: "emptyDir", sizeLimit: "16Mi" } }],
          podSecurity: { level: "restricted" },
        },
      },
    };
  };

  it("renders its Deployment and namespace from its description alone, beside workflow-runner's", async () => {
    const cfg = parsePlainConfig(rawOf(RUNNER_DEV));
    const fixture = describeFixture(cfg);
    const worker = describeWorkflowRunner(parsePlainConfig(rawOf("dev")), "stigmer/workflow-runner/dev");
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      program: () => {
        const kubernetes = new k8s.Provider("kubernetes", {});
        for (const service of [fixture, { ...worker, build: undefined, manageRepositoryFiles: false }]) {
          new ServiceDelivery(
            service.name,
            {
              service,
              image: selectImage({ ...service.image, digest: digest("3") }),
              registryUsername: "u",
              registryToken: "t",
              serviceSecrets: { STIGMER_API_KEY: "k" },
            },
            { providers: [kubernetes] },
          );
        }
        return {};
      },
    });
    const deployments = ev.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.deepEqual(deployments.map((d) => d.name).sort(), [
      "fixture-runner-deployment",
      "workflow-runner-deployment",
    ]);
    const spec = (
      one(ev, "kubernetes:apps/v1:Deployment", "fixture-runner-deployment").revealedInputs as Json
    ).spec;
    assert.deepEqual(spec.strategy, { type: "Recreate" });
    assert.equal(spec.template.spec.containers[0].securityContext.runAsUser, 1000);
    assert.equal(
      spec.template.spec.containers[0].image,
      `ghcr.io/example/fixture-runner:v1.0.0@${digest("3")}`,
    );
    const fixtureNs = ev.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:Namespace" &&
        (r.revealedInputs as Json).metadata.name === "fixture-runner-dev",
    );
    assert.equal(
      ((fixtureNs as RecordedResource).revealedInputs as Json).metadata.labels[
        "pod-security.kubernetes.io/enforce"
      ],
      "restricted",
    );
  });
});
