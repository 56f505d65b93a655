// policy/rules.ts: every rule passes on both real stacks and fires, with its message, on a deliberately bad resource.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import {
  imageRegistryProblem as configImageRegistryProblem,
  secretLooking as configSecretLooking,
} from "../config/policy-parity";
import {
  imageRegistryProblem,
  imagesPinned,
  networkPoliciesValid,
  noPlainSecrets,
  pdbWhenReplicated,
  probes,
  prodNamespaceProtected,
  rbacLeastPrivilege,
  resourceLimits,
  resourcePolicies,
  restrictedSecurityContext,
  secretLooking,
  serviceAccountTokens,
  tektonStepResources,
  tektonStepSecurity,
} from "../policy/rules";
import { type Evaluation, evaluate, type RecordedResource } from "../tools/plan/evaluate";
import { digest, policyArgs, promotable, TOOL_DIGESTS } from "./helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";
// biome-ignore lint/suspicious/noExplicitAny: hand-built resource inputs.
type Json = any;

/** The arguments the policy engine hands a rule (tests/helpers.ts policyArgs). */
const args = policyArgs;

function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Json,
  protect = false,
  config: object = {},
): string[] {
  const out: string[] = [];
  const validate = policy.validateResource;
  if (typeof validate !== "function") throw new Error(`${policy.name} is not a single validation function`);
  validate(args(type, props, protect, config), (m) => out.push(m));
  return out;
}

function asPolicyResource(r: RecordedResource): PolicyResource {
  return {
    ...args(r.type, r.revealedInputs, r.protect),
    dependencies: [],
    propertyDependencies: {},
  } as unknown as PolicyResource;
}

const stacks: Record<string, () => Promise<Evaluation>> = {
  dev: () =>
    evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("1") },
    }),
  // Self-hosted, dev also applies the Tasks, the listener's Roles and the CI namespace's NetworkPolicies.
  "dev (trigger tekton)": () =>
    evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("1"), trigger: "tekton", apiServerCidrs: '["203.0.113.10/32"]' },
    }),
  prod: () =>
    evaluate({
      stack: "prod",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      stackOutputs: { "stigmer/workflow-runner/dev": promotable(`${REPO}:v1@${digest("2")}`) },
    }),
};

for (const [stack, run] of Object.entries(stacks)) {
  describe(`the ${stack} stack against the policy pack`, () => {
    let ev: Evaluation;
    before(async () => {
      ev = await run();
    });
    for (const policy of resourcePolicies) {
      it(`passes ${policy.name}`, () => {
        const found = ev.resources
          .filter((r) => r.custom)
          .flatMap((r) =>
            violations(policy, r.type, r.revealedInputs, r.protect).map((m) => `${r.name}: ${m}`),
          );
        assert.deepEqual(found, []);
      });
    }
    it(`passes ${pdbWhenReplicated.name}`, () => {
      const found: string[] = [];
      pdbWhenReplicated.validateStack(
        {
          resources: ev.resources.filter((r) => r.custom).map(asPolicyResource),
          getConfig: () => ({}),
        } as never,
        (m) => found.push(m),
      );
      assert.deepEqual(found, []);
    });
  });
}

const goodContainer = {
  name: "w",
  image: `${REPO}@${digest("3")}`,
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
  ports: [{ name: "grpc", containerPort: 8080 }],
  livenessProbe: { grpc: { port: 8080 } },
  readinessProbe: { grpc: { port: 8080 } },
  securityContext: {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};
const deployment = (c: Json, pod: Json = {}) => ({
  metadata: { name: "d", namespace: "n" },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { a: "b" } },
      spec: { automountServiceAccountToken: false, containers: [c], ...pod },
    },
  },
});
const D = "kubernetes:apps/v1:Deployment";

