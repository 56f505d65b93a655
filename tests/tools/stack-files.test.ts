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
 * The rules, from the source. Since v3.44 the Pulumi CLI reads a stack file into untyped values, writes them back out
 * and reads them again into config values (pulumi/pulumi sdk/go/common/workspace/loaders.go `LoadProjectStackBytes`,
 * v3.259): so a plain scalar reaches the program as yaml.v3 resolves it (go-yaml/yaml resolve.go, f6f7691), turned
 * into its string (resource/config/object.go `MarshalString`): `0x10` is 16, `True` true, `1.10` 1.1. A quoted
 * scalar stays as written; a null is "" (the key set to empty); a list is its JSON. The program refuses a plain
 * scalar whose text changes (config/load.ts, rewrittenScalars), so these values only ever reach it with a refusal.
 * A timestamp keeps its text here (Go's time formatting of it is not reproduced; the program refuses it).
 */
const TABLE: [string, string, string][] = [
  ["hex", "0x10", "16"],
  ["octal (YAML 1.2)", "0o17", "15"],
  ["octal (YAML 1.1, Go's leading 0)", "017", "15"],
  ["a sign", "+5", "5"],
  ["an exponent", "1e1", "10"],
  ["underscores", "1_000", "1000"],
  ["a capitalised boolean", "True", "true"],
  ["a boolean", "true", "true"],
  ["a trailing zero", "1.10", "1.1"],
  ["a date", "2024-10-01", "2024-10-01"],
  ["a plain integer", "3", "3"],
  ["a quoted integer", '"3"', "3"],
  ["a single-quoted value", "'1.10'", "1.10"],
  ["a plain string", "v1.2.3", "v1.2.3"],
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
