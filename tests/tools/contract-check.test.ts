// npm run contract:check: a Go service written here, read by Go's own grammar (go/parser, go/types and go/build, run by
// tools/contract/goenv/main.go with the real go command), compared with a contract table and with ours.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  type EnvVarContract,
  UNRESOLVED_ENV_READS,
  WORKFLOW_RUNNER_ENV,
} from "../../contracts/workflow-runner";
import { compareWithContract, scanService, unlistedReads } from "../../tools/contract/go-env";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { tempDir } from "../helpers";

const MODULE = "github.com/example/monorepo/backend/services/workflow-runner";

/** Writes a Go service: go.mod, main.go, and the given files (path -> source) under backend/services/workflow-runner. */
function writeService(files: Record<string, string>): string {
  const checkout = tempDir("go-svc-");
  const root = path.join(checkout, "backend", "services", "workflow-runner");
  for (const [file, src] of Object.entries({ "go.mod": `module ${MODULE}\n\ngo 1.25\n`, ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), src);
  }
  return checkout;
}

/** The shapes workflow-runner's code reads variables in: a constant, a guarded default, helpers, a `!= "false"`. */
const MAIN = `package main

import (
\t"fmt"
\t"os"

\tcfg "${MODULE}/worker/config"
)

type Mode string

const (
\tEnvVarMode = "MODE"
\tModeA Mode = "a"
)

func main() {
\tlevel := os.Getenv("LOG_LEVEL")
\tif level == "" {
\t\tlevel = "info"
\t}
\tmode := os.Getenv(EnvVarMode)
\tif mode == "" {
\t\t// the default
\t\treturn ModeA
\t}
\t// os.Getenv("COMMENTED_OUT")
\tfmt.Println(level, os.Getenv("ENV") == "local", cfg.Load())
}
`;
const CONFIG = `package config

import (
\t"os"
\t"strconv"
)

func Load() int {
\t_ = getEnvOrDefault("ADDRESS", "localhost:7233")
\t_ = getEnvOrDefault("BUCKET", "")
\t_ = os.Getenv("TLS") != "false"
\t_, _ = os.LookupEnv("TOKEN")
\treturn getEnvAsIntOrDefault("CONCURRENCY", 10)
}

func getEnvOrDefault(key, defaultValue string) string {
\tif value := os.Getenv(key); value != "" {
\t\treturn value
\t}
\treturn defaultValue
}

func getEnvAsIntOrDefault(key string, defaultValue int) int {
\tif v, err := strconv.Atoi(os.Getenv(key)); err == nil {
\t\treturn v
\t}
\treturn defaultValue
}
`;
/** A package main does not import, and a test file: neither is part of the binary. */
const ELSEWHERE = {
  "cmd/tool/main.go": 'package main\n\nimport "os"\n\nfunc main() { _ = os.Getenv("TOOL_ONLY") }\n',
  "worker/config/config_test.go":
    'package config\n\nimport "os"\n\nfunc t() { _ = os.Getenv("TEST_ONLY") }\n',
};

/** The contract the fixture is in sync with. */
const CONTRACT: Record<string, { default?: string }> = {
  LOG_LEVEL: { default: "info" },
  MODE: { default: "a" },
  ENV: {},
  ADDRESS: { default: "localhost:7233" },
  BUCKET: {},
  TLS: { default: "true" },
  TOKEN: {},
  CONCURRENCY: { default: "10" },
};

