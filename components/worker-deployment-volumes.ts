// The worker's volumes: each pod volume from its description, and the claims the program creates for them.
import type { input as Input } from "@pulumi/kubernetes/types";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceLabels } from "../config/labels";
import type { ServiceDescription, WorkloadVolume } from "../config/service";

/** A pod volume from its description. Pure. */
export function buildVolume(volume: WorkloadVolume): Input.core.v1.Volume {
  const source = volume.source;
  switch (source.kind) {
    case "emptyDir":
      return { name: volume.name, emptyDir: { sizeLimit: source.sizeLimit } };
    case "claim":
      return { name: volume.name, persistentVolumeClaim: { claimName: source.claimName } };
    case "secret":
      return {
        name: volume.name,
        secret: {
          secretName: source.secretName,
          items: source.items.map((i) => ({ ...i })),
          defaultMode: 0o400,
        },
      };
  }
}

/** The PersistentVolumeClaims this program creates for the pod's volumes (ReadWriteOnce, the size asked). Pure. */
export function buildVolumeClaims(a: {
  readonly service: ServiceDescription;
  readonly labels: ServiceLabels;
  readonly namespace: pulumi.Input<string>;
}): Input.core.v1.PersistentVolumeClaim[] {
  return a.service.workload.process.volumes.flatMap((v) =>
    v.source.kind === "claim" && v.source.create
      ? [
          {
            metadata: { name: v.source.claimName, namespace: a.namespace, labels: a.labels.common },
            spec: {
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: v.source.create.size } },
              ...(v.source.create.storageClassName
                ? { storageClassName: v.source.create.storageClassName }
                : {}),
            },
          },
        ]
      : [],
  );
}
