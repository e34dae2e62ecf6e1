/** `skyline runbook list`: the runbooks synth generated for the environment. */
import type { Context } from "../core/context";
import { table } from "../core/output";
import { listRunbooks } from "../core/runbooks";

export async function run(ctx: Context): Promise<void> {
  const entries = listRunbooks(ctx);
  ctx.report.succeeded({ runbooks: entries.map(({ name, title }) => ({ name, title })) });
  for (const line of table(entries.map((e) => [e.name, e.title]))) ctx.out.text(line);
}
