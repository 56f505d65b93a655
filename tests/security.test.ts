// The security baseline: one owner of what every service shares, admission rules evaluated by a real CEL evaluator,
// and NetworkPolicies that parse, over two stacks' plans.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { run } from "@bufbuild/cel";
import { parse } from "yaml";
import { podTemplateValidations, requestedBy, type Validation } from "../components/admission";
import { celString } from "../components/cel";
import { PIPELINE_FILE } from "../components/pipeline";
import {
  cidrProblem,
  clusterServiceNamespace,
  hostProblem,
  ipBlockProblem,
  networkPolicyProblems,
} from "../config/network";
import { parsePlainConfig } from "../config/parse";
import { describeWorkload } from "../config/services/workflow-runner";
import { type Evaluation, evaluate, PROJECT_DIR, type RecordedResource } from "../tools/plan/evaluate";
import { kubernetesObjects } from "../tools/plan/render";
import { admissionEnvironment, compileExpecting, policyProblems, TRIGGERS_ENVIRONMENT } from "./cel-check";
import { digest, TOOL_DIGESTS } from "./helpers";

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are schemaless JSON here.
type Obj = any;

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
const API_SERVER = '["203.0.113.10/32"]';

/** One evaluation per argument-less call, shared by the suites (each takes a second or more). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

/** The owner of the shared pipeline (dev), self-hosted so that every shared kind exists. */
function owner(extra: Record<string, string> = {}): Promise<Evaluation> {
  return evaluate({
    stack: "dev",
    preview: false,
    registryDigests: TOOL_DIGESTS,
    config: { imageDigest: digest("1"), trigger: "tekton", apiServerCidrs: API_SERVER, ...extra },
  });
}

/** A second stack that builds through the same shared pipeline and owns none of it (staging, from dev's file). */
function second(extra: Record<string, string> = {}): Promise<Evaluation> {
  return evaluate({
    stack: "staging",
    stackFile: path.join(PROJECT_DIR, "Pulumi.dev.yaml"),
    preview: false,
    registryDigests: TOOL_DIGESTS,
    config: {
      environment: "staging",
      namespace: "workflow-runner-staging",
      deploymentEnvironments: '["dev","staging","prod"]',
      ownsSharedPipeline: "false",
      imageTag: "v2",
      imageDigest: digest("2"),
      trigger: "tekton",
      ...extra,
    },
  });
}

const ownerPlan = once(() => owner());
const secondPlan = once(() => second());
const prodPlan = once(() =>
  evaluate({
    stack: "prod",
    preview: false,
    stackOutputs: {
      "stigmer/workflow-runner/dev": {
        imageRef: `${REPO}:v1@${digest("2")}`,
        verifiedImageRef: `${REPO}:v1@${digest("2")}`,
        verifiedAt: "2026-01-01T00:00:00.000Z",
      },
    },
  }),
);

/** What a resource is in the world (kind and name, or the committed file), so two stacks' records can be compared. */
function identity(r: RecordedResource): string {
  if (r.type === "github:index/repositoryFile:RepositoryFile") return `file ${r.inputs.file}`;
  const meta = r.inputs.metadata as Obj;
  return `${r.type} ${meta?.namespace ?? ""}/${meta?.name ?? r.name}`;
}

/** The shared objects: the root pipeline's files, its Tekton objects, the CI namespace and its policies. */
function isShared(r: RecordedResource): boolean {
  const meta = r.inputs.metadata as Obj;
  if (r.type === "github:index/repositoryFile:RepositoryFile")
    return String(r.inputs.file).startsWith(".planton/");
  if (r.type === "kubernetes:tekton.dev/v1:Pipeline" || r.type === "kubernetes:tekton.dev/v1:Task")
    return true;
  if (r.type === "kubernetes:core/v1:Namespace") return meta?.name === "workflow-runner-ci";
  return (
    r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && meta?.namespace === "workflow-runner-ci"
  );
}

/** What `pulumi destroy` of the stack deletes: every custom resource not retained on delete. */
function destroyPlan(ev: Evaluation): string[] {
  return ev.resources
    .filter((r) => r.custom && !r.retainOnDelete && !r.type.startsWith("pulumi:"))
    .map(identity);
}

