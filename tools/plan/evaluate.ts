// Evaluates the real program (index.ts, a real stack file) under Pulumi's runtime mocks and records what it registers.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  ORG_NAMED_KEYS,
  type OrgNamedKeySpec,
  PLAIN_KEYS,
  type PlainConfig,
  SECRET_KEYS,
} from "../../config/keys";
import { citeStackFile } from "../../config/load";
import { parsePlainConfig } from "../../config/parse";
import { stackFileEntries } from "../../config/stack-file";
import { PROJECT_ROOT } from "../project-root";
import { type MockOptions, PlanMocks } from "./mocks";
import {
  ORG_NAME_STAND_IN,
  type ResolvedConfig,
  readProjectFile,
  readStackFile,
  readStackFileAt,
  resolveConfig,
} from "./stack-files";

export { ORG_NAME_STAND_IN };

/** Where the program's modules are: the folder above tools/ (the checkout, or build/ when running compiled). */
export const CODE_DIR = path.resolve(__dirname, "..", "..");
/** The project this tool plans: the nearest folder with a Pulumi.yaml (tools/project-root.ts). */
export const PROJECT_DIR = PROJECT_ROOT;

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
  /** URN, as the engine forms it (engineUrn). */
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
  /** Keys naming an organization's record that the stack needs and its file does not set: planned with ORG_NAME_STAND_IN. @default none */
  readonly orgNameStandIns?: readonly string[];
}

/**
 * The keys of ORG_NAMED_KEYS that the resolved config plans with the stand-in (resolveConfig) and that the stack
 * needs: the ones `pulumi up` would refuse. None while the config has another problem (the program reports it).
 */
export function neededStandIns(projectName: string, config: ResolvedConfig): string[] {
  if (config.standIns.length === 0) return [];
  let cfg: PlainConfig;
  try {
    cfg = parsePlainConfig(
      Object.fromEntries(Object.keys(PLAIN_KEYS).map((n) => [n, config.values[`${projectName}:${n}`]])),
    );
  } catch {
    return [];
  }
  return config.standIns.filter((k) =>
    (ORG_NAMED_KEYS as Record<string, OrgNamedKeySpec>)[k]?.neededWhen.test(cfg),
  );
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
}

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

/** The wire markers of the Pulumi protocol, as the SDK exports them (pulumi.runtime, rpc.ts). */
const { specialSigKey, specialSecretSig, specialResourceSig, unknownValue } = pulumi.runtime;

/** The mock monitor's URNs of the resources, each with the URN the engine forms for it. */
type UrnMap = ReadonlyMap<string, string>;

/** Replaces every mock URN in a string with the engine's. */
function engineUrns(text: string, urns: UrnMap): string {
  if (!text.includes("urn:pulumi:")) return text;
  let out = text;
  for (const [mock, engine] of urns) if (mock !== engine) out = out.split(mock).join(engine);
  return out;
}

/**
 * Replaces secrets and unknowns in a property value (as the SDK deserialized it for the mocks, or as its
 * serializeProperty gives it), and the mock monitor's URNs with the engine's.
 */
function toPlanValue(value: unknown, reveal: boolean, urns: UrnMap): PlanValue {
  if (value === undefined || value === null) return null;
  if (pulumi.isUnknown(value) || value === unknownValue) return UNKNOWN_MARKER;
  if (typeof value === "string") return engineUrns(value, urns);
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => toPlanValue(v, reveal, urns));
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[specialSigKey] === specialSecretSig)
      return reveal ? toPlanValue(obj.value, reveal, urns) : SECRET_MARKER;
    if (obj[specialSigKey] === specialResourceSig || pulumi.Resource.isInstance(value)) return `[resource]`;
    const out: { [key: string]: PlanValue } = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) out[k] = toPlanValue(v, reveal, urns);
    }
    return out;
  }
  return String(value);
}

/**
 * A URN as the engine forms it: the parent's whole qualified type chain, then `$`, then the type (the root Stack's
 * type is never part of it). The SDK's mock monitor keeps only the immediate parent type (SDK 3.276
 * runtime/mocks.js newUrn), which gives URNs the engine never forms; `pulumi.createUrn` follows the engine's rule,
 * and a test compares the two. Pure.
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

/** A resource as its constructor saw it (a stack transformation): its place in the tree. */
interface Construction {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  /** The engine's URN of it. */
  readonly urn: string;
  /** The engine's URN of its parent, or "" under the root Stack. */
  readonly parent: string;
  /** `protect`, inherited from the parent when the resource does not set it (Pulumi's resource options docs). */
  readonly protect: boolean;
  /** `retainOnDelete` as the resource's options carry it once its transformations have run (never inherited). */
  readonly retainOnDelete: boolean;
}

/** A registration as the mock monitor handed it to the mocks. */
interface Registration {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** `<mock URN>::<id>` of its provider, or "". */
  readonly provider: string;
  /** As the SDK deserialized them: secrets wrapped, unknowns kept in a dry run. */
  readonly inputs: Record<string, unknown>;
}

