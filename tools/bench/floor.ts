// The benchmark's floor: a plain node process that sets Pulumi's mocks and imports the five Pulumi packages the
// program uses, and nothing else. Run compiled (build/tools/bench/floor.js), with no loader or transpiler.
import * as pulumi from "@pulumi/pulumi";

async function main(): Promise<void> {
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
    console.error(err);
    process.exitCode = 1;
  },
);
