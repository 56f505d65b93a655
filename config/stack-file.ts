// Where each value of a stack file is written, so a config problem names its line; read-only, never written.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** What yaml.v3 resolves a plain (unquoted) scalar to, and the string `pulumi up` then hands the program. */
export interface PlainScalarReading {
  /** The type yaml.v3 gives it: a string stays as written; a null becomes "" (the key set to empty). */
  readonly as: "string" | "null" | "bool" | "int" | "float" | "timestamp";
  /** The string the program is handed; undefined for a timestamp (its text is Go's time formatting, not ours). */
  readonly text: string | undefined;
}

/** yaml.v3's float form (resolve.go `yamlStyleFloat`). */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** yaml.v3's timestamp forms (resolve.go `allowedTimestampFormats`: date, date and time with T, t or a space). */
const YAML_TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64): a sign, then 0x, 0o, 0b, a leading 0 (octal) or decimal. */
function goBaseZeroInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2] as string;
  const value = /^0[0-7]+$/.test(digits)
    ? BigInt(`0o${digits.slice(1)}`)
    : BigInt(digits.replace(/^0([XOB])/, (_, b: string) => `0${b.toLowerCase()}`));
  const signed = m[1] === "-" ? -value : value;
  return signed >= INT64_MIN && signed <= UINT64_MAX ? signed : undefined;
}

/**
 * How a plain scalar of a stack file reaches the program under `pulumi up`. Since v3.44 the CLI reads a stack file
 * into untyped values first, writes them back out and reads them again into config values (pulumi/pulumi
 * sdk/go/common/workspace/loaders.go `LoadProjectStackBytes`: `marshaller.Unmarshal(b, &projectStackRaw)`, then
 * `marshaller.Marshal`, then the typed read), and a number or boolean becomes its string form
 * (resource/config/object.go `MarshalString`). So what counts is how gopkg.in/yaml.v3 resolves the scalar
 * (resolve.go `resolve`, go-yaml/yaml f6f7691): null for "", ~, null, Null, NULL; a boolean for true/True/TRUE and
 * false/False/FALSE; a timestamp for a date or date-time; an integer when, underscores removed, Go's ParseInt or
 * ParseUint with base 0 reads it (0x, 0o, 0b, a leading 0 for octal, a sign); a float in yamlStyleFloat's form. The
 * float's text is JavaScript's shortest form, which agrees with Go's shortest form except in exponent padding (not
 * checked against object.go). Pure.
 */
export function readPlainScalar(source: string): PlainScalarReading {
  if (/^(~|null|Null|NULL|)$/.test(source)) return { as: "null", text: "" };
  if (/^(true|True|TRUE)$/.test(source)) return { as: "bool", text: "true" };
  if (/^(false|False|FALSE)$/.test(source)) return { as: "bool", text: "false" };
  if (!/^[-+.0-9]/.test(source)) return { as: "string", text: source };
  if (YAML_TIMESTAMP.test(source)) return { as: "timestamp", text: undefined };
  const plain = source.replaceAll("_", "");
  const int = goBaseZeroInt(plain);
  if (int !== undefined) return { as: "int", text: int.toString() };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const float = Number(plain);
    if (Number.isFinite(float)) return { as: "float", text: String(float) };
  }
  return { as: "string", text: source };
}

/**
 * The string `pulumi up` hands the program for one value of a stack file: a quoted scalar as written, a plain one as
 * yaml.v3 resolves it (readPlainScalar: `0x10` is "16", `True` "true", `1.10` "1.1"; a null is ""), a list or a map
 * as its JSON (pulumi marshals a value that is not a string to JSON). Pure.
 */
export function pulumiConfigText(value: unknown, doc: Document): string {
  if (isScalar(value)) {
    if (value.type === "PLAIN" && value.source !== undefined)
      return readPlainScalar(value.source).text ?? value.source;
    if (value.value === null) return "";
    return value.source ?? String(value.value);
  }
  if (value && typeof value === "object" && "toJS" in value)
    return JSON.stringify((value as { toJS(d: Document): unknown }).toJS(doc));
  return "";
}

/**
 * The plain scalars of a stack file that YAML reads as something other than the text written: the program is handed
 * another string than the file shows (`imageTag: 1.10` arrives as "1.1"), or, for a date, Go's time formatting. The
 * program refuses each under `pulumi up` as the plan does, asking for the form it means or quotes. Pure.
 */