/**
 * Watches one evaluation through the SDK's public API only: the mocks see every registration (type, name, inputs,
 * provider), and a stack transformation (pulumi.runtime.registerStackTransformation) sees every resource's parent and
 * `protect` as it is constructed. The two meet on type and name, which a stack keeps unique in practice; two
 * resources of one type and name fail the evaluation with a message rather than be recorded wrongly.
 */
class Recorder implements pulumi.runtime.Mocks {
  readonly registrations: Registration[] = [];
  readonly constructions = new Map<string, Construction[]>();
  private readonly byResource = new Map<pulumi.Resource, Construction>();
  /** Mock URN to engine URN, filled once the registrations are answered. */
  readonly urns = new Map<string, string>();

  constructor(
    private readonly mocks: PlanMocks,
    private readonly stack: string,
    private readonly project: string,
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const result = this.mocks.newResource(args);
    if (args.type !== ROOT_STACK_TYPE)
      this.registrations.push({
        type: args.type,
        name: args.name,
        custom: args.custom ?? true,
        provider: args.provider ?? "",
        inputs: args.inputs as Record<string, unknown>,
      });
    return result;
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    return this.mocks.call(args);
  }

  /** The stack transformation: records where the resource sits; changes nothing. */
  readonly construct: pulumi.ResourceTransformation = ({ resource, type, name, opts }) => {
    const parent = opts.parent === undefined ? undefined : this.byResource.get(opts.parent);
    if (
      opts.parent !== undefined &&
      parent === undefined &&
      opts.parent !== pulumi.runtime.getStackResource()
    )
      throw new Error(`${type} ${name}: its parent was constructed before the plan watched the stack`);
    const parentUrn = parent?.urn ?? "";
    const construction: Construction = {
      resource,
      type,
      name,
      urn: engineUrn(this.stack, this.project, parentUrn, type, name),
      parent: parentUrn,
      protect: opts.protect ?? parent?.protect ?? false,
      retainOnDelete: opts.retainOnDelete ?? false,
    };
    this.byResource.set(resource, construction);
    const key = `${type}::${name}`;
    this.constructions.set(key, [...(this.constructions.get(key) ?? []), construction]);
    return undefined;
  };

  /** Waits until every constructed resource is registered, and learns the mock monitor's URN of each. */
  async settle(): Promise<void> {
    await Promise.all(
      [...this.byResource.values()].map(
        (c) =>
          new Promise<void>((resolve) =>
            c.resource.urn.apply((mock) => {
              this.urns.set(mock, c.urn);
              resolve();
            }),
          ),
      ),
    );
  }

  /** The records, in registration order. */
  records(): RecordedResource[] {
    return this.registrations.map((reg) => {
      const found = this.constructions.get(`${reg.type}::${reg.name}`) ?? [];
      if (found.length !== 1)
        throw new Error(
          `${found.length} resources of type ${reg.type} named ${reg.name}: the plan tells resources apart by type and name, give them distinct names`,
        );
      const [c] = found as [Construction];
      const at = reg.provider.lastIndexOf("::");
      const provider =
        at < 0
          ? reg.provider
          : `${this.urns.get(reg.provider.slice(0, at)) ?? reg.provider.slice(0, at)}${reg.provider.slice(at)}`;
      return record(
        {
          type: reg.type,
          name: reg.name,
          parent: c.parent,
          custom: reg.custom,
          protect: c.protect,
          retainOnDelete: c.retainOnDelete,
          provider,
        },
        c.urn,
        reg.inputs,
        this.urns,
      );
    });
  }
}

/** The type of the root Stack resource the engine (and runInPulumiStack) registers first. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** A record whose inputs (plan-safe and revealed) are computed on first read: a large evaluation keeps one copy. */
function record(
  fields: Omit<RecordedResource, "urn" | "inputs" | "revealedInputs">,
  urn: string,
  raw: Record<string, unknown>,
  urns: UrnMap,
): RecordedResource {
  let inputs: { [key: string]: PlanValue } | undefined;
  let revealed: { [key: string]: PlanValue } | undefined;
  return {
    ...fields,
    urn,
    get inputs() {
      inputs ??= toPlanValue(raw, false, urns) as { [key: string]: PlanValue };
      return inputs;
    },
    get revealedInputs() {
      revealed ??= toPlanValue(raw, true, urns) as { [key: string]: PlanValue };
      return revealed;
    },
  };
}

/** One exported value as the engine records a stack output: serialized by the SDK (secret and unknown marked). */
async function serializeOutput(value: unknown): Promise<{ wire: unknown; isOutput: boolean }> {
  return {
    wire: await pulumi.runtime.serializeProperty("stack output", value, new Set()),
    isOutput: pulumi.Output.isInstance(value),
  };
}

