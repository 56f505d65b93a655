// components/service-hub.ts: the service-hub entry in both forms, against the field sets Planton documents.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  buildServiceHubEntry,
  type EntryInputs,
  imageRepositoryPath,
  ServiceHubEntry,
  serviceHubEntryPath,
} from "../../components/service-hub";
import { BUILD_SECRET_FILES, ENTRY_FORMATS } from "../../contracts/planton";
import { evaluate, PROJECT_DIR } from "../../tools/plan/evaluate";
import { repositoryFiles } from "../../tools/plan/render";
import { digest, TOOL_DIGESTS } from "../helpers";
import { buildScope, pushRegistration, secretsReaching } from "../planton-compile";

/** Where the dev stack commits workflow-runner's entry. */
const ENTRY_PATH = "_ops/planton/service-hub/services/workflow-runner/service.yaml";
const hub = { org: "stigmer", containerRegistry: "ghcr-connection", environments: ["dev", "prod"] };
const repository = {
  owner: "stigmer",
  name: "stigmer-cloud",
  branch: "main",
  projectRoot: "backend/services/svc",
  triggerPaths: [".planton/**"],
};
const inputs: EntryInputs = {
  serviceName: "svc",
  serviceHub: hub,
  repository,
  pipelineFilePath: ".planton/pipeline.yaml",
  imageRepository: "ghcr.io/stigmer/stigmer-cloud/x",
  params: { "service-name": "svc", "deploy-stack": "stigmer/p/dev" },
  pipelineDeploys: true,
  deployEnvironment: "dev",
};

/** Fields of an object not in a documented set. */
function unknownFields(obj: object, allowed: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !allowed.includes(k));
}

describe("the v1 entry (the monorepo's form)", () => {
  const entry = buildServiceHubEntry(inputs, "v1") as ReturnType<typeof buildServiceHubEntry> & {
    spec: Record<string, never>;
  };
  const spec = entry.spec as unknown as Record<string, Record<string, unknown>>;
  it("uses only documented fields", () => {
    assert.equal(entry.apiVersion, ENTRY_FORMATS.v1.apiVersion);
    assert.deepEqual(unknownFields(spec, ENTRY_FORMATS.v1.spec), []);
    assert.deepEqual(unknownFields(spec.gitRepo ?? {}, ENTRY_FORMATS.v1.gitRepo), []);
    assert.deepEqual(
      unknownFields(spec.pipelineConfiguration ?? {}, ENTRY_FORMATS.v1.pipelineConfiguration),
      [],
    );
  });
  it("points a self-provided pipeline at the root file, with the params, and turns Planton's deploys off", () => {
    assert.deepEqual(spec.pipelineConfiguration, {
      pipelineProvider: "self",
      tektonPipelineYamlFile: ".planton/pipeline.yaml",
      imageRepositoryPath: "stigmer/stigmer-cloud/x",
      pipelineBranches: ["main"],
      params: { "service-name": "svc", "deploy-stack": "stigmer/p/dev" },
      disableDeployments: true,
    });
    assert.deepEqual(spec.gitRepo, {
      gitRepoProvider: "github",
      ownerName: "stigmer",
      name: "stigmer-cloud",
      defaultBranch: "main",
      projectRoot: "backend/services/svc",
      triggerPaths: [".planton/**"],
    });
  });
  it("leaves Planton's deploy stage on for a service this program does not deploy", () => {
    const other = buildServiceHubEntry({ ...inputs, pipelineDeploys: false }, "v1") as unknown as {
      spec: { pipelineConfiguration: Record<string, unknown> };
    };
    assert.equal(other.spec.pipelineConfiguration.disableDeployments, undefined);
  });
});

