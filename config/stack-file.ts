// Where each value of a stack file is written, so a config problem names its line; read-only, never written.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/**
 * The string `pulumi up` hands the program for one value of a stack file. The CLI reads each value into a
 * `config.Value` whose UnmarshalYAML first tries a Go string (pulumi/pulumi sdk/go/common/resource/config/value.go
 * `unmarshalValue`, commit 099d26427310ebea10d2740e216cfc5e523daf74), and gopkg.in/yaml.v3 sets a string from a
 * scalar as its source text, `out.SetString(n.Value)`, whatever type the scalar would resolve to (go-yaml/yaml
 * decode.go `scalar`, commit 00aeb2c63b7cd89d82eeb66ffcebae066eeb8092): `0x10` stays "0x10", `True` "True", `1.10`
 * "1.10". A null (`~`, `null`, nothing) never reaches the unmarshaler (decode.go `prepare` returns early on the null
 * tag) and the map keeps the zero Value, "". A list or a map is not a string, so the CLI marshals it to JSON, its
 * items resolved by YAML's types. Pure.
 */
export function pulumiConfigText(value: unknown, doc: Document): string {
  if (isScalar(value)) {
    if (value.value === null && (value.source === undefined || /^(~|null|Null|NULL|)$/.test(value.source)))
      return "";
    return value.source ?? String(value.value);
  }
  if (value && typeof value === "object" && "toJS" in value)
    return JSON.stringify((value as { toJS(d: Document): unknown }).toJS(doc));
  return "";
}

/** One key of a stack file: its line, the string the program is handed, and the line of each list item. */
export interface StackFileEntry {
  readonly line: number;
  readonly text: string;
  /** For a list: each item's text and line. */
  readonly items: readonly { readonly text: string; readonly line: number }[];
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
