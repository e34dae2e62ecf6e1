/** `skyline runbook show <name>`: print one generated runbook. */
import type { Context } from "../core/context";
import { readRunbook } from "../core/runbooks";

export async function run(ctx: Context, _options: unknown, name: string): Promise<void> {
  const { entry, text } = readRunbook(ctx, name);
  ctx.report.succeeded({ name: entry.name, title: entry.title, markdown: text });
  if (!ctx.out.json) ctx.rt.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
