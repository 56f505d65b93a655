// A typed compile of CEL expressions, standing in for the one the Kubernetes API server runs when a
// ValidatingAdmissionPolicy is created (and for Triggers' check of a filter): parse with @bufbuild/cel, then resolve every
// identifier, field and function against a declared environment and type every call, before anything is evaluated.
//
// Sources (read with the search tools, commits as stored there):
// - kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/compile.go (081353b): `object`, `oldObject`,
//   `params` are dyn; `request` is kubernetes.AdmissionRequest and `namespaceObject` kubernetes.Namespace with the
//   fields below; `authorizer` and `authorizer.requestResource`; an expression must evaluate to its declared type
//   exactly (validations and matchConditions bool, messageExpression string, variables any).
// - kubernetes staging/src/k8s.io/apiserver/pkg/cel/environment/base.go (002315b): the libraries by version. Always:
//   homogeneous aggregate literals, URLs, regex, lists; 1.27 authz; 1.28 cross-type numeric comparisons, optional types,
//   quantity; 1.29 regex-literal validation, ext.Strings v2, sets; 1.30 IP, CIDR; 1.31 format; 1.32 two-variable
//   comprehensions. We support Kubernetes 1.30 and later (ValidatingAdmissionPolicy v1 is GA in 1.30), so the 1.30
//   environment is the one every expression must compile in.
// - cel-go ext/strings.go (vendored in kubernetes, 00e6322): the strings extension's functions; `reverse` is version 3.
// The functions of the libraries are declared with their signatures as their docs give them; the regex literals of
// `matches`, `find` and `findAll` are compiled with @bufbuild/re2 (an RE2 port, RE2 syntax as Go's regexp has it; the
// engine @bufbuild/cel evaluates `matches` with), as cel-go's ValidateRegexLiterals compiles them.
// Not modelled: cost estimation, optional-field syntax (`.?`, which @bufbuild/cel does not parse: such an expression is
// refused), duration/timestamp literal validation, string.format's clause check.
import { parse } from "@bufbuild/cel";
import { RE2JS } from "@bufbuild/re2";

/** A CEL type, as far as the checker needs: primitives, lists, maps, declared objects, opaque library types. */
export type CelType =
  | {
      readonly k:
        | "dyn"
        | "null"
        | "bool"
        | "int"
        | "uint"
        | "double"
        | "string"
        | "bytes"
        | "timestamp"
        | "duration"
        | "type";
    }
  | { readonly k: "list"; readonly elem: CelType }
  | { readonly k: "map"; readonly key: CelType; readonly value: CelType }
  | { readonly k: "object"; readonly name: string; readonly fields: Readonly<Record<string, CelType>> }
  | { readonly k: "opaque"; readonly name: string }
  | { readonly k: "param"; readonly name: string };

const p = (
  k:
    | "dyn"
    | "null"
    | "bool"
    | "int"
    | "uint"
    | "double"
    | "string"
    | "bytes"
    | "timestamp"
    | "duration"
    | "type",
): CelType => ({ k });
export const DYN = p("dyn");
const BOOL = p("bool");
const INT = p("int");
const UINT = p("uint");
const DOUBLE = p("double");
const STRING = p("string");
const BYTES = p("bytes");
const NULL = p("null");
const TIMESTAMP = p("timestamp");
const DURATION = p("duration");
const TYPE = p("type");
const list = (elem: CelType): CelType => ({ k: "list", elem });
const map = (key: CelType, value: CelType): CelType => ({ k: "map", key, value });
const object = (name: string, fields: Record<string, CelType>): CelType => ({ k: "object", name, fields });
const opaque = (name: string): CelType => ({ k: "opaque", name });
const A: CelType = { k: "param", name: "A" };
const B: CelType = { k: "param", name: "B" };

/** How a type prints in an error, as cel-go prints it. Pure. */
export function typeName(t: CelType): string {
  switch (t.k) {
    case "list":
      return `list(${typeName(t.elem)})`;
    case "map":
      return `map(${typeName(t.key)}, ${typeName(t.value)})`;
    case "object":
    case "opaque":
    case "param":
      return t.name;
    case "null":
      return "null_type";
    default:
      return t.k;
  }
}

