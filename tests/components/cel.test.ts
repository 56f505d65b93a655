// CEL literals: the one quoting function, checked against a CEL parser and evaluator (@bufbuild/cel) with hostile
// strings, and the Tekton simulator's filter evaluation, which is CEL and nothing else.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { isCelError, parse, run } from "@bufbuild/cel";
import { celString, celStringList } from "../../components/cel";
import { pushFilter } from "../../components/trigger-run";
import { PROJECT_ROOT } from "../../tools/project-root";
import { celMatches } from "../tekton-sim";

const HOSTILE = [
  "",
  "plain",
  "it's",
  'say "hi"',
  "back\\slash\\",
  "\\'",
  '\\"',
  "new\nline",
  "carriage\rreturn\ttab\bback\fform",
  "\u0000nul and \u001f unit separator and \u007f delete",
  "unicode: ünïcødé, 日本語, emoji 😀, line separator \u2028, paragraph \u2029",
  "\\u0041 is not A",
  "'''triple single'''",
  '"""triple double"""',
  '"',
  "$(tt.params.a) {{templates}} %s",
  "' || true || '",
  '" || true || "',
];

describe("celString: a CEL STRING_LIT with its ESCAPEs (cel-spec doc/langdef.md), as @bufbuild/cel parses it", () => {
  for (const value of HOSTILE) {
    it(`${JSON.stringify(value)} parses as one string literal that evaluates to itself`, () => {
      const literal = celString(value);
      const expr = parse(literal).expr;
      assert.equal(expr?.exprKind.case, "constExpr", literal);
      assert.equal(run(literal), value);
      // An injection attempt stays inside the literal: the comparison is false, not `true`.
      assert.equal(run(`${literal} == "x"`), value === "x");
    });
  }

  it("lists: every element quoted, the list evaluates to the values", () => {
    assert.deepEqual([...(run(celStringList(HOSTILE)) as Iterable<unknown>)], HOSTILE);
    assert.equal(run(`${celStringList(["a'b", 'c"d'])}.exists(x, x == ${celString('c"d')})`), true);
  });

  it("refuses a lone surrogate (no CEL string holds one), and keeps a surrogate pair", () => {
    assert.throws(
      () => celString("bad \ud800 half"),
      /cannot hold a lone UTF-16 surrogate: "bad \\ud800 half"/,
    );
    assert.equal(run(celString("pair \ud83d\ude00")), "pair 😀");
  });

  it("the old single-quote escaping wrote a broken literal for a newline (the bug this replaces)", () => {
    const old = (v: string) => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    assert.throws(() => parse(old("a\nb")));
    assert.doesNotThrow(() => parse(celString("a\nb")));
  });
});

describe("pushFilter quotes what it interpolates", () => {
  const build = (branch: string, owner: string, repository: string) =>
    ({ git: { branch, owner, repository } }) as unknown as Parameters<typeof pushFilter>[0];
  const payload = (ref: string, fullName: string) => ({
    ref,
    deleted: false,
    repository: { full_name: fullName },
  });

  it("a branch with a quote or a newline is matched exactly, not broken or injected", () => {
    for (const branch of ["release/it's", "x' || true || '", "a\nb", 'q"uote']) {
      const filter = pushFilter(build(branch, "O", "R"));
      assert.equal(celMatches(filter, payload(`refs/heads/${branch}`, "o/r")), true, filter);
      assert.equal(celMatches(filter, payload("refs/heads/main", "o/r")), false, filter);
    }
  });
});

describe("the Tekton simulator's CEL (tests/tekton-sim.ts)", () => {
  const body = { ref: "refs/heads/main", n: 1, name: "Stigmer/Cloud" };

  it("evaluates CEL, not JavaScript: a missing key is an error, which Triggers takes as no match", () => {
    assert.equal(celMatches("!body.deleted", body), false);
    assert.equal(celMatches("!body.deleted", { ...body, deleted: false }), true);
    // JavaScript would call `"a" + 1` "a1"; CEL has no string + number overload: an error, so no match.
    assert.equal(celMatches('body.ref + body.n == "refs/heads/main1"', body), false);
    // Triggers' strings extension (cel-go ext.Strings): lowerAscii.
    assert.equal(celMatches('body.name.lowerAscii() == "stigmer/cloud"', body), true);
    // A value that is not `true` is no match either.
    assert.equal(celMatches("body.ref", body), false);
  });

  it("throws on a filter that does not parse or check (Triggers would refuse every event)", () => {
    assert.throws(() => celMatches("body.ref ==", body), /does not compile.*expecting end of input/);
    assert.throws(
      () => celMatches("payload.ref == 'x'", body),
      /does not compile.*undeclared reference to 'payload'/,
    );
    assert.ok(isCelError(run("{}.missing")));
  });
});

describe("no evaluation of source text in the program, tools or tests", () => {
  // The one allowed use: a native `import()` (JavaScript, not a foreign language) where CommonJS output would turn
  // `import()` into `require()`.
  const NATIVE_IMPORT = 'new Function("specifier", "return import(specifier)")';
  const files = ["components", "config", "contracts", "policy", "tools", "tests", "examples"]
    .flatMap((dir) =>
      readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: "utf8" }).map((f) =>
        path.join(dir, f),
      ),
    )
    .concat("index.ts")
    .filter((f) => f.endsWith(".ts"));

  /** The places in a source text that build code from a string. Pure. */
  function evaluations(text: string): string[] {
    return [
      ...text
        .replaceAll(NATIVE_IMPORT, "")
        .matchAll(/\bnew\s+Function\s*\(|(?<![.\w])eval\s*\(|\bvm\.run\w*\(|\bnew\s+vm\.Script\b/g),
    ].map((m) => m[0]);
  }

  it("finds them when they are there", () => {
    assert.deepEqual(evaluations('const f = new Function("body", js); eval(x); vm.runInNewContext(c);'), [
      "new Function(",
      "eval(",
      "vm.runInNewContext(",
    ]);
    assert.deepEqual(evaluations(`const i = ${NATIVE_IMPORT}; x.eval(1); medieval(2);`), []);
  });

  it("finds none", () => {
    assert.ok(files.length > 50, String(files.length));
    const self = path.join("tests", "components", "cel.test.ts");
    const found = files
      .filter((f) => f !== self)
      .flatMap((f) => evaluations(readFileSync(path.join(PROJECT_ROOT, f), "utf8")).map((e) => `${f}: ${e}`));
    assert.deepEqual(found, []);
  });
});
