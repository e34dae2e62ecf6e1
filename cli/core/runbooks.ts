/** The Markdown runbooks synth writes next to the manifest (`runbooks/*.md`). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Context } from "./context";
import { UsageError } from "./errors";

export interface RunbookEntry {
  readonly name: string;
  readonly title: string;
  readonly path: string;
}

export function listRunbooks(ctx: Context): RunbookEntry[] {
  const dir = ctx.location().runbooksDir;
  if (!existsSync(dir)) {
    throw new UsageError(
      `No runbooks at ${dir}: run \`npm run synth\` (or pass --env/--manifest for another environment).`,
    );
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const heading = readFileSync(path, "utf8").match(/^#\s+(.+)$/m);
      return { name: basename(file, ".md"), title: heading?.[1]?.trim() ?? "", path };
    });
}

export function readRunbook(ctx: Context, name: string): { entry: RunbookEntry; text: string } {
  const entries = listRunbooks(ctx);
  const entry = entries.find((e) => e.name === name || `${e.name}.md` === name);
  if (!entry) {
    throw new UsageError(
      `No runbook "${name}"; available: ${entries.map((e) => e.name).join(", ") || "none"}.`,
    );
  }
  return { entry, text: readFileSync(entry.path, "utf8") };
}