describe("contract:check's Go reader", () => {
  it("finds every read of the binary with its default, and nothing outside it", () => {
    const scan = scanService(
      writeService({ "main.go": MAIN, "worker/config/config.go": CONFIG, ...ELSEWHERE }),
    );
    assert.equal(scan.module, MODULE);
    assert.deepEqual(Object.fromEntries([...scan.vars].map(([k, v]) => [k, v.defaults])), {
      ADDRESS: ["localhost:7233"],
      BUCKET: [],
      CONCURRENCY: ["10"],
      ENV: [],
      LOG_LEVEL: ["info"],
      MODE: ["a"],
      TLS: ["true"],
      TOKEN: [],
    });
    assert.deepEqual(scan.vars.get("ADDRESS")?.files, ["worker/config/config.go"]);
    assert.deepEqual(scan.unresolved, []);
    assert.deepEqual(compareWithContract(scan.vars, CONTRACT), []);
  });

  it("reports an added variable, a removed one and a changed default", () => {
    const changed = CONFIG.replace(
      'getEnvOrDefault("ADDRESS", "localhost:7233")',
      'getEnvOrDefault("ADDRESS", "temporal:7233")',
    ).replace('_, _ = os.LookupEnv("TOKEN")', '_ = os.Getenv("NEW_VAR")');
    const scan = scanService(writeService({ "main.go": MAIN, "worker/config/config.go": changed }));
    assert.deepEqual(
      compareWithContract(scan.vars, CONTRACT).map((d) => d.line),
      [
        '~ ADDRESS: default "temporal:7233" in worker/config/config.go, "localhost:7233" in the contract',
        "+ NEW_VAR: read by worker/config/config.go (default none), not in the contract",
        "- TOKEN: in the contract, read by no file of the binary",
      ],
    );
  });

  it("lists an unresolved read the contract does not name, by file and call", () => {
    const reads = [
      { file: "a.go", line: 3, call: "os.Environ()", why: "w" },
      { file: "b.go", line: 4, call: "os.Environ()", why: "w" },
    ];
    assert.deepEqual(
      unlistedReads(reads, [{ file: "a.go", call: "os.Environ()", reason: "r" }]).map((r) => r.file),
      ["b.go"],
    );
  });
});

/** Go source that reads exactly the contract's variables with their defaults, the way worker/config/config.go does. */
function goReadingContract(contract: Readonly<Record<string, EnvVarContract>>): string {
  const lines = Object.entries(contract).map(([name, spec]) =>
    spec.default === undefined
      ? `\t_ = os.Getenv(${JSON.stringify(name)})`
      : `\t_ = getEnvOrDefault(${JSON.stringify(name)}, ${JSON.stringify(spec.default)})`,
  );
  return `package main

import "os"

func main() {
${lines.join("\n")}
}

func getEnvOrDefault(key, defaultValue string) string {
\tif value := os.Getenv(key); value != "" {
\t\treturn value
\t}
\treturn defaultValue
}
`;
}

describe("npm run contract:check", () => {
  const contract: Readonly<Record<string, EnvVarContract>> = WORKFLOW_RUNNER_ENV;
  const run = (checkout: string) =>
    spawnSync(process.execPath, [path.join(PROJECT_DIR, "build/tools/contract/check.js"), checkout], {
      encoding: "utf8",
    });

  it("exits 0 and says so when the service reads exactly contracts/workflow-runner.ts", () => {
    const r = run(writeService({ "main.go": goReadingContract(contract) }));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Environment variables the binary reads: 23\n/);
    assert.match(r.stdout, / {2}TEMPORAL_SERVICE_ADDRESS {2}default "localhost:7233" {2}\(main\.go\)\n/);
    assert.match(r.stdout, /In sync with contracts\/workflow-runner\.ts \(23 variables\)\./);
  });

  it("exits 1 and prints each difference", () => {
    const src = goReadingContract(contract)
      .replace('"TEMPORAL_NAMESPACE", "default"', '"TEMPORAL_NAMESPACE", "stigmer"')
      .replace('\t_ = os.Getenv("STIGMER_RUNNER_ID")\n', '\t_ = os.Getenv("EXECUTION_MODE")\n');
    const r = run(writeService({ "main.go": src }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Drift from contracts\/workflow-runner\.ts: 3\n/);
    assert.match(
      r.stdout,
      /\n {2}\+ EXECUTION_MODE: read by main\.go \(default none\), not in the contract\n/,
    );
    assert.match(r.stdout, /\n {2}- STIGMER_RUNNER_ID: in the contract, read by no file of the binary\n/);
    assert.match(
      r.stdout,
      /\n {2}~ TEMPORAL_NAMESPACE: default "stigmer" in main\.go, "default" in the contract\n/,
    );
  });

  it("exits 2 with a usage line, or on a folder without go.mod", () => {
    const usage = run("");
    assert.equal(usage.status, 2);
    const none = run(tempDir("empty-"));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no go\.mod here or in backend\/services\/workflow-runner/);
  });

  // Issue 29 item 11: a file where a folder is expected, and a folder where the module file is.
  it("exits 2 naming a file given for the checkout, and a go.mod that is a folder", () => {
    const checkout = writeService({ "main.go": goReadingContract(contract) });
    const file = path.join(checkout, "backend/services/workflow-runner/main.go");
    const r = run(file);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `${file}: a file, where a folder is expected (a checkout of stigmer/stigmer or the service's folder)\n`,
    );
    const folderMod = tempDir("go-mod-dir-");
    mkdirSync(path.join(folderMod, "go.mod"));
    const m = run(folderMod);
    assert.equal(m.status, 2);
    assert.equal(
      m.stderr,
      `${path.join(folderMod, "go.mod")}: a folder, where the module file go.mod is expected\n`,
    );
  });

  it("exits 2 naming the go command when Go is not installed", () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(PROJECT_DIR, "build/tools/contract/check.js"),
        writeService({ "main.go": "package main\n" }),
      ],
      { encoding: "utf8", env: { ...process.env, PATH: tempDir("no-go-") } },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /needs the go command \(Debian: apt-get install golang-go\)/);
  });
});