/** One overload: a global function (`f(args)`) or a member (`target.f(args)`), with its result. */
interface Overload {
  readonly name: string;
  readonly member?: CelType;
  readonly args: readonly CelType[];
  readonly result: CelType;
}

/** The variables and functions an expression may use. */
export interface CelEnvironment {
  readonly name: string;
  readonly variables: Readonly<Record<string, CelType>>;
  readonly overloads: readonly Overload[];
}

const g = (name: string, args: CelType[], result: CelType): Overload => ({ name, args, result });
const m = (member: CelType, name: string, args: CelType[], result: CelType): Overload => ({
  name,
  member,
  args,
  result,
});

const NUMERIC = [INT, UINT, DOUBLE];
const ORDERED = [...NUMERIC, STRING, BYTES, BOOL, TIMESTAMP, DURATION];

/** CEL's standard library (cel-spec doc/langdef.md "Standard Definitions"; cel-go checker/decls). */
const STANDARD: Overload[] = [
  g("!_", [BOOL], BOOL),
  g("_&&_", [BOOL, BOOL], BOOL),
  g("_||_", [BOOL, BOOL], BOOL),
  g("@not_strictly_false", [BOOL], BOOL),
  g("_?_:_", [BOOL, A, A], A),
  g("_==_", [A, A], BOOL),
  g("_!=_", [A, A], BOOL),
  ...["_<_", "_<=_", "_>_", "_>=_"].flatMap((op) => ORDERED.map((t) => g(op, [t, t], BOOL))),
  // Cross-type numeric comparisons (Kubernetes 1.28, base.go).
  ...["_<_", "_<=_", "_>_", "_>=_"].flatMap((op) =>
    NUMERIC.flatMap((a) => NUMERIC.filter((b) => b !== a).map((b) => g(op, [a, b], BOOL))),
  ),
  g("-_", [INT], INT),
  g("-_", [DOUBLE], DOUBLE),
  ...["_+_", "_-_", "_*_", "_/_"].flatMap((op) => NUMERIC.map((t) => g(op, [t, t], t))),
  g("_%_", [INT, INT], INT),
  g("_%_", [UINT, UINT], UINT),
  g("_+_", [STRING, STRING], STRING),
  g("_+_", [BYTES, BYTES], BYTES),
  g("_+_", [list(A), list(A)], list(A)),
  g("_+_", [TIMESTAMP, DURATION], TIMESTAMP),
  g("_+_", [DURATION, TIMESTAMP], TIMESTAMP),
  g("_+_", [DURATION, DURATION], DURATION),
  g("_-_", [TIMESTAMP, TIMESTAMP], DURATION),
  g("_-_", [TIMESTAMP, DURATION], TIMESTAMP),
  g("_-_", [DURATION, DURATION], DURATION),
  g("_[_]", [list(A), INT], A),
  g("_[_]", [map(A, B), A], B),
  g("@in", [A, list(A)], BOOL),
  g("@in", [A, map(A, B)], BOOL),
  ...[STRING, BYTES, list(A), map(A, B)].flatMap((t) => [g("size", [t], INT), m(t, "size", [], INT)]),
  ...[INT, UINT, DOUBLE, STRING, TIMESTAMP].map((t) => g("int", [t], INT)),
  ...[INT, UINT, DOUBLE, STRING].map((t) => g("uint", [t], UINT)),
  ...[INT, UINT, DOUBLE, STRING].map((t) => g("double", [t], DOUBLE)),
  ...[INT, UINT, DOUBLE, STRING, BYTES, BOOL, TIMESTAMP, DURATION].map((t) => g("string", [t], STRING)),
  g("bytes", [STRING], BYTES),
  g("bytes", [BYTES], BYTES),
  g("bool", [BOOL], BOOL),
  g("bool", [STRING], BOOL),
  g("dyn", [A], DYN),
  g("type", [A], TYPE),
  g("duration", [STRING], DURATION),
  g("timestamp", [STRING], TIMESTAMP),
  g("timestamp", [INT], TIMESTAMP),
  m(STRING, "contains", [STRING], BOOL),
  m(STRING, "startsWith", [STRING], BOOL),
  m(STRING, "endsWith", [STRING], BOOL),
  m(STRING, "matches", [STRING], BOOL),
  g("matches", [STRING, STRING], BOOL),
  ...[
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
  ].flatMap((f) => [m(TIMESTAMP, f, [], INT), m(TIMESTAMP, f, [STRING], INT)]),
  ...["getHours", "getMinutes", "getSeconds", "getMilliseconds"].map((f) => m(DURATION, f, [], INT)),
];

