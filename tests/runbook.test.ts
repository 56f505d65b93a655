// docs/runbook.md and README.md, structurally (fast; `npm run test:runbook` runs the offline blocks): the secret list
// per stack is what the config code asks of each stack file, every offline block is runnable as written, and every
// link of the docs resolves.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { neededSecretKeys, PLAIN_KEYS, parsePlainConfig, SECRET_KEYS } from "../config";
import { PROJECT_DIR } from "../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../tools/plan/stack-files";
import { tempDir } from "./helpers";
import { anchors, brokenLinks, fencedBlocks, headingAnchor, offlineBlocks } from "./runbook/markdown";

const RUNBOOK = path.join(PROJECT_DIR, "docs", "runbook.md");
const runbook = readFileSync(RUNBOOK, "utf8");
const scripts = Object.keys(
  (JSON.parse(readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: object }).scripts,
);
/** The stacks with a committed stack file. */
const STACKS = readdirSync(PROJECT_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/** The secret keys the config code asks of a stack's committed config (project defaults, then the stack file). */
function neededFor(stack: string): string[] {
  const project = readProjectFile(PROJECT_DIR);
  const { values } = resolveConfig(project, readStackFile(PROJECT_DIR, stack, project));
  const raw = Object.fromEntries(Object.keys(PLAIN_KEYS).map((k) => [k, values[`${project.name}:${k}`]]));
  return neededSecretKeys(parsePlainConfig(raw)).sort();
}

/** The runbook's secret list: the table after the `secrets-per-stack` marker, stack -> keys. Pure. */
function listedSecrets(markdown: string): Map<string, string[]> {
  const after = markdown.split("<!-- secrets-per-stack")[1] ?? "";
  const table = /\n((?:\|.*\|\n)+)/.exec(after)?.[1] ?? "";
  const out = new Map<string, string[]>();
  for (const row of table.split("\n").slice(2)) {
    const [, stack = "", keys = ""] = row.split("|").map((c) => c.trim());
    const name = /^`(.+)`$/.exec(stack)?.[1];
    if (name) out.set(name, [...keys.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "").sort());
  }
  return out;
}

/** The `pulumi config set --secret` commands of the runbook's secrets section, stack -> keys. Pure. */
function setCommands(markdown: string): Map<string, string[]> {
  const section = (markdown.split("\n## Secrets each stack needs\n")[1] ?? "").split("\n## ")[0] ?? "";
  const out = new Map<string, string[]>();
  for (const block of fencedBlocks(section).filter((b) => b.lang === "sh"))
    for (const m of block.text.matchAll(
      /^pulumi config set --secret (\w+) --stack \S+\/workflow-runner\/(\S+)$/gm,
    )) {
      const [, key = "", stack = ""] = m;
      out.set(stack, [...(out.get(stack) ?? []), key].sort());
    }
  return out;
}

/** Where the runbook's secret list and the code disagree, one line per stack. Pure over its arguments. */
function secretListProblems(markdown: string, needed: (stack: string) => string[]): string[] {
  const listed = listedSecrets(markdown);
  const commands = setCommands(markdown);
  const problems: string[] = [];
  for (const stack of STACKS) {
    const want = needed(stack).join(", ");
    if ((listed.get(stack) ?? []).join(", ") !== want)
      problems.push(
        `${stack}: the runbook's table lists [${listed.get(stack) ?? ""}]; the code needs [${want}]`,
      );
    if ((commands.get(stack) ?? []).join(", ") !== want)
      problems.push(
        `${stack}: the runbook's set commands cover [${commands.get(stack) ?? ""}]; the code needs [${want}]`,
      );
  }
  for (const stack of listed.keys())
    if (!STACKS.includes(stack)) problems.push(`${stack}: listed, but there is no Pulumi.${stack}.yaml`);
  return problems;
}

describe("docs/runbook.md: the secrets each stack needs", () => {
  it("are exactly what neededSecretKeys asks of each committed stack file, in the table and the set commands", () => {
    // Every committed stack file is held to the runbook's list, whatever stacks there are (a new service adds some).
    assert.ok(STACKS.includes("dev") && STACKS.includes("prod"), STACKS.join(", "));
    assert.deepEqual(secretListProblems(runbook, neededFor), []);
  });
  it("are explained key by key: every secret key once, `always` exactly for the keys every stack needs", () => {
    const section = (runbook.split("\n## Secrets each stack needs\n")[1] ?? "").split("\n## ")[0] ?? "";
    const rows = [...section.matchAll(/^\| `(\w+)` +\| .* \| (.+?) +\|$/gm)].map((m): [string, string] => [
      m[1] ?? "",
      m[2] ?? "",
    ]);
    assert.deepEqual(rows.map(([k]) => k).sort(), Object.keys(SECRET_KEYS).sort());
    for (const [key, when] of rows) {
      const spec = SECRET_KEYS[key as keyof typeof SECRET_KEYS];
      assert.equal(when === "always", !("neededWhen" in spec), `${key}: "${when}"`);
      const inNoStack = STACKS.every((stack) => !neededFor(stack).includes(key));
      assert.equal(when.endsWith("(no stack)"), inNoStack, `${key}: "${when}"`);
    }
  });
  it("are the ones issue 21 found the old list got wrong", () => {
    assert.deepEqual(neededFor("dev"), ["githubToken", "registryToken", "stigmerApiKey"]);
    assert.deepEqual(neededFor("prod"), [
      "r2AccessKeyId",
      "r2SecretAccessKey",
      "registryToken",
      "stigmerApiKey",
    ]);
  });
  it("fails when the list and the code disagree", () => {
    const stale = runbook.replace(
      "`registryToken`, `stigmerApiKey`, `githubToken`",
      "`registryToken`, `pulumiAccessToken`",
    );
    assert.notEqual(stale, runbook);
    assert.match(secretListProblems(stale, neededFor).join("\n"), /^dev: the runbook's table lists/m);
    const r2Off = (stack: string) => neededFor(stack).filter((k) => !k.startsWith("r2"));
    assert.match(
      secretListProblems(runbook, r2Off).join("\n"),
      /^prod: the runbook's table lists .*; the code needs/m,
    );
  });
  it("are listed nowhere else: the stack files and README point to the runbook", () => {
    for (const file of ["README.md", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
      const text = readFileSync(path.join(PROJECT_DIR, file), "utf8");
      assert.doesNotMatch(
        text,
        /pulumi config set --secret/,
        `${file} lists secrets: link to the runbook instead`,
      );
    }
  });
});

describe("docs/runbook.md: offline blocks", () => {
  const { blocks, problems } = offlineBlocks(runbook, scripts);
  it("are runnable as written: npm scripts of package.json, no placeholder", () => {
    assert.deepEqual(problems, []);
  });
  it("cover the offline-checkable tasks", () => {
    const all = blocks.map((b) => b.script).join("\n");
    for (const needle of [
      "npm run plan -- --stack dev",
      "npm run plan -- --stack prod",
      "npm run plan:diff",
      "--config imagePin=",
      "--secret ",
    ])
      assert.ok(all.includes(needle), `no offline block runs ${needle}`);
    assert.ok(
      blocks.some((b) => b.exit === 1),
      "no offline block shows a refusal",
    );
  });
  it("promote prod only from outputs that carry dev's verification evidence, never from an offline plan of dev", () => {
    const prodPlans = blocks.flatMap((b) => b.script.split("\n")).filter((c) => c.includes("--stack prod"));
    assert.ok(prodPlans.length > 0);
    for (const cmd of prodPlans) {
      assert.doesNotMatch(
        cmd,
        /--stack-outputs \S+=plan\//,
        `${cmd} promotes from an offline plan (no evidence)`,
      );
      if (!cmd.includes("--config imagePin="))
        assert.match(cmd, /--stack-outputs stigmer\/workflow-runner\/dev=examples\/stack-outputs\/dev\.json/);
    }
    const evidence = JSON.parse(
      readFileSync(path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json"), "utf8"),
    ) as Record<string, string>;
    assert.equal(
      evidence.verifiedImageRef,
      evidence.imageRef,
      "the example outputs carry no evidence for their image",
    );
  });
  it("catch a placeholder, a missing script, an unmarked offline command and an unknown attribute", () => {
    const bad = [
      "```sh offline",
      "npm run plan -- --stack <name>",
      "npm run deploy",
      "pulumi up",
      "```",
      "```sh offline exit=x",
      "npm run plan -- --stack dev",
      "```",
      "```sh",
      "npm run plan -- --stack prod",
      "```",
    ].join("\n");
    const found = offlineBlocks(bad, scripts).problems.join("\n");
    assert.match(found, /has a placeholder/);
    assert.match(found, /no npm script "deploy"/);
    assert.match(found, /"pulumi up" is not an npm script/);
    assert.match(found, /unknown attribute "exit=x"/);
    assert.match(found, /line 9: "npm run plan -- --stack prod" can run offline/);
  });
  it("carry what they must print, from the `text output` block after them", () => {
    const parsed = offlineBlocks(
      "```sh offline exit=1\nnpm run plan\n```\n\n```text output\n  one\n\ntwo\n```\n",
      scripts,
    );
    assert.deepEqual(parsed.blocks, [{ line: 1, script: "npm run plan", exit: 1, expect: ["one", "two"] }]);
  });
});

/**
 * The Pulumi CLI commands the runbook shows and the flags each takes, from the CLI reference of 3.276
 * (pulumi.com/docs/iac/cli/commands: pulumi_up, pulumi_preview, pulumi_config_set, pulumi_config_rm,
 * pulumi_stack_output, pulumi_stack_init, pulumi_stack_select, pulumi_login); `--stack`/`-s` as each documents it.
 */
const PULUMI_FLAGS: Readonly<Record<string, readonly string[]>> = {
  up: [
    "--stack",
    "-s",
    "--policy-pack",
    "-c",
    "--config",
    "--yes",
    "--non-interactive",
    "--target",
    "--diff",
  ],
  preview: ["--stack", "-s", "--policy-pack", "-c", "--config", "--diff", "--expect-no-changes"],
  "config set": ["--stack", "-s", "--secret", "--plaintext", "--path"],
  "config rm": ["--stack", "-s", "--path"],
  "stack output": ["--stack", "-s", "--json", "--show-secrets"],
  "stack init": ["--stack", "-s"],
  "stack select": ["--stack", "-s"],
  login: ["--local"],
};

/** Problems of the `pulumi` command lines of a text's sh blocks: unknown commands or flags, undeclared keys. Pure. */
function pulumiCommandProblems(markdown: string, declared: readonly string[]): string[] {
  const problems: string[] = [];
  for (const block of fencedBlocks(markdown).filter((b) => b.lang === "sh"))
    for (const line of block.text.split("\n")) {
      const words = (line.split(/\s#/)[0] ?? "").trim().split(/\s+/);
      if (words[0] !== "pulumi") continue;
      const two = `${words[1]} ${words[2]}`;
      const command = two in PULUMI_FLAGS ? two : (words[1] ?? "");
      const flags = PULUMI_FLAGS[command];
      if (!flags) {
        problems.push(`${line}: "pulumi ${command}" is not a command the runbook may show`);
        continue;
      }
      for (const w of words.filter((x) => x.startsWith("-"))) {
        if (!flags.includes(w.split("=")[0] ?? ""))
          problems.push(`${line}: pulumi ${command} has no flag ${w}`);
      }
      const keys: string[] = [];
      if (command === "config set" || command === "config rm") {
        const positional = words
          .slice(3)
          .filter((w, i, all) => !w.startsWith("-") && all[i - 1] !== "--stack");
        if (positional[0]) keys.push(positional[0]);
      }
      words.forEach((w, i) => {
        if (w === "-c" || w === "--config")
          keys.push((words[i + 1] ?? "").split("=")[0]?.replace(/^workflow-runner:/, "") ?? "");
      });
      for (const key of keys)
        if (!declared.includes(key)) problems.push(`${line}: ${key} is not a key Pulumi.yaml declares`);
    }
  return problems;
}

describe("docs/runbook.md: the Pulumi commands it shows", () => {
  const declared = Object.keys(readProjectFile(PROJECT_DIR).config);
  it("use commands and flags the CLI has, and keys Pulumi.yaml declares", () => {
    assert.deepEqual(pulumiCommandProblems(runbook, declared), []);
  });
  it("catch a mistyped flag, command or key", () => {
    const bad = [
      "```sh",
      "pulumi up --policy-packs policy --stack s",
      "pulumi config set --secret registryTokn --stack stigmer/workflow-runner/dev",
      "pulumi up -c workflow-runner:imageTagg=x --stack s",
      "pulumi destroy --stack s",
      "```",
    ].join("\n");
    assert.deepEqual(pulumiCommandProblems(bad, declared), [
      "pulumi up --policy-packs policy --stack s: pulumi up has no flag --policy-packs",
      "pulumi config set --secret registryTokn --stack stigmer/workflow-runner/dev: registryTokn is not a key Pulumi.yaml declares",
      "pulumi up -c workflow-runner:imageTagg=x --stack s: imageTagg is not a key Pulumi.yaml declares",
      'pulumi destroy --stack s: "pulumi destroy" is not a command the runbook may show',
    ]);
  });
});

describe("README.md and docs/*.md", () => {
  const files = ["README.md", ...readdirSync(path.join(PROJECT_DIR, "docs")).map((f) => path.join("docs", f))]
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join(PROJECT_DIR, f));
  it("link only to files and headings that exist", () => {
    assert.deepEqual(files.flatMap(brokenLinks), []);
  });
  it("name only npm scripts package.json has", () => {
    for (const file of files)
      for (const m of readFileSync(file, "utf8").matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g))
        assert.ok(
          scripts.includes(m[1] ?? ""),
          `${path.basename(file)} names npm run ${m[1]}, which package.json lacks`,
        );
  });
  it("README is at most 200 lines, starts with what and where, and keeps the quick start near the top", () => {
    const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    assert.ok(readme.split("\n").length <= 200, `README has ${readme.split("\n").length} lines`);
    assert.match(readme, /_ops\/pulumi\/workflow-runner/);
    assert.match(readme, /stigmer\/stigmer-cloud/);
    const quick = readme.indexOf("## Quick start");
    assert.ok(
      quick > 0 && readme.slice(0, quick).split("\n").length < 40,
      "the quick start is not within the first 40 lines",
    );
    assert.match(readme.slice(quick), /npm ci\nnpm test\n/);
  });
  it("README shows only offline commands the runbook's tested blocks run too", () => {
    const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const tested = new Set(offlineBlocks(runbook, scripts).blocks.flatMap((b) => b.script.split("\n")));
    for (const block of fencedBlocks(readme).filter((b) => b.lang === "sh"))
      for (const cmd of block.text.split("\n").filter((c) => /^npm run plan/.test(c)))
        assert.ok(tested.has(cmd), `README's "${cmd}" is in no offline block of the runbook`);
  });
  it("catch a link to a missing file or heading", () => {
    const dir = tempDir("links-");
    writeFileSync(
      path.join(dir, "a.md"),
      "# Top\n## Hold, roll back, release\n[ok](#hold-roll-back-release) [x](b.md) [y](a.md#nope) [z](https://x.y/#q)\n",
    );
    assert.deepEqual(brokenLinks(path.join(dir, "a.md")), [
      "a.md: b.md: no such file",
      "a.md: a.md#nope: no heading with that anchor in a.md",
    ]);
    assert.equal(headingAnchor("First `pulumi up` of a new stack"), "first-pulumi-up-of-a-new-stack");
    assert.equal(headingAnchor("Promote dev's image to prod"), "promote-devs-image-to-prod");
  });
});

// The grammar these readers follow is CommonMark as markdown-it 14 parses it, with GitHub's anchors from github-slugger.
// Each case names what the regex reader before it got wrong.
describe("tests/runbook/markdown.ts reads CommonMark (markdown-it) and GitHub's anchors (github-slugger)", () => {
  it("finds a ~~~ fence (old: only backtick fences, so such a runbook block never ran)", () => {
    const text = "Run:\n\n~~~sh offline\nnpm run plan\n~~~\n";
    assert.deepEqual(fencedBlocks(text), [{ lang: "sh", attrs: ["offline"], text: "npm run plan", line: 3 }]);
    assert.deepEqual(
      offlineBlocks(text, ["plan"]).blocks.map((b) => b.script),
      ["npm run plan"],
    );
  });
  it("closes a fence only with its own character: backticks inside a ~~~ block are its text", () => {
    assert.deepEqual(
      fencedBlocks("~~~text\n```\ninside\n```\n~~~\n").map((b) => b.text),
      ["```\ninside\n```"],
    );
  });
  it("takes a fence indented four spaces outside a list for an indented code block (old: a fence)", () => {
    assert.deepEqual(fencedBlocks("Text.\n\n    ```sh offline\n    npm run plan\n    ```\n"), []);
  });
  it("finds a fence indented inside a list item, without the item's indentation", () => {
    assert.deepEqual(fencedBlocks("1. Run:\n\n   ```sh offline\n   npm run plan\n   ```\n2. Next\n"), [
      { lang: "sh", attrs: ["offline"], text: "npm run plan", line: 3 },
    ]);
  });
  it("gives a heading with a link GitHub's anchor (old: the link target joined the text)", () => {
    assert.equal(headingAnchor("See [the guide](guide.md)"), "see-the-guide");
    assert.equal(headingAnchor("*Bold* `code` and ![logo](x.png) text"), "bold-code-and--text");
  });
  it("anchors setext headings (old: none), numbers duplicates, and skips headings inside fences", () => {
    const text = "Title here\n==========\n\nSub\n---\n\n# Sub\n\n```\n# not a heading\n```\n\n# Sub\n";
    assert.deepEqual([...anchors(text)], ["title-here", "sub", "sub-1", "sub-2"]);
  });
  it("checks reference links and images (old: only [text](target)), never a link inside a code span", () => {
    const dir = tempDir("links-ref-");
    writeFileSync(path.join(dir, "b.md"), "Setext target\n---\n");
    writeFileSync(
      path.join(dir, "a.md"),
      "# Top\n[gone][g] [fine][f] [anchor][s] ![pic](missing.png) `[code](nope.md)`\n\n[g]: missing.md\n[f]: b.md\n[s]: b.md#setext-target\n",
    );
    assert.deepEqual(brokenLinks(path.join(dir, "a.md")), [
      "a.md: missing.md: no such file",
      "a.md: missing.png: no such file",
    ]);
  });
});
