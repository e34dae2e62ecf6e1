/**
 * The few Markdown shapes the runbooks use. Kept dumb on purpose: every runbook renders through
 * these, so the output stays uniform and a change of style is one edit.
 */

/** Inline code. Backticks inside the value would end the span, so they are not allowed. */
export function code(value: string | number): string {
  const text = String(value);
  if (text.includes("`")) throw new Error(`code(): "${text}" contains a backtick; reword it.`);
  return `\`${text}\``;
}

/** A fenced shell block; empty when there is nothing to show. */
export function shellBlock(lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ["```sh", ...lines, "```"];
}

export function bullets(items: readonly string[]): string[] {
  return items.map((item) => `- ${item}`);
}

/** A table with a header row; cells must not contain `|`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)];
}

/** Joins blocks with one blank line between them and ends the document with a newline. */
export function joinBlocks(blocks: readonly (readonly string[])[]): string {
  return `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join("\n"))
    .join("\n\n")}\n`;
}
