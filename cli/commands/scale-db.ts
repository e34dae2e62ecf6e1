/**
 * `skyline scale db --class <class>`: change the instance class of the database of --role in
 * --region (default: the primary writer), applied immediately. Shows pending modifications first,
 * because applying immediately also applies them.
 */
import { ModifyDBInstanceCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import {
  dbLabel,
  describeInstance,
  instanceByRole,
  pendingModifications,
  type InstanceRole,
} from "../core/database";
import { UsageError } from "../core/errors";
import { driftNotice, executePlan } from "../core/plan";
import { tookEffect, waitForChangeThenSettle, type WaitSpec } from "../core/waiter";

export interface ScaleDbOptions {
  readonly class: string;
  /** @default "writer" */
  readonly role?: InstanceRole;
}

export async function run(ctx: Context, options: ScaleDbOptions): Promise<void> {
  if (!/^db\.[a-z0-9-]{1,30}\.[a-z0-9]{1,20}$/.test(options.class)) {
    throw new UsageError(`--class ${options.class} is not a DB instance class; use one like db.r7g.xlarge.`);
  }
  const region = ctx.region();
  const instance = instanceByRole(ctx.manifest(), region, options.role ?? "writer");
  const label = dbLabel(instance.id, region);
  const before = await describeInstance(ctx, region, instance.id);
  const pending = pendingModifications(before);
  const plan = {
    command: "scale db",
    action: `Change ${instance.id} from ${before.DBInstanceClass} to ${options.class}`,
    region,
    target: instance.id,
    check: label,
    noop: before.DBInstanceClass === options.class ? `${instance.id} already is ${options.class}` : undefined,
    impact: [
      before.MultiAZ
        ? "Multi-AZ: the standby is modified first, then a failover (about a minute of write errors)."
        : "Single-AZ: the instance is unavailable while it is modified (typically 5-15 minutes).",
      pending.length
        ? `Pending modifications are applied now too: ${pending.join(", ")}.`
        : "No pending modifications.",
    ],
    checks: [
      {
        name: "instance available",
        ok: before.DBInstanceStatus === "available",
        detail: `status ${before.DBInstanceStatus}`,
      },
    ],
    steps: [
      `ModifyDBInstance ${instance.id} DBInstanceClass=${options.class} ApplyImmediately=true`,
      "wait for modifying, then available with the new class",
    ],
    notices: [driftNotice(ctx, ctx.manifest().configFields.databaseInstanceClass)],
  };
  await executePlan(ctx, plan, async () => {
    const wait: WaitSpec<DBInstance> = {
      resource: label,
      read: () => describeInstance(ctx, region, instance.id),
      describe: (i) => `${i.DBInstanceStatus}, class ${i.DBInstanceClass}`,
      changed: (i) =>
        i.DBInstanceStatus !== "available" ||
        i.DBInstanceClass === options.class ||
        i.PendingModifiedValues?.DBInstanceClass === options.class,
      settled: (i) => i.DBInstanceStatus === "available" && i.DBInstanceClass === options.class,
      settledText: `available as ${options.class}`,
      pollMs: 15_000,
      timeoutMs: 90 * 60_000,
    };
    await ctx.send(
      label,
      ctx.clients.rds(region),
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: instance.id,
        DBInstanceClass: options.class,
        ApplyImmediately: true,
      }),
      { tookEffect: tookEffect(wait) },
    );
    const { state } = await waitForChangeThenSettle(wait, ctx.waitClock());
    return {
      lines: [`${instance.id} is available as ${state.DBInstanceClass}.`],
      data: { instance: instance.id, region, from: before.DBInstanceClass, to: state.DBInstanceClass },
    };
  });
}
