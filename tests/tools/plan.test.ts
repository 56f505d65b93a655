// The offline plan as users run it: a subprocess per stack, its files, and every Kubernetes object schema-validated.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { runPlanCommand } from "../../tools/plan/cli";
import { SECRET_MARKER, UNKNOWN_MARKER } from "../../tools/plan/evaluate";
import {
  CUSTOM_RESOURCE_GROUPS,
  digest,
  kubernetesSchemaError,
  promotable,
  runPlan,
  tempDir,
} from "../helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: { image: string }[] } } };
}

function readObjects(dir: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path.join(dir, "kubernetes.yaml"), "utf8")).map(
    (d) => d.toJS() as K8sObject,
  );
}

for (const stack of ["dev", "prod"]) {
  describe(`npm run plan -- --stack ${stack}`, () => {
    const out = tempDir();
    const dig = digest(stack === "dev" ? "e" : "f");
    let run: ReturnType<typeof runPlan>;
    before(() => {
      // dev gets tag and digest as the pipeline's deploy step passes them; prod promotes them from dev's outputs.
      const devOutputs = path.join(tempDir(), "dev-outputs.json");
      writeFileSync(devOutputs, JSON.stringify(promotable(`${REPO}:v1.2.3@${dig}`)));
      const image =
        stack === "dev"
          ? ["--config", "workflow-runner:imageTag=v1.2.3", "--config", `workflow-runner:imageDigest=${dig}`]
          : ["--stack-outputs", `stigmer/workflow-runner/dev=${devOutputs}`];
      run = runPlan([
        "--stack",
        stack,
        "--out",
        out,
        ...image,
        "--secret",
        "workflow-runner:registryToken=canary-registry-token",
      ]);
    });

    it("exits 0 with a resource tree and a one-line summary", () => {
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /[├└]─ stigmer:delivery:WorkerDeployment {2}workflow-runner/);
      assert.match(
        run.stdout,
        new RegExp(
          `Plan for workflow-runner/${stack}: \\d+ resources to create, (1 stack reference to read, )?\\d+ Kubernetes objects`,
        ),
      );
      // The summary says why the worker has no port.
      assert.match(
        run.stdout,
        /Worker: the Temporal worker only: no container port, no probe and no Service/,
      );
    });

    it("writes kubernetes.yaml, resources.json, outputs.json and files/", () => {
      assert.ok(existsSync(path.join(out, "kubernetes.yaml")));
      assert.ok(Array.isArray(JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8"))));
      const outputs = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8")) as Record<
        string,
        unknown
      >;
      assert.equal(outputs.imageRef, `${REPO}:v1.2.3@${dig}`);
    });

    it("runs the digest-pinned image in the Deployment", () => {
      const deployment = readObjects(out).find((o) => o.kind === "Deployment");
      assert.equal(deployment?.spec?.template?.spec?.containers?.[0]?.image, `${REPO}:v1.2.3@${dig}`);
    });

    it("emits only objects that pass the Kubernetes schemas", async () => {
      const objects = readObjects(out);
      assert.ok(objects.length >= 7);
      const failures: string[] = [];
      for (const obj of objects) {
        if (CUSTOM_RESOURCE_GROUPS.some((g) => obj.apiVersion.startsWith(g))) continue;
        // The verification Job runs its tool image by the digest its registry answers; offline, a preview does not
        // know it, as pulumi preview shows a value known only after the registry is asked. Nothing else may be unknown.
        if (obj.kind === "Job" && (obj.spec as unknown) === UNKNOWN_MARKER) continue;
        const error = await kubernetesSchemaError(obj);
        if (error) failures.push(`${obj.kind}/${obj.metadata.name}: ${error}`);
      }
      assert.deepEqual(failures, []);
    });

    it("orders objects stably: namespace first, then kind order", () => {
      const kinds = readObjects(out).map((o) => o.kind);
      assert.equal(kinds[0], "Namespace");
      assert.ok(kinds.indexOf("ServiceAccount") < kinds.indexOf("Deployment"));
    });

    it("never writes the planted secret in plain text", () => {
      const all = [run.stdout, run.stderr, ...listFiles(out).map((f) => readFileSync(f, "utf8"))].join("\n");
      assert.ok(!all.includes("canary-registry-token"));
      assert.ok(
        readFileSync(path.join(out, "kubernetes.yaml"), "utf8").includes(
          `.dockerconfigjson: "${SECRET_MARKER}"`,
        ),
      );
    });
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe("plan without a digest", () => {
  it("shows the image as unknown, never as a bare tag", async () => {
    const out = tempDir();
    // A tag without a digest is looked up on the registry at deploy time: unknown in preview. (In this process: the
    // plan's content is tested here, not the process.)
    const errors: string[] = [];
    const code = await runPlanCommand(["--stack", "dev", "--out", out, "--config", "imageTag=v1"], {
      out: () => undefined,
      err: (l) => errors.push(l),
    });
    assert.equal(code, 0, errors.join("\n"));
    const deployment = readObjects(out).find((o) => o.kind === "Deployment");
    assert.equal(deployment?.spec?.template?.spec?.containers?.[0]?.image, UNKNOWN_MARKER);
  });
});

describe("plan with bad config", () => {
  // The full catalogue runs in-process (tests/bad-input.test.ts); this proves the process itself exits non-zero.
  it("exits 1 naming the key and writes no plan files", () => {
    const out = path.join(tempDir(), "plan");
    const run = runPlan(["--stack", "dev", "--out", out, "--config", "replicas=-1"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /workflow-runner:replicas: got "-1"/);
    assert.equal(existsSync(out), false);
  });

  it("names an unknown stack", async () => {
    const err: string[] = [];
    const code = await runPlanCommand(["--stack", "staging", "--out", tempDir()], {
      out: () => undefined,
      err: (l) => err.push(l),
    });
    assert.equal(code, 1);
    assert.match(err.join("\n"), /no stack file Pulumi\.staging\.yaml/);
  });

  it("reads --registry-digest's reference with the one reference parser: a tag, no digest, no upper-case path", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    for (const ref of [
      "ghcr.io/o/R:v1",
      "ghcr.io/o/r",
      `ghcr.io/o/r:v1@${digest}`,
      "ghcr.io/o/r:-v1",
      "r:v1",
    ]) {
      const err: string[] = [];
      const code = await runPlanCommand(
        ["--stack", "dev", "--out", tempDir(), "--registry-digest", `${ref}=${digest}`],
        {
          out: () => undefined,
          err: (l) => err.push(l),
        },
      );
      assert.equal(code, 1, ref);
      assert.match(err.join("\n"), /--registry-digest .*allowed: <repository>:<tag>=sha256:<64 hex>/, ref);
    }
  });
});

describe("Kubernetes schema validation", () => {
  it("rejects a broken object, so a pass means something", async () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: {
        replicas: "three",
        selector: { matchLabels: { a: "b" } },
        template: { spec: { containers: [{ name: "c" }] } },
      },
    };
    assert.match((await kubernetesSchemaError(broken)) ?? "", /replicas/);
    assert.match(
      (await kubernetesSchemaError({ apiVersion: "v1", kind: "Nonsense" })) ?? "",
      /no kubernetes-models schema/,
    );
  });
});
