// Typed shapes of the Tekton Pipelines v1 and Triggers v1beta1 objects this project writes (the fields it uses).
import type { input as Input } from "@pulumi/kubernetes/types";
import type * as pulumi from "@pulumi/pulumi";

/** Tekton Pipelines API version. */
export const TEKTON_API = "tekton.dev/v1";
/** Tekton Triggers API version. */
export const TRIGGERS_API = "triggers.tekton.dev/v1beta1";

/** A Task or Pipeline parameter declaration. */
export interface ParamSpec {
  readonly name: string;
  readonly type?: "string" | "array" | "object";
  readonly description: string;
  readonly default?: string;
}

/** A parameter value passed to a Task, a Pipeline or a PipelineRun. */
export interface Param {
  readonly name: string;
  readonly value: pulumi.Input<string>;
}

/** A Task result declaration. */
export interface TaskResult {
  readonly name: string;
  readonly type?: "string";
  readonly description: string;
}

/** A step: one container of a TaskRun's pod. */
export interface Step {
  readonly name: string;
  readonly image: string;
  readonly script: string;
  readonly workingDir?: string;
  readonly env?: Input.core.v1.EnvVar[];
  readonly envFrom?: Input.core.v1.EnvFromSource[];
  readonly computeResources: Input.core.v1.ResourceRequirements;
  readonly securityContext: Input.core.v1.SecurityContext;
  readonly volumeMounts?: Input.core.v1.VolumeMount[];
}

/** A Task's or Pipeline's workspace declaration. */
export interface WorkspaceDeclaration {
  readonly name: string;
  readonly description: string;
  readonly readOnly?: boolean;
  readonly mountPath?: string;
  /** A run may leave it unbound; `$(workspaces.<name>.bound)` says whether it did. */
  readonly optional?: boolean;
}

/** `tekton.dev/v1` Task spec. */
export interface TaskSpec {
  readonly description: string;
  readonly params: ParamSpec[];
  readonly results: TaskResult[];
  readonly workspaces: WorkspaceDeclaration[];
  readonly steps: Step[];
  readonly volumes?: Input.core.v1.Volume[];
}

/** A Kubernetes object with a typed spec; no namespace when it is a file for Planton to compile. */
export interface TypedObject<S> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: pulumi.Input<string>;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: S;
}

/** A Tekton `when` expression. */
export interface WhenExpression {
  readonly input: string;
  readonly operator: "in" | "notin";
  readonly values: string[];
}

/** A task inside a Pipeline. */
export interface PipelineTask {
  readonly name: string;
  readonly taskRef: { readonly kind: "Task"; readonly name: string };
  readonly params: Param[];
  readonly workspaces: { readonly name: string; readonly workspace: string }[];
  readonly runAfter?: string[];
  readonly timeout: string;
  readonly retries?: number;
  readonly when?: WhenExpression[];
}

/** `tekton.dev/v1` Pipeline spec. */
export interface PipelineSpec {
  readonly description: string;
  readonly params: ParamSpec[];
  readonly workspaces: WorkspaceDeclaration[];
  readonly tasks: PipelineTask[];
  readonly results: { readonly name: string; readonly description: string; readonly value: string }[];
}

/** Name, namespace and labels: what every object builder here is given. */
export interface ObjectArgs {
  readonly name: string;
  /** Omitted for a file Planton compiles (it runs the pipeline in its own namespace). */
  readonly namespace?: pulumi.Input<string>;
  readonly labels: Record<string, string>;
}

/** An object of the given API and kind, namespaced when a namespace is given. Pure. */
export function typedObject<S>(apiVersion: string, kind: string, a: ObjectArgs, spec: S): TypedObject<S> {
  return {
    apiVersion,
    kind,
    metadata: {
      name: a.name,
      ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
      labels: a.labels,
    },
    spec,
  };
}

/** The same object placed in a namespace, to apply it to a cluster. Pure. */
export function inNamespace<S>(obj: TypedObject<S>, namespace: pulumi.Input<string>): TypedObject<S> {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

/** A `$(params.<name>)` reference. */
export function param(name: string): string {
  return `$(params.${name})`;
}

/** A `$(tasks.<task>.results.<result>)` reference. */
export function taskResult(task: string, result: string): string {
  return `$(tasks.${task}.results.${result})`;
}