function toRecordedOutput(out: { wire: unknown; isOutput: boolean }, urns: UrnMap): RecordedOutput {
  if (!out.isOutput) return { value: toPlanValue(out.wire, true, urns), secret: false, known: true };
  let wire = out.wire;
  const secret =
    typeof wire === "object" &&
    wire !== null &&
    (wire as Record<string, unknown>)[specialSigKey] === specialSecretSig;
  if (secret) wire = (wire as { value: unknown }).value;
  if (wire === unknownValue) return { value: UNKNOWN_MARKER, secret, known: false };
  return { value: secret ? SECRET_MARKER : toPlanValue(wire, false, urns), secret, known: true };
}

/** Event-loop turns a failed evaluation waits for the failure's sibling rejections to happen. */
const SETTLE_TURNS = 5;

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
 * Evaluates the program for one stack as the Node language host runs it (pulumi.runtime.runInPulumiStack under
 * pulumi.runtime.setMocks): resolves its config like the CLI, loads the program, waits for every registration, and
 * resolves the exports. Throws EvaluationError (with what was registered) on failure.
 */
export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const project = readProjectFile(projectDir);
  const stackConfig = options.stackFile
    ? readStackFileAt(options.stackFile, project, `--stack-file ${options.stackFile}`)
    : readStackFile(projectDir, options.stack, project);
  const stackFile = options.stackFile ?? path.join(projectDir, `Pulumi.${options.stack}.yaml`);
  const config = resolveConfig(
    project,
    stackConfig,
    options.config,
    options.secrets,
    Object.keys(SECRET_KEYS),
  );
  const standIns = neededStandIns(project.name, config);
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  // Config problems cite the lines of the file this plan reads, as they cite Pulumi.<stack>.yaml under pulumi up.
  citeStackFile(stackFileEntries(path.basename(stackFile), readFileSync(stackFile, "utf8")));
  const mocks = new PlanMocks({
    preview: options.preview ?? true,
    ...(options.registryDigests ? { registryDigests: options.registryDigests } : {}),
    ...(options.stackOutputs ? { stackOutputs: options.stackOutputs } : {}),
    ...(options.secretStackOutputs ? { secretStackOutputs: options.secretStackOutputs } : {}),
  });
  const recorder = new Recorder(mocks, options.stack, project.name);
  await pulumi.runtime.setMocks(
    recorder,
    project.name,
    options.stack,
    options.preview ?? true,
    options.organization ?? DEFAULT_ORG,
  );

  forgetProjectModules();
  // The evaluation's clock: a promotion's soak is judged against it.
  const realNow = Date.now;
  if (options.now !== undefined) {
    const fixed = options.now;
    Date.now = () => fixed;
  }
  // The SDK captures a stack trace for every promise it tracks; mapped through source maps that is a large part of
  // an evaluation's time, and a plan never shows them. Plans take none (Node's Error.stackTraceLimit) unless
  // PLAN_STACK_TRACES is set, for debugging a failing program.
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  if (!process.env.PLAN_STACK_TRACES) {
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
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
      let exported: Record<string, unknown> = {};
      // The program's own failure is kept and thrown here: failing the Stack's init as well would leave the Stack's
      // promises to reject after the evaluation has ended.
      let failure: { error: unknown } | undefined;
      await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(recorder.construct);
        try {
          const loaded: unknown = typeof program === "function" ? program() : require(program);
          // A program may export its outputs, or (like index.ts) a function returning them, as Pulumi allows.
          exported = (typeof loaded === "function" ? await loaded() : loaded) as Record<string, unknown>;
        } catch (error) {
          failure = { error };
          return {};
        }
        return exported;
      });
      if (failure) throw failure.error;
      const wires = await Promise.all(
        Object.entries(exported).map(async ([name, value]) => [name, await serializeOutput(value)] as const),
      );
      await recorder.settle();
      await new Promise((resolve) => setImmediate(resolve));
      const outputs: Record<string, RecordedOutput> = {};
      for (const [name, wire] of wires) outputs[name] = toRecordedOutput(wire, recorder.urns);
      return outputs;
    };
    const outputs = await Promise.race([run(), failed]);
    return {
      project: project.name,
      stack: options.stack,
      resources: recorder.records(),
      outputs,
      ...(standIns.length > 0 ? { orgNameStandIns: standIns } : {}),
    };
  } catch (err) {
    // A failed program leaves sibling promises (a failed read's other outputs) to reject a moment later; let them
    // reject here, while this evaluation's handler still absorbs them, not in whatever runs next. The mock monitor
    // answers within the event loop's turns (no I/O), so a few turns let every such rejection happen.
    for (let turn = 0; turn < SETTLE_TURNS; turn++) await new Promise((resolve) => setImmediate(resolve));
    let resources: RecordedResource[] = [];
    try {
      resources = recorder.records();
    } catch {
      // Two resources of one type and name: the error already says what failed.
    }
    throw new EvaluationError(err, resources);
  } finally {
    Date.now = realNow;
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(sourceMaps);
    clearTimeout(timer);
    process.off("unhandledRejection", onUnhandled);
  }
}
