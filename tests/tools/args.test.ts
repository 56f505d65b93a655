// Every tool reads its arguments with node:util's parseArgs (tools/args.ts): a flag missing its value, an unknown flag
// or a stray argument is a usage error, exit 2, with the usage on stderr, and the tool does nothing else.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { isParseArgsError, positionalArgs, readArgs, UsageError } from "../../tools/args";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";

/** Runs a compiled tool (build/<module>.js) with arguments. */
function tool(module: string, args: readonly string[]) {
  return spawnSync(process.execPath, [path.join(PROJECT_DIR, "build", `${module}.js`), ...args], {
    encoding: "utf8",
    cwd: PROJECT_DIR,
  });
}

describe("tools/args.ts", () => {
  it("turns node:util's refusals and the tool's own into one message with the usage", () => {
    const r = readArgs("usage: t <x>", () => positionalArgs(["--nope"], 1, 1));
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.message, /^Unknown option '--nope'\. [^\n]*\nusage: t <x>$/);
    assert.deepEqual(
      readArgs("usage: t <x>", () => positionalArgs([], 1, 1)),
      {
        ok: false,
        message: "expected 1 argument(s), got 0\nusage: t <x>",
      },
    );
    assert.deepEqual(
      readArgs("u", () => positionalArgs(["a", "b"], 0, 2)),
      { ok: true, args: ["a", "b"] },
    );
    assert.throws(
      () => readArgs("u", () => JSON.parse("{")),
      SyntaxError,
      "other errors are not usage errors",
    );
    assert.ok(new UsageError("x") instanceof Error);
    assert.equal(isParseArgsError(new Error("x")), false);
  });
});

describe("each tool refuses bad arguments with its usage and exit 2", () => {
  const plans = tempDir("args-plans-");
  const cases: readonly { module: string; args: string[]; stderr: RegExp }[] = [
    // The named old failure: plan:diff --out with no value wrote the summary to stdout in silence.
    {
      module: "tools/plan/diff",
      args: [plans, plans, "--out"],
      stderr: /^Option '--out <value>' argument missing\nusage: npm run plan:diff -- /,
    },
    {
      module: "tools/plan/diff",
      args: [plans, plans, "--budget"],
      stderr: /^Option '--budget <value>' argument missing\nusage: npm run plan:diff/,
    },
    {
      module: "tools/plan/diff",
      args: [plans, plans, "--budget", "12"],
      stderr: /^--budget: got "12"; allowed: an integer from 1000 to \d+\nusage:/,
    },
    {
      module: "tools/plan/diff",
      args: [plans],
      stderr: /^expected <baseDir> <headDir>, got 1 folder\(s\)\nusage:/,
    },
    {
      module: "tools/plan/same",
      args: [plans, plans, "--deep"],
      stderr: /^Unknown option '--deep'[^\n]*\nusage: npm run plan:same -- <dirA> <dirB>$/,
    },
    { module: "tools/plan/same", args: [plans], stderr: /^expected 2 argument\(s\), got 1\nusage:/ },
    {
      module: "tools/contract/check",
      args: [plans, "--service"],
      stderr: /^Option '--service <value>' argument missing\nusage: npm run contract:check -- /,
    },
    {
      module: "tools/contract/docs",
      args: ["--check"],
      stderr: /^Unknown option '--check'[^\n]*\nusage: npm run docs:contract$/,
    },
    {
      module: "tools/docs/config",
      args: ["extra"],
      stderr: /^Unexpected argument 'extra'[^\n]*\nusage: npm run docs:config$/,
    },
    {
      module: "tools/bench/sweep",
      args: ["16", "3", "9"],
      stderr: /^expected 0 to 2 argument\(s\), got 3\nusage: sweep/,
    },
    {
      module: "tools/bench/fleet-time",
      args: ["--runs", "3"],
      stderr: /^Unknown option '--runs'[^\n]*\nusage: fleet-time\.js/,
    },
    { module: "tools/bench/fleet-time", args: ["nope"], stderr: /^series: got "nope"; allowed: /m },
    { module: "tools/bench/fleet-rss", args: ["0"], stderr: /^services: got "0"\nusage: fleet-rss\.js/ },
    {
      module: "tools/bench/bench",
      args: ["--runs"],
      stderr: /^Unknown option '--runs'[^\n]*\nusage: npm run bench$/,
    },
    { module: "tools/bench/floor", args: ["x"], stderr: /^Unexpected argument 'x'[^\n]*\nusage: floor\.js$/ },
  ];
  for (const c of cases) {
    it(`${c.module} ${c.args.map((a) => (a === plans ? "DIR" : a)).join(" ")}`, () => {
      const docsBefore = readFileSync(path.join(PROJECT_DIR, "docs", "service-contract.md"), "utf8");
      const r = tool(c.module, c.args);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr.trim(), c.stderr);
      assert.equal(r.stdout, "");
      assert.equal(readFileSync(path.join(PROJECT_DIR, "docs", "service-contract.md"), "utf8"), docsBefore);
    });
  }
});
