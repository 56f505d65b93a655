// Platform limits at plan time (issue 29 item 10): what Kubernetes, the kubelet, the repository or the Pulumi CLI's YAML
// reader would refuse, refused by the program first with the key, the value and what is allowed.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { buildServiceHubEntry, type EntryInputs } from "../../components/service-hub";
import { ConfigError } from "../../config/errors";
import { PLAIN_KEYS } from "../../config/keys";
import { parsePlainConfig } from "../../config/parse";
import {
  configMapKeyProblem,
  envVarNameProblem,
  nulProblem,
  repositoryPathProblem,
} from "../../config/platform-limits";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { readProjectFile, readStackFile, readStackFileAt, resolveConfig } from "../../tools/plan/stack-files";
import { asYamlV3Reads } from "../../tools/plan/yaml-directive";
import { tempDir } from "../helpers";

const P = "workflow-runner";

/**
 * A stack's raw config with overrides; in a stack of another service than workflow-runner, an organization's name the
 * file leaves unset keeps its default (the key is workflow-runner's), not the offline plan's stand-in.
 */
function raw(overrides: Record<string, string>, stack = "dev"): Record<string, string> {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, stack), overrides);
  const foreign = stack === "dev" ? [] : resolved.standIns;
  return Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => {
      const name = k.slice(P.length + 1);
      return [name, foreign.includes(name) ? "" : v];
    }),
  );
}

