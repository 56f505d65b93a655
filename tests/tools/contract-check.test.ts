// npm run contract:check: a Go service written here, read as text, compared with a contract table and with ours.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { type EnvVarContract, WORKFLOW_RUNNER_ENV } from "../../contracts/workflow-runner";
import { compareWithContract, scanService, stripComments } from "../../tools/contract/go-env";
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

  it("blanks comments, keeps strings and every offset", () => {
    const src = 'a := "//x" // os.Getenv("A")\n/* os.Getenv("B")\n */b := `/*y*/`';
    const code = stripComments(src);
    assert.equal(code.length, src.length);
    assert.equal(code.split("\n").length, 3);
    assert.doesNotMatch(code, /Getenv/);
    assert.match(code, /^a := "\/\/x" +\n +\n +b := `\/\*y\*\/`$/);
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
