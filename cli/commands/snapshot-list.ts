/**
 * `skyline snapshot list`: manual and automated snapshots of the environment's databases in every
 * region (or --region), newest first, with age, size, encryption and copy progress.
 */
import type { Context } from "../core/context";
import { table } from "../core/output";
import { listSnapshots } from "../core/snapshot-listing";
import { createdBySkyline } from "../core/snapshots";

const DAY_MS = 86_400_000;

export async function run(ctx: Context): Promise<void> {
  const manifest = ctx.manifest();
  const regions = ctx.opts.region
    ? [ctx.region()]
    : Object.entries(manifest.regions)
        .filter(([, r]) => r.database)
        .map(([name]) => name);
  const rows = [];
  for (const region of regions) {
    for (const s of await listSnapshots(ctx, region)) {
      const created = s.SnapshotCreateTime;
      rows.push({
        region,
        id: s.DBSnapshotIdentifier ?? "?",
        type: s.SnapshotType ?? "?",
        instance: s.DBInstanceIdentifier ?? "?",
        createdAt: created?.toISOString() ?? null,
        ageDays: created ? Math.floor((ctx.rt.now() - created.getTime()) / DAY_MS) : null,
        sizeGiB: s.AllocatedStorage ?? null,
        encrypted: s.Encrypted ?? false,
        kmsKeyId: s.KmsKeyId ?? null,
        status: s.Status ?? "?",
        percentProgress: s.PercentProgress ?? null,
        sourceRegion: s.SourceRegion ?? null,
        createdBySkyline: createdBySkyline(s),
      });
    }
  }
  ctx.report.succeeded({ snapshots: rows });
  if (rows.length === 0) {
    ctx.out.text(`No snapshots of ${manifest.environment} databases in ${regions.join(", ")}.`);
    return;
  }
  const lines = table([
    ["REGION", "SNAPSHOT", "TYPE", "AGE", "SIZE", "ENCRYPTED", "STATUS", "COPIED FROM"],
    ...rows.map((r) => [
      r.region,
      r.id,
      r.type,
      r.ageDays === null ? "-" : `${r.ageDays}d`,
      r.sizeGiB === null ? "-" : `${r.sizeGiB} GiB`,
      r.encrypted ? "yes" : ctx.out.paint("red", "NO"),
      r.status === "available" ? r.status : `${r.status} ${r.percentProgress ?? 0}%`,
      r.sourceRegion ?? "-",
    ]),
  ]);
  for (const line of lines) ctx.out.text(line);
}
