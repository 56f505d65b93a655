// components/namespace.ts: Pod Security labels, protection, and adopting an existing namespace.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildNamespace, ServiceNamespace } from "../../components/namespace";
import { evaluate } from "../../tools/plan/evaluate";
import { one } from "../helpers";

describe("buildNamespace", () => {
  it("enforces the requested Pod Security level and always audits and warns on restricted", () => {
    assert.deepEqual(buildNamespace({ name: "ci", podSecurity: "baseline", labels: { a: "b" } }).metadata, {
      name: "ci",
      labels: {
        a: "b",
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    });
    const meta = buildNamespace({ name: "w" }).metadata as { labels: Record<string, string> };
    assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], "restricted");
  });
});

describe("ServiceNamespace under mocks", () => {
  it("creates and protects when asked, and adopts by name without a resource otherwise", async () => {
    const ev = await evaluate({
      stack: "dev",
      program: () => ({
        created: new ServiceNamespace("a", { name: "made", protect: true }).name,
        adopted: new ServiceNamespace("b", { name: "existing", create: false }).name,
      }),
    });
    assert.equal(one(ev, "kubernetes:core/v1:Namespace").protect, true);
    assert.equal(ev.outputs.created?.value, "made");
    assert.equal(ev.outputs.adopted?.value, "existing");
    assert.equal(ev.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").length, 1);
  });
});