describe("each rule fires on a bad resource", () => {
  it("a good Deployment passes every rule, so each failure below is the rule's own", () => {
    for (const p of resourcePolicies)
      assert.deepEqual(violations(p, D, deployment(goodContainer)), [], p.name);
  });
  it("images-pinned-by-digest", () => {
    assert.deepEqual(violations(imagesPinned, D, deployment({ ...goodContainer, image: `${REPO}:latest` })), [
      `container w runs ${REPO}:latest, not pinned by digest`,
      "container w runs :latest",
    ]);
    assert.deepEqual(
      violations(imagesPinned, "kubernetes:tekton.dev/v1:Task", {
        spec: { steps: [{ name: "s", image: "alpine" }] },
      }),
      ["step s runs alpine: give it a tag other than latest, or a digest"],
    );
    // The registry rule is config's own predicate (config/policy-parity.ts imageRegistryProblem): the plan refuses the same.
    assert.deepEqual(
      violations(imagesPinned, D, deployment({ ...goodContainer, image: `GHCR.io/x/y@${digest("3")}` })),
      [
        `container w runs GHCR.io/x/y@${digest("3")}: its registry "GHCR.io" is not lower case (write ghcr.io)`,
      ],
    );
    assert.equal(imageRegistryProblem, configImageRegistryProblem);
    assert.equal(secretLooking, configSecretLooking);
  });
  it("restricted-security-context", () => {
    const bad = { ...goodContainer, securityContext: { readOnlyRootFilesystem: false } };
    assert.deepEqual(violations(restrictedSecurityContext, D, deployment(bad)), [
      "container w: runAsNonRoot is not true",
      "container w: readOnlyRootFilesystem is not true",
      "container w: allowPrivilegeEscalation is not false",
      "container w: capabilities do not drop ALL",
      "container w: seccompProfile is not RuntimeDefault",
    ]);
  });
  it("requests-and-limits", () => {
    const bad = { ...goodContainer, resources: { requests: { cpu: "1" } } };
    assert.deepEqual(violations(resourceLimits, D, deployment(bad)), [
      "container w: no memory request",
      "container w: no cpu limit",
      "container w: no memory limit",
    ]);
  });
  it("probes", () => {
    const { livenessProbe: _l, readinessProbe: _r, ...bad } = goodContainer;
    assert.deepEqual(violations(probes, D, deployment(bad)), [
      "container w: no livenessProbe",
      "container w: no readinessProbe",
    ]);
    // A container without ports (temporal mode) needs no probe, and may not have a network one.
    const { livenessProbe: _l2, readinessProbe: _r2, ports: _p, ...portless } = goodContainer;
    assert.deepEqual(violations(probes, D, deployment(portless)), []);
    assert.deepEqual(
      violations(
        probes,
        D,
        deployment({ ...portless, readinessProbe: { httpGet: { path: "/readyz", port: 8080 } } }),
      ),
      ["container w: readinessProbe targets port 8080, which the container does not open"],
    );
    assert.deepEqual(
      violations(probes, D, deployment({ ...goodContainer, startupProbe: { grpc: { port: 9090 } } })),
      ["container w: startupProbe targets port 9090, which the container does not open"],
    );
  });
  it("no-plain-secrets", () => {
    assert.deepEqual(
      violations(noPlainSecrets, "kubernetes:core/v1:ConfigMap", {
        metadata: { name: "cm" },
        data: { DB_PASSWORD: "hunter2" },
      }),
      ["ConfigMap cm: DB_PASSWORD names a credential; use a Secret"],
    );
    const env = { ...goodContainer, env: [{ name: "GH", value: "ghp_0123456789abcdefghij" }] };
    assert.deepEqual(violations(noPlainSecrets, D, deployment(env)), [
      "w: env the value of GH has the shape of a credential; use valueFrom.secretKeyRef",
    ]);
    // Names like *_KEY are credentials too (the shared predicate extraEnv is checked with).
    const key = { ...goodContainer, env: [{ name: "SIGNING_KEY", value: "k" }] };
    assert.deepEqual(violations(noPlainSecrets, D, deployment(key)), [
      "w: env SIGNING_KEY names a credential; use valueFrom.secretKeyRef",
    ]);
    assert.equal(
      secretLooking("TOKEN_PATH", "$(params.token-path)"),
      undefined,
      "a Tekton reference is not a value",
    );
  });
  it("service-account-token-automount", () => {
    assert.deepEqual(
      violations(serviceAccountTokens, "kubernetes:core/v1:ServiceAccount", { metadata: { name: "sa" } }),
      ["ServiceAccount sa mounts an API token without a stigmer.ai/api-token-reason annotation"],
    );
    assert.deepEqual(
      violations(serviceAccountTokens, D, deployment(goodContainer, { automountServiceAccountToken: true })),
      ["the pod template does not set automountServiceAccountToken: false"],
    );
  });
  it("tekton-step-compute-resources", () => {
    assert.deepEqual(
      violations(tektonStepResources, "kubernetes:tekton.dev/v1:Task", {
        metadata: { name: "t" },
        spec: { steps: [{ name: "s", image: "a:1", computeResources: { requests: { cpu: "1" } } }] },
      }),
      ["step s of Task t: computeResources lack CPU or memory requests or limits"],
    );
  });
  it("prod-namespace-protected", () => {
    const ns = { metadata: { name: "workflow-runner", labels: { "stigmer.ai/environment": "prod" } } };
    assert.deepEqual(violations(prodNamespaceProtected, "kubernetes:core/v1:Namespace", ns, false), [
      "Namespace workflow-runner belongs to the protected environment prod and has no protect: true",
    ]);
    assert.deepEqual(violations(prodNamespaceProtected, "kubernetes:core/v1:Namespace", ns, true), []);
  });
  it("prod-namespace-protected keys on the environments the pack's config names, not on the word prod", () => {
    const ns = (env: string) => ({ metadata: { name: "w", labels: { "stigmer.ai/environment": env } } });
    const config = { protectedEnvironments: ["production", "live"] };
    const NS = "kubernetes:core/v1:Namespace";
    assert.deepEqual(violations(prodNamespaceProtected, NS, ns("live"), false, config), [
      "Namespace w belongs to the protected environment live and has no protect: true",
    ]);
    assert.deepEqual(violations(prodNamespaceProtected, NS, ns("prod"), false, config), []);
    assert.deepEqual(violations(prodNamespaceProtected, NS, ns("dev"), false), []);
  });
  it("images-pinned-by-digest: no label waives it", () => {
    const tagged = { ...goodContainer, image: "temporalio/admin-tools:1.28.1-tctl-1.18.4-cli-1.4.1" };
    const job: Json = deployment(tagged);
    job.spec.template.metadata.labels["stigmer.ai/tool-image"] = "true";
    assert.deepEqual(violations(imagesPinned, "kubernetes:batch/v1:Job", job), [
      "container w runs temporalio/admin-tools:1.28.1-tctl-1.18.4-cli-1.4.1, not pinned by digest",
    ]);
  });
  it("rbac-least-privilege", () => {
    const role = (rules: Json[]) => ({ metadata: { name: "r" }, rules });
    const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
    const CLUSTER = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
    assert.deepEqual(
      violations(rbacLeastPrivilege, ROLE, role([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])),
      [
        "Role r rule 0: wildcard verb",
        "Role r rule 0: wildcard resource",
        "Role r rule 0: wildcard API group",
      ],
    );
    assert.deepEqual(
      violations(
        rbacLeastPrivilege,
        ROLE,
        role([
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate", "bind"] },
        ]),
      ),
      ["Role r rule 0: verb escalate", "Role r rule 0: verb bind"],
    );
    assert.deepEqual(
      violations(
        rbacLeastPrivilege,
        CLUSTER,
        role([{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }]),
      ),
      ["ClusterRole r rule 0: verb impersonate"],
    );
    assert.deepEqual(
      violations(
        rbacLeastPrivilege,
        CLUSTER,
        role([{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }]),
      ),
      ["ClusterRole r rule 0: reads Secrets in every namespace"],
    );
    assert.deepEqual(
      violations(
        rbacLeastPrivilege,
        ROLE,
        role([{ apiGroups: [""], resources: ["pods/*"], verbs: ["get"] }]),
      ),
      ["Role r rule 0: wildcard resource"],
    );
    // A Role reading one namespace's Secrets is not cluster-wide.
    assert.deepEqual(
      violations(
        rbacLeastPrivilege,
        ROLE,
        role([{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]),
      ),
      [],
    );
  });
  it("tekton-step-security-context", () => {
    const task = (securityContext: Json) => ({
      metadata: { name: "t" },
      spec: { steps: [{ name: "s", image: "a:1", securityContext }] },
    });
    const TASK = "kubernetes:tekton.dev/v1:Task";
    assert.deepEqual(violations(tektonStepSecurity, TASK, task(undefined)), [
      "step s of Task t: runAsNonRoot is not true",
      "step s of Task t: allowPrivilegeEscalation is not false",
    ]);
    assert.deepEqual(
      violations(
        tektonStepSecurity,
        TASK,
        task({ runAsNonRoot: true, runAsUser: 0, allowPrivilegeEscalation: true, privileged: true }),
      ),
      [
        "step s of Task t: runAsUser is 0 (root)",
        "step s of Task t: allowPrivilegeEscalation is not false",
        "step s of Task t: privileged",
      ],
    );
    assert.deepEqual(
      violations(
        tektonStepSecurity,
        TASK,
        task({ runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false }),
      ),
      [],
    );
  });
  it("network-policies-valid", () => {
    const np = (spec: Json) => ({ metadata: { name: "p" }, spec });
    const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    assert.deepEqual(violations(networkPoliciesValid, NP, np({ ingress: [{ ports: [{ port: 9464 }] }] })), [
      "NetworkPolicy p: ingress[0]: no from (it admits every source)",
    ]);
    assert.deepEqual(
      violations(
        networkPoliciesValid,
        NP,
        np({ egress: [{ to: [{ ipBlock: { cidr: "999.999.999.999/32" } }], ports: [{ port: 443 }] }] }),
      ),
      ['NetworkPolicy p: egress[0].to[0].ipBlock: cidr "999.999.999.999/32": octet 999 is over 255'],
    );
    const metadata = np({
      egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }] }],
    });
    assert.deepEqual(violations(networkPoliciesValid, NP, metadata), [
      'NetworkPolicy p: egress[0].to[0].ipBlock: cidr "169.254.169.254/32" reaches the link-local range 169.254.0.0/16',
    ]);
    assert.deepEqual(
      violations(networkPoliciesValid, NP, metadata, false, {
        allowedLinkLocalCidrs: ["169.254.169.254/32"],
      }),
      [],
    );
  });
  it("pdb-when-replicated", () => {
    const found: string[] = [];
    const d = {
      ...args(D, { ...deployment(goodContainer), spec: { ...deployment(goodContainer).spec, replicas: 3 } }),
      dependencies: [],
      propertyDependencies: {},
    };
    pdbWhenReplicated.validateStack({ resources: [d], getConfig: () => ({}) } as never, (m) => found.push(m));
    assert.deepEqual(found, ["Deployment d has 3 replicas and no PodDisruptionBudget"]);
  });
});
