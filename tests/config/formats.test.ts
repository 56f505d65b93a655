// config/formats.ts: the value formats, pure, each against values it must take and values it must refuse; git's own
// check-ref-format judges the branch rule.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  BAZEL_LABEL,
  BAZEL_REMOTE_CACHE,
  compareMemory,
  cpuMillis,
  DNS1123_LABEL,
  DURATION,
  durationSeconds,
  GIT_BRANCH,
  gitRefProblem,
  HTTPS_URL,
  ingressPathProblem,
  isCpuQuantity,
  isMemoryQuantity,
  isPulumiBackendUrl,
  LABEL_KEY,
  LABEL_VALUE,
  OCI_TAG,
  parseHttpsUrl,
  parseQuantity,
  QUALIFIED_STACK,
  rfc3339Millis,
  SERVICE_ADDRESS,
  splitAddress,
} from "../../config/formats";
import { PROJECT_ROOT } from "../../tools/project-root";

/** Each grammar with values it takes and values it refuses. */
const GRAMMARS: readonly [string, RegExp, readonly string[], readonly string[]][] = [
  ["OCI_TAG", OCI_TAG, ["v1", "0123abc", "_x", "a.b-c"], ["", "-v1", ".v1", "a".repeat(129), "a/b"]],
  [
    "DNS1123_LABEL",
    DNS1123_LABEL,
    ["dev", "a-1", "a".repeat(63)],
    ["", "Dev", "-a", "a-", "a.b", "a".repeat(64)],
  ],
  [
    "SERVICE_ADDRESS",
    SERVICE_ADDRESS,
    ["temporal.temporal.svc:7233", "10.0.0.1:443", "api.example.com:65535"],
    ["temporal:7233", "a.b:0", "a.b:65536", "a.b", "A.b:1"],
  ],
  ["DURATION", DURATION, ["0s", "2h", "1h30m", "1d2h3m4s"], ["", "h", "30m1h", "1.5h", "1w"]],
  ["BAZEL_LABEL", BAZEL_LABEL, ["//backend/services/x:push"], ["backend:x", "//:x", "//a", "@repo//a:b"]],
  [
    "QUALIFIED_STACK",
    QUALIFIED_STACK,
    ["stigmer/workflow-runner/dev"],
    ["workflow-runner/dev", "dev", "a/b/c/d"],
  ],
  ["GIT_BRANCH", GIT_BRANCH, ["main", "release/1.2"], ["/main", "a..b", "a//b", "main/", "a'b"]],
  [
    "LABEL_KEY",
    LABEL_KEY,
    ["app", "stigmer.ai/environment"],
    ["", "-a", "Stigmer.ai/x", `${"a".repeat(64)}`],
  ],
  ["LABEL_VALUE", LABEL_VALUE, ["", "v1.2_3", "a".repeat(63)], ["-a", "a-", "a".repeat(64), "a/b"]],
];

