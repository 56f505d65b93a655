// components/scripts/pulumi-deploy.sh under real bash with real git (a recording wrapper) against a real repository,
// and stand-ins for pulumi and npm that record the environment they were given: the credentials reach pulumi alone,
// and the Pulumi backend must be on the pipeline's allow-list.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { buildDeployTask } from "../../components/pipeline-tasks";
import { tempDir } from "../helpers";
import { type Obj, runTask } from "../tekton-sim";
import { deployImage, git, needsTools, requireTools, stepScript } from "./images";
import { ROOT_PIPELINE } from "./root";

const TOKEN = "pul-0123456789abcdef-deploy-test-token";

/** A repository whose one commit holds the delivery program's Pulumi.yaml and package.json. */
function programRepository() {
  const dir = path.join(tempDir("program-"), "repo");
  const program = path.join(dir, "_ops", "pulumi", "workflow-runner");
  mkdirSync(program, { recursive: true });
  writeFileSync(path.join(program, "Pulumi.yaml"), "name: workflow-runner\nruntime: nodejs\n");
  writeFileSync(path.join(program, "package.json"), '{"name":"x","private":true}\n');
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "program");
  return { url: `file://${dir}`, sha: git(dir, "rev-parse", "HEAD") };
}

/** One recorded call: the command line and its environment. */
interface Call {
  readonly command: string;
  readonly env: Record<string, string>;
}

function calls(log: string): Call[] {
  return readFileSync(log, "utf8")
    .split("\u0000== ")
    .filter(Boolean)
    .map((block) => {
      const [command = "", ...lines] = block.split("\n");
      return {
        command,
        env: Object.fromEntries(
          lines
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        ),
      };
    });
}