/** cel-go's strings extension at version 2 (ext/strings.go): `reverse` (version 3) is absent. */
const STRINGS_V2: Overload[] = [
  m(STRING, "charAt", [INT], STRING),
  m(STRING, "format", [list(DYN)], STRING),
  m(STRING, "indexOf", [STRING], INT),
  m(STRING, "indexOf", [STRING, INT], INT),
  m(STRING, "lastIndexOf", [STRING], INT),
  m(STRING, "lastIndexOf", [STRING, INT], INT),
  m(STRING, "lowerAscii", [], STRING),
  m(STRING, "upperAscii", [], STRING),
  m(STRING, "replace", [STRING, STRING], STRING),
  m(STRING, "replace", [STRING, STRING, INT], STRING),
  m(STRING, "split", [STRING], list(STRING)),
  m(STRING, "split", [STRING, INT], list(STRING)),
  m(STRING, "substring", [INT], STRING),
  m(STRING, "substring", [INT, INT], STRING),
  m(STRING, "trim", [], STRING),
  m(list(STRING), "join", [], STRING),
  m(list(STRING), "join", [STRING], STRING),
  g("strings.quote", [STRING], STRING),
];

const URL = opaque("kubernetes.URL");
const QUANTITY = opaque("kubernetes.Quantity");
const AUTHORIZER_NAME = "kubernetes.authorization.Authorizer";
const AUTHORIZER = opaque(AUTHORIZER_NAME);
const PATH_CHECK = opaque("kubernetes.authorization.PathCheck");
const GROUP_CHECK = opaque("kubernetes.authorization.GroupCheck");
const RESOURCE_CHECK = opaque("kubernetes.authorization.ResourceCheck");
const SA_CHECK = opaque("kubernetes.authorization.ServiceAccountCheck");
const DECISION = opaque("kubernetes.authorization.Decision");
const OPTIONAL_A: CelType = { k: "object", name: "optional_type", fields: {} };

/**
 * Kubernetes' own libraries present at 1.30 (apiserver pkg/cel/library: lists.go, regex.go, urls.go, authz.go,
 * quantity.go; cel-go ext/sets.go), by the signatures their doc comments give; ip.go and cidr.go wait for 1.31 (below).
 */
