// config/image-reference.ts follows distribution/reference's grammar (reference.go "Grammar", regexp.go at 0965666,
// 2026-04-18) and go-digest's digest check (algorithm.go): the grammar's own cases (reference_test.go
// TestReferenceParse at 0965666: inputs and expected parts), its edge cases, and the project's narrower rules.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  digestProblem,
  imageReference,
  isImageRepository,
  isPinnedImage,
  isToolImage,
  parseImageReference,
  sha256Hex,
} from "../../config/image-reference";

const F64 = "f".repeat(64);
const DIGEST = `sha256:${"a".repeat(64)}`;

/** Input, then its domain, repository, tag and digest ("" for none). */
const PARSES: readonly [string, string, string, string, string][] = [
  ["test_com", "", "test_com", "", ""],
  ["test.com:tag", "", "test.com", "tag", ""],
  // A port-looking suffix with no path after it is a tag: the domain is recognised only before a '/'.
  ["test.com:5000", "", "test.com", "5000", ""],
  ["test.com/repo:tag", "test.com", "test.com/repo", "tag", ""],
  ["test:5000/repo", "test:5000", "test:5000/repo", "", ""],
  ["test:5000/repo:tag", "test:5000", "test:5000/repo", "tag", ""],
  [`test:5000/repo@sha256:${F64}`, "test:5000", "test:5000/repo", "", `sha256:${F64}`],
  [`test:5000/repo:tag@sha256:${F64}`, "test:5000", "test:5000/repo", "tag", `sha256:${F64}`],
  ["lowercase:Uppercase", "", "lowercase", "Uppercase", ""],
  [
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com",
    "sub-dom1.foo.com/bar/baz/quux",
    "some-long-tag",
    "",
  ],
  [
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io",
    "b.gcr.io/test.example.com/my-app",
    "test.example.com",
    "",
  ],
  ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "xn--n3h.com/myimage", "xn--n3h.com", ""],
  [
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${"f".repeat(128)}`,
    "xn--7o8h.com",
    "xn--7o8h.com/myimage",
    "xn--7o8h.com",
    `sha512:${"f".repeat(128)}`,
  ],
  ["foo_bar.com:8080", "", "foo_bar.com", "8080", ""],
  ["foo/foo_bar.com:8080", "foo", "foo/foo_bar.com", "8080", ""],
  ["192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "192.168.1.1:5000/repo", "5050", ""],
  ["[2001:db8::1]/repo", "[2001:db8::1]", "[2001:db8::1]/repo", "", ""],
  [
    `[2001:db8::1]:5000/repo:tag@sha256:${F64}`,
    "[2001:db8::1]:5000",
    "[2001:db8::1]:5000/repo",
    "tag",
    `sha256:${F64}`,
  ],
  ["[::1]:5000/repo", "[::1]:5000", "[::1]:5000/repo", "", ""],
  // Upper case is allowed in the domain, never in the path; separators: one '.', one or two '_', any '-'s.
  ["Example.COM:443/a__b--c.d_e/f", "Example.COM:443", "Example.COM:443/a__b--c.d_e/f", "", ""],
  [`${"a/".repeat(127)}a:tag-puts-this-over-max`, "a", `${"a/".repeat(127)}a`, "tag-puts-this-over-max", ""],
  // The 255-character limit is the path's, after the domain (reference.go Parse at 0965666).
  [`${"a/".repeat(128)}a:tag`, "a", `${"a/".repeat(128)}a`, "tag", ""],
  ["ghcr.io/o/r:_x.Y-9", "ghcr.io", "ghcr.io/o/r", "_x.Y-9", ""],
  [`ghcr.io/o/r:${"t".repeat(128)}`, "ghcr.io", "ghcr.io/o/r", "t".repeat(128), ""],
  [`ghcr.io/o/r@sha384:${"0".repeat(96)}`, "ghcr.io", "ghcr.io/o/r", "", `sha384:${"0".repeat(96)}`],
];

/** Input, then the reason distribution/reference (or go-digest) gives. */
const REFUSES: readonly [string, RegExp][] = [
  ["", /at least one component/],
  [":justtag", /invalid reference format/],
  [`@sha256:${F64}`, /invalid reference format/],
  [
    "repo@sha256:ffffffffffffffffffffffffffffffffff",
    /invalid digest length: sha256 has 64 hex digits, got 34/,
  ],
  [`validname@invaliddigest:${F64}`, /unsupported digest algorithm "invaliddigest"/],
  [`repo@sha256:${"F".repeat(64)}`, /hex must be lower case/],
  [`repo@sha256:${"f".repeat(31)}`, /invalid reference format/],
  ["Uppercase:tag", /must be lowercase/],
  ["test:5000/Uppercase/lowercase:tag", /must be lowercase/],
  [`domain/${"a".repeat(256)}:tag`, /not be more than 255 characters/],
  ["aa/asdf$$^/aa", /invalid reference format/],
  ["[2001:db8::1]", /invalid reference format/],
  ["[2001:db8::1]:5000", /invalid reference format/],
  ["[fe80::1%eth0]:5000/repo", /invalid reference format/],
  ["ghcr.io/o/r:-tag", /invalid reference format/],
  [`ghcr.io/o/r:${"t".repeat(129)}`, /invalid reference format/],
  ["ghcr.io/o//r", /invalid reference format/],
  ["ghcr.io/o/r.", /invalid reference format/],
  ["ghcr.io/o/a___b", /invalid reference format/],
  ["ghcr.io/o/a..b", /invalid reference format/],
  ["-ghcr.io/o/r", /invalid reference format/],
  ["ghcr.io/o/r:v1:v2", /invalid reference format/],
  ["ghcr.io/o/r@sha256", /invalid reference format/],
];

describe("parseImageReference: distribution/reference's grammar", () => {
  for (const [input, domain, repository, tag, digest] of PARSES) {
    it(`parses ${input.length > 60 ? `${input.slice(0, 57)}...` : input}`, () => {
      const ref = imageReference(input);
      assert.ok(ref, JSON.stringify(parseImageReference(input)));
      assert.deepEqual(
        [ref.domain, ref.repository, ref.tag ?? "", ref.digest ?? ""],
        [domain, repository, tag, digest],
      );
      assert.equal(ref.path, domain ? repository.slice(domain.length + 1) : repository);
      // The parts print back to the input.
      assert.equal(
        `${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`,
        input,
      );
    });
  }
  for (const [input, reason] of REFUSES) {
    it(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}`, () => {
      const parsed = parseImageReference(input);
      assert.ok("problem" in parsed, JSON.stringify(parsed));
      assert.match(parsed.problem, reason);
    });
  }

  it("digests as go-digest checks them: sha256, sha384, sha512, lower-case hex of their length", () => {
    assert.equal(digestProblem(`sha256:${F64}`), undefined);
    assert.equal(digestProblem(`sha512:${"0".repeat(128)}`), undefined);
    assert.match(digestProblem(`sha512:${F64}`) ?? "", /sha512 has 128 hex digits, got 64/);
    assert.match(digestProblem(`md5:${"0".repeat(32)}`) ?? "", /unsupported digest algorithm "md5"/);
    assert.match(digestProblem("sha256") ?? "", /invalid digest format/);
  });

  it("stays fast on a long hostile input (no catastrophic backtracking)", () => {
    const started = performance.now();
    for (const input of [`${"a-".repeat(5000)}!`, `${"a.".repeat(5000)}/!`, `${"a/".repeat(5000)}:!`])
      assert.ok("problem" in parseImageReference(input));
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  });
});

