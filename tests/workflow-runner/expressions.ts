// `${{ }}` templates and `if:` conditions, evaluated by GitHub's own expression library (npm @actions/expressions,
// actions/languageservices). Only the template scan (where an expression starts and ends in a string) is ours.
import type * as Expressions from "@actions/expressions";

type Lib = typeof Expressions;
let lib: Lib | undefined;

/** Loads the library once. It is published as an ES module only (its exports have no `require` condition). */
export async function loadExpressions(): Promise<void> {
  // A real dynamic import: TypeScript's commonjs output would turn `import()` into `require()`.
  const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<Lib>;
  lib ??= await importModule("@actions/expressions");
}

function library(): Lib {
  if (!lib) throw new Error("call loadExpressions() first");
  return lib;
}

/** The contexts a workflow may read (GitHub docs, "Contexts"), as plain JSON. */
export type Contexts = Record<string, unknown>;

/** The job/step status functions the runner supplies (the library knows only the pure functions). */
export interface Status {
  readonly success: boolean;
  readonly failure: boolean;
}

const CONTEXT_NAMES = ["github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy"];
const MORE_CONTEXTS = ["matrix", "needs", "inputs"];
const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];

function evaluateData(
  expression: string,
  contexts: Contexts,
  status: Status,
): Expressions.data.ExpressionData {
  const { Lexer, Parser, Evaluator, data } = library();
  const tokens = new Lexer(expression).lex().tokens;
  const functionInfo = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const ast = new Parser(tokens, [...CONTEXT_NAMES, ...MORE_CONTEXTS], functionInfo).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as Expressions.data.Dictionary;
  const value = (v: boolean) => () => new data.BooleanData(v);
  const functions = new Map([
    ["success", { name: "success", minArgs: 0, maxArgs: 0, call: value(status.success) }],
    ["failure", { name: "failure", minArgs: 0, maxArgs: 0, call: value(status.failure) }],
    ["always", { name: "always", minArgs: 0, maxArgs: 0, call: value(true) }],
    ["cancelled", { name: "cancelled", minArgs: 0, maxArgs: 0, call: value(false) }],
  ]);
  return new Evaluator(ast, context, functions).evaluate();
}

/** Evaluates one expression to plain JSON. */
export function evaluate(expression: string, contexts: Contexts, status: Status = NO_STATUS): unknown {
  const { data } = library();
  return JSON.parse(JSON.stringify(evaluateData(expression, contexts, status), data.replacer) ?? "null");
}

const NO_STATUS: Status = { success: true, failure: false };

/** The string GitHub substitutes for a value inside a template (objects as JSON, null as ''). */
function coerce(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v, null, 2);
  return String(v);
}

/** The end of the expression that starts at `from` (just after `${{`): the first `}}` outside a '...' literal. */
function expressionEnd(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === "}" && text[i + 1] === "}") return i;
  }
  throw new Error(`unclosed \${{ in ${JSON.stringify(text)}`);
}

/** Substitutes every `${{ }}` of a string. A value that is only one expression keeps its type. */
export function template(text: unknown, contexts: Contexts, status: Status = NO_STATUS): unknown {
  if (typeof text !== "string" || !text.includes("${{")) return text;
  const parts: unknown[] = [];
  let at = 0;
  for (let start = text.indexOf("${{", at); start >= 0; start = text.indexOf("${{", at)) {
    const end = expressionEnd(text, start + 3);
    if (start > at) parts.push(text.slice(at, start));
    parts.push(evaluate(text.slice(start + 3, end).trim(), contexts, status));
    at = end + 2;
  }
  if (at < text.length) parts.push(text.slice(at));
  if (parts.length === 1) return parts[0];
  return parts.map(coerce).join("");
}

/** `template` as a string. */
export function templateString(text: unknown, contexts: Contexts, status: Status = NO_STATUS): string {
  return coerce(template(text, contexts, status));
}

/**
 * An `if:` condition. As GitHub does (docs, "Expressions": "a default status check of success() is applied unless
 * you include one of these functions"), a condition without a status function runs only after success.
 */
export function condition(text: unknown, contexts: Contexts, status: Status): boolean {
  let expression = text === undefined ? "success()" : String(text).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(expression);
  if (whole?.[1] !== undefined && !whole[1].includes("}}")) expression = whole[1].trim();
  // A status function is a call: its name token followed by "(" (read with the library's lexer, not a regex).
  const tokens = new (library().Lexer)(expression).lex().tokens;
  const callsStatus = tokens.some(
    (t, i) => STATUS_FUNCTIONS.includes(t.lexeme.toLowerCase()) && tokens[i + 1]?.lexeme === "(",
  );
  if (!callsStatus) expression = `success() && (${expression})`;
  // The library's own truthiness: `!x` is its falsy(x).
  const negated = evaluateData(`!(${expression})`, contexts, status) as { value?: boolean };
  return negated.value === false;
}

/**
 * The secrets the `${{ }}` expressions of a text reference, by name, read with the library's lexer: `secrets.X` and
 * `secrets['X']` give X; any other use of the context (`toJSON(secrets)`, `secrets[format(...)]`) gives "*".
 */
export function secretsReferenced(text: string): string[] {
  const { Lexer } = library();
  const found = new Set<string>();
  for (let start = text.indexOf("${{"); start >= 0; start = text.indexOf("${{", start + 3)) {
    const end = expressionEnd(text, start + 3);
    const tokens = new Lexer(text.slice(start + 3, end)).lex().tokens;
    tokens.forEach((t, i) => {
      if (t.lexeme.toLowerCase() !== "secrets") return;
      const [next, name, close] = [tokens[i + 1], tokens[i + 2], tokens[i + 3]];
      if (next?.lexeme === "." && name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name.lexeme))
        found.add(name.lexeme);
      else if (next?.lexeme === "[" && typeof name?.value === "string" && close?.lexeme === "]")
        found.add(name.value);
      else found.add("*");
    });
  }
  return [...found].sort();
}