const KUBERNETES_1_30: Overload[] = [
  // Lists (always).
  ...[list(A)].flatMap((l) => [
    m(l, "isSorted", [], BOOL),
    m(l, "sum", [], A),
    m(l, "min", [], A),
    m(l, "max", [], A),
    m(l, "indexOf", [A], INT),
    m(l, "lastIndexOf", [A], INT),
  ]),
  // Regex (always).
  m(STRING, "find", [STRING], STRING),
  m(STRING, "findAll", [STRING], list(STRING)),
  m(STRING, "findAll", [STRING, INT], list(STRING)),
  // URLs (always).
  g("url", [STRING], URL),
  g("isURL", [STRING], BOOL),
  ...["getScheme", "getHost", "getHostname", "getPort", "getEscapedPath"].map((f) => m(URL, f, [], STRING)),
  m(URL, "getQuery", [], map(STRING, list(STRING))),
  // Authz (1.27).
  m(AUTHORIZER, "group", [STRING], GROUP_CHECK),
  m(AUTHORIZER, "serviceAccount", [STRING, STRING], SA_CHECK),
  m(AUTHORIZER, "path", [STRING], PATH_CHECK),
  m(GROUP_CHECK, "resource", [STRING], RESOURCE_CHECK),
  ...["subresource", "namespace", "name"].map((f) => m(RESOURCE_CHECK, f, [STRING], RESOURCE_CHECK)),
  ...[PATH_CHECK, RESOURCE_CHECK, SA_CHECK].map((t) => m(t, "check", [STRING], DECISION)),
  m(DECISION, "allowed", [], BOOL),
  m(DECISION, "errored", [], BOOL),
  m(DECISION, "reason", [], STRING),
  m(DECISION, "error", [], STRING),
  // Optional types (1.28): the functions; the `.?` syntax is not parsed here.
  g("optional.of", [A], OPTIONAL_A),
  g("optional.ofNonZeroValue", [A], OPTIONAL_A),
  g("optional.none", [], OPTIONAL_A),
  m(OPTIONAL_A, "hasValue", [], BOOL),
  m(OPTIONAL_A, "value", [], DYN),
  m(OPTIONAL_A, "orValue", [DYN], DYN),
  // Quantity (1.28).
  g("quantity", [STRING], QUANTITY),
  g("isQuantity", [STRING], BOOL),
  m(QUANTITY, "sign", [], INT),
  m(QUANTITY, "isInteger", [], BOOL),
  m(QUANTITY, "asInteger", [], INT),
  m(QUANTITY, "asApproximateFloat", [], DOUBLE),
  ...["add", "sub"].flatMap((f) => [m(QUANTITY, f, [QUANTITY], QUANTITY), m(QUANTITY, f, [INT], QUANTITY)]),
  m(QUANTITY, "compareTo", [QUANTITY], INT),
  m(QUANTITY, "isLessThan", [QUANTITY], BOOL),
  m(QUANTITY, "isGreaterThan", [QUANTITY], BOOL),
  // Sets (1.29).
  ...["sets.contains", "sets.equivalent", "sets.intersects"].map((f) => g(f, [list(A), list(A)], BOOL)),
  // IP and CIDR arrived in 1.30, but a 1.30 API server compiles a new expression in the environment of its
  // compatibility version, one minor back (apiserver pkg/cel/environment: NewExpressions at
  // DefaultCompatibilityVersion, "no more than n-1"): they are usable in new policies only from 1.31
  // (openshift/kubernetes#1828: "introduced in 1.30 ... wouldn't be usable until 1.31"), so they are left out here.
];

const GVK = object("kubernetes.GroupVersionKind", { group: STRING, version: STRING, kind: STRING });
const GVR = object("kubernetes.GroupVersionResource", { group: STRING, version: STRING, resource: STRING });

/** kubernetes.AdmissionRequest as compile.go's BuildRequestType declares it (no uid, object, oldObject). */
export const ADMISSION_REQUEST = object("kubernetes.AdmissionRequest", {
  kind: GVK,
  resource: GVR,
  subResource: STRING,
  requestKind: GVK,
  requestResource: GVR,
  requestSubResource: STRING,
  name: STRING,
  namespace: STRING,
  operation: STRING,
  userInfo: object("kubernetes.UserInfo", {
    username: STRING,
    uid: STRING,
    groups: list(STRING),
    extra: map(STRING, list(STRING)),
  }),
  dryRun: BOOL,
  options: DYN,
});

/** kubernetes.Namespace as compile.go's BuildNamespaceType declares it. */
const NAMESPACE = object("kubernetes.Namespace", {
  metadata: object("kubernetes.NamespaceMetadata", {
    name: STRING,
    generateName: STRING,
    namespace: STRING,
    labels: map(STRING, STRING),
    annotations: map(STRING, STRING),
    UID: STRING,
    creationTimestamp: TIMESTAMP,
    deletionGracePeriodSeconds: INT,
    deletionTimestamp: TIMESTAMP,
    generation: INT,
    resourceVersion: STRING,
    finalizers: list(STRING),
  }),
  spec: object("kubernetes.NamespaceSpec", { finalizers: list(STRING) }),
  status: object("kubernetes.NamespaceStatus", {
    conditions: list(
      object("kubernetes.NamespaceCondition", {
        status: STRING,
        type: STRING,
        lastTransitionTime: TIMESTAMP,
        message: STRING,
        reason: STRING,
      }),
    ),
    phase: STRING,
  }),
});

/**
 * A ValidatingAdmissionPolicy's environment at Kubernetes 1.30: `params` only when the policy has a paramKind,
 * `variables` as its variables compile (each with its own type).
 */