/**
 * Each fixture is the contract's own service plus one Go file (or a change), checked by contract:check. The old reader
 * (regexes, JSON.parse for Go strings) got each one wrong in the way named; Go's grammar gets it right. `fails` is the
 * line the check prints with exit 1; a fixture without one must still pass (exit 0).
 */
const FIXTURES: readonly {
  readonly name: string;
  readonly files: (checkout: string, root: string) => Record<string, string>;
  readonly main?: (src: string) => string;
  readonly fails?: RegExp;
  /** What a passing fixture's output shows. */
  readonly shows?: RegExp;
}[] = [
  {
    name: "Go escapes in a name (old: JSON.parse threw on \\x42)",
    files: () => ({ "extra.go": 'package main\n\nimport "os"\n\nvar _ = os.Getenv("A\\x42\\u0043\\103")\n' }),
    fails: /\n {2}\+ ABCC: read by extra\.go \(default none\), not in the contract\n/,
  },
  {
    name: "an escaped quote in a helper's default (old: the default was lost)",
    files: () => ({}),
    main: (src) => src.replace('"TEMPORAL_NAMESPACE", "default"', '"TEMPORAL_NAMESPACE", "a\\"b"'),
    fails: /\n {2}~ TEMPORAL_NAMESPACE: default "a\\"b" in main\.go, "default" in the contract\n/,
  },
  {
    name: "os imported under another name (old: nothing found)",
    files: () => ({ "extra.go": 'package main\n\nimport o "os"\n\nvar _ = o.Getenv("BAZ")\n' }),
    fails: /\n {2}\+ BAZ: read by extra\.go/,
  },
  {
    name: "os dot-imported (old: nothing found)",
    files: () => ({ "extra.go": 'package main\n\nimport . "os"\n\nvar _ = Getenv("DOT")\n' }),
    fails: /\n {2}\+ DOT: read by extra\.go/,
  },
  {
    name: "syscall.Getenv and a constant expression for the name (old: nothing found, unresolved)",
    files: () => ({
      "extra.go":
        'package main\n\nimport (\n\t"os"\n\t"syscall"\n)\n\nconst prefix = "APP_"\n\nvar _, _ = syscall.Getenv("SYS")\nvar _ = os.Getenv(prefix + "PORT")\n',
    }),
    fails: /\n {2}\+ APP_PORT: read by extra\.go[^\n]*\n {2}\+ SYS: read by extra\.go/,
  },
  {
    name: "a name that is not a constant (old: printed, exit 0)",
    files: () => ({
      "extra.go":
        'package main\n\nimport (\n\t"os"\n\t"strings"\n)\n\nfunc init() {\n\tname := strings.ToUpper("x")\n\t_ = os.Getenv(name)\n}\n',
    }),
    fails:
      /\n {2}! extra\.go:10: os\.Getenv\(name\): the name is not a constant; not listed in contracts\/workflow-runner\.ts UNRESOLVED_ENV_READS\n/,
  },
  {
    name: "a helper called with a name that is not a constant",
    files: () => ({
      "extra.go": 'package main\n\nvar key = "K"\n\nvar _ = getEnvOrDefault(key, "x")\n',
    }),
    fails: /\n {2}! extra\.go:5: getEnvOrDefault\(key, "x"\): the name is not a constant;/,
  },
  {
    name: "os.Environ outside the listed files (old: not seen)",
    files: () => ({ "extra.go": 'package main\n\nimport "os"\n\nvar _ = os.Environ()\n' }),
    fails: /\n {2}! extra\.go:5: os\.Environ\(\): reads the whole environment, not one variable by name;/,
  },
  {
    name: "os.Getenv used as a value (old: not seen)",
    files: () => ({ "extra.go": 'package main\n\nimport "os"\n\nvar get = os.Getenv\n' }),
    fails:
      /\n {2}! extra\.go:5: os\.Getenv: used as a value, not called: the variable it reads is not known;/,
  },
  {
    name: "a file built on linux (old: counted every file alike)",
    files: () => ({
      "extra_linux.go": 'package main\n\nimport "os"\n\nvar _ = os.Getenv("LINUX_ONLY")\n',
      "tagged.go":
        '//go:build linux && amd64 && go1.20\n\npackage main\n\nimport "os"\n\nvar _ = os.Getenv("TAGGED")\n',
      // go help buildconstraint: "unix" holds when GOOS is a Unix or Unix-like system, as linux is.
      "tag_unix.go": '//go:build unix\n\npackage main\n\nimport "os"\n\nvar _ = os.Getenv("UNIX_TAG")\n',
    }),
    fails:
      /\n {2}\+ LINUX_ONLY: read by extra_linux\.go[^\n]*\n {2}\+ TAGGED: read by tagged\.go[^\n]*\n {2}\+ UNIX_TAG: read by tag_unix\.go/,
  },
  {
    name: "an imported package that is not in the checkout (old: skipped in silence)",
    files: () => ({ "extra.go": `package main\n\nimport _ "${MODULE}/pkg/gone"\n` }),
    fails: new RegExp(
      `\\n {2}! not read: import "${MODULE}/pkg/gone": no folder pkg/gone in the checkout\\n`,
    ),
  },
  {
    name: "an imported folder that is a link out of the checkout (issue 29 item 11)",
    files: (_checkout, root) => {
      const outside = tempDir("go-outside-");
      writeFileSync(
        path.join(outside, "out.go"),
        'package out\n\nimport "os"\n\nvar _ = os.Getenv("OUTSIDE")\n',
      );
      mkdirSync(path.join(root, "pkg"), { recursive: true });
      symlinkSync(outside, path.join(root, "pkg", "out"));
      return { "extra.go": `package main\n\nimport _ "${MODULE}/pkg/out"\n` };
    },
    fails:
      /\n {2}! not read: import "[^"]+\/pkg\/out": folder pkg\/out is a link out of the checkout \(to [^)]+\), not read\n/,
  },
  {
    name: "a Go file that is a link out of the checkout (issue 29 item 11)",
    files: (_checkout, root) => {
      const outside = tempDir("go-outside-file-");
      writeFileSync(
        path.join(outside, "x.go"),
        'package main\n\nimport "os"\n\nvar _ = os.Getenv("OUTSIDE")\n',
      );
      symlinkSync(path.join(outside, "x.go"), path.join(root, "linked.go"));
      return {};
    },
    fails: /\n {2}! not read: [^\n]+\/linked\.go: a link out of the checkout \(to [^)]+\/x\.go\), not read\n/,
  },
  {
    name: "reads inside string literals and comments (old: the call in a string was counted)",
    files: () => ({
      "extra.go":
        'package main\n\nimport "os"\n\n// os.Getenv("C1")\n/* os.Getenv("C2") */\nvar _ = "os.Getenv(\\"S1\\")"\nvar _ = `os.Getenv("S2")`\nvar _ = os.Args\n',
    }),
  },
  {
    name: "files Go leaves out for linux/amd64 (old: read them all)",
    files: () => {
      const read = (name: string) => `package main\n\nimport "os"\n\nvar _ = os.Getenv("${name}")\n`;
      return {
        "extra_windows.go": read("WINDOWS"),
        "extra_arm64.go": read("ARM64"),
        "extra_darwin_amd64.go": read("DARWIN"),
        "tag_darwin.go": `//go:build darwin\n\n${read("TAG_DARWIN")}`,
        "tag_not_amd64.go": `//go:build !amd64\n\n${read("NOT_AMD64")}`,
        "tag_ignore.go": `//go:build ignore\n\n${read("IGNORED")}`,
        "tag_plus.go": `// +build windows\n\n${read("PLUS_BUILD")}`,
        "extra_test.go": read("TEST_ONLY"),
      };
    },
    shows: /\nGo files of the binary for linux\/amd64: 1 \(left out by build constraints: 7\)\n/,
  },
  {
    name: "os.Environ where the contract lists it, with its reason",
    files: () => ({
      [(UNRESOLVED_ENV_READS[0] as { file: string }).file]:
        'package tasks\n\nimport "os"\n\nvar _ = os.Environ()\n',
      "extra.go": `package main\n\nimport _ "${MODULE}/${path.dirname((UNRESOLVED_ENV_READS[0] as { file: string }).file)}"\n`,
    }),
    shows:
      /\n {2}\? pkg\/zigflow\/tasks\/task_builder_run_activities\.go:5: os\.Environ\(\): reads the whole environment, not one variable by name; listed in the contract: a workflow's run/,
  },
];

