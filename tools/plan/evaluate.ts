// Evaluates the real program (index.ts, a real stack file) under Pulumi's runtime mocks and records what it registers.
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { SECRET_KEYS } from "../../config";
import { type MockOptions, PlanMocks } from "./mocks";
import { readProjectFile, readStackFile, readStackFileAt, resolveConfig } from "./stack-files";

/** Where the program's modules are: the folder above tools/ (the checkout, or build/ when running compiled). */
export const CODE_DIR = path.resolve(__dirname, "..", "..");
/** The project this tool plans: the nearest folder at or above CODE_DIR with a Pulumi.yaml. */
export const PROJECT_DIR = (() => {
  for (let dir = CODE_DIR; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return CODE_DIR;
  }
})();

/** A value as the plan writes it: secrets and unknowns replaced by markers. */
export type PlanValue = string | number | boolean | null | PlanValue[] | { [key: string]: PlanValue };

/** The Pulumi organization the stacks live in (as promoteFrom names them), unless an evaluation says otherwise. */
export const DEFAULT_ORG = "stigmer";

/** How long one evaluation may take before it is failed (a healthy one takes well under a second). */
export const EVALUATION_TIMEOUT_MS = 30_000;

/** Stands for a secret value in every plan file. */
export const SECRET_MARKER = "[secret]";
/** Stands for a value only known after deploy, as `pulumi preview` shows it. */
export const UNKNOWN_MARKER = "[unknown]";

/** One registered resource. */
export interface RecordedResource {
  /** Resource type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** URN, as the mock monitor forms it. */
  readonly urn: string;
  /** Parent's URN, or "" at the top. */
  readonly parent: string;
  /** A custom resource (provider-managed) rather than a component. */
  readonly custom: boolean;
  /** `protect` set on the resource. */
  readonly protect: boolean;
  /** `retainOnDelete` set on the resource: a destroy or replacement leaves the object in place. */
  readonly retainOnDelete: boolean;
  /** Reference of the provider it is managed by (`<urn>::<id>`), or "" for the default provider or a component. */
  readonly provider: string;
  /** Inputs as registered: secrets and unknowns already replaced by markers. */
  readonly inputs: { [key: string]: PlanValue };
  /** Inputs with secret values shown: for tests only, never written. */
  readonly revealedInputs: { [key: string]: PlanValue };
}

/** A stack output. */
export interface RecordedOutput {
  readonly value: PlanValue;
  readonly secret: boolean;
  readonly known: boolean;
}

/** What one evaluation produced. */
export interface Evaluation {
  readonly project: string;
  readonly stack: string;
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, RecordedOutput>;
}

/** Options of one evaluation. */
export interface EvaluateOptions extends Partial<MockOptions> {
  /** Stack name; Pulumi.<stack>.yaml is read. */
  readonly stack: string;
  /** `key=value` overrides, like `pulumi -c`. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Secret config values, like `pulumi config set --secret`. @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Program to evaluate: a module path, or a function returning its exports (for component tests). @default "<project>/index" (.ts, or .js when compiled) */
  readonly program?: string | (() => Record<string, unknown>);
  /** Folder of the Pulumi project (Pulumi.yaml, stack files). @default this project */
  readonly projectDir?: string;
  /** A stack file to read instead of `<projectDir>/Pulumi.<stack>.yaml`. @default that file */
  readonly stackFile?: string;
  /** The clock during the evaluation (ms since the epoch), for reproducible promotions. @default the real clock */
  readonly now?: number;
  /** Pulumi organization, as in fully qualified stack names. @default DEFAULT_ORG */
  readonly organization?: string;
  /** Answer registrations whose state is their inputs without the SDK monitor's round trip (tests compare both). @default true */
  readonly answerInputs?: boolean;
}

/** Resource's private static that takes a full stack trace for every resource (SDK 3.248 resource.js). */
export interface SdkCallsites {
  callsites: () => unknown[];
}

/** What a plan answers for a resource's call sites: none, so the SDK takes no full stack trace. */
export const NO_CALLSITES = (): unknown[] => [];

/**
 * The SDK's wrapper around nearly every promise it makes (SDK 3.248 runtime/debuggable.js, internal): it labels the
 * promise, takes a stack trace, and chains `.then`/`.catch` to track it in a set that is reported as "leaked" when the
 * process exits with it still pending. Its modules call it through the module object, so replacing the export
 * replaces every call.
 */
export interface SdkDebuggable {
  debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
}
// The CommonJS exports object itself (an ES namespace import, as tsx gives one, is read-only).
export const sdkDebuggable: SdkDebuggable = require("@pulumi/pulumi/runtime/debuggable");