export function rewrittenScalars(source: StackFileSource): {
  readonly key: string;
  readonly written: string;
  readonly reading: PlainScalarReading;
  readonly line: number;
}[] {
  return Object.entries(source.entries).flatMap(([key, entry]) =>
    entry.plain !== undefined &&
    entry.plain.reading.as !== "null" &&
    entry.plain.reading.text !== entry.plain.written
      ? [{ key, written: entry.plain.written, reading: entry.plain.reading, line: entry.line }]
      : [],
  );
}

/** One key of a stack file: its line, the string the program is handed, and the line of each list item. */
export interface StackFileEntry {
  readonly line: number;
  readonly text: string;
  /** For a list: each item's text and line. */
  readonly items: readonly { readonly text: string; readonly line: number }[];
  /** For a plain (unquoted) scalar: its text as written, and how YAML reads it. */
  readonly plain?: { readonly written: string; readonly reading: PlainScalarReading };
}

/** A stack file as problems cite it: its name and its entries by key as written (`<namespace>:<name>`). */
export interface StackFileSource {
  readonly name: string;
  readonly entries: Readonly<Record<string, StackFileEntry>>;
}

/**
 * The entries of a stack file's `config:` map, own keys before merged ones (`<<`, as yaml.v3 merges: own keys win).
 * Undefined when the text is not a YAML map with a `config:` map (the CLI reports that itself). Pure.
 */
export function stackFileEntries(name: string, text: string): StackFileSource | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) return undefined;
  const config = doc.get("config", true);
  if (!isMap(config)) return undefined;
  const lineOf = (node: unknown) =>
    node && typeof node === "object" && "range" in node && (node as Node).range
      ? lines.linePos((node as Node).range?.[0] ?? 0).line
      : 0;
  const entries: Record<string, StackFileEntry> = {};
  const visit = (map: unknown) => {
    const m = isAlias(map) ? map.resolve(doc) : map;
    if (!isMap(m)) return;
    const merges: unknown[] = [];
    for (const pair of m.items) {
      if (isScalar(pair.key) && typeof pair.key.value === "symbol") {
        merges.push(pair.value);
        continue;
      }
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const parts = key.split(":");
      const full = parts.length === 3 && parts[1] === "config" ? `${parts[0]}:${parts[2]}` : key;
      if (full in entries) continue;
      const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      entries[full] = {
        line: lineOf(pair.key),
        text: pulumiConfigText(value, doc),
        items: isSeq(value)
          ? value.items.map((item) => ({ text: pulumiConfigText(item, doc), line: lineOf(item) }))
          : [],
        ...(isScalar(value) && value.type === "PLAIN" && value.source !== undefined
          ? { plain: { written: value.source, reading: readPlainScalar(value.source) } }
          : {}),
      };
    }
    for (const merge of merges) {
      const value = isAlias(merge) ? merge.resolve(doc) : merge;
      for (const source of isSeq(value) ? value.items : [value]) visit(source);
    }
  };
  visit(config);
  return { name, entries };
}

/** The stack file `pulumi up` reads: Pulumi.<stack>.yaml beside Pulumi.yaml; undefined when it cannot be read. */
export function readStackFileSource(rootDirectory: string, stack: string): StackFileSource | undefined {
  const name = `Pulumi.${stack}.yaml`;
  try {
    return stackFileEntries(name, readFileSync(path.join(rootDirectory, name), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Each problem with the line of the stack file it is about: `<project>:<key>: ...` gets ` (<file> line N)` when the
 * file holds that key with the very value the program was handed (a value from `-c` or `--config` is not the
 * file's); a list problem that names an item (`got NAME` for `NAME=value`) gets the item's line. Pure.
 */
export function withStackFileLines(
  problems: readonly string[],
  project: string,
  given: Readonly<Record<string, string | undefined>>,
  source: StackFileSource | undefined,
): string[] {
  if (!source) return [...problems];
  return problems.map((p) => {
    const m = new RegExp(`^${project}:([A-Za-z0-9_]+)(?::| )`).exec(p);
    const key = m?.[1];
    const entry = key ? source.entries[`${project}:${key}`] : undefined;
    if (!key || !entry || given[key] !== entry.text) return p;
    const item = /: got ([A-Za-z_][A-Za-z0-9_]*)[;,]/.exec(p)?.[1];
    const itemLine = item ? entry.items.find((i) => i.text.startsWith(`${item}=`))?.line : undefined;
    return `${p} (${source.name} line ${itemLine ?? entry.line})`;
  });
}