export function admissionEnvironment(
  opts: { params?: boolean; variables?: Record<string, CelType> } = {},
): CelEnvironment {
  return {
    name: "Kubernetes 1.30 ValidatingAdmissionPolicy",
    variables: {
      object: DYN,
      oldObject: DYN,
      request: ADMISSION_REQUEST,
      namespaceObject: NAMESPACE,
      authorizer: AUTHORIZER,
      ...(opts.params ? { params: DYN } : {}),
      ...(opts.variables ? { variables: object("kubernetes.variables", opts.variables) } : {}),
    },
    overloads: [...STANDARD, ...STRINGS_V2, ...KUBERNETES_1_30],
  };
}

/**
 * Triggers' CEL interceptor environment (tektoncd/triggers pkg/interceptors/cel/cel.go at 8d07586, `makeCelEnv`):
 * `body`, `header`, `extensions` as map(string, dyn), `requestURL` a string, cel-go's strings extension (latest
 * version). Triggers' own functions (triggers.go) are not declared: a filter using one is refused here.
 */
export const TRIGGERS_ENVIRONMENT: CelEnvironment = {
  name: "Tekton Triggers CEL interceptor",
  variables: {
    body: map(STRING, DYN),
    header: map(STRING, DYN),
    extensions: map(STRING, DYN),
    requestURL: STRING,
  },
  overloads: [...STANDARD, ...STRINGS_V2, m(STRING, "reverse", [], STRING)],
};

// biome-ignore lint/suspicious/noExplicitAny: the parsed AST is @bufbuild/cel-spec's protobuf Expr.
type Expr = any;

/** A CEL expression that does not compile in an environment. */
export class CelCompileError extends Error {}

