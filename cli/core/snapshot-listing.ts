/**
 * Lists the snapshots of the manifest's database instances in one region (manual and automated,
 * including copies from other regions, which keep their source instance id), newest first.
 */
import { DescribeDBSnapshotsCommand, type DBSnapshot } from "@aws-sdk/client-rds";
import type { OpsManifest } from "../../manifest/schema";
import type { Context } from "./context";

export function manifestInstanceIds(manifest: OpsManifest): string[] {
  return Object.values(manifest.regions).flatMap((r) => (r.database?.instances ?? []).map((i) => i.id));
}

export async function listSnapshots(
  ctx: Context,
  region: string,
  snapshotType?: "manual" | "automated",
): Promise<DBSnapshot[]> {
  const ids = manifestInstanceIds(ctx.manifest());
  const snapshots: DBSnapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.send(
      `snapshots in ${region}`,
      ctx.clients.rds(region),
      new DescribeDBSnapshotsCommand({
        Filters: [{ Name: "db-instance-id", Values: ids }],
        ...(snapshotType ? { SnapshotType: snapshotType } : {}),
        Marker: marker,
      }),
    );
    snapshots.push(...(page.DBSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  return snapshots.sort(
    (a, b) => (b.SnapshotCreateTime?.getTime() ?? Infinity) - (a.SnapshotCreateTime?.getTime() ?? Infinity),
  );
}
