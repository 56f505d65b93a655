// tools/plan/stack-files.ts: a stack file's values reach the program as the strings `pulumi up` hands it.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readStackFileWithLines } from "../../tools/plan/stack-files";
import { tempDir } from "../helpers";

/** Reads one stack file text the way the plan does. */
function read(text: string) {
  const file = path.join(tempDir("stack-file-"), "Pulumi.t.yaml");
  writeFileSync(file, text);
  return readStackFileWithLines(file, { name: "p", config: {} });
}

/**
 * The rules, from the source: Pulumi's `config.Value` unmarshals each value into a Go string first
 * (pulumi/pulumi sdk/go/common/resource/config/value.go `unmarshalValue`, commit
 * 099d26427310ebea10d2740e216cfc5e523daf74), and yaml.v3 sets a Go string from a scalar as its source text,
 * `out.SetString(n.Value)`, never from the number or boolean it would resolve to (go-yaml/yaml decode.go `scalar`,
 * commit 00aeb2c63b7cd89d82eeb66ffcebae066eeb8092). A null is skipped by `prepare` and the map keeps the zero Value,
 * "" (decode.go `prepare`, `mapping`). A list is no string: value.go marshals it to JSON.
 */
const TABLE: [string, string, string][] = [
  ["hex", "0x10", "0x10"],
  ["octal (YAML 1.2)", "0o17", "0o17"],
  ["octal (YAML 1.1)", "017", "017"],
  ["a sign", "+5", "+5"],
  ["an exponent", "1e1", "1e1"],
  ["a capitalised boolean", "True", "True"],
  ["a boolean", "true", "true"],
  ["a trailing zero", "1.10", "1.10"],
  ["a date", "2024-10-01", "2024-10-01"],
  ["a plain integer", "3", "3"],
  ["a quoted integer", '"3"', "3"],
  ["a single-quoted value", "'1.10'", "1.10"],
  ["~", "~", ""],
  ["null", "null", ""],
  ["empty", "", ""],
  ["a list", "[dev, 1.10, true]", '["dev",1.1,true]'],
];

describe("stack file values as pulumi up hands them to the program", () => {
  for (const [what, written, got] of TABLE) {
    it(`${what}: ${JSON.stringify(written)} -> ${JSON.stringify(got)}`, () => {
      const { values, lines } = read(`# a comment\nconfig:\n  p:k: ${written}\n`.replace(": \n", ":\n"));
      assert.equal(values["p:k"], got);
      assert.equal(lines["p:k"], 3);
    });
  }
  it("merge keys: the map's own key wins over a merged one, and of merged maps the earlier wins (yaml.v3 mapping, merge)", () => {
    const { values, lines } = read(
      [
        "a: &a",
        "  p:x: from-a",
        "  p:y: from-a",
        "b: &b",
        "  p:y: from-b",
        "  p:z: from-b",
        "config:",
        "  <<: [*a, *b]",
        "  p:x: own",
        "",
      ].join("\n"),
    );
    assert.deepEqual(values, { "p:x": "own", "p:y": "from-a", "p:z": "from-b" });
    assert.equal(lines["p:x"], 9);
    assert.equal(lines["p:y"], 3, "a merged key is found on the line it is written");
  });
  it("keeps a secure value as an object, for the plan to give it a placeholder", () => {
    const { values } = read("config:\n  p:token:\n    secure: v1:abc\n");
    assert.deepEqual(values["p:token"], { secure: "v1:abc" });
  });
});
