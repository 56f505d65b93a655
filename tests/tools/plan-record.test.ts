// How the plan records a program through the SDK's public API (tools/plan/evaluate.ts Recorder): the tree, protect,
// providers and URNs as the engine forms them, and the limits it states.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { evaluate, PROJECT_DIR } from "../../tools/plan/evaluate";

const URN = "urn:pulumi:dev::workflow-runner::";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Box", name, {}, opts);
  }
}

/** A component holding a component holding a ConfigMap, with an explicit provider and `protect` on the outer one. */
function nested() {
  const provider = new k8s.Provider("k", {});
  const outer = new Box("outer", { protect: true });
  const inner = new Box("inner", { parent: outer });
  const cm = new k8s.core.v1.ConfigMap(
    "cm",
    { metadata: { name: "cm" }, data: { a: "b" } },
    { parent: inner, provider },
  );
  // The program sees the ConfigMap's URN and writes it into another object, as the service-hub entry does.
  const ref = new k8s.core.v1.ConfigMap(
    "ref",
    { metadata: { name: "ref" }, data: { target: cm.urn } },
    { provider },
  );
  return { cmUrn: cm.urn, refName: ref.metadata.name };
}

describe("the plan's record", () => {
  it("has each resource's parent, inherited protect and provider, all by the URNs the engine forms", async () => {
    const ev = await evaluate({ stack: "dev", program: nested });
    const by = new Map(ev.resources.map((r) => [r.name, r]));
    const outer = `${URN}test:index:Box::outer`;
    const inner = `${URN}test:index:Box$test:index:Box::inner`;
    const cm = `${URN}test:index:Box$test:index:Box$kubernetes:core/v1:ConfigMap::cm`;
    const provider = `${URN}pulumi:providers:kubernetes::k::k-id`;
    assert.deepEqual(
      [...by.values()].map((r) => [r.name, r.urn, r.parent, r.protect, r.custom]),
      [
        ["k", `${URN}pulumi:providers:kubernetes::k`, "", false, true],
        ["outer", outer, "", true, false],
        ["inner", inner, outer, true, false],
        ["cm", cm, inner, true, true],
        ["ref", `${URN}kubernetes:core/v1:ConfigMap::ref`, "", false, true],
      ].sort(
        (a, b) =>
          ev.resources.findIndex((r) => r.name === a[0]) - ev.resources.findIndex((r) => r.name === b[0]),
      ),
    );
    assert.equal(by.get("cm")?.provider, provider);
    assert.equal(by.get("ref")?.provider, provider);
    // The SDK's mock monitor gives the program a URN with only the immediate parent type; the plan shows the engine's.
    assert.deepEqual(by.get("ref")?.inputs.data, { target: cm });
    assert.deepEqual(ev.outputs.cmUrn, { value: cm, secret: false, known: true });
  });

  it("refuses two resources of one type and name, which it could not tell apart", async () => {
    const program = () => {
      const a = new Box("a");
      const b = new Box("b");
      new k8s.core.v1.ConfigMap("same", { metadata: { name: "x" } }, { parent: a });
      new k8s.core.v1.ConfigMap("same", { metadata: { name: "y" } }, { parent: b });
      return {};
    };
    await assert.rejects(
      evaluate({ stack: "dev", program }),
      /2 resources of type kubernetes:core\/v1:ConfigMap named same: the plan tells resources apart by type and name, give them distinct names/,
    );
  });

  it("answers a getResource invoke from the SDK's mock monitor", async () => {
    const program = () => {
      const cm = new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm" }, data: { a: "b" } });
      const found = cm.urn.apply((urn) => pulumi.runtime.invoke("pulumi:pulumi:getResource", { urn }));
      return { data: found.apply((r) => (r as { state: { data: unknown } }).state.data) };
    };
    const ev = await evaluate({ stack: "dev", program });
    assert.deepEqual(ev.outputs.data?.value, { a: "b" });
  });
});

/** An import of a module inside @pulumi/pulumi rather than its index (the package declares no exports map). */
const DEEP_IMPORT = /(from |require\()"@pulumi\/pulumi\//;

describe("the plan's use of the SDK", () => {
  /** Every TypeScript file under a folder of the project. */
  const sources = (dir: string): string[] =>
    readdirSync(path.join(PROJECT_DIR, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(dir, f));

  it("imports @pulumi/pulumi only at its root: the package index is its public API", () => {
    for (const file of [
      ...sources("tools"),
      ...sources("tests"),
      ...sources("components"),
      ...sources("config"),
      "index.ts",
    ])
      assert.doesNotMatch(readFileSync(path.join(PROJECT_DIR, file), "utf8"), DEEP_IMPORT, file);
  });

  it("patches nothing of the SDK and hooks no module loader", () => {
    const internals = new RegExp(["runtime/debuggable", "callsites", "Module\\._load"].join("|"));
    for (const file of sources("tools"))
      assert.doesNotMatch(readFileSync(path.join(PROJECT_DIR, file), "utf8"), internals, file);
  });

  it("finds a deep import when there is one (the check above can fail)", () => {
    assert.match(["import * as rpc from ", '"@pulumi/', 'pulumi/runtime/rpc";'].join(""), DEEP_IMPORT);
  });
});