/** What a plan wraps the SDK's promises in: nothing. */
export const PLAIN_PROMISE = <T>(p: Promise<T>): Promise<T> => p;

/** Raised when the program fails; carries what was registered before it did. */
export class EvaluationError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly resources: RecordedResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "EvaluationError";
  }
}

const SECRET_SIG = rpc.specialSecretSig;
/** Waits until every outstanding registration has been answered (internal to the SDK, present at run time). */
const waitForRPCs = (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

/** Replaces secrets and unknowns in a deserialized property value. */
function toPlanValue(value: unknown, reveal: boolean): PlanValue {
  if (value === undefined || value === null) return null;
  if (isUnknown(value)) return UNKNOWN_MARKER;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => toPlanValue(v, reveal));
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[rpc.specialSigKey] === SECRET_SIG) return reveal ? toPlanValue(obj.value, reveal) : SECRET_MARKER;
    if (pulumi.Resource.isInstance(value)) return `[resource]`;
    const out: { [key: string]: PlanValue } = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) out[k] = toPlanValue(v, reveal);
    }
    return out;
  }
  return String(value);
}

/** A request's properties on the wire: a protobuf Struct. */
type WireStruct = NonNullable<Parameters<resproto.RegisterResourceResponse["setObject"]>[0]>;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom?(): boolean;
  getProtect?(): boolean;
  getRetainondelete?(): boolean;
  getProvider?(): string;
  getImportid?(): string;
  getObject?(): WireStruct;
  getProperties?(): WireStruct;
}

type MonitorMethod = (
  req: RegisterRequest,
  callback: (err: unknown, resp?: unknown) => void,
) => Promise<void>;

/** What the plan relies on in the SDK's mock monitor (SDK 3.248 runtime/mocks.js MockMonitor). */
interface SdkMockMonitor {
  registerResource?: MonitorMethod;
  readResource?: MonitorMethod;
  newUrn?: (parent: string, type: string, name: string) => string;
  /** Every registration, by URN: what `getResource` invokes return and `registerResourceOutputs` updates. */
  resources?: Map<string, { urn: string; id: string | null; state: unknown }>;
}

/**
 * A URN as the engine forms it: the parent's whole qualified type chain, then `$`, then the type (the root Stack's
 * type is never part of it). The SDK's mock monitor keeps only the immediate parent type, which gives URNs the
 * engine never forms; `pulumi.createUrn` follows the engine's rule, and a test compares the two. Pure.
 */
