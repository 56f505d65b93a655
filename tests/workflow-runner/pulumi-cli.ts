// The Pulumi CLI as the workflows call it, a recorded stand-in (the CLI and the Pulumi service cannot run here).
// Behaviour from the CLI's reference (pulumi.com/docs/iac/cli/commands, CLI 3.276): `pulumi stack output --json
// --stack S` prints all outputs as one JSON object, secrets as "[secret]" without --show-secrets; `pulumi up` with
// `-c key=value` sets that config for the update; `--policy-pack DIR` runs the pack in DIR; `pulumi refresh
// --expect-no-changes` "returns an error if any changes occur". Every call needs a token that may read the stack,
// and `up` one that may write it (the Pulumi service refuses otherwise). Exit code 255 is the CLI's on error
// (sdk/go/common/util/cmdutil/exit.go: ExitError exits with -1). The "[secret]" text is from the docs, not the source.
//   node pulumi-cli.js <state file> <pulumi args...>
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { PulumiState } from "./boundary";

/** The CLI version pulumi/actions' stand-in installs (the workflows' PULUMI_VERSION). */
export const STAND_IN_VERSION = "3.276.0";

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(255);
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(stateFile: string, argv: string[]): void {
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as PulumiState;
  const token = process.env.PULUMI_ACCESS_TOKEN ?? null;
  const kubeconfigFile = process.env.KUBECONFIG;
  const stackName = flag(argv, "--stack") ?? flag(argv, "-s");
  const stackFile = stackName ? path.join(process.cwd(), `Pulumi.${stackName.split("/").pop()}.yaml`) : "";
  const stackConfig =
    stackFile && existsSync(stackFile) ? (parse(readFileSync(stackFile, "utf8"))?.config ?? {}) : {};
  state.calls.push({
    argv,
    cwd: process.cwd(),
    token,
    kubeconfig: kubeconfigFile && existsSync(kubeconfigFile) ? readFileSync(kubeconfigFile, "utf8") : null,
    imagePin: stackConfig["workflow-runner:imagePin"] ?? null,
    imageTag: stackConfig["workflow-runner:imageTag"] ?? null,
  });
  writeFileSync(stateFile, JSON.stringify(state));
  const [command, sub] = argv;
  if (command === "version") {
    process.stdout.write(`v${STAND_IN_VERSION}\n`);
    return;
  }
  if (!stackName) fail("no stack selected; pass --stack");
  const stack = state.stacks[stackName];
  const access = token ? state.tokens[token] : undefined;
  if (!access) fail("[401] Unauthorized: No credentials provided or are invalid.");
  if (!stack) fail(`no stack named '${stackName}' found`);
  if (!access.read.includes(stackName)) fail(`[403] Forbidden: this token may not read ${stackName}`);
  if (command === "stack" && sub === "output" && argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(stack.outputs, null, 2)}\n`);
    return;
  }
  const project = existsSync("Pulumi.yaml")
    ? String(parse(readFileSync("Pulumi.yaml", "utf8")).name)
    : undefined;
  if (!project) fail("no Pulumi.yaml project file found in the current working directory");
  if (stackName.split("/")[1] !== project) fail(`stack ${stackName} is not of project ${project}`);
  if (command === "refresh") {
    if (stack.drift) {
      process.stdout.write(`Previewing refresh (${stackName}):\n${stack.drift}\n`);
      if (argv.includes("--expect-no-changes")) fail("no changes were expected but changes occurred");
    } else process.stdout.write(`Previewing refresh (${stackName}):\nResources:\n    unchanged\n`);
    return;
  }
  if (command === "up") {
    if (!access.write.includes(stackName)) fail(`[403] Forbidden: this token may not update ${stackName}`);
    if (!argv.includes("--yes") || !argv.includes("--non-interactive"))
      fail("--yes must be passed in to proceed when running in non-interactive mode");
    const pack = flag(argv, "--policy-pack");
    if (pack && !existsSync(path.join(pack, "PulumiPolicy.yaml")))
      fail(`no PulumiPolicy.yaml in the policy pack ${pack}`);
    process.stdout.write(`Updating (${stackName}):\nResources:\n    unchanged\n`);
    return;
  }
  fail(`the stand-in does not know \`pulumi ${argv.join(" ")}\``);
}

if (require.main === module) {
  const [stateFile, ...argv] = process.argv.slice(2);
  if (!stateFile) fail("usage: pulumi-cli.js <state file> <args...>");
  main(stateFile, argv);
}