describe("value formats", () => {
  for (const [name, re, good, bad] of GRAMMARS) {
    it(`${name} takes ${good.length} values and refuses ${bad.length}`, () => {
      for (const v of good) assert.match(v, re, `${name} should take ${JSON.stringify(v)}`);
      for (const v of bad) assert.doesNotMatch(v, re, `${name} should refuse ${JSON.stringify(v)}`);
    });
  }

  it("reads a duration's seconds", () => {
    assert.equal(durationSeconds("0s"), 0);
    assert.equal(durationSeconds("1h30m"), 5400);
    assert.equal(durationSeconds("1d2h3m4s"), 93784);
  });

  it("splits host:port, and gives an empty host for what is not an address", () => {
    assert.deepEqual(splitAddress("temporal.temporal.svc:7233"), {
      host: "temporal.temporal.svc",
      port: 7233,
    });
    assert.deepEqual(splitAddress("nohost"), { host: "", port: 0 });
  });

  it("refuses the paths Kubernetes refuses in an Ingress", () => {
    assert.equal(ingressPathProblem("/hooks/github"), undefined);
    assert.equal(ingressPathProblem("hooks"), "it does not start with '/'");
    assert.equal(ingressPathProblem("/a//b"), "it contains '//'");
    assert.equal(ingressPathProblem("/a/%2fb"), "it contains '%2f'");
    assert.equal(ingressPathProblem("/a/.."), "it ends with '/..'");
  });

  it("judges a branch as git check-ref-format does, and refuses '@' and a leading '-' besides", () => {
    const names = [
      "main",
      "release/1.2",
      "a@b",
      "a/b.c",
      "a..b",
      "a@{b",
      "/a",
      "a/",
      "a//b",
      "a.",
      ".a",
      "a/.b",
      "a b",
      "a~b",
      "a^b",
      "a:b",
      "a?b",
      "a*b",
      "a[b",
      "a\\b",
      "a.lock/b",
      "x.lock",
      "",
    ];
    for (const name of names) {
      const git = spawnSync("git", ["check-ref-format", `refs/heads/${name}`]);
      assert.equal(gitRefProblem(name) === undefined, git.status === 0, JSON.stringify(name));
    }
    // As `git check-ref-format --branch` (the branch rule, outside a repository): HEAD and a leading '-' are refused,
    // "head", "a/HEAD" are not.
    for (const name of ["HEAD", "-a", "head", "a/HEAD", "HEAD/a", "main"]) {
      const git = spawnSync("git", ["check-ref-format", "--branch", name], { cwd: tmpdir() });
      assert.equal(gitRefProblem(name) === undefined, git.status === 0, JSON.stringify(name));
    }
    // Stricter than the full ref check: "@" alone names HEAD in revision syntax, "-x" reaches git fetch as an option.
    for (const name of ["@", "-a"]) {
      assert.equal(spawnSync("git", ["check-ref-format", `refs/heads/${name}`]).status, 0, name);
      assert.notEqual(gitRefProblem(name), undefined, name);
    }
  });
});

describe("parseHttpsUrl: RFC 3986's https URI, narrowed to a DNS host and a port of 1 to 65535", () => {
  it("reads host, port (443 unless written) and path", () => {
    assert.deepEqual(parseHttpsUrl("https://api.stigmer.ai"), {
      host: "api.stigmer.ai",
      port: 443,
      explicitPort: false,
      path: "/",
    });
    assert.deepEqual(parseHttpsUrl("https://proxy.example.com:8443/v1/x"), {
      host: "proxy.example.com",
      port: 8443,
      explicitPort: true,
      path: "/v1/x",
    });
    assert.equal(parseHttpsUrl("https://a.example:65535")?.port, 65535);
    assert.equal(parseHttpsUrl("https://a.example:1")?.port, 1);
  });

  it("refuses a port outside 1 to 65535 or with a leading zero, and what is not an https URL of a DNS name", () => {
    for (const bad of [
      "https://a.example:99999",
      "https://a.example:65536",
      "https://a.example:0",
      "https://a.example:0443",
      "https://a.example:",
      "https://a.example:443x",
      "http://a.example",
      "https://localhost",
      "https://user@a.example",
      "https://a.example/?q=1",
      "https://A.example",
    ])
      assert.equal(parseHttpsUrl(bad), undefined, bad);
  });

  it("bounds the port of an https Pulumi backend URL the same way", () => {
    for (const good of [
      "https://api.pulumi.com",
      "https://pulumi.internal.example:8443/x",
      "s3://bucket?region=eu-west-1",
      "azblob://c",
    ])
      assert.equal(isPulumiBackendUrl(good), true, good);
    for (const bad of [
      "https://pulumi.internal.example:99999",
      "https://pulumi.internal.example:0/x",
      "https://h:x",
      "ftp://h",
    ])
      assert.equal(isPulumiBackendUrl(bad), false, bad);
  });

  it("is the grammar of the config keys, the egress targets and the webhook's Ingress", () => {
    assert.doesNotMatch("https://a.example:99999", HTTPS_URL);
    assert.doesNotMatch("grpcs://cache.example:99999", BAZEL_REMOTE_CACHE);
    assert.match("grpcs://cache.example:9092", BAZEL_REMOTE_CACHE);
    assert.doesNotMatch("temporal.temporal.svc:99999", SERVICE_ADDRESS);
  });
});