describe("the v1alpha1 entry (the default)", () => {
  const entry = buildServiceHubEntry(inputs) as unknown as {
    apiVersion: string;
    spec: {
      gitRepo: object;
      build: {
        tektonPipeline: Record<string, unknown> & { secrets: object[] };
        triggers: object;
      } & Record<string, unknown>;
      deploy?: object;
    };
  };
  const { v1alpha1 } = ENTRY_FORMATS;
  /** Every field the entry writes, against the documented set of its place (contracts/planton.ts). */
  function undocumented(e: typeof entry): string[] {
    const spec = e.spec;
    return [
      ...unknownFields(spec, v1alpha1.spec).map((f) => `spec.${f}`),
      ...unknownFields(spec.gitRepo, v1alpha1.gitRepo).map((f) => `spec.gitRepo.${f}`),
      ...unknownFields(spec.build, v1alpha1.build).map((f) => `spec.build.${f}`),
      ...unknownFields(spec.build.tektonPipeline, v1alpha1.tektonPipeline).map(
        (f) => `spec.build.tektonPipeline.${f}`,
      ),
      ...(spec.build.tektonPipeline.secrets ?? []).flatMap((s) =>
        unknownFields(s, v1alpha1.secret).map((f) => `spec.build.tektonPipeline.secrets[].${f}`),
      ),
      ...unknownFields(spec.build.triggers, v1alpha1.triggers).map((f) => `spec.build.triggers.${f}`),
      ...unknownFields(spec.deploy ?? {}, v1alpha1.deploy).map((f) => `spec.deploy.${f}`),
      ...((spec.deploy as { branchDeployments?: object[] } | undefined)?.branchDeployments ?? []).flatMap(
        (m) => unknownFields(m, v1alpha1.branchDeployment).map((f) => `spec.deploy.branchDeployments[].${f}`),
      ),
    ];
  }
  it("uses only documented fields, each in its documented place", () => {
    assert.equal(entry.apiVersion, v1alpha1.apiVersion);
    assert.deepEqual(undocumented(entry), []);
    const other = buildServiceHubEntry({ ...inputs, pipelineDeploys: false }) as unknown as typeof entry;
    assert.deepEqual(undocumented(other), []);
  });
  it("catches a field outside the documented set (the check is not vacuous)", () => {
    const broken = structuredClone(entry) as typeof entry & { spec: Record<string, unknown> };
    (broken.spec.gitRepo as Record<string, unknown>).triggerPaths = [".planton/**"];
    broken.spec.deploy = { disabled: true, branchDeployments: [{ branch: "main", environment: "dev" }] };
    assert.deepEqual(undocumented(broken), [
      "spec.gitRepo.triggerPaths",
      "spec.deploy.disabled",
      "spec.deploy.branchDeployments[].environment",
    ]);
  });
  it("puts the trigger paths in build.triggers.paths and nowhere else; main is no trigger branch when it deploys", () => {
    assert.deepEqual(entry.spec.build.triggers, { disableTriggerBranches: true, paths: [".planton/**"] });
    assert.ok(!("triggerPaths" in entry.spec.gitRepo));
    const other = buildServiceHubEntry({ ...inputs, pipelineDeploys: false }) as unknown as typeof entry;
    assert.deepEqual(other.spec.build.triggers, { branches: ["main"], paths: [".planton/**"] });
  });
  it("names the root file from the project root, the params, and the environment's build secrets", () => {
    assert.equal(entry.spec.build.tektonPipeline.yamlFile, "../../../.planton/pipeline.yaml");
    assert.deepEqual(entry.spec.build.tektonPipeline.params, inputs.params);
    assert.deepEqual(entry.spec.build.tektonPipeline.secrets, [
      { name: "pulumi-access-token", ref: "$secret/@dev/svc-pulumi-access-token" },
      { name: "kubeconfig", ref: "$secret/@dev/svc-kubeconfig" },
    ]);
    assert.deepEqual(
      entry.spec.build.tektonPipeline.secrets.map((s) => (s as { name: string }).name),
      Object.values(BUILD_SECRET_FILES),
    );
  });
  it("maps the branch to the deploy's environment and turns Planton's deploy stage off when the pipeline deploys; Planton's kustomize deploy otherwise", () => {
    assert.deepEqual(entry.spec.deploy, {
      branchDeployments: [{ branch: "main", env: "dev" }],
      disableDeployments: true,
    });
    const other = buildServiceHubEntry({ ...inputs, pipelineDeploys: false }) as unknown as typeof entry;
    assert.deepEqual(other.spec.deploy, { kustomize: {} });
    assert.equal(other.spec.build.tektonPipeline.secrets, undefined);
  });
  it("is the stack's default; v1 is refused for a committed entry, which push-to-register would not read", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("1"), manageRepositoryFiles: "true" },
    });
    const file = repositoryFiles(ev).find((f) => f.path === ENTRY_PATH);
    assert.equal(parse(file?.content ?? "").apiVersion, "service-hub.planton.ai/v1alpha1");
    await assert.rejects(
      evaluate({
        stack: "dev",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        config: { imageDigest: digest("1"), manageRepositoryFiles: "true", serviceHubEntryFormat: "v1" },
      }),
      /workflow-runner:serviceHubEntryFormat: got "v1"; allowed: v1alpha1 while manageRepositoryFiles is true: the committed entry registers by push as service\.yaml/,
    );
  });
});

describe("paths", () => {
  it("derives the entry path and the host-less repository path", () => {
    assert.equal(serviceHubEntryPath("workflow-runner"), ENTRY_PATH);
    assert.equal(imageRepositoryPath("ghcr.io/a/b/c"), "a/b/c");
  });
});

