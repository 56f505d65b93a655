// npm run contract:check --service stigmer-runner: the runner README's environment tables, written here in upstream's
// shapes (backend/services/runner/README.md@0add3192: one table per topic, "Variable" and "Default" columns among
// others, `X_DATA` / `_PATH` pairs, conditional defaults), read with markdown-it and compared with
// contracts/stigmer-runner-env.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { type RunnerEnvVar, STIGMER_RUNNER_ENV } from "../../contracts/stigmer-runner-env";
import { parseArgs } from "../../tools/contract/check";
import { compareReadmeWithContract, readmeEnv } from "../../tools/contract/readme-env";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";

const CONTRACT: Readonly<Record<string, RunnerEnvVar>> = STIGMER_RUNNER_ENV;
/** The rows the README holds: every one but those read outside the runner's source. */
const LISTED = Object.entries(CONTRACT).filter(([, v]) => v.inReadme !== false);

/** A Default cell as the README writes one: a code span, a per-mode pair, or a placeholder. Pure. */
function defaultCell(d: string | undefined): string {
  if (d === undefined) return "_(none)_";
  const [a, b] = d.split(" | ");
  return b === undefined ? `\`${a}\`` : `\`${a}\` (local), \`${b}\` (cloud)`;
}

/**
 * The README's environment section for `rows`: the first half in a five-column table, the rest in the three-column
 * "Advanced and debug" shape; a `_DATA` row whose `_PATH` twin follows is written as upstream writes it, one row
 * `X_DATA` / `_PATH`. Pure.
 */
function renderReadme(rows: readonly (readonly [string, { default?: string }])[]): string {
  const names = new Set(rows.map(([n]) => n));
  const cells = rows
    .filter(([n]) => !(n.endsWith("_PATH") && names.has(n.replace(/_PATH$/, "_DATA"))))
    .map(([n, v]) => {
      const twin = n.replace(/_DATA$/, "_PATH");
      const name = n.endsWith("_DATA") && names.has(twin) ? `\`${n}\` / \`_PATH\`` : `\`${n}\``;
      return [name, defaultCell(v.default)] as const;
    });
  const half = Math.ceil(cells.length / 2);
  return [
    "# @stigmer/runner",
    "",
    "## Run modes",
    "",
    "| Variable | Default |",
    "|---|---|",
    "| `NOT_IN_THE_SECTION` | `x` |",
    "",
    "## Environment variable reference",
    "",
    "### Core configuration",
    "",
    "| Variable | Applies to | Required | Default | Purpose |",
    "|----------|-----------|----------|---------|---------|",
    ...cells
      .slice(0, half)
      .map(([n, d]) => `| ${n} | All | No | ${d} | What it does, with a \`code\` span. |`),
    "",
    "### Advanced and debug",
    "",
    "| Variable | Default | Purpose |",
    "|----------|---------|---------|",
    ...cells.slice(half).map(([n, d]) => `| ${n} | ${d} | What it does. |`),
    "",
    "## Related documentation",
    "",
    "| Variable | Default |",
    "|---|---|",
    "| `AFTER_THE_SECTION` | `y` |",
    "",
  ].join("\n");
}

/** A checkout of stigmer/stigmer holding only the runner's README. */
function writeCheckout(readme: string): string {
  const checkout = tempDir("runner-readme-");
  const dir = path.join(checkout, "backend", "services", "runner");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "README.md"), readme);
  return checkout;
}

const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(PROJECT_DIR, "build/tools/contract/check.js"), ...args], {
    encoding: "utf8",
  });

describe("the README reader (markdown-it)", () => {
  it("reads names, `_PATH` twins and literal defaults the way upstream writes them", () => {
    const md = [
      "## Environment variable reference",
      "",
      "| Variable | Applies to | Default |",
      "|---|---|---|",
      "| `A_DATA` / `_PATH`, `B_KEY_DATA` / `_PATH` | All | — |",
      "| `MODE_LIKE` | All | follows `MODE`: strict in `cloud`, relaxed in `local` |",
      "| `STORE` | All | `proxy` if `X_ENDPOINT` is set, else `local` |",
      "| `SIZE` | All | `131072` (128 KB) |",
      "| `TOKEN` | All | _(none)_ |",
      "| `PIPE` | All | `a\\|b` |",
    ].join("\n");
    const scan = readmeEnv(md);
    assert.deepEqual(scan.problems, []);
    assert.deepEqual(
      scan.vars.map((v) => [v.name, v.default, v.line]),
      [
        ["A_DATA", undefined, 5],
        ["A_PATH", undefined, 5],
        ["B_KEY_DATA", undefined, 5],
        ["B_KEY_PATH", undefined, 5],
        ["MODE_LIKE", undefined, 6],
        ["STORE", "proxy | local", 7],
        ["SIZE", "131072", 8],
        ["TOKEN", undefined, 9],
        ["PIPE", "a|b", 10],
      ],
    );
  });

  it("names what keeps it from reading: no section, a table without the columns, a cell that is not a name, a repeat", () => {
    assert.deepEqual(readmeEnv("# Runner\n\n## Configuration\n").problems, [
      'no "## Environment variable reference" section',
    ]);
    assert.deepEqual(readmeEnv("## Environment variable reference\n\nProse only.\n").problems, [
      'no table in the "## Environment variable reference" section',
    ]);
    const md = [
      "## Environment variable reference",
      "",
      "| Name | Value |",
      "|---|---|",
      "| `A` | `1` |",
      "",
      "| Variable | Default |",
      "|---|---|",
      "| `lower_case` | `1` |",
      "| `B` | `2` |",
      "| `B` | `3` |",
      "| no code span | `4` |",
    ].join("\n");
    assert.deepEqual(readmeEnv(md).problems, [
      'line 3: a table of the section without a "Variable" and a "Default" column (Name, Value)',
      "line 9: `lower_case` in the Variable column is not a variable name",
      "line 11: B is listed twice (line 10 first)",
      "line 12: a row that names no variable",
    ]);
  });

  it("tells a contract row that the README now lists from one it never did", () => {
    const drift = compareReadmeWithContract([{ name: "HOME_DIR", default: "/home/a", line: 4 }], {
      HOME_DIR: { default: "/home/a", inReadme: false },
      START_ONLY: { inReadme: false },
    });
    assert.deepEqual(
      drift.map((d) => d.line),
      ["! HOME_DIR: in README.md line 4, marked inReadme: false in the contract"],
    );
  });
});

