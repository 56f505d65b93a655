// components/service-hub.ts: the service-hub.planton.ai/v1 entry, built from the other components' outputs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  buildServiceHubEntry,
  imageRepositoryPath,
  ServiceHubEntry,
  serviceHubEntryPath,
} from "../../components/service-hub";
import { evaluate } from "../../tools/plan/evaluate";
import { repositoryFiles } from "../../tools/plan/render";

const hub = { org: "stigmer", containerRegistry: "ghcr-leftbin", environments: ["dev", "prod"] };
const repository = { owner: "leftbin", name: "stigmer-cloud", branch: "main" };

describe("buildServiceHubEntry", () => {
  it("points a self-provided pipeline at the given file, with the service-name param", () => {
    const entry = buildServiceHubEntry({
      serviceName: "svc",
      serviceHub: hub,
      repository,
      pipelineFilePath: ".planton/pipeline.yaml",
      imageRepository: "ghcr.io/leftbin/stigmer-cloud/x",
    });
    assert.equal(entry.apiVersion, "service-hub.planton.ai/v1");
    assert.deepEqual(entry.metadata, { name: "svc", org: "stigmer" });
    assert.deepEqual(entry.spec.gitRepo, {
      gitRepoProvider: "github",
      ownerName: "leftbin",
      name: "stigmer-cloud",
      defaultBranch: "main",
    });
    assert.deepEqual(entry.spec.pipelineConfiguration, {
      pipelineProvider: "self",
      tektonPipelineYamlFile: ".planton/pipeline.yaml",
      imageRepositoryPath: "leftbin/stigmer-cloud/x",
      pipelineBranches: ["main"],
      params: { "service-name": "svc" },
    });
  });
  it("derives the path and the host-less repository path", () => {
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
      program: () => {
        const committed = new ServiceHubEntry("a", {
          serviceName: "svc",
          serviceHub: hub,
          repository,
          pipelineFilePath: Promise.resolve(".planton/pipeline.yaml") as unknown as string,
          imageRepository: "ghcr.io/leftbin/stigmer-cloud/x",
          commitTo: { repository: "stigmer-cloud", branch: "main" },
        });
        new ServiceHubEntry("b", {
          serviceName: "other",
          serviceHub: hub,
          repository,
          pipelineFilePath: "p",
          imageRepository: "ghcr.io/o/p",
        });
        return { path: committed.entryPath };
      },
    });
    const files = repositoryFiles(ev);
    assert.deepEqual(
      files.map((f) => f.path),
      ["_ops/planton/service-hub/services/svc.yaml"],
    );
    assert.equal(
      parse(files[0]?.content ?? "").spec.pipelineConfiguration.tektonPipelineYamlFile,
      ".planton/pipeline.yaml",
    );
    assert.equal(ev.outputs.path?.value, "_ops/planton/service-hub/services/svc.yaml");
  });
});
