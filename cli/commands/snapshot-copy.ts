/**
 * `skyline snapshot copy <snapshot-id> --to <region>`: copy a snapshot from --region (default: the
 * primary) to another region of the environment, encrypted with that region's KMS key.
 */
import type { Context } from "../core/context";
import { NotFoundError, UsageError } from "../core/errors";
import { executePlan } from "../core/plan";
import {
  destinationKmsKey,
  readSnapshot,
  snapshotLabel,
  startCopy,
  waitSnapshotAvailable,
} from "../core/snapshots";

export interface SnapshotCopyOptions {
  readonly to: string;
  /** @default false */
  readonly wait?: boolean;
}

/** An RDS snapshot identifier (automated ones start with `rds:`): checked before anything is sent. */
const SNAPSHOT_ID = /^(rds:)?[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/;

export async function run(ctx: Context, options: SnapshotCopyOptions, snapshotId: string): Promise<void> {
  if (snapshotId.length > 255 || !SNAPSHOT_ID.test(snapshotId)) {
    throw new UsageError(
      `<snapshot-id> ${snapshotId.length > 60 ? `${snapshotId.slice(0, 60)}…` : snapshotId} is not an RDS snapshot identifier ` +
        "(up to 255 letters, digits and single hyphens, starting with a letter; `rds:` for automated ones): " +
        "copy one from `skyline snapshot list`.",
    );
  }
  const region = ctx.region();
  if (options.to === region)
    throw new UsageError(`--to ${region} is the snapshot's own region; pick another.`);
  const kmsKeyId = destinationKmsKey(ctx, options.to, "--to");
  const snapshot = await readSnapshot(ctx, region, snapshotId);
  if (!snapshot) {
    throw new NotFoundError(
      `${snapshotLabel(snapshotId, region)} was not found: list them with \`skyline snapshot list --region ${region}\`.`,
      snapshotLabel(snapshotId, region),
      region,
    );
  }
  const existing = await readSnapshot(ctx, options.to, snapshotId);
  const plan = {
    command: "snapshot copy",
    action: `Copy snapshot ${snapshotId} from ${region} to ${options.to}`,
    region: options.to,
    target: snapshotId,
    noop:
      existing && existing.Status !== "failed"
        ? `${snapshotLabel(snapshotId, options.to)} already exists (${existing.Status})`
        : undefined,
    check: snapshotLabel(snapshotId, options.to),
    impact: [
      `A new encrypted snapshot in ${options.to} (KMS key ${kmsKeyId}); cross-region transfer is billed.`,
    ],
    checks: [
      { name: "source available", ok: snapshot.Status === "available", detail: `status ${snapshot.Status}` },
      {
        name: `no failed snapshot of that name in ${options.to}`,
        ok: existing?.Status !== "failed",
        detail: existing ? `exists (${existing.Status})` : "none",
      },
    ],
    steps: [
      `CopyDBSnapshot ${snapshotId} to ${options.to} with KMS key ${kmsKeyId}`,
      ...(options.wait ? ["wait until the copy is available"] : []),
    ],
  };
  await executePlan(ctx, plan, async () => {
    await startCopy(ctx, { region, snapshot }, { region: options.to, kmsKeyId });
    if (!options.wait) {
      return {
        lines: [`Copy of ${snapshotId} to ${options.to} started.`],
        data: { snapshot: snapshotId, region: options.to, kmsKeyId, status: "creating" },
      };
    }
    await waitSnapshotAvailable(ctx, options.to, snapshotId);
    return {
      lines: [`${snapshotLabel(snapshotId, options.to)} is available.`],
      data: { snapshot: snapshotId, region: options.to, kmsKeyId, status: "available" },
    };
  });
}
