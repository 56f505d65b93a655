// components/registry.ts: the pull Secret, the digest-pinned reference, and the registry lookup when no digest is given.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { GhcrRegistry, imageReference } from "../../components/registry";
import { buildDockerConfigJson, registryHost } from "../../components/registry-credentials";
import { evaluate, SECRET_MARKER, UNKNOWN_MARKER } from "../../tools/plan/evaluate";
import { at, digest, one, TOOL_DIGESTS } from "../helpers";

const REPO = "ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner";

describe("registry builders", () => {
  it("builds a dockerconfigjson whose auth is base64 user:token", () => {
    const doc = JSON.parse(buildDockerConfigJson("ghcr.io", "bot", "tok")) as {
      auths: Record<string, { username: string; password: string; auth: string }>;
    };
    assert.deepEqual(doc.auths["ghcr.io"], {
      username: "bot",
      password: "tok",
      auth: Buffer.from("bot:tok").toString("base64"),
    });
  });
  it("pins the reference by digest and keeps the tag for people", () => {
    assert.equal(imageReference(REPO, "v1", digest("a")), `${REPO}:v1@${digest("a")}`);
    assert.equal(registryHost(REPO), "ghcr.io");
  });
});

function registryProgram(args: { digest?: string }) {
  return () => {
    const registry = new GhcrRegistry("wr", {
      repository: REPO,
      tag: "v1",
      ...(args.digest ? { digest: args.digest } : {}),
      username: "bot",
      token: pulumi.secret("canary-token-1"),
      namespace: "ns",
    });
    return {
      imageRef: registry.imageRef,
      pullSecretName: registry.pullSecretName,
      imageDigest: registry.imageDigest,
    };
  };
}

describe("GhcrRegistry under mocks", () => {
  it("uses a configured digest and makes no registry lookup", async () => {
    const ev = await evaluate({ stack: "dev", program: registryProgram({ digest: digest("b") }) });
    assert.equal(ev.outputs.imageRef?.value, `${REPO}:v1@${digest("b")}`);
    assert.equal(
      ev.resources.filter((r) => r.type === "pulumi:providers:docker").length,
      0,
      "no docker provider is needed when the digest is known",
    );
  });

  it("resolves the tag's digest on the registry through a provider holding the credentials", async () => {
    const ev = await evaluate({
      stack: "dev",
      preview: false,
      registryDigests: { ...TOOL_DIGESTS, [`${REPO}:v1`]: digest("c") },
      program: registryProgram({}),
    });
    assert.equal(ev.outputs.imageRef?.value, `${REPO}:v1@${digest("c")}`);
    const provider = one(ev, "pulumi:providers:docker");
    assert.equal(provider.inputs.registryAuth, SECRET_MARKER, "the registry credentials are secret");
    // Provider inputs reach the engine JSON-encoded.
    assert.deepEqual(JSON.parse(String(provider.revealedInputs.registryAuth)), [
      { address: "ghcr.io", username: "bot", password: "canary-token-1" },
    ]);
  });

  it("leaves the image unknown in preview when only the registry knows the digest, never a bare tag", async () => {
    const ev = await evaluate({ stack: "dev", program: registryProgram({}) });
    assert.equal(ev.outputs.imageRef?.value, UNKNOWN_MARKER);
    assert.equal(ev.outputs.imageDigest?.known, false);
  });

  it("makes a dockerconfigjson pull Secret whose content stays secret", async () => {
    const ev = await evaluate({ stack: "dev", program: registryProgram({ digest: digest("d") }) });
    const secret = one(ev, "kubernetes:core/v1:Secret");
    assert.equal(secret.inputs.type, "kubernetes.io/dockerconfigjson");
    assert.equal(at(secret.inputs, "metadata.name"), ev.outputs.pullSecretName?.value);
    assert.ok(!JSON.stringify(secret.inputs).includes("canary-token-1"));
    const stringData = secret.revealedInputs.stringData as Record<string, string>;
    const auths = JSON.parse(stringData[".dockerconfigjson"] ?? "{}") as {
      auths: Record<string, { password: string }>;
    };
    assert.equal(auths.auths["ghcr.io"]?.password, "canary-token-1");
  });
});
