// config/formats.ts: the value formats, pure, each against values it must take and values it must refuse; git's own
// check-ref-format judges the branch rule.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import {
  BAZEL_LABEL,
  DNS1123_LABEL,
  DURATION,
  durationSeconds,
  GIT_BRANCH,
  gitRefProblem,
  ingressPathProblem,
  LABEL_KEY,
  LABEL_VALUE,
  OCI_TAG,
  QUALIFIED_STACK,
  SERVICE_ADDRESS,
  splitAddress,
} from "../../config/formats";

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
    // Stricter than the full ref check: "@" alone names HEAD in revision syntax, "-x" reaches git fetch as an option.
    for (const name of ["@", "-a"]) {
      assert.equal(spawnSync("git", ["check-ref-format", `refs/heads/${name}`]).status, 0, name);
      assert.notEqual(gitRefProblem(name), undefined, name);
    }
  });
});
