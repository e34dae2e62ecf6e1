/**
 * Snapshot naming, tagging and waiting. Names are deterministic and sort by time:
 * `<instance-id>-<yyyymmdd>-<hhmmss>` (UTC). The created-by tag is what `snapshot prune` trusts:
 * it never touches a snapshot without it.
 */
import {
  CopyDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  type DBSnapshot,
  type Tag,
} from "@aws-sdk/client-rds";
import type { OpsManifest } from "../../manifest/schema";
import { awsErrorName } from "./aws-errors";
import type { Context } from "./context";
import { FailedError, UsageError } from "./errors";
import { waitForChangeThenSettle } from "./waiter";

export const CREATED_BY_KEY = "skyline:created-by";
export const CREATED_BY_VALUE = "skyline-cli";

export function snapshotName(instanceId: string, nowMs: number): string {
  const iso = new Date(nowMs).toISOString(); // 2025-01-15T03:00:00.000Z
  return `${instanceId}-${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

export function snapshotTags(manifest: OpsManifest, instanceId: string, reason: string): Tag[] {
  return [
    { Key: CREATED_BY_KEY, Value: CREATED_BY_VALUE },
    { Key: "skyline:app", Value: manifest.app },
    { Key: "skyline:environment", Value: manifest.environment },
    { Key: "skyline:source-instance", Value: instanceId },
    { Key: "skyline:reason", Value: reason },
  ];
}

export function createdBySkyline(snapshot: DBSnapshot): boolean {
  return (snapshot.TagList ?? []).some((t) => t.Key === CREATED_BY_KEY && t.Value === CREATED_BY_VALUE);
}

export function snapshotLabel(id: string, region: string): string {
  return `snapshot ${id} (${region})`;
}

/** The snapshot, or undefined when RDS does not (or no longer) know it. */
export async function readSnapshot(
  ctx: Context,
  region: string,
  id: string,
): Promise<DBSnapshot | undefined> {
  try {
    const response = await ctx.send(
      snapshotLabel(id, region),
      ctx.clients.rds(region),
      new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }),
    );
    return response.DBSnapshots?.[0];
  } catch (error) {
    if (/DBSnapshotNotFound/.test((error as { awsName?: string }).awsName ?? awsErrorName(error)))
      return undefined;
    throw error;
  }
}

/** Waits until the snapshot exists and then until it is available. */
export async function waitSnapshotAvailable(ctx: Context, region: string, id: string): Promise<DBSnapshot> {
  const { state } = await waitForChangeThenSettle<DBSnapshot | undefined>(
    {
      resource: snapshotLabel(id, region),
      read: () => readSnapshot(ctx, region, id),
      describe: (s) => (s ? `${s.Status} ${s.PercentProgress ?? 0}%` : "not visible yet"),
      changed: (s) => s !== undefined,
      settled: (s) => s?.Status === "available",
      settledText: "available",
      pollMs: 15_000,
      timeoutMs: 4 * 60 * 60_000,
    },
    ctx.waitClock(),
  );
  return state as DBSnapshot;
}

/** The destination region's KMS alias from the manifest, or a UsageError naming --copy-to/--to. */
export function destinationKmsKey(ctx: Context, region: string, flag: string): string {
  const entry = ctx.regionManifest(region, flag);
  if (!entry.database) {
    throw new UsageError(
      `${flag} ${region} has no database (and so no KMS key) in the manifest; choose another region.`,
    );
  }
  return entry.database.kmsKeyAlias;
}

/** Starts a cross-region copy, encrypted with the destination's key; returns the copy's id. */
export async function startCopy(
  ctx: Context,
  source: { region: string; snapshot: DBSnapshot },
  destination: { region: string; kmsKeyId: string },
): Promise<string> {
  const id = source.snapshot.DBSnapshotIdentifier as string;
  // A cross-region copy names its source by ARN; the SDK derives the source region from it and
  // signs the pre-signed URL RDS needs.
  const arn = source.snapshot.DBSnapshotArn;
  if (!arn)
    throw new FailedError(`${snapshotLabel(id, source.region)} has no ARN in the describe result; retry.`);
  await ctx.send(
    snapshotLabel(id, destination.region),
    ctx.clients.rds(destination.region),
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: arn,
      TargetDBSnapshotIdentifier: id,
      KmsKeyId: destination.kmsKeyId,
      CopyTags: true,
    }),
    { tookEffect: async () => (await readSnapshot(ctx, destination.region, id)) !== undefined },
  );
  return id;
}
