// The benchmark's floor: a plain node process that sets Pulumi's mocks and imports the five Pulumi packages the
// program uses, and nothing else. Run compiled (build/tools/bench/floor.js), with no loader or transpiler.
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";

async function main(): Promise<void> {
  // No argument (node:util, so the floor loads no module of ours).
  parseArgs({ args: process.argv.slice(2), options: {}, strict: true });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "workflow-runner",
    "dev",
    true,
  );
  await Promise.all([
    import("@pulumi/kubernetes"),
    import("@pulumi/docker"),
    import("@pulumi/github"),
    import("@pulumi/random"),
  ]);
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => {
    const usage = String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_");
    console.error(usage ? `${(err as Error).message}\nusage: floor.js` : err);
    process.exitCode = usage ? 2 : 1;
  },
);