/** Compiles `expression` in `env`: its type, or a CelCompileError listing every problem found. Pure. */
export function compileCel(expression: string, env: CelEnvironment): CelType {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (e) {
    throw new CelCompileError(`${env.name}: does not parse: ${(e as Error).message}`);
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const problems: string[] = [];
  const at = (e: Expr) => {
    const offset = positions[String(e.id)];
    return offset === undefined ? "" : ` (at ${offset})`;
  };
  const fail = (e: Expr, message: string): CelType => {
    problems.push(`${message}${at(e)}`);
    return DYN;
  };
  const variables = new Map<string, CelType>(Object.entries(env.variables));

  /** The dotted name an ident/select chain spells (`sets`, `ip`, `authorizer.requestResource`), if it is one. */
  const dotted = (e: Expr): string | undefined => {
    if (e.exprKind.case === "identExpr") return e.exprKind.value.name;
    if (e.exprKind.case === "selectExpr" && !e.exprKind.value.testOnly) {
      const head = dotted(e.exprKind.value.operand);
      return head === undefined ? undefined : `${head}.${e.exprKind.value.field}`;
    }
    return undefined;
  };

  const call = (e: Expr, name: string, member: CelType | undefined, args: CelType[]): CelType => {
    const candidates = env.overloads.filter(
      (o) =>
        o.name === name &&
        (o.member === undefined) === (member === undefined) &&
        o.args.length === args.length,
    );
    if (candidates.length === 0 && !env.overloads.some((o) => o.name === name))
      return fail(e, `undeclared reference to '${name}'`);
    const results: CelType[] = [];
    for (const o of candidates) {
      const bound = new Map<string, CelType>();
      const ok =
        (member === undefined || o.member === undefined || assignable(o.member, member, bound)) &&
        o.args.every((t, i) => assignable(t, args[i] as CelType, bound));
      if (ok) results.push(substitute(o.result, bound));
    }
    if (results.length === 0) {
      const shown = `${member ? `${typeName(member)}.` : ""}(${args.map(typeName).join(", ")})`;
      return fail(e, `found no matching overload for '${name}' applied to '${shown}'`);
    }
    // Several overloads match only through dyn: the result is known if they agree.
    return results.every((r) => same(r, results[0] as CelType)) ? (results[0] as CelType) : DYN;
  };

  const regexLiteral = (fn: string, pattern: Expr) => {
    if (!["matches", "find", "findAll"].includes(fn)) return;
    if (pattern?.exprKind.case !== "constExpr" || pattern.exprKind.value.constantKind.case !== "stringValue")
      return;
    try {
      RE2JS.compile(pattern.exprKind.value.constantKind.value);
    } catch (err) {
      fail(pattern, `invalid regular expression in ${fn}(): ${(err as Error).message}`);
    }
  };

  const check = (e: Expr, scope: Map<string, CelType>): CelType => {
    const kind = e.exprKind;
    switch (kind.case) {
      case "constExpr":
        return (
          {
            boolValue: BOOL,
            int64Value: INT,
            uint64Value: UINT,
            doubleValue: DOUBLE,
            stringValue: STRING,
            bytesValue: BYTES,
            nullValue: NULL,
          }[kind.value.constantKind.case as string] ??
          fail(e, `unsupported constant ${kind.value.constantKind.case}`)
        );
      case "identExpr": {
        const t = scope.get(kind.value.name) ?? variables.get(kind.value.name);
        return t ?? fail(e, `undeclared reference to '${kind.value.name}'`);
      }
      case "selectExpr": {
        const operand = check(kind.value.operand, scope);
        const field: string = kind.value.field;
        let t: CelType;
        if (operand.k === "dyn") t = DYN;
        else if (operand.k === "map") t = operand.value;
        else if (operand.k === "object") {
          const f = operand.fields[field];
          t = f ?? fail(e, `undefined field '${field}' of ${operand.name}`);
        } else if (operand.k === "opaque" && operand.name === AUTHORIZER_NAME && field === "requestResource")
          // `authorizer.requestResource`, the one field of the authorizer variable (compile.go).
          t = RESOURCE_CHECK;
        else t = fail(e, `type '${typeName(operand)}' does not support field selection`);
        return kind.value.testOnly ? BOOL : t;
      }
      case "callExpr": {
        const fn: string = kind.value.function;
        const args: Expr[] = kind.value.args;
        regexLiteral(fn, kind.value.target ? args[0] : args[1]);
        if (kind.value.target) {
          // `sets.contains(a, b)`, `ip.isCanonical(s)`: a namespaced global function, when the target is no variable.
          const ns = dotted(kind.value.target);
          const root = ns?.split(".")[0];
          if (
            ns &&
            root &&
            !scope.has(root) &&
            !variables.has(root) &&
            env.overloads.some((o) => o.name === `${ns}.${fn}`)
          )
            return call(
              e,
              `${ns}.${fn}`,
              undefined,
              args.map((a) => check(a, scope)),
            );
          const target = check(kind.value.target, scope);
          return call(
            e,
            fn,
            target,
            args.map((a) => check(a, scope)),
          );
        }
        return call(
          e,
          fn,
          undefined,
          args.map((a) => check(a, scope)),
        );
      }
      case "listExpr": {
        const elems: CelType[] = kind.value.elements.map((x: Expr) => check(x, scope));
        return list(homogeneous(e, elems, "list"));
      }
      case "structExpr": {
        if (kind.value.messageName)
          return fail(e, `undeclared reference to message '${kind.value.messageName}'`);
        const keys: CelType[] = [];
        const values: CelType[] = [];
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case !== "mapKey") return fail(e, "field initializer outside a message");
          keys.push(check(entry.keyKind.value, scope));
          values.push(check(entry.value, scope));
        }
        return map(homogeneous(e, keys, "map key"), homogeneous(e, values, "map value"));
      }
      case "comprehensionExpr": {
        const c = kind.value;
        if (c.iterVar2) fail(e, "two-variable comprehensions need Kubernetes 1.32");
        const range = check(c.iterRange, scope);
        const iter =
          range.k === "list"
            ? range.elem
            : range.k === "map"
              ? range.key
              : range.k === "dyn"
                ? DYN
                : fail(
                    c.iterRange,
                    `expression of type '${typeName(range)}' cannot be the range of a comprehension`,
                  );
        const accu = check(c.accuInit, scope);
        const inner = new Map(scope);
        inner.set(c.iterVar, iter);
        inner.set(c.accuVar, accu);
        check(c.loopCondition, inner);
        check(c.loopStep, inner);
        const outer = new Map(scope);
        outer.set(c.accuVar, accu);
        return check(c.result, outer);
      }
      default:
        return fail(e, `unsupported expression ${kind.case}`);
    }
  };

  /** Kubernetes' HomogeneousAggregateLiterals: one element type per literal, dyn aside. */
  const homogeneous = (e: Expr, types: CelType[], what: string): CelType => {
    const typed = types.filter((t) => t.k !== "dyn");
    const first = typed[0];
    if (!first) return DYN;
    for (const t of typed)
      if (!same(t, first))
        fail(e, `expected type '${typeName(first)}' but found '${typeName(t)}' in a ${what} literal`);
    return first;
  };

  const result = check(parsed.expr, new Map());
  if (problems.length > 0) throw new CelCompileError(`${env.name}: ${problems.join("; ")}`);
  return result;
}

