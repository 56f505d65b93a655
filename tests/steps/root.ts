// The shared pipeline's description the step tests build their Tasks from (the builders are pure).
import type { RootPipelineDescription } from "../../config/service";

/** Images are not pulled here: the tests give each step its image's tools (./images.ts). */
export const ROOT_PIPELINE: RootPipelineDescription = {
  name: "root",
  bazelImage: "gcr.io/bazel-public/bazel:8.0.0",
  gitImage:
    "ghcr.io/tektoncd/github.com/tektoncd/pipeline/cmd/git-init:v0.45.0@sha256:8ab0f58d8381b0b71f5b2bae1f63522989d739e3154d8cab1bacfa0ef5317214",
  deployImage: "pulumi/pulumi-nodejs:3.248.0",
  lockTimeoutSeconds: 5,
  pulumiBackendAllowList: ["https://api.pulumi.com", "https://pulumi.internal.example"],
  cacheSize: "1Gi",
};
