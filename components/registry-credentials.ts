// Registry credentials as the cluster reads them: the registry's host, the `.dockerconfigjson` document, its Secret.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { explicitRegistry } from "../config/image-reference";

/** The registry host of a repository reference ("ghcr.io/a/b" -> "ghcr.io"; Docker Hub's for "a/b"). Pure. */
export function registryHost(repository: string): string {
  // Docker Hub's host as a runtime names it (distribution/reference normalize.go defaultDomain).
  return explicitRegistry(repository) ?? "docker.io";
}

/** The `.dockerconfigjson` document for one registry. Pure. */
export function buildDockerConfigJson(host: string, username: string, token: string): string {
  const auth = Buffer.from(`${username}:${token}`).toString("base64");
  return JSON.stringify({ auths: { [host]: { username, password: token, auth } } });
}

/** Builds a `kubernetes.io/dockerconfigjson` Secret (pull or push). The document stays a secret Output. Pure. */
export function buildDockerConfigSecret(args: {
  name: string;
  namespace: pulumi.Input<string>;
  labels?: Readonly<Record<string, string>>;
  dockerConfigJson: pulumi.Input<string>;
}): k8s.types.input.core.v1.Secret {
  return {
    metadata: { name: args.name, namespace: args.namespace, labels: { ...args.labels } },
    type: "kubernetes.io/dockerconfigjson",
    stringData: { ".dockerconfigjson": args.dockerConfigJson },
  };
}
