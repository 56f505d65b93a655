// No credential in a committed file (issue 29 item 3), none in a message (item 4): the keys whose values reach the
// files this program commits are found by planning the owner stack, and each is refused with a credential in it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { COMMITTED_KEYS } from "../config/credentials";
import { ConfigError } from "../config/errors";
import { PLAIN_KEYS } from "../config/keys";
import { parsePlainConfig } from "../config/parse";
import { credentialProblem, redactCredentials, SECRET_SHOWN, shownValue } from "../config/redact";
import { type Evaluation, evaluate, PROJECT_DIR } from "../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../tools/plan/stack-files";
import { digest, TOOL_DIGESTS } from "./helpers";

const P = "workflow-runner";
/** Values of their own for the keys that are empty by default, so that a plan shows where they go. */
const DISTINCT: Record<string, string> = {
  imageDigest: digest("1"),
  pulumiBackendUrl: "https://state-q7x.example.com",
  pulumiBackendAllowList: '["https://state-q7x.example.com","s3://other-q7x"]',
  bazelRemoteCache: "grpcs://cache-q7x.example.com:9092",
  bazelPushTarget: "//backend/services/workflow-runner:push_q7x",
  bazelImageTarget: "//backend/services/workflow-runner:image_q7x",
  kubeContext: "context-q7x",
};
const VARIANTS: Record<string, string>[] = [
  DISTINCT,
  { ...DISTINCT, trigger: "tekton", webhookUrl: "https://hooks-q7x.example.com/wr" },
];

/** The resolved raw config of dev under overrides (the values the program reads). */
function raw(overrides: Record<string, string>): Record<string, string> {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, "dev"), overrides);
  return Object.fromEntries(Object.entries(resolved.values).map(([k, v]) => [k.slice(P.length + 1), v]));
}

/** The text of every file a plan commits to the repository. */
function committed(ev: Evaluation): string {
  return ev.resources
    .filter((r) => r.type === "github:index/repositoryFile:RepositoryFile")
    .map((r) => `${r.inputs.file}\n${r.revealedInputs.content}`)
    .join("\n");
}

/**
 * The plain keys whose values show in the committed text: a value (or a list's item) of six characters or more
 * that is neither a boolean nor a number, found verbatim.
 */
function keysIn(text: string, values: Record<string, string>): string[] {
  return Object.keys(PLAIN_KEYS).filter((key) => {
    const value = values[key] ?? "";
    let items: string[] = [value];
    try {
      const list: unknown = JSON.parse(value);
      if (Array.isArray(list)) items = list.map(String);
    } catch {
      // a single value
    }
    return items.some((v) => v.length >= 6 && !/^(true|false|[0-9.]+)$/.test(v) && text.includes(v));
  });
}

