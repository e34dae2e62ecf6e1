/**
 * `skyline snapshot copy <snapshot-id> --to <region>`: copy a snapshot from --region (default: the
 * primary) to another region of the environment, encrypted with that region's KMS key.
 */
import type { Context } from "../core/context";
import { UsageError } from "../core/errors";
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

export async function run(ctx: Context, options: SnapshotCopyOptions, snapshotId: string): Promise<void> {
  const region = ctx.region();
  if (options.to === region)
    throw new UsageError(`--to ${region} is the snapshot's own region; pick another.`);
  const kmsKeyId = destinationKmsKey(ctx, options.to, "--to");
  const snapshot = await readSnapshot(ctx, region, snapshotId);
  if (!snapshot) {
    throw new UsageError(
      `${snapshotLabel(snapshotId, region)} was not found: list them with \`skyline snapshot list --region ${region}\`.`,
    );
  }
  const existing = await readSnapshot(ctx, options.to, snapshotId);
  const plan = {
    command: "snapshot copy",
    action: `Copy snapshot ${snapshotId} from ${region} to ${options.to}`,
    region: options.to,
    target: snapshotId,
    impact: [
      `A new encrypted snapshot in ${options.to} (KMS key ${kmsKeyId}); cross-region transfer is billed.`,
    ],
    checks: [
      { name: "source available", ok: snapshot.Status === "available", detail: `status ${snapshot.Status}` },
      {
        name: `no snapshot of that name in ${options.to}`,
        ok: existing === undefined,
        detail: existing ? `already exists (${existing.Status})` : "none",
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