describe("npm run contract:check --service stigmer-runner", () => {
  it("exits 0 and says so when the README lists exactly contracts/stigmer-runner-env.ts", () => {
    const r = run("--service", "stigmer-runner", writeCheckout(renderReadme(LISTED)));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Environment variables the README lists: ${LISTED.length}\\n`));
    assert.match(r.stdout, / {2}STIGMER_TASK_QUEUE {2}default "stigmer_runner" {2}\(line \d+\)\n/);
    assert.match(r.stdout, / {2}STIGMER_TEMPORAL_TLS_CLIENT_KEY_PATH {2}default none/);
    assert.match(r.stdout, / {2}STIGMER_CHECKPOINTER_TYPE {2}default "sqlite \| http"/);
    assert.doesNotMatch(r.stdout, /NOT_IN_THE_SECTION|AFTER_THE_SECTION/);
    assert.match(
      r.stdout,
      new RegExp(
        `In sync with contracts/stigmer-runner-env\\.ts \\(${Object.keys(CONTRACT).length} variables\\)\\.`,
      ),
    );
  });

  it("exits 1 and names an added variable, a removed one and a changed default", () => {
    const rows = LISTED.filter(([n]) => n !== "CLAIMCHECK_KEY_PREFIX").map(
      ([n, v]) => [n, n === "TEMPORAL_MAX_CONCURRENCY" ? { default: "8" } : v] as const,
    );
    const readme = renderReadme([...rows, ["STIGMER_NEW_SETTING", { default: "on" }]]);
    const r = run("--service=stigmer-runner", writeCheckout(readme));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Drift from contracts\/stigmer-runner-env\.ts: 3\n/);
    const lines = r.stdout.split("\n").filter((l) => /^ {2}[+~-] /.test(l));
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? "",
      /^ {2}~ TEMPORAL_MAX_CONCURRENCY: default "8" in README\.md line \d+, "5" in the contract$/,
    );
    assert.match(
      lines[1] ?? "",
      /^ {2}\+ STIGMER_NEW_SETTING: in README\.md line \d+ \(default "on"\), not in the contract$/,
    );
    assert.equal(
      lines[2],
      "  - CLAIMCHECK_KEY_PREFIX: in the contract, not in README.md's environment tables",
    );
  });

  it("reads the runner's own folder too, and exits 2 on a README it cannot read or no README", () => {
    const folder = path.join(writeCheckout(renderReadme(LISTED)), "backend", "services", "runner");
    assert.equal(run("--service", "stigmer-runner", folder).status, 0);
    const broken = run("--service", "stigmer-runner", writeCheckout("# Runner\n"));
    assert.equal(broken.status, 2);
    assert.match(
      broken.stderr,
      /README\.md: cannot read its environment tables:\n {2}no "## Environment variable reference" section/,
    );
    const none = run("--service", "stigmer-runner", tempDir("empty-"));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no backend\/services\/runner\/README\.md here and no README\.md/);
  });
});

describe("contract:check's command line", () => {
  it("takes --service NAME or --service=NAME, workflow-runner when absent", () => {
    assert.deepEqual(parseArgs(["c"]), { service: "workflow-runner", checkout: "c" });
    assert.deepEqual(parseArgs(["--service", "stigmer-runner", "c"]), {
      service: "stigmer-runner",
      checkout: "c",
    });
    assert.deepEqual(parseArgs(["c", "--service=stigmer-runner"]), {
      service: "stigmer-runner",
      checkout: "c",
    });
  });

  it("exits 2 with the usage on an unknown service, a missing or second checkout, an unknown option", () => {
    for (const [args, message] of [
      [
        ["--service", "agent-runner", "c"],
        "--service agent-runner: not a service; one of workflow-runner, stigmer-runner",
      ],
      [["--service", "stigmer-runner"], "no checkout given"],
      [["--service"], "Option '--service <value>' argument missing"],
      [["a", "b"], "one checkout, not 2"],
      // node:util parseArgs's own words, which Node versions vary in after the option's name.
      [["--verbose", "c"], /^Unknown option '--verbose'/],
      [["--service=stigmer-runner", "--service", "workflow-runner", "c"], "--service given twice"],
    ] as const) {
      const r = run(...args);
      assert.equal(r.status, 2, args.join(" "));
      if (typeof message === "string") assert.equal(r.stderr.split("\n")[0], message);
      else assert.match(r.stderr.split("\n")[0] ?? "", message);
      assert.match(
        r.stderr,
        /usage: npm run contract:check -- \[--service workflow-runner\|stigmer-runner\] /,
      );
    }
  });
});
