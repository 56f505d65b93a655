// No plan holds a whole object unknown: a value only known at deploy (a tag's digest, a generated name) renders as the
// one field that uses it, "[unknown]", so a reviewer can read every object and a schema check can validate it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Evaluation, evaluate, type PlanValue, UNKNOWN_MARKER } from "../../tools/plan/evaluate";
import { devOutputs, TOOL_DIGESTS } from "../helpers";

/** Every path of a value at which the plan holds "[unknown]". */
function unknownPaths(value: PlanValue, at: string): string[] {
  if (value === UNKNOWN_MARKER) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, `${at}.${k}`));
  return [];
}

/** The value at a path unknownPaths wrote. */
function valueAt(value: PlanValue | undefined, at: string): PlanValue | undefined {
  let v: PlanValue | undefined = value;
  for (const part of at.match(/[^.[\]]+/g) ?? []) {
    if (v === null || typeof v !== "object") return undefined;
    v = Array.isArray(v) ? v[Number(part)] : v[part];
  }
  return v;
}

/**
 * The unknowns of a preview that swallow a whole object: where the same program, evaluated with every value known,
 * has an object or a list (and every unknown `spec`, whatever the other evaluation says).
 */
export function wholeUnknowns(preview: Evaluation, known: Evaluation): string[] {
  const byUrn = new Map(known.resources.map((r) => [r.urn, r]));
  return preview.resources.flatMap((r) =>
    unknownPaths(r.inputs, "")
      .filter((p) => {
        const there = valueAt(byUrn.get(r.urn)?.inputs, p);
        return p.endsWith(".spec") || (there !== null && typeof there === "object");
      })
      .map((p) => `${r.type} ${r.name}${p}`),
  );
}

for (const stack of ["dev", "prod"]) {
  describe(`the offline plan of ${stack}`, () => {
    it("holds no object or spec that is unknown as a whole, only unknown fields", async () => {
      // As `npm run plan -- --stack <stack> --stack-outputs .../dev=examples/stack-outputs/dev.json` evaluates it.
      const preview = await evaluate({ stack, preview: true, stackOutputs: devOutputs() });
      const known = await evaluate({
        stack,
        preview: false,
        registryDigests: TOOL_DIGESTS,
        stackOutputs: devOutputs(),
      });
      assert.deepEqual(wholeUnknowns(preview, known), []);
      // The check has something to find: the plan does hold unknown fields (the tool image's digest, generated names).
      assert.ok(preview.resources.some((r) => unknownPaths(r.inputs, "").length > 0));
    });
  });
}

describe("the check", () => {
  it("finds a spec built inside an unknown Output, as the verification Job's was", async () => {
    const program = (preview: boolean) => () => {
      const image = preview ? pulumi.output(pulumi.unknown as unknown as string) : pulumi.output("tool:1");
      new k8s.batch.v1.Job("job", {
        metadata: { name: "job" },
        spec: image.apply((i) => ({
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: i }] } },
        })),
      });
      return {};
    };
    const preview = await evaluate({ stack: "dev", preview: true, program: program(true) });
    const known = await evaluate({ stack: "dev", preview: false, program: program(false) });
    assert.deepEqual(wholeUnknowns(preview, known), ["kubernetes:batch/v1:Job job.spec"]);
  });
});