describe("credentials in committed files", () => {
  const reached = new Set<string>();
  let texts: string[] = [];
  before(async () => {
    for (const variant of VARIANTS) {
      const ev = await evaluate({
        stack: "dev",
        preview: false,
        registryDigests: TOOL_DIGESTS,
        config: variant,
      });
      const text = committed(ev);
      texts.push(text);
      for (const k of keysIn(text, raw(variant))) reached.add(k);
    }
    texts = texts.filter((t) => t.length > 0);
  });

  it("every key whose value reaches a committed file is checked for credentials (COMMITTED_KEYS)", () => {
    assert.equal(texts.length, VARIANTS.length, "each plan commits files");
    for (const k of ["pulumiBackendAllowList", "bazelRemoteCache", "gitOwner", "projectRoot"])
      assert.ok(reached.has(k), `${k} is found in the committed files: ${[...reached].join(", ")}`);
    const uncovered = [...reached].filter((k) => !(COMMITTED_KEYS as readonly string[]).includes(k));
    assert.deepEqual(uncovered, [], `keys that reach a committed file but are not in COMMITTED_KEYS`);
  });

  it("the coverage check finds a key left out of the list (the proof it can fail)", () => {
    const list = COMMITTED_KEYS.filter((k) => k !== "bazelRemoteCache") as readonly string[];
    assert.deepEqual(
      [...reached].filter((k) => !list.includes(k)),
      ["bazelRemoteCache"],
    );
  });

  it("refuses a credential in each committed key that can hold a URL, and never shows it", () => {
    const cases: [string, string, string][] = [
      ["pulumiBackendUrl", "https://user:hunter2-q7x@state.example.com", "hunter2-q7x"],
      ["pulumiBackendUrl", "s3://state?region=eu&X-Amz-Signature=abc123q7x", "abc123q7x"],
      ["pulumiBackendUrl", "https://state.example.com/pul-0123456789abcdef", "pul-0123456789abcdef"],
      [
        "pulumiBackendAllowList",
        '["https://api.pulumi.com","https://state.example.com?token=t0k3nq7x"]',
        "t0k3nq7x",
      ],
      ["bazelRemoteCache", "https://user:hunter2-q7x@cache.example.com", "hunter2-q7x"],
      ["bazelRemoteCache", "grpcs://cache.example.com/ghp_abcdefghijklmnopqrst", "ghp_abcdefghijklmnopqrst"],
      ["webhookUrl", "https://hooks.example.com/glpat-abcdefghij", "glpat-abcdefghij"],
      ["imageRepository", "ghcr.io/stigmer/akiaiosfodnn7example", "never-shown"],
    ];
    for (const [key, value, secret] of cases) {
      const overrides = {
        [key]: value,
        ...(key === "pulumiBackendUrl" ? { pulumiBackendAllowList: JSON.stringify([value]) } : {}),
      };
      if (key === "imageRepository") {
        // Lower-case akia... is not an AWS key id (AKIA + 16 upper-case): accepted.
        assert.doesNotThrow(() => parsePlainConfig(raw(overrides)), value);
        continue;
      }
      assert.throws(
        () => parsePlainConfig(raw(overrides)),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.ok(
            e.problems.some((p) => p.startsWith(`${P}:${key}: got `)),
            `${key}=${value}: ${e.problems.join("\n")}`,
          );
          assert.ok(!e.message.includes(secret), `the message shows the secret: ${e.message}`);
          return true;
        },
      );
    }
  });

  it("one predicate: user info, credential query parameters, known token prefixes anywhere", () => {
    for (const bad of [
      "https://user:pass@host.example.com",
      "https://tok@host.example.com",
      "https://h.example.com/x?token=1",
      "https://h.example.com/x?a=1&access_token=1",
      "s3://b?X-Amz-Signature=1",
      "azblob://c?sv=2020&sig=abc",
      "https://h.example.com/ghp_x",
      "https://h.example.com/a-gho_x",
      "ghs_x",
      "https://h.example.com/github_pat_x",
      "https://h.example.com/glpat-x",
      "xoxb-1-2",
      "s3://b/AKIAIOSFODNN7EXAMPLE",
      "https://h.example.com/pul-1234",
    ])
      assert.ok(credentialProblem(bad), bad);
    for (const good of [
      "https://api.pulumi.com",
      "s3://state-bucket?region=eu-west-1&awssdk=v2",
      "grpcs://cache.example.com:9092/bazel",
      "https://h.example.com/design-ghp",
      "https://h.example.com/akia",
      "https://h.example.com/?designation=1",
    ])
      assert.equal(credentialProblem(good), undefined, good);
  });

  it("shows [secret] in place of every credential, and nothing else changes", () => {
    assert.equal(
      redactCredentials("https://user:pw@h.example.com/x?a=1&token=t&sig=s"),
      `https://user:${SECRET_SHOWN}@h.example.com/x?a=1&token=${SECRET_SHOWN}&sig=${SECRET_SHOWN}`,
    );
    assert.equal(redactCredentials("https://ghp_abc@github.com/x"), `https://${SECRET_SHOWN}@github.com/x`);
    assert.equal(
      shownValue('["GITHUB_TOKEN=abc","LOG=1","DB_PASSWORD=x"]'),
      `["GITHUB_TOKEN=${SECRET_SHOWN}","LOG=1","DB_PASSWORD=${SECRET_SHOWN}"]`,
    );
    assert.equal(shownValue('["A=1", "B=2"]'), '["A=1", "B=2"]', "an unchanged list keeps its spacing");
    assert.equal(shownValue('["MY_API_KEY=k", bad'), `["MY_API_KEY=${SECRET_SHOWN}", bad`);
    assert.equal(shownValue("nothing secret"), "nothing secret");
  });
});
