// A stack file's %YAML directive, answered as the Pulumi CLI's YAML reader answers it.
//
// The CLI reads Pulumi.<stack>.yaml with gopkg.in/yaml.v3 (v3.0.1, go-yaml/yaml f6f7691): parserc.go
// yaml_parser_process_directives refuses a second %YAML directive ("found duplicate %YAML directive") and any version
// but 1.1 ("found incompatible YAML document": `token.major != 1 || token.minor != 1`, so %YAML 1.2 is refused too), and
// decode.go never reads the version: a %YAML 1.1 document is decoded exactly as one without the directive. The `yaml`
// package this tool reads with takes 1.2 and switches to its YAML 1.1 schema under %YAML 1.1; this makes it do neither.

/** A directive line: `%NAME params`, at the start of a line, before the document's `---`. */
const DIRECTIVE = /^%(?<name>[^\s#]+)(?<params>[^#]*)/;

/**
 * The text to parse, as yaml.v3 would read the file: the directives before the first document checked (a %YAML other
 * than 1.1, or a second one, is refused with yaml.v3's words, the file and the line), and a %YAML 1.1 line turned into a
 * comment of the same length, so lines and columns stay put. Throws `<file>: line L, column 1: <yaml.v3's message>`.
 */
export function asYamlV3Reads(text: string, display: string): string {
  const lines = text.split("\n");
  let version: string | undefined;
  for (const [i, line] of lines.entries()) {
    if (/^(---|\.\.\.)(\s|$)/.test(line)) break;
    const d = DIRECTIVE.exec(line)?.groups;
    if (!d) {
      if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
      break;
    }
    if (d.name !== "YAML") continue;
    const at = `${display}: line ${i + 1}, column 1`;
    if (version !== undefined)
      throw new Error(`${at}: found duplicate %YAML directive (${JSON.stringify(line.trim())})`);
    version = (d.params ?? "").trim();
    if (!/^0*1\.0*1$/.test(version))
      throw new Error(
        `${at}: found incompatible YAML document (${JSON.stringify(line.trim())}): the Pulumi CLI reads stack files with gopkg.in/yaml.v3, which takes only %YAML 1.1; remove the line`,
      );
    lines[i] = `#${line.slice(1)}`;
  }
  return lines.join("\n");
}
