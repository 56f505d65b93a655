// The bench's "SDK alone" figure is only a floor if the replay registers what the components registered; and the bench
// runs the plan's command, node options included, as package.json gives it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { devService, fleetProgram, workloadOnly } from "../../tools/bench/fleet";
import { replayProgram, resourceClass } from "../../tools/bench/replay";
import { evaluate, type RecordedResource } from "../../tools/plan/evaluate";
import { npmNodeCommand, parseNodeCommand } from "../../tools/plan/npm-command";

/** A registration without the replay's name suffix: URN (with its parent-type chain) and revealed inputs. */
function shape(r: RecordedResource, suffix: string) {
  const strip = (urn: string) => (suffix && urn.endsWith(suffix) ? urn.slice(0, -suffix.length) : urn);
  return { urn: strip(r.urn), parent: strip(r.parent), custom: r.custom, inputs: r.revealedInputs };
}

describe("bench replay", () => {
  it("registers exactly what one service's components registered: types, parents, inputs", async () => {
    const providers = () => ({
      kubernetes: new k8s.Provider("kubernetes", {}),
      github: new github.Provider("github", { owner: "stigmer", token: "bench" }),
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

describe("the plan's command, as the bench and the tests run it", () => {
  it("splits node's options from the script and its arguments", () => {
    assert.deepEqual(parseNodeCommand("plan", "node --a=1 --b tools/launch.cjs tools/plan/cli"), {
      nodeFlags: ["--a=1", "--b"],
      args: ["tools/launch.cjs", "tools/plan/cli"],
    });
    assert.deepEqual(parseNodeCommand("plan", "node x.js"), { nodeFlags: [], args: ["x.js"] });
  });

  it("refuses a script it would not run as written, naming it", () => {
    for (const script of ["tsx tools/plan/cli.ts", "node a.js && node b.js", "node a.js > out", "node --a"])
      assert.throws(
        () => parseNodeCommand("plan", script),
        (e: Error) => {
          assert.match(e.message, /^package\.json scripts\.plan is "/);
          assert.ok(e.message.includes(script), e.message);
          return true;
        },
      );
  });

  it("is package.json's: plan, plan:diff and bench share node's options, the semi-space size among them", () => {
    const plan = npmNodeCommand("plan");
    assert.deepEqual(plan.args, ["tools/launch.cjs", "tools/plan/cli"]);
    assert.ok(
      plan.nodeFlags.some((f) => /^--max-semi-space-size=\d+$/.test(f)),
      plan.nodeFlags.join(" "),
    );
    for (const name of ["plan:diff", "bench"])
      assert.deepEqual(npmNodeCommand(name).nodeFlags, plan.nodeFlags, name);
    assert.throws(() => npmNodeCommand("no-such-script"), /package\.json has no scripts\.no-such-script/);
  });
});