describe("npm run contract:check on Go's grammar, fixture by fixture", () => {
  const contract: Readonly<Record<string, EnvVarContract>> = WORKFLOW_RUNNER_ENV;
  for (const fixture of FIXTURES) {
    it(`${fixture.fails ? "fails" : "passes"}: ${fixture.name}`, () => {
      const checkout = writeService({ "main.go": (fixture.main ?? ((s) => s))(goReadingContract(contract)) });
      const root = path.join(checkout, "backend", "services", "workflow-runner");
      for (const [file, src] of Object.entries(fixture.files(checkout, root))) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), src);
      }
      const r = spawnSync(
        process.execPath,
        [path.join(PROJECT_DIR, "build/tools/contract/check.js"), checkout],
        {
          encoding: "utf8",
        },
      );
      if (fixture.fails) {
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stdout, fixture.fails);
      } else {
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /In sync with contracts\/workflow-runner\.ts/);
        if (fixture.shows) assert.match(r.stdout, fixture.shows);
      }
    });
  }
});

describe("npm run contract:check --service workflow-runner", () => {
  const contract: Readonly<Record<string, EnvVarContract>> = WORKFLOW_RUNNER_ENV;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(PROJECT_DIR, "build/tools/contract/check.js"), ...args], {
      encoding: "utf8",
    });

  it("is the form without --service, and names an added variable, a removed one and a changed default", () => {
    const insync = writeService({ "main.go": goReadingContract(contract) });
    for (const args of [
      [insync],
      ["--service", "workflow-runner", insync],
      ["--service=workflow-runner", insync],
    ]) {
      const r = run(...args);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /In sync with contracts\/workflow-runner\.ts \(23 variables\)\./);
    }
    const src = goReadingContract(contract)
      .replace('"R2_REGION", "auto"', '"R2_REGION", "eu"')
      .replace('\t_ = os.Getenv("R2_BUCKET")\n', '\t_ = os.Getenv("R2_BUCKET_V2")\n');
    const r = run("--service", "workflow-runner", writeService({ "main.go": src }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.deepEqual(
      r.stdout.split("\n").filter((l) => /^ {2}[+~-] /.test(l)),
      [
        "  + R2_BUCKET_V2: read by main.go (default none), not in the contract",
        '  ~ R2_REGION: default "eu" in main.go, "auto" in the contract',
        "  - R2_BUCKET: in the contract, read by no file of the binary",
      ],
    );
  });
});
