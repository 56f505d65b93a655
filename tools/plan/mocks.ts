// Pulumi runtime mocks for the offline plan and the tests: record every resource, fake only provider-computed values.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "../project-root";

/** What the mocks answer where only a provider or a registry would know. */
export interface MockOptions {
  /** Evaluating as `pulumi preview`: values known only after deploy stay unknown. */
  readonly preview: boolean;
  /** Digests GHCR would return for `repository:tag`; unlisted tags are unknown in preview and an error otherwise. */
  readonly registryDigests?: Readonly<Record<string, string>>;
  /** Outputs of other stacks, by fully qualified stack name, for StackReference. */
  readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Output names of those stacks that are secret. @default none */
  readonly secretStackOutputs?: Readonly<Record<string, readonly string[]>>;
}

/** The invokes the program is known to make; any other token throws, so a new one cannot pass unnoticed. */
export const KNOWN_INVOKES = ["docker:index/getRegistryImage:getRegistryImage"] as const;

/** Fields a provider computes on create, per resource type: unknown in preview, faked otherwise. */
const COMPUTED: Readonly<Record<string, (name: string) => Record<string, unknown>>> = {
  "random:index/randomPassword:RandomPassword": (name) => ({
    result: `mock-random-${name}-0123456789abcdef0123456789abcdef`,
    bcryptHash: "mock-bcrypt",
  }),
  "random:index/randomId:RandomId": (name) => ({
    hex: createHash("sha256").update(name).digest("hex").slice(0, 8),
    b64Url: "mock",
    b64Std: "mock",
    dec: "0",
  }),
  // A verification Job that pulumi up waited for: succeeded, completed now (the evaluation's clock).
  "kubernetes:batch/v1:Job": () => ({
    status: { succeeded: 1, completionTime: new Date(Date.now()).toISOString() },
  }),
  "github:index/repositoryWebhook:RepositoryWebhook": (name) => ({ url: `https://github.com/mock/${name}` }),
};

/** Mocks that answer like providers would, and refuse what they do not know. */
export class PlanMocks implements pulumi.runtime.Mocks {
  constructor(private readonly options: MockOptions) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const id = `${args.name}-id`;
    if (args.type === "pulumi:pulumi:StackReference") return this.stackReference(args);
    const computed = COMPUTED[args.type]?.(args.name) ?? {};
    const state: Record<string, unknown> = { ...args.inputs };
    for (const [key, value] of Object.entries(computed)) {
      state[key] = this.options.preview ? pulumi.runtime.unknownValue : value;
    }
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "docker:index/getRegistryImage:getRegistryImage") {
      const name = String(args.inputs.name);
      const digest = this.options.registryDigests?.[name];
      if (digest !== undefined) return { ...args.inputs, sha256Digest: digest };
      if (this.options.preview) return { ...args.inputs, sha256Digest: pulumi.runtime.unknownValue };
      throw new Error(`the registry has no digest for ${name} in this evaluation`);
    }
    throw new Error(
      `unexpected invoke ${args.token}: add it to the mocks (tools/plan/mocks.ts) deliberately`,
    );
  }

  private stackReference(args: pulumi.runtime.MockResourceArgs): {
    id: string;
    state: Record<string, unknown>;
  } {
    const name = String(args.inputs.name);
    const outputs = this.options.stackOutputs?.[name];
    if (outputs === undefined) {
      // The stack's own last outputs (the image it keeps) or the stack it promotes from; a stack's committed example
      // (examples/stack-outputs/<stack>.json, made-up values) stands in offline where there is one.
      const stack = name.split("/").pop() ?? name;
      const file = `examples/stack-outputs/${stack}.json`;
      const example = existsSync(path.join(PROJECT_ROOT, file))
        ? `--stack-outputs ${name}=${file} (the example), or `
        : "";
      throw new Error(
        `no outputs for stack ${name}: pass ${example}its real outputs: pulumi stack output --json --stack ${name} > ${stack}.json, then --stack-outputs ${name}=${stack}.json`,
      );
    }
    return {
      id: name,
      state: {
        ...args.inputs,
        outputs,
        secretOutputNames: [...(this.options.secretStackOutputs?.[name] ?? [])],
      },
    };
  }
}