describe("rfc3339Millis: Go's time.Parse(time.RFC3339, s) (golang/go src/time/format.go parse, format_rfc3339.go)", () => {
  const utc = (...a: [number, number, number, number?, number?, number?, number?]) => Date.UTC(...a);
  /** Input, then the instant Go gives (ms), or undefined where Go returns an error. */
  const CASES: [string, number | undefined, string][] = [
    ["2026-12-01T00:00:00Z", utc(2026, 11, 1), "the layout itself"],
    ["2026-12-01T00:00:00.123456789Z", utc(2026, 11, 1, 0, 0, 0, 123), "nanoseconds"],
    [
      "2026-12-01T00:00:00.1234567891234Z",
      utc(2026, 11, 1, 0, 0, 0, 123),
      "more than nine digits: the first nine count",
    ],
    ["2026-12-01T00:00:00,5Z", utc(2026, 11, 1, 0, 0, 0, 500), "a comma before the fraction (commaOrPeriod)"],
    ["2026-12-01T00:00:00.Z", undefined, "a separator without digits"],
    ["2026-12-01T5:04:05Z", utc(2026, 11, 1, 5, 4, 5), "a one-digit hour (stdHour takes one or two digits)"],
    ["2026-12-01T05:4:05Z", undefined, "a one-digit minute (stdZeroMinute takes two)"],
    ["2026-12-01t00:00:00Z", undefined, "a lower-case t (the layout's T is matched exactly)"],
    ["2026-12-01T00:00:00z", undefined, "a lower-case z (only 'Z' means UTC)"],
    ["2026-12-01 00:00:00Z", undefined, "a space for T"],
    ["2026-12-01T00:00:00", undefined, "no zone"],
    ["2026-12-01T00:00:00+05:30", utc(2026, 10, 30, 18, 30), "an offset"],
    ["2026-12-01T00:00:00-00:00", utc(2026, 11, 1), "-00:00"],
    ["2026-12-01T00:00:00+24:00", utc(2026, 10, 30), "an offset hour of 24 (Go checks > 24)"],
    [
      "2026-12-01T00:00:00+25:00",
      undefined,
      "an offset hour of 25 (Go 1.19 still took it; format.go now checks)",
    ],
    ["2026-12-01T00:00:00+05:60", utc(2026, 10, 30, 18), "an offset minute of 60 (Go checks > 60)"],
    [
      "2026-12-01T00:00:00+05:61",
      undefined,
      "an offset minute of 61 (Go 1.19 still took it; format.go now checks)",
    ],
    ["2026-12-01T00:00:00+0530", undefined, "an offset without its colon"],
    ["2026-12-01T00:00:00+05", undefined, "an offset without minutes"],
    ["2026-12-31T23:59:60Z", undefined, "a leap second (stdZeroSecond: 60 <= sec is out of range)"],
    ["2026-12-01T24:00:00Z", undefined, "hour 24"],
    ["2026-12-01T00:60:00Z", undefined, "minute 60"],
    ["2026-13-01T00:00:00Z", undefined, "month 13"],
    ["2026-00-01T00:00:00Z", undefined, "month 0"],
    ["2026-1-01T00:00:00Z", undefined, "a one-digit month (stdZeroMonth takes two)"],
    ["2026-02-29T00:00:00Z", undefined, "29 February of a common year (day out of range)"],
    ["2024-02-29T23:59:59Z", utc(2024, 1, 29, 23, 59, 59), "29 February of a leap year"],
    ["2026-04-31T00:00:00Z", undefined, "31 April"],
    ["0099-01-01T00:00:00Z", new Date(0).setUTCFullYear(99, 0, 1), "a year under 100 (not read as 1999)"],
    ["02026-12-01T00:00:00Z", undefined, "a 5-digit year"],
    ["+2026-12-01T00:00:00Z", undefined, "a signed year"],
    ["2026-12-01T00:00:00Z ", undefined, "text after the zone"],
  ];
  for (const [text, expected, what] of CASES) {
    it(`${expected === undefined ? "refuses" : "takes"} ${what}: ${JSON.stringify(text)}`, () => {
      assert.equal(rfc3339Millis(text), expected);
    });
  }

  it("gives what this machine's Go gives (tests/fixtures/go-time-parse), but where Go's own checks changed since", (t) => {
    const version = spawnSync("go", ["version"], { encoding: "utf8" });
    if (version.error) {
      t.skip("no Go on PATH");
      return;
    }
    const run = spawnSync(
      "go",
      ["run", path.join(PROJECT_ROOT, "tests", "fixtures", "go-time-parse", "main.go")],
      {
        input: `${CASES.map(([text]) => text).join("\n")}\n`,
        encoding: "utf8",
        env: { ...process.env, GO111MODULE: "off", GOFLAGS: "" },
      },
    );
    assert.equal(run.status, 0, run.stderr);
    const go = run.stdout.trimEnd().split("\n");
    assert.equal(go.length, CASES.length);
    const differs = CASES.filter(([text], i) => String(rfc3339Millis(text) ?? "ERR") !== go[i]).map(
      ([, , what]) => what,
    );
    // Only the offset range checks, which the Go here may predate (it says so in the case).
    for (const what of differs) assert.match(what, /Go 1\.19 still took it/, `${what}: ${version.stdout}`);
  });
});