describe("one owner for what every service shares", () => {
  let dev: Evaluation;
  let staging: Evaluation;
  before(async () => {
    // One at a time: an evaluation sets the process's Pulumi runtime.
    dev = await ownerPlan();
    staging = await secondPlan();
  });

  it("the owner declares the pipeline's files, its Tekton objects, the CI namespace and its policies", () => {
    const shared = dev.resources.filter(isShared).map(identity);
    for (const expected of [
      `file ${PIPELINE_FILE}`,
      "kubernetes:tekton.dev/v1:Pipeline workflow-runner-ci/stigmer-java-backend-service-pipeline",
      "kubernetes:core/v1:Namespace /workflow-runner-ci",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy workflow-runner-ci/default-deny",
    ])
      assert.ok(shared.includes(expected), expected);
    assert.equal(dev.resources.filter((r) => r.type === "kubernetes:tekton.dev/v1:Task").length, 3);
  });

  it("marks every shared resource retainOnDelete, and nothing of the service's own", () => {
    const shared = dev.resources.filter(isShared);
    assert.ok(shared.length >= 10);
    for (const r of shared) assert.equal(r.retainOnDelete, true, identity(r));
    // The record reads the option off the registration: a service's own objects are deleted with the stack.
    const deployment = dev.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.equal(deployment?.retainOnDelete, false);
  });

  it("the owner's destroy plan removes none of them", () => {
    const destroyed = destroyPlan(dev);
    assert.ok(destroyed.some((id) => id.startsWith("kubernetes:apps/v1:Deployment")));
    for (const r of dev.resources.filter(isShared)) assert.ok(!destroyed.includes(identity(r)), identity(r));
  });

  it("a second service's stack declares none of them, so neither its update nor its destroy touches them", () => {
    assert.deepEqual(staging.resources.filter(isShared).map(identity), []);
    const theirs = new Set(staging.resources.map(identity));
    for (const r of dev.resources.filter(isShared)) assert.ok(!theirs.has(identity(r)), identity(r));
    for (const id of destroyPlan(staging)) assert.ok(!id.includes("workflow-runner-ci/stigmer-java"), id);
  });

  it("the second stack names the shared pipeline and CI namespace instead", () => {
    const objects = kubernetesObjects(staging) as Obj[];
    const template = objects.find((o) => o.kind === "TriggerTemplate");
    assert.equal(template.metadata.namespace, "workflow-runner-ci");
    assert.deepEqual(template.spec.resourcetemplates[0].spec.pipelineRef, {
      name: "stigmer-java-backend-service-pipeline",
    });
  });

  it("is owned by exactly one of the repository's stacks", () => {
    const owners = readdirSync(PROJECT_DIR)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .filter(
        (f) =>
          parse(readFileSync(path.join(PROJECT_DIR, f), "utf8")).config?.[
            "workflow-runner:ownsSharedPipeline"
          ] === true,
      );
    assert.deepEqual(owners, ["Pulumi.dev.yaml"]);
  });

  it("refuses an owner that does not build", () => {
    assert.throws(
      () =>
        parsePlainConfig(
          validRaw({ ownsSharedPipeline: "true", buildPipeline: "false", manageRepositoryFiles: "false" }),
        ),
      /workflow-runner:ownsSharedPipeline: got "true"; allowed: false unless buildPipeline is true/,
    );
  });
});

/**
 * A CEL verdict as the API server takes it with failurePolicy Fail: only `true` admits. The expression is compiled
 * first, typed, in Kubernetes 1.30's environment (tests/cel-check.ts): one the API server would refuse to store throws
 * here instead of counting as a refusal.
 */
function admits(expression: string, vars: Record<string, unknown>): boolean {
  compileExpecting(expression, admissionEnvironment(), "bool");
  return run(expression, vars as Parameters<typeof run>[1]) === true;
}

/** The validations of a rendered policy that refuse `object`. */
function refusals(validations: readonly Validation[], object: unknown): string[] {
  return validations.filter((v) => !admits(v.expression, { object })).map((v) => v.message);
}

