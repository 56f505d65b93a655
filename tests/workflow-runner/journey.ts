// One journey's world: the monorepo, GitHub's secrets and environments, the Pulumi service, and a runner.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { type Boundary, createBoundary, type PulumiState } from "./boundary";
import { loadExpressions } from "./expressions";
import { createMonorepo, type Monorepo } from "./monorepo";
import { runWorkflow, type Secrets, type WorkflowEvent, type WorkflowRun } from "./runner";
import { runnerImage } from "./runner-image";

export const DEV = "stigmer/workflow-runner/dev";
export const PROD = "stigmer/workflow-runner/prod";

/** The credentials GitHub holds, by environment, as docs/workflows.md lists them. */
export const SECRETS: Secrets = {
  repository: {},
  environments: {
    dev: { PULUMI_TOKEN_DEV: "pul-dev-write", KUBECONFIG_DEV: "kubeconfig: dev-deployer" },
    prod: { PULUMI_TOKEN_PROD: "pul-prod-write", KUBECONFIG_PROD: "kubeconfig: prod-deployer" },
    "dev-readonly": { PULUMI_TOKEN_READONLY: "pul-dev-read", KUBECONFIG_READONLY: "kubeconfig: dev-reader" },
    "prod-readonly": {
      PULUMI_TOKEN_READONLY: "pul-prod-read",
      KUBECONFIG_READONLY: "kubeconfig: prod-reader",
    },
  },
};

/** dev's last outputs with soaked evidence (the example the README's quick start uses). */
export function devOutputs(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(PROJECT_DIR, "examples", "stack-outputs", "dev.json"), "utf8"));
}

/** How one run of a world differs. */
export interface RunOptions {
  /** Jobs this run does not run, reported `not-run` (a journey that proves another job). @default none */
  readonly notRun?: readonly string[];
}

/** A world for one journey. */
export interface World {
  readonly repo: Monorepo;
  readonly boundary: Boundary;
  run(workflow: string, event: WorkflowEvent, options?: RunOptions): Promise<WorkflowRun>;
  dispose(): void;
}

export async function createWorld(): Promise<World> {
  await loadExpressions();
  const scratch = mkdtempSync(path.join(tmpdir(), "journey-"));
  const repo = createMonorepo(path.join(scratch, "stigmer-cloud"));
  const state: PulumiState = {
    stacks: { [DEV]: { outputs: devOutputs() }, [PROD]: { outputs: { imageRef: devOutputs().imageRef } } },
    tokens: {
      "pul-dev-write": { read: [DEV], write: [DEV] },
      "pul-prod-write": { read: [PROD], write: [PROD] },
      "pul-dev-read": { read: [DEV], write: [] },
      "pul-prod-read": { read: [PROD], write: [] },
    },
    calls: [],
  };
  const boundary = createBoundary(
    scratch,
    path.join(PROJECT_DIR, "package-lock.json"),
    path.join(PROJECT_DIR, "node_modules"),
    state,
  );
  return {
    repo,
    boundary,
    run: (workflow, event, options = {}) =>
      runWorkflow(path.join(repo.dir, ".github", "workflows", workflow), event, {
        gitDir: repo.gitDir,
        repository: repo.repository,
        defaultBranch: repo.defaultBranch,
        secrets: SECRETS,
        boundary,
        scratch,
        notRun: options.notRun ?? [],
        // Every job on ubuntu-latest's programs only (plus what its own apt-get installs), each on a fresh image.
        image: (jobRoot) => [runnerImage(jobRoot)],
      }),
    dispose: () => {
      if (!process.env.KEEP_JOURNEYS) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A pull_request event for head onto base, as GitHub sends it (refs/pull/N/merge is the merge commit). */
export function pullRequest(
  world: World,
  number: number,
  base: string,
  head: string,
  branch: string,
): WorkflowEvent {
  const merge = world.repo.mergeCommit(base, head);
  return {
    name: "pull_request",
    ref: `refs/pull/${number}/merge`,
    sha: merge,
    payload: {
      number,
      pull_request: {
        number,
        base: { ref: "main", sha: base, repo: { full_name: world.repo.repository } },
        head: { ref: branch, sha: head, repo: { full_name: world.repo.repository } },
      },
    },
  };
}
