// components/service-hub.ts: the service-hub entry in both forms, against the field sets Planton documents.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  buildServiceHubEntry,
  type EntryInputs,
  imageRepositoryPath,
  ServiceHubEntry,
  serviceHubEntryPath,
} from "../../components/service-hub";
import { ENTRY_FORMATS } from "../../contracts/planton";
import { evaluate } from "../../tools/plan/evaluate";
import { repositoryFiles } from "../../tools/plan/render";
import { digest, TOOL_DIGESTS } from "../helpers";

const hub = { org: "stigmer", containerRegistry: "ghcr-stigmer", environments: ["dev", "prod"] };
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

describe("the v1alpha1 entry", () => {
  const entry = buildServiceHubEntry(inputs, "v1alpha1") as unknown as {
    apiVersion: string;
    spec: {
      gitRepo: object;
      build: { tektonPipeline: Record<string, unknown> } & Record<string, unknown>;
      deploy: object;
    };
  };
  it("uses only documented fields", () => {
    assert.equal(entry.apiVersion, ENTRY_FORMATS.v1alpha1.apiVersion);
    assert.deepEqual(unknownFields(entry.spec, ENTRY_FORMATS.v1alpha1.spec), []);
    assert.deepEqual(unknownFields(entry.spec.build, ENTRY_FORMATS.v1alpha1.build), []);
    assert.deepEqual(
      unknownFields(entry.spec.build.tektonPipeline, ENTRY_FORMATS.v1alpha1.tektonPipeline),
      [],
    );
  });
  it("names the root file from the project root, the params, and the environment's build secrets", () => {
    assert.equal(entry.spec.build.tektonPipeline.yamlFile, "../../../.planton/pipeline.yaml");
    assert.deepEqual(entry.spec.build.tektonPipeline.params, inputs.params);
    assert.deepEqual(entry.spec.build.tektonPipeline.secrets, [
      { name: "pulumi-access-token", ref: "$secret/@dev/svc-pulumi-access-token" },
      { name: "kubeconfig", ref: "$secret/@dev/svc-kubeconfig" },
    ]);
    assert.deepEqual(entry.spec.deploy, { disabled: true });
  });
  it("is chosen by serviceHubEntryFormat", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: TOOL_DIGESTS,
      config: { imageDigest: digest("1"), serviceHubEntryFormat: "v1alpha1" },
    });
    const file = repositoryFiles(ev).find(
      (f) => f.path === "_ops/planton/service-hub/services/workflow-runner.yaml",
    );
    assert.equal(parse(file?.content ?? "").apiVersion, "service-hub.planton.ai/v1alpha1");
  });
});

describe("paths", () => {
  it("derives the entry path and the host-less repository path", () => {
    assert.equal(
      serviceHubEntryPath("workflow-runner"),
      "_ops/planton/service-hub/services/workflow-runner.yaml",
    );
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
      ["_ops/planton/service-hub/services/svc.yaml"],
    );
    const entry = parse(files[0]?.content ?? "");
    assert.equal(entry.spec.pipelineConfiguration.tektonPipelineYamlFile, ".planton/pipeline.yaml");
    assert.deepEqual(entry.spec.pipelineConfiguration.params, { "service-name": "svc" });
    assert.equal(ev.outputs.path?.value, "_ops/planton/service-hub/services/svc.yaml");
  });
});