export function engineUrn(
  stack: string,
  project: string,
  parent: string,
  type: string,
  name: string,
): string {
  const parentType = parent ? (parent.split("::")[2] ?? "") : "";
  const qualified =
    parentType === "" || parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * An entry of the mock monitor's registrations for a resource the plan's monitor answered. The monitor keeps its
 * state only for a `getResource` invoke, which this program never makes; keeping each request's wire form for it
 * held about 40 MiB at 100 services. So reading it fails loudly, naming the way out, until the monitor replaces it
 * (a component's registerResourceOutputs does).
 */
function registration(urn: string, id: string | null) {
  let state: unknown;
  let set = false;
  return Object.defineProperty({ urn, id } as { urn: string; id: string | null; state: unknown }, "state", {
    enumerable: true,
    get: () => {
      if (!set) {
        const message = `the plan's monitor keeps no state for ${urn}: evaluate with answerInputs: false for getResource invokes`;
        // `details`, as on the engine's gRPC errors: the SDK's invoke reports that field, not the message.
        throw Object.assign(new Error(message), { details: message });
      }
      return state;
    },
    set: (value: unknown) => {
      [state, set] = [value, true];
    },
  });
}

/**
 * Takes over the mock monitor's registrations so that each is recorded with its parent and the URN the engine would
 * form, and answers most of them without a round trip.
 *
 * A resource the mocks answer with its inputs unchanged (PlanMocks.answersWithInputs: every type but those with
 * computed fields and stack references) is answered here: its request is deserialized once, exactly as the SDK's
 * MockMonitor.registerResource does, for the mocks and the record; the response carries the request's own Struct as
 * the state. The SDK's monitor would serialize the deserialized inputs back into that same wire form, which is most
 * of a registration's cost; the SDK deserializes the response either way. tests/tools/plan-monitor.test.ts
 * compares whole plans made this way with plans made entirely by the SDK's monitor. The record shares those inputs:
 * the SDK keeps unknowns in them in a dry run, and the mocks answer unknowns only in a dry run. Every other
 * registration, and every read, goes to the SDK's monitor, and the record deserializes its request for itself
 * (keeping unknowns).
 */
function recordRegistrations(
  records: RecordedResource[],
  stack: string,
  project: string,
  mocks: PlanMocks,
  answerHere: boolean,
): void {
  const monitor = settings.getMonitor() as unknown as SdkMockMonitor;
  const { newUrn, resources } = monitor;
  if (typeof newUrn !== "function" || !(resources instanceof Map))
    throw new Error("the mock monitor has no newUrn or resources map: re-check tools/plan/evaluate.ts");
  monitor.newUrn = (parent, type, name) => engineUrn(stack, project, parent, type, name);
  for (const method of ["registerResource", "readResource"] as const) {
    const original = monitor[method]?.bind(monitor);
    if (!original) throw new Error(`the mock monitor has no ${method}`);
    monitor[method] = async (req, callback) => {
      // Everything the record needs, read now: the record must not keep the request (a protobuf message) alive.
      const fields = {
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: req.getCustom?.() ?? true,
        protect: req.getProtect?.() ?? false,
        retainOnDelete: req.getRetainondelete?.() ?? false,
        provider: req.getProvider?.() ?? "",
      };
      const wire = method === "registerResource" ? req.getObject?.() : req.getProperties?.();
      if (!wire) {
        callback(
          new Error(`a ${method} request without properties (${fields.type} ${fields.name})`),
          undefined,
        );
        return;
      }
      if (method === "registerResource" && answerHere && mocks.answersWithInputs(fields.type)) {
        let response: resproto.RegisterResourceResponse;
        try {
          const inputs = rpc.deserializeProperties(wire);
          const result = mocks.newResource({
            type: fields.type,
            name: fields.name,
            inputs,
            provider: fields.provider,
            custom: fields.custom,
            id: req.getImportid?.() ?? "",
          });
          if (result.state !== inputs) throw new Error(`the mocks changed the state of ${fields.type}`);
          const urn = monitor.newUrn?.(fields.parent, fields.type, fields.name) ?? "";
          resources.set(urn, registration(urn, result.id ?? null));
          response = new resproto.RegisterResourceResponse();
          response.setUrn(urn);
          response.setId(result.id || "");
          response.setObject(wire);
          records.push(record(fields, urn, inputs));
        } catch (err) {
          callback(err, undefined);
          return;
        }
        callback(null, response);
        return;
      }
      const raw = rpc.deserializeProperties(wire, true) as Record<string, unknown>;
      await original(req, (err, resp) => {
        if (!err) records.push(record(fields, (resp as { getUrn(): string }).getUrn(), raw));
        callback(err, resp);
      });
    };
  }
}

/** A record whose inputs (plan-safe and revealed) are computed on first read: a large evaluation keeps one copy. */
function record(
  fields: Omit<RecordedResource, "urn" | "inputs" | "revealedInputs">,
  urn: string,
  raw: Record<string, unknown>,
): RecordedResource {
  let inputs: { [key: string]: PlanValue } | undefined;
  let revealed: { [key: string]: PlanValue } | undefined;
  return {
    ...fields,
    urn,
    get inputs() {
      inputs ??= toPlanValue(raw, false) as { [key: string]: PlanValue };
      return inputs;
    },
    get revealedInputs() {
      revealed ??= toPlanValue(raw, true) as { [key: string]: PlanValue };
      return revealed;
    },
  };
}

/** Resolves one exported value the way the engine records a stack output. */
async function resolveOutput(value: unknown): Promise<RecordedOutput> {
  if (!pulumi.Output.isInstance(value))
    return { value: toPlanValue(value, true), secret: false, known: true };
  const output = value as pulumi.Output<unknown> & {
    promise(withUnknowns?: boolean): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
  };
  const [raw, known, secret] = await Promise.all([output.promise(true), output.isKnown, output.isSecret]);
  if (!known || isUnknown(raw)) return { value: UNKNOWN_MARKER, secret, known: false };
  return { value: secret ? SECRET_MARKER : toPlanValue(raw, false), secret, known: true };
}

/** Forgets the project's own modules, so the program can be evaluated again in this process. */
function forgetProjectModules(): void {
  for (const id of Object.keys(require.cache)) {
    if (
      id.startsWith(CODE_DIR) &&
      !id.includes(`${path.sep}node_modules${path.sep}`) &&
      !id.includes(`${path.sep}tools${path.sep}`)
    ) {
      delete require.cache[id];
    }
  }
}

/**
 * Evaluates the program for one stack: resolves its config like the CLI, sets mocks, loads the program, waits
 * for every registration, and resolves the exports. Throws EvaluationError (with what was registered) on failure.
 */
export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const project = readProjectFile(projectDir);
  const config = resolveConfig(
    project,
    options.stackFile
      ? readStackFileAt(options.stackFile, project, `--stack-file ${options.stackFile}`)
      : readStackFile(projectDir, options.stack, project),
    options.config,
    options.secrets,
    Object.keys(SECRET_KEYS),
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  const mocks = new PlanMocks({
    preview: options.preview ?? true,
    ...(options.registryDigests ? { registryDigests: options.registryDigests } : {}),
    ...(options.stackOutputs ? { stackOutputs: options.stackOutputs } : {}),
    ...(options.secretStackOutputs ? { secretStackOutputs: options.secretStackOutputs } : {}),
  });
  await pulumi.runtime.setMocks(
    mocks,
    project.name,
    options.stack,
    options.preview ?? true,
    options.organization ?? DEFAULT_ORG,
  );
  const resources: RecordedResource[] = [];
  recordRegistrations(resources, options.stack, project.name, mocks, options.answerInputs ?? true);

  forgetProjectModules();
  // The evaluation's clock: a promotion's soak is judged against it.
  const realNow = Date.now;
  if (options.now !== undefined) {
    const fixed = options.now;
    Date.now = () => fixed;
  }
  // The SDK captures a stack trace for every promise and a full one for every resource; mapped through source
  // maps (tsx turns them on) that is most of an evaluation's time. Plans skip both unless PLAN_STACK_TRACES is set
  // (for debugging a failing program):
  // - The promise traces honour Error.stackTraceLimit. The promise wrapper that takes them also tracks each promise
  //   for the SDK's leak report at process exit; a plan has its own report of a registration that never completes
  //   (EVALUATION_TIMEOUT_MS), so it leaves its promises unwrapped: about a sixth of an evaluation's live heap.
  // - The resource trace does not honour the limit (Resource.callsites raises it to Infinity), so it is skipped by
  //   answering "no call sites", which the SDK already handles (no source position). It only feeds the engine's
  //   source positions, which a plan never records.
  // tests/tools/defer.test.ts fails if the SDK stops taking either where this expects, and compares a plan made
  // with them to one made without.
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  const resourceStatics = pulumi.Resource as unknown as SdkCallsites;
  const callsites = resourceStatics.callsites;
  const debuggablePromise = sdkDebuggable.debuggablePromise;
  if (!process.env.PLAN_STACK_TRACES) {
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
    resourceStatics.callsites = NO_CALLSITES;
    sdkDebuggable.debuggablePromise = PLAIN_PROMISE;
  }
  // Like the Node language host, an unhandled rejection during the program fails it; a registration that never
  // completes (it waits on a failed value) fails it after a while instead of hanging.
  let fail: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const onUnhandled = (reason: unknown) => fail(reason);
  process.on("unhandledRejection", onUnhandled);
  const timer = setTimeout(
    () =>
      fail(
        new Error(
          `the program did not finish within ${EVALUATION_TIMEOUT_MS} ms: a registration never completed`,
        ),
      ),
    EVALUATION_TIMEOUT_MS,
  );
  try {
    const run = async () => {
      // This project's program is resolved beside this tool (index.ts, or index.js when compiled); another
      // project's (examples/) from its own folder, where the same rule applies.
      const program =
        options.program ??
        (options.projectDir === undefined
          ? path.join(CODE_DIR, "index")
          : path.join(CODE_DIR, path.relative(PROJECT_DIR, projectDir), "index"));
      const loaded: unknown = typeof program === "function" ? program() : require(program);
      // A program may export its outputs, or (like index.ts) a function returning them, as Pulumi allows.
      const exported = (typeof loaded === "function" ? await loaded() : loaded) as Record<string, unknown>;
      const outputs: Record<string, RecordedOutput> = {};
      for (const [name, value] of Object.entries(exported)) outputs[name] = await resolveOutput(value);
      await waitForRPCs();
      await new Promise((resolve) => setImmediate(resolve));
      return outputs;
    };
    const outputs = await Promise.race([run(), failed]);
    return { project: project.name, stack: options.stack, resources, outputs };
  } catch (err) {
    // A failed program leaves sibling promises (a failed read's other outputs) to reject a moment later; let them
    // reject here, while this evaluation's handler still absorbs them, not in whatever runs next.
    await new Promise((resolve) => setTimeout(resolve, 25));
    throw new EvaluationError(err, resources);
  } finally {
    Date.now = realNow;
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(sourceMaps);
    resourceStatics.callsites = callsites;
    sdkDebuggable.debuggablePromise = debuggablePromise;
    clearTimeout(timer);
    process.off("unhandledRejection", onUnhandled);
  }
}
