// A program that delivers N services with the same components, for measuring the cost of each extra service.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { ServiceDelivery } from "../../components/delivery";
import { selectImage } from "../../components/image-choice";
import { parsePlainConfig } from "../../config/parse";
import type { ServiceDescription } from "../../config/service";
import { describeService } from "../../config/services/workflow-runner";
import { PROJECT_DIR } from "../plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../plan/stack-files";

/** The dev stack's service, from its stack file as the CLI resolves it: the base of every fleet. */
export function devService(): ServiceDescription {
  const raw = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, "dev")).values;
  const plain = parsePlainConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^workflow-runner:/, ""), v])),
  );
  return describeService(plain, "dev");
}

/** Service n of the fleet: the base description with its own name, namespaces and webhook. Pure. */
export function fleetMember(base: ServiceDescription, n: number): ServiceDescription {
  const name = `${base.name}-${n}`;
  return {
    ...base,
    name,
    workload: { ...base.workload, namespace: `${base.workload.namespace}-${n}` },
    ...(base.build
      ? {
          build: {
            ...base.build,
            ciNamespace: `${base.build.ciNamespace}-${n}`,
            webhookUrl: `${base.build.webhookUrl}-${n}`,
          },
        }
      : {}),
  };
}

/** The same service without its build side: namespace, registry, worker and (empty) service-hub entry only. Pure. */
export function workloadOnly(service: ServiceDescription): ServiceDescription {
  const { build: _build, ...rest } = service;
  return { ...rest, manageRepositoryFiles: false };
}

/** Instantiates the delivery of `count` services in one program; returns nothing worth exporting. */
export function fleetProgram(base: ServiceDescription, count: number): () => Record<string, unknown> {
  return () => {
    const kubernetes = new k8s.Provider("kubernetes", {});
    const githubProvider = new github.Provider("github", { owner: base.repository.owner, token: "bench" });
    for (let n = 0; n < count; n++) {
      const service = fleetMember(base, n);
      new ServiceDelivery(
        service.name,
        {
          service,
          image: selectImage({ ...service.image, digest: `sha256:${"0".repeat(64)}` }),
          registryUsername: "bench",
          registryToken: "bench",
          serviceSecrets: {
            STIGMER_API_KEY: "bench",
            R2_ACCESS_KEY_ID: "bench",
            R2_SECRET_ACCESS_KEY: "bench",
          },
          registryPushToken: "bench-push",
          pulumiAccessToken: "bench",
          githubProvider,
        },
        { providers: [kubernetes] },
      );
    }
    return {};
  };
}
