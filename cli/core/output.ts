/**
 * Output discipline: results go to stdout (text or one JSON document), progress and prompts go to
 * stderr, so `skyline status --output json | jq` always gets clean JSON.
 */
import type { Runtime } from "./runtime";

export type OutputFormat = "text" | "json";

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export class Output {
  private readonly startedAt: number;

  constructor(
    private readonly rt: Runtime,
    readonly format: OutputFormat,
    private readonly useColour: boolean,
  ) {
    this.startedAt = rt.now();
  }

  get json(): boolean {
    return this.format === "json";
  }

  paint(colour: Colour, text: string): string {
    return this.useColour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /** A result: text lines in text mode, nothing in JSON mode (the command emits one document). */
  text(line = ""): void {
    if (!this.json) this.rt.stdout.write(`${line}\n`);
  }

  /** The single JSON document of a command in JSON mode. */
  document(value: unknown): void {
    if (this.json) this.rt.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress on stderr, stamped with the time elapsed since the command started. */
  progress(message: string): void {
    this.rt.stderr.write(`[${formatElapsed(this.rt.now() - this.startedAt)}] ${message}\n`);
  }

  warn(message: string): void {
    this.rt.stderr.write(`${this.paint("yellow", "warning:")} ${message}\n`);
  }
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** Left-aligned columns for text tables. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