describe("ServiceHubEntry under mocks", () => {
  it("commits the entry only when given a target, rendered from Outputs", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      program: () => {
        const committed = new ServiceHubEntry("a", {
          serviceName: "svc",
          serviceHub: hub,
          repository,
          pipelineFilePath: Promise.resolve(".planton/pipeline.yaml") as unknown as string,
          imageRepository: "ghcr.io/stigmer/stigmer-cloud/x",
          params: Promise.resolve({ "service-name": "svc" }) as unknown as Record<string, string>,
          format: "v1",
          commitTo: { repository: "stigmer-cloud", branch: "main" },
        });
        new ServiceHubEntry("b", {
          serviceName: "other",
          serviceHub: hub,
          repository,
          pipelineFilePath: "p",
          imageRepository: "ghcr.io/o/p",
          params: { "service-name": "other" },
        });
        return { path: committed.entryPath };
      },
    });
    const files = repositoryFiles(ev);
    assert.deepEqual(
      files.map((f) => f.path),
      ["_ops/planton/service-hub/services/svc/service.yaml"],
    );
    const entry = parse(files[0]?.content ?? "");
    assert.equal(entry.spec.pipelineConfiguration.tektonPipelineYamlFile, ".planton/pipeline.yaml");
    assert.deepEqual(entry.spec.pipelineConfiguration.params, { "service-name": "svc" });
    assert.equal(ev.outputs.path?.value, "_ops/planton/service-hub/services/svc/service.yaml");
  });
});

describe("the committed entry against Planton's documented rules (tests/planton-compile.ts)", async () => {
  const ev = await evaluate({
    stack: "dev",
    preview: false,
    registryDigests: TOOL_DIGESTS,
    config: { imageDigest: digest("1"), manageRepositoryFiles: "true", buildPipeline: "true" },
  });
  const file = repositoryFiles(ev).find((f) => f.path === ENTRY_PATH);
  const text = file?.content ?? "";
  const entry = parse(text);
  const monorepo = { owner: "stigmer", name: "stigmer-cloud", defaultBranch: "main" };
  /** The entry the program committed before main was mapped to dev (d59aaed). */
  const before = readFileSync(
    path.join(PROJECT_DIR, "tests", "fixtures", "entry-d59aaed", "workflow-runner.yaml"),
    "utf8",
  );

  it("registers by push: a service.yaml on the default branch", () => {
    assert.deepEqual(pushRegistration({ path: ENTRY_PATH, branch: "main", text }, monorepo), {
      verdict: "registered",
      service: "workflow-runner",
    });
  });

  it("would not register under the old name, on another branch, as v1, or naming another repository", () => {
    const old = "_ops/planton/service-hub/services/workflow-runner.yaml";
    assert.equal(pushRegistration({ path: old, branch: "main", text }, monorepo).verdict, "ignored");
    assert.equal(
      pushRegistration({ path: ENTRY_PATH, branch: "feature", text }, monorepo).verdict,
      "ignored",
    );
    const v1 = text.replace("service-hub.planton.ai/v1alpha1", "service-hub.planton.ai/v1");
    assert.equal(
      pushRegistration({ path: ENTRY_PATH, branch: "main", text: v1 }, monorepo).verdict,
      "ignored",
    );
    const elsewhere = text.replace("name: stigmer-cloud", "name: another-repo");
    assert.deepEqual(pushRegistration({ path: ENTRY_PATH, branch: "main", text: elsewhere }, monorepo), {
      verdict: "refused",
      reason: "declares name another-repo but was pushed to stigmer-cloud",
    });
  });

  it("aims main's builds at dev, so the deploy step gets dev's build secrets", () => {
    const scope = buildScope(entry, "main", "main");
    assert.deepEqual(scope, { env: "dev" });
    assert.deepEqual(secretsReaching(entry, scope).sort(), Object.values(BUILD_SECRET_FILES).sort());
  });

  it("fails on the entry as it was: main, a trigger branch mapped to nothing, walks and gets no @dev secret", () => {
    const old = parse(before);
    const scope = buildScope(old, "main", "main");
    assert.equal(scope, "walk");
    assert.deepEqual(secretsReaching(old, scope), []);
  });

  it("models the other documented rules: org secrets reach the walk, a branch cannot be both, no trigger no build", () => {
    const orgScoped = structuredClone(parse(before));
    orgScoped.spec.build.tektonPipeline.secrets = [
      { name: "pulumi-access-token", ref: "$secret/pulumi-token" },
    ];
    assert.deepEqual(secretsReaching(orgScoped, buildScope(orgScoped, "main", "main")), [
      "pulumi-access-token",
    ]);
    const both = structuredClone(entry);
    both.spec.build.triggers = { branches: ["main"] };
    assert.throws(() => buildScope(both, "main", "main"), /main is both a trigger branch and mapped to dev/);
    const emptyList = structuredClone(entry);
    emptyList.spec.build.triggers = { branches: [] };
    assert.throws(() => buildScope(emptyList, "main", "main"), /both a trigger branch/);
    assert.equal(buildScope(entry, "feature", "main"), "none");
  });
});