describe("parseQuantity: apimachinery's quantity grammar (pkg/api/resource/quantity.go, the comment on Quantity)", () => {
  /** Input, then its exact value as numerator/denominator and suffix, or undefined where the grammar refuses it. */
  const CASES: [string, [bigint, bigint, string] | undefined][] = [
    ["0", [0n, 1n, ""]],
    ["1", [1n, 1n, ""]],
    ["-1", [-1n, 1n, ""]],
    ["+1", [1n, 1n, ""]],
    ["1.5", [15n, 10n, ""]],
    ["1.", [1n, 1n, ""]],
    [".5", [5n, 10n, ""]],
    ["500m", [500n, 1000n, "m"]],
    // n and u: in the grammar comment at apimachinery 357557a, and always read by the parser.
    ["100n", [100n, 10n ** 9n, "n"]],
    ["5u", [5n, 10n ** 6n, "u"]],
    ["1k", [1000n, 1n, "k"]],
    ["1Ki", [1024n, 1n, "Ki"]],
    ["1.5Gi", [15n * 2n ** 30n, 10n, "Gi"]],
    ["2Ei", [2n * 2n ** 60n, 1n, "Ei"]],
    ["1E", [10n ** 18n, 1n, "E"]],
    ["1e3", [1000n, 1n, "e3"]],
    ["1E3", [1000n, 1n, "E3"]],
    ["1e-3", [1n, 1000n, "e-3"]],
    ["12e+6", [12n * 10n ** 6n, 1n, "e+6"]],
    ["", undefined],
    [".", undefined],
    ["+", undefined],
    ["Ki", undefined],
    ["1K", undefined],
    ["1ki", undefined],
    ["1KI", undefined],
    ["1e", undefined],
    ["1e1.5", undefined],
    ["1 Gi", undefined],
    ["1Gi ", undefined],
    ["1..5", undefined],
    ["0x10", undefined],
    ["1Mb", undefined],
    ["1U", undefined],
    ["--1", undefined],
  ];
  for (const [text, expected] of CASES)
    it(`${expected ? "takes" : "refuses"} ${JSON.stringify(text)}`, () => {
      const q = parseQuantity(text);
      assert.deepEqual(q ? [q.numerator, q.denominator, q.suffix] : undefined, expected);
    });

  it("the project's CPU form: unsigned cores with at most three decimals' worth, or whole millicores", () => {
    for (const good of ["100m", "0.5", "1", "2.125", "1.000"]) assert.equal(isCpuQuantity(good), true, good);
    for (const bad of ["0.0005", "1.5m", "-1", "+1", "1k", "1e3", "1Ki", ".5", ""])
      assert.equal(isCpuQuantity(bad), false, bad);
    assert.equal(cpuMillis("2.125"), 2125);
  });

  it("the project's memory form: unsigned, with a unit of Ki..Ti or k..T", () => {
    for (const good of ["128Mi", "1.5Gi", "50Gi", "1G", ".5Gi"])
      assert.equal(isMemoryQuantity(good), true, good);
    for (const bad of ["128", "1Pi", "1E", "1e9", "-1Gi", "+1Gi", "100m", "1Mb"])
      assert.equal(isMemoryQuantity(bad), false, bad);
    assert.equal(compareMemory("1024Mi", "1Gi"), 0);
    assert.equal(compareMemory("1G", "1Gi"), -1);
  });
});