describe("the CEL evaluator the admission tests use (@bufbuild/cel 0.6.1)", () => {
  it("implements has, all, exists, matches and string escapes as Kubernetes' CEL does", () => {
    const object = { a: [{ i: "x@sha256:ab" }], s: "it's" };
    assert.equal(admits("has(object.a) && !has(object.b)", { object }), true);
    assert.equal(admits("object.a.all(c, c.i.matches('@sha256:[a-f]+$'))", { object }), true);
    assert.equal(admits("object.a.exists(c, c.i.matches('^y'))", { object }), false);
    assert.equal(admits(`object.s == ${celString("it's")}`, { object }), true);
  });

  it("treats an error (a missing field without has) as no admission", () => {
    assert.equal(admits("object.spec.missing == 'x'", { object: { spec: {} } }), false);
  });

  it("compiles before it evaluates: an expression the API server would not store throws instead of refusing", () => {
    // Evaluated alone, each is an error, which a negative test would have counted as a refusal.
    for (const [expression, problem] of [
      ["object.(", /does not parse/],
      ["request.userInfo.usename == 'x'", /undefined field 'usename' of kubernetes\.UserInfo/],
      ["object.spec.name.sha256() == 'x'", /undeclared reference to 'sha256'/],
      ["object.spec.name.matches('(?=x)')", /invalid regular expression in matches\(\): .*\(\?=/],
    ] as const) {
      assert.notEqual(run(expression, { object: { spec: { name: "n" } }, request: {} }), true, expression);
      assert.throws(() => admits(expression, { object: {} }), problem, expression);
    }
  });
});

describe("admission rules, on the rendered objects", () => {
  let objects: Obj[];
  let byName: (suffix: string) => Obj;
  before(async () => {
    objects = kubernetesObjects(await ownerPlan()) as Obj[];
    byName = (suffix) => {
      const found = objects.find(
        (o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name.endsWith(suffix),
      );
      assert.ok(found, suffix);
      return found;
    };
  });

  it("each policy has a Deny binding in its namespace", () => {
    const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
    assert.equal(policies.length, 3);
    for (const p of policies) {
      const binding = objects.find(
        (o) => o.kind === "ValidatingAdmissionPolicyBinding" && o.spec.policyName === p.metadata.name,
      );
      assert.deepEqual(binding.spec.validationActions, ["Deny"]);
      assert.equal(p.spec.failurePolicy, "Fail");
    }
  });

  it("applies to the deployer's and the listener's requests, not to anyone else's", () => {
    const deployer = byName("-deployer-jobs").spec.matchConditions[0].expression;
    const request = (username: string) => ({ request: { userInfo: { username } } });
    assert.equal(
      admits(deployer, request("system:serviceaccount:workflow-runner-ci:workflow-runner-deployer")),
      true,
    );
    assert.equal(admits(deployer, request("system:serviceaccount:workflow-runner-ci:other")), false);
    const listener = byName("-listener-pipelineruns").spec.matchConditions[0].expression;
    assert.equal(
      admits(listener, request("system:serviceaccount:workflow-runner-ci:workflow-runner-triggers")),
      true,
    );
  });

  describe("the EventListener's PipelineRuns", () => {
    let validations: Validation[];
    let allowed: Obj;
    const variant = (change: (run: Obj) => void) => {
      const copy = structuredClone(allowed);
      change(copy);
      return copy;
    };
    before(() => {
      validations = byName("-listener-pipelineruns").spec.validations;
      allowed = objects.find((o) => o.kind === "TriggerTemplate").spec.resourcetemplates[0];
    });

    it("admit the run the TriggerTemplate creates", () => {
      assert.deepEqual(refusals(validations, allowed), []);
    });

    const forbidden: [string, (r: Obj) => void, RegExp][] = [
      [
        "an embedded pipelineSpec",
        (r) => {
          delete r.spec.pipelineRef;
          r.spec.pipelineSpec = { tasks: [{ name: "x", taskSpec: { steps: [] } }] };
        },
        /by name, with no embedded spec/,
      ],
      [
        "both a reference and a spec",
        (r) => {
          r.spec.pipelineSpec = { tasks: [] };
        },
        /by name, with no embedded spec/,
      ],
      [
        "another pipeline",
        (r) => {
          r.spec.pipelineRef = { name: "other" };
        },
        /by name/,
      ],
      [
        "a remote resolver",
        (r) => {
          r.spec.pipelineRef = { resolver: "git", params: [{ name: "url", value: "x" }] };
        },
        /no resolver/,
      ],
      [
        "TaskRuns as the deployer",
        (r) => {
          r.spec.taskRunTemplate.serviceAccountName = "workflow-runner-deployer";
        },
        /TaskRuns must run as workflow-runner-pipeline/,
      ],
      [
        "extra volumes on the TaskRun pods",
        (r) => {
          r.spec.taskRunTemplate.podTemplate.volumes = [{ name: "s", secret: { secretName: "x" } }];
        },
        /no extra volumes/,
      ],
      [
        "the deployer for the build task",
        (r) => {
          r.spec.taskRunSpecs = [
            { pipelineTaskName: "build-push", serviceAccountName: "workflow-runner-deployer" },
          ];
        },
        /only the deploy task/,
      ],
      [
        "a step override of the deploy task",
        (r) => {
          r.spec.taskRunSpecs[0].stepSpecs = [{ name: "pulumi-up" }];
        },
        /no pod or step overrides/,
      ],
      [
        "another service's Secret in a workspace",
        (r) => {
          r.spec.workspaces[1].secret.secretName = "stigmer-service-build-secrets";
        },
        /no Secret but its own/,
      ],
      [
        "a Secret in the source workspace",
        (r) => {
          r.spec.workspaces[0] = { name: "source", secret: { secretName: "workflow-runner-build-secrets" } };
        },
        /no Secret but its own/,
      ],
    ];
    for (const [what, change, message] of forbidden) {
      it(`refuse ${what}`, () => {
        const refused = refusals(validations, variant(change));
        assert.ok(
          refused.some((m) => message.test(m)),
          `${what}: ${JSON.stringify(refused)}`,
        );
      });
    }
  });

  describe("the deployer's verification Jobs", () => {
    let validations: Validation[];
    let allowed: Obj;
    const pod = (change: (spec: Obj) => void) => {
      const copy = structuredClone(allowed);
      change(copy.spec.template.spec);
      return copy;
    };
    before(() => {
      validations = byName("-deployer-jobs").spec.validations;
      allowed = objects.find((o) => o.kind === "Job");
    });

    it("admit the Job the program renders (its tool image by digest)", () => {
      assert.match(allowed.spec.template.spec.containers[0].image, /@sha256:e{64}$/);
      assert.deepEqual(refusals(validations, allowed), []);
    });

    const forbidden: [string, (s: Obj) => void, RegExp][] = [
      [
        "another ServiceAccount",
        (s) => {
          s.serviceAccountName = "workflow-runner";
        },
        /run as ServiceAccount workflow-runner-verify/,
      ],
      [
        "no ServiceAccount (the default one)",
        (s) => {
          delete s.serviceAccountName;
        },
        /run as ServiceAccount/,
      ],
      [
        "the tool image by tag",
        (s) => {
          s.containers[0].image = "temporalio/admin-tools:1.28.1-tctl-1.18.4-cli-1.4.1";
        },
        /by digest/,
      ],
      [
        "another image by digest",
        (s) => {
          s.containers[0].image = `busybox@${digest("a")}`;
        },
        /by digest/,
      ],
      [
        "an init container of another image",
        (s) => {
          s.initContainers = [{ name: "x", image: "alpine:3" }];
        },
        /by digest/,
      ],
      [
        "a Secret volume",
        (s) => {
          s.volumes.push({ name: "s", secret: { secretName: "workflow-runner-ghcr-pull" } });
        },
        /mount no Secret/,
      ],
      [
        "a projected Secret",
        (s) => {
          s.volumes[1].projected.sources.push({ secret: { name: "x" } });
        },
        /mount no Secret/,
      ],
      [
        "a host path",
        (s) => {
          s.volumes.push({ name: "h", hostPath: { path: "/" } });
        },
        /no host path/,
      ],
      [
        "a secretKeyRef",
        (s) => {
          s.containers[0].env.push({ name: "T", valueFrom: { secretKeyRef: { name: "x", key: "k" } } });
        },
        /read no Secret/,
      ],
      [
        "an envFrom Secret",
        (s) => {
          s.containers[0].envFrom = [{ secretRef: { name: "x" } }];
        },
        /read no Secret/,
      ],
      [
        "a pull Secret",
        (s) => {
          s.imagePullSecrets = [{ name: "x" }];
        },
        /pull with no Secret/,
      ],
      [
        "the host network",
        (s) => {
          s.hostNetwork = true;
        },
        /no host namespace/,
      ],
      [
        "a privileged container",
        (s) => {
          s.containers[0].securityContext.privileged = true;
        },
        /no privileged container/,
      ],
    ];
    for (const [what, change, message] of forbidden) {
      it(`refuse ${what}`, () => {
        const refused = refusals(validations, pod(change));
        assert.ok(
          refused.some((m) => message.test(m)),
          `${what}: ${JSON.stringify(refused)}`,
        );
      });
    }
  });

  describe("the deployer's patches of its Deployment", () => {
    let policy: Obj;
    let allowed: Obj;
    before(() => {
      policy = byName("-deployer-deployment");
      allowed = objects.find((o) => o.kind === "Deployment");
    });

    it("apply to the one Deployment, and admit it as rendered (its generated Secret name and pull Secret)", () => {
      assert.deepEqual(policy.spec.matchConstraints.resourceRules[0].resourceNames, ["workflow-runner"]);
      const image: string = allowed.spec.template.spec.containers[0].image;
      assert.ok(image.startsWith(REPO) && image.endsWith(`@${digest("1")}`), image);
      assert.deepEqual(refusals(policy.spec.validations, allowed), []);
    });

    it("refuse another identity, another Secret and another image", () => {
      const change = (f: (s: Obj) => void) => {
        const copy = structuredClone(allowed);
        f(copy.spec.template.spec);
        return refusals(policy.spec.validations, copy);
      };
      assert.ok(
        change((s) => {
          s.serviceAccountName = "workflow-runner-deployer";
        }).length > 0,
      );
      assert.ok(
        change((s) => {
          s.containers[0].env.push({
            name: "X",
            valueFrom: { secretKeyRef: { name: "workflow-runner-build-secrets", key: "k" } },
          });
        }).length > 0,
      );
      assert.ok(
        change((s) => {
          s.containers[0].image = `docker.io/attacker/x@${digest("b")}`;
        }).length > 0,
      );
    });
  });

  it("podTemplateValidations escapes the repository: a '.' is not any character", () => {
    const [, image] = podTemplateValidations("object", {
      serviceAccountName: "a",
      imageRepository: "ghcr.io/o/r",
      secretNames: [],
    });
    const pod = (img: string) => ({
      object: { serviceAccountName: "a", containers: [{ image: `${img}@${digest("c")}` }] },
    });
    assert.equal(admits(image?.expression ?? "", pod("ghcr.io/o/r")), true);
    assert.equal(admits(image?.expression ?? "", pod("ghcrXio/o/r")), false);
    assert.equal(requestedBy("ns", "sa"), 'request.userInfo.username == "system:serviceaccount:ns:sa"');
  });
});

describe("every CEL expression of both stacks' plans compiles as its consumer compiles it", () => {
  const plans: Record<string, () => Promise<Evaluation>> = {
    "dev (owner, self-hosted)": ownerPlan,
    "staging (second stack)": secondPlan,
    prod: prodPlan,
  };
  for (const [name, plan] of Object.entries(plans)) {
    it(`${name}: every ValidatingAdmissionPolicy in Kubernetes 1.30's environment, every trigger filter in Triggers'`, async () => {
      const objects = kubernetesObjects(await plan()) as Obj[];
      const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
      for (const policy of policies) assert.deepEqual(policyProblems(policy), [], policy.metadata.name);
      const filters = objects
        .filter((o) => o.kind === "EventListener")
        .flatMap((l) => l.spec.triggers.flatMap((t: Obj) => t.interceptors))
        .filter((i: Obj) => i.ref?.name === "cel")
        .flatMap((i: Obj) => i.params.filter((p: Obj) => p.name === "filter").map((p: Obj) => p.value));
      for (const filter of filters)
        assert.equal(compileExpecting(filter, TRIGGERS_ENVIRONMENT, "bool").k, "bool");
      // Counted so that an empty plan cannot pass: dev owns all three policies and self-hosts its trigger.
      if (name.startsWith("dev")) {
        assert.equal(policies.length, 3);
        assert.equal(filters.length, 1);
      }
    });
  }
});

/** The raw config of dev with overrides, as parsePlainConfig takes it (defaults from Pulumi.yaml). */
function validRaw(overrides: Record<string, string>): Record<string, string> {
  const project = parse(readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).config as Record<
    string,
    Obj
  >;
  const dev = parse(readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).config as Record<
    string,
    unknown
  >;
  const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const raw: Record<string, string> = {};
  for (const [k, spec] of Object.entries(project))
    if (spec.default !== undefined) raw[k] = text(spec.default);
  for (const [k, v] of Object.entries(dev)) raw[k.replace(/^workflow-runner:/, "")] = text(v);
  // dev's file leaves the organization's registry connection to the org (config/keys.ts ORG_NAMED_KEYS); dev needs one.
  raw.containerRegistryConnection ||= "ghcr-example";
  return { ...raw, ...overrides };
}

describe("network values", () => {
  it("CIDRs: octets, leading zeros, prefix, bits past the prefix", () => {
    assert.equal(cidrProblem("10.0.0.0/8"), undefined);
    assert.equal(cidrProblem("0.0.0.0/0"), undefined);
    assert.match(cidrProblem("999.999.999.999/32") ?? "", /octet 999 is over 255/);
    assert.match(cidrProblem("010.0.0.1/32") ?? "", /leading zero/);
    assert.match(cidrProblem("10.0.0.0/33") ?? "", /prefix/);
    assert.match(cidrProblem("10.0.0.0/08") ?? "", /prefix/);
    assert.match(cidrProblem("10.0.0.1/8") ?? "", /the block is 10\.0\.0\.0\/8/);
    assert.match(cidrProblem("10.0.0.1") ?? "", /no \/prefix/);
  });

  it("except: a strict subset of its cidr", () => {
    assert.equal(ipBlockProblem({ cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] }), undefined);
    assert.match(
      ipBlockProblem({ cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] }) ?? "",
      /not a strict subset/,
    );
    assert.match(ipBlockProblem({ cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] }) ?? "", /not a strict subset/);
  });

  it("hosts: DNS names or valid IPv4 addresses; cluster Services in every form the resolver completes", () => {
    assert.equal(hostProblem("stigmer-prod-api.planton.live"), undefined);
    assert.match(hostProblem("999.999.999.999") ?? "", /not a valid IPv4/);
    assert.match(hostProblem("bad_host.example.com") ?? "", /not a DNS name/);
    assert.match(hostProblem("example.123") ?? "", /all digits/);
    for (const host of [
      "temporal-frontend.temporal",
      "temporal-frontend.temporal.svc",
      "temporal-frontend.temporal.svc.cluster.local",
    ])
      assert.equal(clusterServiceNamespace(host), "temporal", host);
    assert.equal(clusterServiceNamespace("t.temporal.svc.corp.internal", "corp.internal"), "temporal");
    assert.equal(clusterServiceNamespace("t.temporal.svc.cluster.local", "corp.internal"), undefined);
    assert.equal(clusterServiceNamespace("stigmer-prod-api.planton.live"), undefined);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    [
      "an address with an octet over 255",
      { egressDeniedCidrs: '["999.999.999.999/32","169.254.0.0/16"]' },
      /egressDeniedCidrs: .*"999\.999\.999\.999\/32": octet 999 is over 255/,
    ],
    [
      "a leading zero",
      { egressDeniedCidrs: '["010.0.0.1/32","169.254.0.0/16"]' },
      /egressDeniedCidrs: .*leading zero/,
    ],
    [
      "an except equal to 0.0.0.0/0",
      { egressDeniedCidrs: '["0.0.0.0/0"]' },
      /egressDeniedCidrs: .*strict subset of 0\.0\.0\.0\/0/,
    ],
    [
      "opening the metadata range",
      { egressDeniedCidrs: '["10.0.0.0/8"]' },
      /egressDeniedCidrs: .*keeps 169\.254\.0\.0\/16 .* denied/,
    ],
    [
      "a link-local destination",
      { temporalAddress: "169.254.169.254:7233" },
      /temporalAddress: got "169\.254\.169\.254:7233"; allowed: a destination outside 169\.254\.0\.0\/16/,
    ],
    [
      "an allowance outside link-local",
      { allowedLinkLocalCidrs: '["10.0.0.0/8"]' },
      /allowedLinkLocalCidrs: .*inside 169\.254\.0\.0\/16/,
    ],
    [
      "an invalid IPv4 host",
      { temporalAddress: "999.999.999.999:7233" },
      /temporalAddress: .*not a valid IPv4 address/,
    ],
    [
      "a URL port over 65535 (which would become a NetworkPolicy port)",
      { stigmerProxyEndpoint: "https://proxy.example.com:99999" },
      /stigmerProxyEndpoint: got "https:\/\/proxy\.example\.com:99999"; allowed: /,
    ],
    [
      "an API server range wider than /16",
      { apiServerCidrs: '["10.0.0.0/8"]' },
      /apiServerCidrs: .*wider than \/16/,
    ],
  ];
  for (const [what, overrides, message] of refused) {
    it(`refuses ${what}, naming the key, the value and the rule`, () => {
      assert.throws(() => parsePlainConfig(validRaw(overrides)), message);
    });
  }

  it("a URL's written port, 1 to 65535, is the egress port its NetworkPolicy opens", () => {
    const cfg = parsePlainConfig(validRaw({ stigmerProxyEndpoint: "https://proxy.example.com:8443/v1" }));
    const proxy = describeWorkload(cfg).egress.find((t) => t.purpose === "Stigmer proxy");
    assert.deepEqual([proxy?.host, proxy?.port], ["proxy.example.com", 8443]);
  });

  it("admits a link-local destination only where allowedLinkLocalCidrs holds it", () => {
    const cfg = parsePlainConfig(
      validRaw({ temporalAddress: "169.254.10.10:7233", allowedLinkLocalCidrs: '["169.254.10.0/24"]' }),
    );
    assert.equal(cfg.temporalAddress, "169.254.10.10:7233");
  });
});