/** Whether a value of type `actual` may be passed where `declared` is expected, binding type parameters. */
function assignable(declared: CelType, actual: CelType, bound: Map<string, CelType>): boolean {
  if (declared.k === "param") {
    const have = bound.get(declared.name);
    if (!have || have.k === "dyn") {
      bound.set(declared.name, actual);
      return true;
    }
    return actual.k === "dyn" || assignable(have, actual, bound);
  }
  if (declared.k === "dyn" || actual.k === "dyn") return true;
  if (declared.k !== actual.k) return false;
  if (declared.k === "list" && actual.k === "list") return assignable(declared.elem, actual.elem, bound);
  if (declared.k === "map" && actual.k === "map")
    return assignable(declared.key, actual.key, bound) && assignable(declared.value, actual.value, bound);
  if (
    (declared.k === "object" || declared.k === "opaque") &&
    (actual.k === "object" || actual.k === "opaque")
  )
    return declared.name === actual.name;
  return true;
}

/** A declared type with its parameters replaced by what they were bound to (dyn when unbound). Pure. */
function substitute(t: CelType, bound: Map<string, CelType>): CelType {
  if (t.k === "param") return bound.get(t.name) ?? DYN;
  if (t.k === "list") return list(substitute(t.elem, bound));
  if (t.k === "map") return map(substitute(t.key, bound), substitute(t.value, bound));
  return t;
}

/** Structural equality of two types. Pure. */
function same(a: CelType, b: CelType): boolean {
  return typeName(a) === typeName(b);
}

/** What a policy's expression must evaluate to (the ExpressionAccessor ReturnTypes of the validating plugin). */
export type Expected = "bool" | "string" | "any";

/** Compiles one expression and checks its output type as Kubernetes does (exactly, dyn is not bool). Pure. */
export function compileExpecting(expression: string, env: CelEnvironment, expected: Expected): CelType {
  const t = compileCel(expression, env);
  if (expected !== "any" && t.k !== expected)
    throw new CelCompileError(`${env.name}: must evaluate to ${expected} but got ${typeName(t)}`);
  return t;
}

// biome-ignore lint/suspicious/noExplicitAny: a rendered policy is schemaless JSON here.
type Policy = any;

/**
 * Compiles every expression of a ValidatingAdmissionPolicy as the API server does on create: variables in order (each
 * later one sees the earlier ones), matchConditions and validations bool, messageExpressions string, audit annotations'
 * valueExpressions string. Returns each expression's problem (empty when all compile), naming where it sits. Pure.
 */
export function policyProblems(policy: Policy): string[] {
  const spec = policy.spec ?? {};
  const problems: string[] = [];
  const variables: Record<string, CelType> = {};
  const env = () => admissionEnvironment({ params: Boolean(spec.paramKind), variables: { ...variables } });
  const compile = (where: string, expression: string, expected: Expected): CelType | undefined => {
    try {
      return compileExpecting(expression, env(), expected);
    } catch (e) {
      problems.push(`${policy.metadata?.name} ${where}: ${(e as Error).message}`);
      return undefined;
    }
  };
  for (const [i, v] of (spec.variables ?? []).entries())
    variables[v.name] = compile(`spec.variables[${i}] (${v.name})`, v.expression, "any") ?? DYN;
  for (const [i, c] of (spec.matchConditions ?? []).entries())
    compile(`spec.matchConditions[${i}] (${c.name})`, c.expression, "bool");
  for (const [i, v] of (spec.validations ?? []).entries()) {
    compile(`spec.validations[${i}].expression`, v.expression, "bool");
    if (v.messageExpression)
      compile(`spec.validations[${i}].messageExpression`, v.messageExpression, "string");
  }
  for (const [i, a] of (spec.auditAnnotations ?? []).entries())
    compile(`spec.auditAnnotations[${i}].valueExpression`, a.valueExpression, "string");
  return problems;
}
