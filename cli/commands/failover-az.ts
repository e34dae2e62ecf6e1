/**
 * `skyline failover az`: reboot the Multi-AZ writer of --region (default: the primary) with forced
 * failover, so its standby in another AZ takes over; verify the AZ actually changed.
 */
import { RebootDBInstanceCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import { dbLabel, describeInstance, instanceByRole, pendingModifications } from "../core/database";
import { FailedError } from "../core/errors";
import { executePlan } from "../core/plan";
import { tookEffect, waitForChangeThenSettle, type WaitSpec } from "../core/waiter";

export async function run(ctx: Context): Promise<void> {
  const region = ctx.region();
  const writer = instanceByRole(ctx.manifest(), region, "writer");
  const label = dbLabel(writer.id, region);
  const before = await describeInstance(ctx, region, writer.id);
  const fromAz = before.AvailabilityZone ?? "unknown";
  const pending = pendingModifications(before);
  const plan = {
    command: "failover az",
    action: `Fail ${writer.id} over from ${fromAz} to its standby (${before.SecondaryAvailabilityZone ?? "unknown AZ"})`,
    region,
    target: writer.id,
    check: label,
    impact: [
      "Writes fail for roughly 60-120 s while DNS moves to the standby; clients reconnect.",
      ...(pending.length ? [`Pending modifications are applied by the reboot: ${pending.join(", ")}.`] : []),
    ],
    checks: [
      {
        name: "instance available",
        ok: before.DBInstanceStatus === "available",
        detail: `status ${before.DBInstanceStatus}`,
      },
      {
        name: "Multi-AZ with a standby",
        ok: before.MultiAZ === true && Boolean(before.SecondaryAvailabilityZone),
        detail: before.MultiAZ
          ? `standby in ${before.SecondaryAvailabilityZone ?? "unknown AZ"}`
          : "single-AZ: nothing to fail over to",
      },
    ],
    steps: [
      `RebootDBInstance ${writer.id} ForceFailover=true`,
      "wait for rebooting, then available",
      "verify the AZ changed",
    ],
  };
  await executePlan(ctx, plan, async () => {
    const wait: WaitSpec<DBInstance> = {
      resource: label,
      read: () => describeInstance(ctx, region, writer.id),
      describe: (i) => `${i.DBInstanceStatus} in ${i.AvailabilityZone}`,
      changed: (i) => i.DBInstanceStatus !== "available" || i.AvailabilityZone !== fromAz,
      settled: (i) => i.DBInstanceStatus === "available",
      settledText: "available",
      pollMs: 5_000,
      timeoutMs: 30 * 60_000,
    };
    await ctx.send(
      label,
      ctx.clients.rds(region),
      new RebootDBInstanceCommand({ DBInstanceIdentifier: writer.id, ForceFailover: true }),
      { tookEffect: tookEffect(wait) },
    );
    const { state } = await waitForChangeThenSettle(wait, ctx.waitClock());
    if (state.AvailabilityZone === fromAz) {
      throw new FailedError(
        `${label} is available but still in ${fromAz}: the failover did not happen. Check RDS events, then retry.`,
      );
    }
    return {
      lines: [`${writer.id} now runs in ${state.AvailabilityZone} (was ${fromAz}).`],
      data: { instance: writer.id, region, fromAz, toAz: state.AvailabilityZone },
    };
  });
}