describe("every NetworkPolicy of both stacks' plans", () => {
  const IN_CLUSTER = "dev with in-cluster Temporal by <svc>.<namespace>";
  const inCluster = once(() => owner({ temporalAddress: "temporal-frontend.temporal:7233" }));
  const plans: Record<string, () => Promise<Evaluation>> = {
    "dev (owner, self-hosted)": ownerPlan,
    "staging (second stack)": secondPlan,
    [IN_CLUSTER]: inCluster,
    prod: prodPlan,
  };
  for (const [name, plan] of Object.entries(plans)) {
    it(`${name}: pass the CIDR and host check`, async () => {
      const policies = (kubernetesObjects(await plan()) as Obj[]).filter((o) => o.kind === "NetworkPolicy");
      assert.ok(policies.length >= 1);
      for (const p of policies) assert.deepEqual(networkPolicyProblems(p), [], p.metadata.name);
    });
  }

  it("the in-cluster Temporal is a namespace peer, and every ingress rule has a from", async () => {
    const objects = kubernetesObjects(await inCluster()) as Obj[];
    const worker = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "workflow-runner");
    const temporal = worker.spec.egress.find((r: Obj) => r.ports[0].port === 7233);
    assert.deepEqual(temporal.to[0].namespaceSelector.matchLabels, {
      "kubernetes.io/metadata.name": "temporal",
    });
    assert.ok(worker.spec.ingress.every((r: Obj) => r.from?.length > 0));
  });

  it("CI pods reach the API server only at apiServerCidrs on 6443, and no in-cluster range on 443", async () => {
    const objects = kubernetesObjects(await ownerPlan()) as Obj[];
    const out = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "allow-dns-and-https");
    const on6443 = out.spec.egress.filter((r: Obj) => r.ports.some((p: Obj) => p.port === 6443));
    assert.deepEqual(
      on6443.flatMap((r: Obj) => r.to),
      [{ ipBlock: { cidr: "203.0.113.10/32" } }],
    );
    const https = out.spec.egress.find((r: Obj) => r.ports.length === 1 && r.ports[0].port === 443);
    for (const range of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"])
      assert.ok(https.to[0].ipBlock.except.includes(range), range);
  });

  it("the check catches broken policies", () => {
    const policy = (spec: Obj) => ({ spec });
    const block = (cidr: string, except?: string[]) => ({
      egress: [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }], ports: [{ port: 443 }] }],
    });
    assert.match(networkPolicyProblems(policy(block("999.999.999.999/32")))[0] ?? "", /over 255/);
    assert.match(networkPolicyProblems(policy(block("010.0.0.1/32")))[0] ?? "", /leading zero/);
    assert.match(
      networkPolicyProblems(policy(block("10.0.0.0/8", ["192.168.0.0/16"])))[0] ?? "",
      /strict subset/,
    );
    assert.match(networkPolicyProblems(policy(block("0.0.0.0/0")))[0] ?? "", /link-local/);
    assert.match(networkPolicyProblems(policy(block("169.254.169.254/32")))[0] ?? "", /link-local/);
    assert.deepEqual(networkPolicyProblems(policy(block("169.254.169.254/32")), ["169.254.169.254/32"]), []);
    assert.match(
      networkPolicyProblems(policy({ ingress: [{ ports: [{ port: 9464 }] }] }))[0] ?? "",
      /no from/,
    );
    assert.match(
      networkPolicyProblems(
        policy({ egress: [{ to: [{ podSelector: {} }], ports: [{ port: 70000 }] }] }),
      )[0] ?? "",
      /not 1 to 65535/,
    );
  });
});