describe("pulumi-deploy's credentials, with real bash and git", needsTools("git", "bash"), () => {
  let repo: ReturnType<typeof programRepository>;
  let task: Obj;
  let image: string;
  before(() => {
    requireTools("git", "bash");
    repo = programRepository();
    task = buildDeployTask(ROOT_PIPELINE);
    image = deployImage();
  });

  const deploy = (opts: { backend?: string; script?: string } = {}) => {
    const root = tempDir("deploy-");
    const log = path.join(root, "env.log");
    const secrets = path.join(root, "workspaces", "secrets");
    mkdirSync(secrets, { recursive: true });
    writeFileSync(path.join(secrets, "pulumi-access-token"), TOKEN);
    writeFileSync(path.join(secrets, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
    chmodSync(path.join(secrets, "pulumi-access-token"), 0o600);
    // Each records its command line and environment (NUL-separated records), then acts.
    const record = (name: string) => `{ printf '\\0== ${name} %s\\n' "$*"; env; } >> ${log}`;
    const stubs = {
      // Real git, behind a recorder.
      git: `#!/usr/bin/env bash\n${record("git")}\nexec /usr/bin/git "$@"\n`,
      // npm ci: the real one would install node_modules from the lockfile (and run install scripts without
      // --ignore-scripts, with whatever environment npm has).
      npm: `#!/usr/bin/env bash\n${record("npm")}\n`,
      // Pulumi CLI 3.x: `stack output NAME` prints the output (none: a first deploy); `up` prints its summary.
      pulumi: [
        "#!/usr/bin/env bash",
        record("pulumi"),
        `echo "plugins=$(readlink -f "$HOME/.pulumi/plugins")" >> ${log}.plugins`,
        'if [ "$1" = stack ]; then exit 0; fi',
        'echo "Update succeeded"',
        "",
      ].join("\n"),
    };
    // An older script reads the config key names under their old variable names (TAG_KEY, DIGEST_KEY).
    const oldNames = (env: { name: string; value?: string }[]) => [
      ...env,
      ...env
        .filter((e) => e.name === "TAG_CONFIG" || e.name === "DIGEST_CONFIG")
        .map((e) => ({ ...e, name: e.name.replace("_CONFIG", "_KEY") })),
    ];
    const step = task.spec.steps[0];
    const t = opts.script
      ? {
          ...task,
          spec: { ...task.spec, steps: [{ ...step, script: opts.script, env: oldNames(step.env ?? []) }] },
        }
      : task;
    const run = runTask(
      t,
      {
        stack: "stigmer/workflow-runner/dev",
        "program-path": "_ops/pulumi/workflow-runner",
        "image-tag": repo.sha,
        "image-digest": `sha256:${"7".repeat(64)}`,
        "git-url": repo.url,
        "git-revision": repo.sha,
        "pulumi-backend-url": opts.backend ?? "",
      },
      root,
      stubs,
      {},
      undefined,
      image,
    );
    return { run, root, calls: () => calls(log), plugins: () => readFileSync(`${log}.plugins`, "utf8") };
  };

  it("gives the token and the kubeconfig to pulumi commands only, never to git or npm", () => {
    const { run, root, calls: recorded } = deploy();
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.results.deployed, "true");
    const all = recorded();
    const byTool = (tool: string) => all.filter((c) => c.command.startsWith(`${tool} `));
    assert.ok(byTool("git").length >= 3 && byTool("npm").length === 1 && byTool("pulumi").length === 2);
    for (const c of byTool("pulumi")) {
      assert.equal(c.env.PULUMI_ACCESS_TOKEN, TOKEN, c.command);
      assert.equal(c.env.KUBECONFIG, path.join(root, "workspaces", "secrets", "kubeconfig"), c.command);
      assert.equal(c.env.PULUMI_BACKEND_URL, "https://api.pulumi.com", c.command);
    }
    for (const c of [...byTool("git"), ...byTool("npm")]) {
      assert.equal(c.env.PULUMI_ACCESS_TOKEN, undefined, c.command);
      assert.equal(c.env.KUBECONFIG, undefined, c.command);
      assert.ok(!Object.values(c.env).some((v) => v.includes(TOKEN)), c.command);
    }
    assert.match(byTool("npm")[0]?.command ?? "", /^npm ci --ignore-scripts /);
  });

  it("the script of 661c2a8 exported the token to git and npm ci (and every install script)", () => {
    const { run, calls: recorded } = deploy({ script: stepScript("pulumi-deploy.sh", "661c2a8") });
    assert.equal(run.status, 0, run.stderr);
    const leaked = recorded().filter(
      (c) => !c.command.startsWith("pulumi ") && c.env.PULUMI_ACCESS_TOKEN === TOKEN,
    );
    assert.ok(leaked.some((c) => c.command.startsWith("npm ci")));
    assert.ok(leaked.some((c) => c.command.startsWith("git ")));
  });

  it("uses an allow-listed self-hosted backend, named per command (nothing written by pulumi login)", () => {
    const { run, root, calls: recorded } = deploy({ backend: "https://pulumi.internal.example" });
    assert.equal(run.status, 0, run.stderr);
    const pulumi = recorded().filter((c) => c.command.startsWith("pulumi "));
    assert.ok(pulumi.every((c) => c.env.PULUMI_BACKEND_URL === "https://pulumi.internal.example"));
    assert.ok(!pulumi.some((c) => c.command.startsWith("pulumi login")));
    assert.throws(() => readFileSync(path.join(root, "deploy-home", ".pulumi", "credentials.json")));
  });

  for (const backend of [
    "https://attacker.example",
    "https://api.pulumi.com.attacker.example",
    "s3://bucket",
  ]) {
    it(`refuses the backend ${backend}, before git, npm or pulumi runs`, () => {
      const { run, calls: recorded } = deploy({ backend });
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        new RegExp(
          `refusing Pulumi backend '${backend.replace(/\./g, "\\.")}': not one of the allowed backends \\(https://api\\.pulumi\\.com https://pulumi\\.internal\\.example\\)`,
        ),
      );
      assert.throws(() => recorded(), /ENOENT/);
    });
  }

  it("keeps npm's cache and Pulumi's plugins on the deploy-cache workspace", () => {
    const { run, root, calls: recorded, plugins } = deploy();
    assert.equal(run.status, 0, run.stderr);
    const cache = path.join(root, "workspaces", "deploy-cache");
    const npm = recorded().find((c) => c.command.startsWith("npm "));
    assert.equal(npm?.env.npm_config_cache, path.join(cache, "npm"));
    assert.match(plugins(), new RegExp(`^plugins=${realpathSync(cache)}/pulumi-plugins$`, "m"));
  });
});
