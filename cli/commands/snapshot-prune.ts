/**
 * `skyline snapshot prune --keep-days N --keep-last N`: delete old manual snapshots in --region
 * (default: the primary). Only snapshots tagged as created by skyline are candidates; the newest
 * is always kept, as are the N newest and any younger than N days. Dry run unless --execute.
 */
import { DeleteDBSnapshotCommand, type DBSnapshot } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import { executePlan } from "../core/plan";
import { listSnapshots } from "../core/snapshot-listing";
import { createdBySkyline, readSnapshot, snapshotLabel } from "../core/snapshots";
import { waitForChangeThenSettle } from "../core/waiter";

export interface SnapshotPruneOptions {
  readonly keepDays: number;
  readonly keepLast: number;
  /** @default false: show what would be deleted */
  readonly execute?: boolean;
}

const DAY_MS = 86_400_000;

/** Snapshots to delete, given candidates sorted newest first. Exported for unit tests. */
export function selectForDeletion(
  candidates: readonly DBSnapshot[],
  nowMs: number,
  keepDays: number,
  keepLast: number,
): DBSnapshot[] {
  const keep = Math.max(1, keepLast); // never the newest
  return candidates.filter((s, index) => {
    if (index < keep) return false;
    if (s.Status !== "available") return false;
    const created = s.SnapshotCreateTime?.getTime();
    if (created === undefined) return false;
    return nowMs - created >= keepDays * DAY_MS;
  });
}

export async function run(ctx: Context, options: SnapshotPruneOptions): Promise<void> {
  const region = ctx.region();
  const manual = await listSnapshots(ctx, region, "manual");
  const candidates = manual.filter(createdBySkyline);
  const doomed = selectForDeletion(candidates, ctx.rt.now(), options.keepDays, options.keepLast);
  const ids = doomed.map((s) => s.DBSnapshotIdentifier as string);
  const plan = {
    command: "snapshot prune",
    action: `Delete ${ids.length} of ${candidates.length} skyline-created manual snapshots in ${region}`,
    region,
    target: ids.length ? ids.join(", ") : `skyline snapshots in ${region}`,
    noop:
      ids.length === 0
        ? `all ${candidates.length} skyline snapshots in ${region} are within --keep-last ${options.keepLast} / --keep-days ${options.keepDays}`
        : undefined,
    check: `snapshots ${ids.join(", ")} (${region})`,
    impact: [
      "Deleted snapshots cannot be restored from. Automated and snapshots not created by skyline are untouched.",
      `Kept: the ${Math.max(1, options.keepLast)} newest and any younger than ${options.keepDays} days.`,
    ],
    checks: [],
    steps: ids.map((id) => `DeleteDBSnapshot ${id}`),
    notices: options.execute ? [] : ["Dry run by default: pass --execute to delete."],
  };
  await executePlan(
    ctx,
    plan,
    async () => {
      for (const id of ids) {
        await ctx.send(
          snapshotLabel(id, region),
          ctx.clients.rds(region),
          new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }),
          {
            tookEffect: async () => {
              const s = await readSnapshot(ctx, region, id);
              return s === undefined || s.Status === "deleting";
            },
          },
        );
      }
      for (const id of ids) {
        await waitForChangeThenSettle(
          {
            resource: snapshotLabel(id, region),
            read: () => readSnapshot(ctx, region, id),
            describe: (s) => s?.Status ?? "deleted",
            changed: (s) => s === undefined || s.Status === "deleting",
            settled: (s) => s === undefined,
            settledText: "deleted",
            pollMs: 5_000,
            timeoutMs: 30 * 60_000,
          },
          ctx.waitClock(),
        );
      }
      return {
        lines: [`Deleted ${ids.length} snapshots: ${ids.join(", ")}.`],
        data: { region, deleted: ids },
      };
    },
    { dryRun: !options.execute },
  );
}