/** The problems parsePlainConfig reports for a stack (dev) under overrides ([] when it accepts). */
function problems(overrides: Record<string, string>, stack = "dev"): readonly string[] {
  try {
    parsePlainConfig(raw(overrides, stack));
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
}

describe("platform limits at plan time", () => {
  it("a NUL in any plain key's value is refused with the key, whatever its grammar", () => {
    for (const key of Object.keys(PLAIN_KEYS)) {
      const found = problems({ [key]: "a\0b" });
      assert.ok(
        found.some((p) =>
          p.startsWith(`${P}:${key}: got "a\\u0000b"; allowed: a value without a NUL character`),
        ),
        `${key}: ${found.join("\n")}`,
      );
    }
    assert.equal(nulProblem("no nul"), undefined);
    assert.equal(nulProblem(undefined), undefined);
  });

  it("a NUL inside an extraEnv value (a JSON escape) is refused: no process environment can carry it", () => {
    assert.deepEqual(
      problems({ extraEnv: '["FEATURE=a\\u0000b"]' }).filter((p) => p.includes("NUL")),
      [
        `${P}:extraEnv: got "FEATURE=a\\u0000b"; allowed: a value without a NUL character (\\0): a process's environment cannot carry it, so the container would not start as configured`,
      ],
    );
  });

  it("ConfigMap keys and environment names follow apimachinery's IsConfigMapKey and IsEnvVarName", () => {
    assert.equal(configMapKeyProblem("A".repeat(253)), undefined);
    assert.match(configMapKeyProblem("A".repeat(254)) ?? "", /over the 253/);
    for (const bad of ["a b", "a/b", "", "ä"]) assert.ok(configMapKeyProblem(bad), bad);
    for (const bad of [".", "..", "..a"]) assert.ok(configMapKeyProblem(bad), bad);
    for (const good of ["a.b", "-x", "A_1", "x-y"]) assert.equal(configMapKeyProblem(good), undefined, good);
    for (const good of ["-x", ".x", "_x", "A.b-c"]) assert.equal(envVarNameProblem(good), undefined, good);
    for (const bad of ["1x", "a b", "a=b", ""]) assert.ok(envVarNameProblem(bad), bad);
    const long = `${"A".repeat(254)}=1`;
    assert.ok(
      problems({ extraEnv: JSON.stringify([long]) }).some((p) =>
        p.includes("it has 254 characters, over the 253 of a ConfigMap key"),
      ),
    );
    assert.deepEqual(problems({ extraEnv: JSON.stringify([`${"A".repeat(253)}=1`]) }), []);
  });

  it("a cache volume of zero size is refused, the smallest above zero is not", () => {
    for (const zero of ["0Gi", "0Mi", "0.0Ki", "0k"])
      assert.ok(
        problems({ buildCacheSize: zero }).some((p) =>
          p.startsWith(`${P}:buildCacheSize: got "${zero}"; allowed: a storage quantity`),
        ),
        zero,
      );
    assert.deepEqual(problems({ buildCacheSize: "1Ki" }), []);
  });

  it("stigmer-runner is held to the same limits: its /data claim, NUL, its environment", () => {
    const runner = "stigmer-runner-dev";
    assert.deepEqual(problems({}, runner), [], "its stack file is accepted");
    assert.ok(
      problems({ runnerDataSize: "0Gi" }, runner).some((p) =>
        p.startsWith(
          `${P}:runnerDataSize: got "0Gi"; allowed: a storage quantity, e.g. 10Gi (the runner's /data claim), above zero`,
        ),
      ),
    );
    assert.ok(
      problems({ runnerTaskQueue: "q\0" }, runner).some((p) =>
        p.startsWith(`${P}:runnerTaskQueue: got "q\\u0000"`),
      ),
    );
    assert.ok(
      problems({ extraEnv: '["A=\\u0000"]' }, runner).some((p) => p.includes("a process's environment")),
    );
  });

  it("projectRoot and programPath are one path below the repository's root", () => {
    for (const bad of [".", "a//b", "backend/services/workflow-runner/", "a/./b", "./a"])
      assert.ok(repositoryPathProblem(bad), bad);
    for (const good of ["backend/services/workflow-runner", "a", ".planton", "a/.b"])
      assert.equal(repositoryPathProblem(good), undefined, good);
    assert.ok(problems({ projectRoot: "." }).some((p) => p.startsWith(`${P}:projectRoot: got "."`)));
    assert.ok(problems({ programPath: "_ops//pulumi" }).some((p) => p.startsWith(`${P}:programPath: got`)));
  });

  it("the entry's yamlFile resolves inside the repository for every projectRoot the rule accepts, and escaped it before", () => {
    const entry = (projectRoot: string): string => {
      const inputs: EntryInputs = {
        serviceName: "svc",
        serviceHub: { org: "stigmer", containerRegistry: "ghcr", environments: ["dev"] },
        repository: { owner: "stigmer", name: "stigmer-cloud", branch: "main", projectRoot },
        pipelineFilePath: ".planton/pipeline.yaml",
        imageRepository: "ghcr.io/stigmer/stigmer-cloud/x",
        params: {},
        pipelineDeploys: false,
      };
      const yamlFile = JSON.stringify(buildServiceHubEntry(inputs)).match(/"yamlFile":"([^"]*)"/)?.[1] ?? "";
      // Planton reads yamlFile relative to the project root (self-managed-pipelines.md): where it leads from the
      // repository's root ("../" first: outside the repository).
      return path.posix.normalize(`${projectRoot}/${yamlFile}`);
    };
    for (const root of ["backend/services/workflow-runner", "a", "x/y"])
      assert.equal(entry(root), ".planton/pipeline.yaml", root);
    for (const root of [".", "a//b", "backend/services/workflow-runner/"]) {
      assert.ok(repositoryPathProblem(root), `the rule refuses ${root}`);
      assert.notEqual(entry(root), ".planton/pipeline.yaml", `${root} leads elsewhere: why it is refused`);
    }
  });

  it("a %YAML directive gets the Pulumi CLI's answer (gopkg.in/yaml.v3: only 1.1, once)", () => {
    const read = (text: string) => {
      const file = path.join(tempDir("yaml-directive-"), "Pulumi.dev.yaml");
      writeFileSync(file, text);
      return readStackFileAt(file);
    };
    const body = "config:\n  workflow-runner:createNamespace: yes\n  workflow-runner:replicas: 0b11\n";
    assert.deepEqual(
      read(`%YAML 1.1\n---\n${body}`),
      read(body),
      "%YAML 1.1 reads as the same document without it",
    );
    assert.throws(
      () => read(`%YAML 1.2\n---\n${body}`),
      /line 1, column 1: found incompatible YAML document/,
    );
    assert.throws(() => read(`%YAML 2.0\n---\n${body}`), /found incompatible YAML document/);
    assert.throws(
      () => read(`# a comment\n%YAML 1.1\n%YAML 1.1\n---\n${body}`),
      /line 3, column 1: found duplicate %YAML directive/,
    );
    // Only the directives before the document: a `%` later is content.
    assert.equal(asYamlV3Reads(`${body}  # %YAML 1.2\n`, "f"), `${body}  # %YAML 1.2\n`);
    assert.equal(asYamlV3Reads("%YAML 1.1\n---\na: 1\n", "f"), "#YAML 1.1\n---\na: 1\n");
  });
});
