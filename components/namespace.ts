// ServiceNamespace: the Kubernetes namespace a service (or its CI) runs in, created or adopted by name.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of ServiceNamespace. */
export interface ServiceNamespaceArgs {
  /** Namespace name (DNS-1123 label). */
  readonly name: string;
  /** Create the namespace; false when it already exists and is owned elsewhere. @default true */
  readonly create?: boolean;
  /** Protect the namespace from `pulumi destroy` and from replacement. @default false */
  readonly protect?: boolean;
  /** Labels for the namespace. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Pod Security Standard enforced by admission; audit and warn are always "restricted". @default "restricted" */
  readonly podSecurity?: "restricted" | "baseline" | "privileged";
  /** Why the namespace enforces less than restricted: the exception, named with its reason. @default none */
  readonly podSecurityReason?: string;
}

/** Annotation naming why a namespace enforces a Pod Security level below restricted. */
export const POD_SECURITY_REASON_ANNOTATION = "stigmer.ai/pod-security-reason";

/** Builds the Namespace object. Pure. */
export function buildNamespace(args: ServiceNamespaceArgs): k8s.types.input.core.v1.Namespace {
  const level = args.podSecurity ?? "restricted";
  return {
    metadata: {
      name: args.name,
      labels: {
        ...args.labels,
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
      ...(args.podSecurityReason
        ? { annotations: { [POD_SECURITY_REASON_ANNOTATION]: args.podSecurityReason } }
        : {}),
    },
  };
}

/** A namespace created per stack, or an existing one adopted by name without managing it. */
export class ServiceNamespace extends pulumi.ComponentResource {
  /** The namespace's name; depends on its creation when the stack creates it. */
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: ServiceNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stigmer:delivery:ServiceNamespace", name, {}, opts);
    if (args.create ?? true) {
      // The namespace itself; protected where losing it would take the service down with it.
      const ns = new k8s.core.v1.Namespace(`${name}-namespace`, buildNamespace(args), {
        parent: this,
        protect: args.protect ?? false,
      });
      this.name = ns.metadata.name;
    } else {
      this.name = pulumi.output(args.name);
    }
    this.registerOutputs({ name: this.name });
  }
}
