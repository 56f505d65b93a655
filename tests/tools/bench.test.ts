// The bench's "SDK alone" figure is only a floor if the replay registers what the components registered.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { devService, fleetProgram, workloadOnly } from "../../tools/bench/fleet";
import { replayProgram, resourceClass } from "../../tools/bench/replay";
import { evaluate, type RecordedResource } from "../../tools/plan/evaluate";

/** A registration without the replay's name suffix: URN (with its parent-type chain) and revealed inputs. */
function shape(r: RecordedResource, suffix: string) {
  const strip = (urn: string) => (suffix && urn.endsWith(suffix) ? urn.slice(0, -suffix.length) : urn);
  return { urn: strip(r.urn), parent: strip(r.parent), custom: r.custom, inputs: r.revealedInputs };
}

describe("bench replay", () => {
  it("registers exactly what one service's components registered: types, parents, inputs", async () => {
    const providers = () => ({
      kubernetes: new k8s.Provider("kubernetes", {}),
      github: new github.Provider("github", { owner: "leftbin", token: "bench" }),
    });
    for (const service of [workloadOnly(devService()), devService()]) {
      const recorded = (await evaluate({ stack: "dev", program: fleetProgram(service, 1) })).resources;
      const replayed = (await evaluate({ stack: "dev", program: replayProgram(recorded, 1, providers) }))
        .resources;
      const own = (rs: RecordedResource[], suffix: string) =>
        rs
          .filter((r) => !r.type.startsWith("pulumi:providers:"))
          .map((r) => shape(r, suffix))
          .sort((a, b) => (a.urn < b.urn ? -1 : 1));
      const expected = own(recorded, "");
      assert.ok(expected.length >= 20, `${expected.length} resources`);
      assert.deepEqual(own(replayed, "-0"), expected);
    }
  });

  it("places each type token's class, and refuses one it cannot place", () => {
    assert.equal(resourceClass("kubernetes:apps/v1:Deployment"), k8s.apps.v1.Deployment);
    assert.equal(
      resourceClass("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
      k8s.rbac.v1.RoleBinding,
    );
    assert.equal(resourceClass("github:index/repositoryFile:RepositoryFile"), github.RepositoryFile);
    assert.throws(
      () => resourceClass("kubernetes:apps/v1:Nothing"),
      /no provider class for kubernetes:apps\/v1:Nothing/,
    );
    assert.throws(() => resourceClass("aws:s3/bucket:Bucket"), /no provider class/);
  });
});
