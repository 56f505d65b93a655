// CEL literals the program writes into expressions (admission rules, trigger filters): one quoting for every value.

/**
 * A CEL string literal for any string: double-quoted with JSON's escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`,
 * `\u00XX` for the other control characters), each of which CEL's grammar accepts too (google/cel-spec doc/langdef.md at
 * 0016c7f, ESCAPE and "String and Bytes Values": `\\ \" \n \r \t \b \f` and `\uXXXX`; a quoted literal may hold any
 * other character but CR and LF, which JSON escapes). Every other character, unicode included, stays as it
 * is. A lone UTF-16 surrogate is no code point ("strings must be sequences of valid Unicode code points"), so such a
 * string is refused rather than written as a literal CEL would reject. Pure.
 */
export function celString(value: string): string {
  // In unicode mode a surrogate pair is one code point, so \p{Cs} matches only a lone surrogate.
  if (/\p{Cs}/u.test(value))
    throw new Error(`a CEL string cannot hold a lone UTF-16 surrogate: ${JSON.stringify(value)}`);
  return JSON.stringify(value);
}

/** A CEL list of string literals. Pure. */
export function celStringList(values: readonly string[]): string {
  return `[${values.map(celString).join(", ")}]`;
}
