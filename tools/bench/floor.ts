// The benchmark's floor: a process that only sets mocks and imports the four Pulumi packages, as the plan must.
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
  await Promise.all([import("@pulumi/kubernetes"), import("@pulumi/docker"), import("@pulumi/github")]);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