describe("the project's narrower rules over the same parser", () => {
  it("a repository: no tag, no digest, at least owner/name", () => {
    assert.equal(isImageRepository("ghcr.io/stigmer/stigmer-cloud/backend/services/workflow-runner"), true);
    assert.equal(isImageRepository("localhost:5000/a/b"), true);
    for (const bad of [
      "busybox",
      "ghcr.io/a/b:v1",
      `ghcr.io/a/b@${DIGEST}`,
      "ghcr.io/A/b",
      "ghcr.io/a/b/",
      "GHCR.io/a/b",
    ])
      assert.equal(isImageRepository(bad), false, bad);
  });

  it("a pinned image: a sha256 digest, with or without a tag", () => {
    for (const good of [
      `ghcr.io/a/b@${DIGEST}`,
      `ghcr.io/a/b:v1@${DIGEST}`,
      `localhost:5000/a/b:v1@${DIGEST}`,
    ])
      assert.equal(isPinnedImage(good), true, good);
    for (const bad of [
      "ghcr.io/a/b:v1",
      `ghcr.io/a/b:v1@sha256:${"a".repeat(63)}`,
      `ghcr.io/a/b@sha512:${"0".repeat(128)}`,
    ])
      assert.equal(isPinnedImage(bad), false, bad);
  });

  it("a tool image: a tag other than latest, a digest, or both", () => {
    for (const good of [
      "ghcr.io/a/b:v1",
      `ghcr.io/a/b@${DIGEST}`,
      `ghcr.io/a/b:v1@${DIGEST}`,
      "temporalio/admin-tools:1.2",
    ])
      assert.equal(isToolImage(good), true, good);
    for (const bad of [
      "ghcr.io/a/b:latest",
      `ghcr.io/a/b:latest@${DIGEST}`,
      "ghcr.io/a/b@sha256:abc",
      "ghcr.io/a/b",
      "alpine:3",
    ])
      assert.equal(isToolImage(bad), false, bad);
  });

  it("sha256Hex reads the digest's hex, not a suffix that merely looks like one", () => {
    assert.equal(sha256Hex(`ghcr.io/a/b:v1@${DIGEST}`), "a".repeat(64));
    assert.equal(sha256Hex("ghcr.io/a/b:v1"), undefined);
    assert.equal(sha256Hex(`Bad Ref@${DIGEST}`), undefined);
  });
});
