/**
 * `skyline snapshot create`: a manual snapshot of the database of --role in --region (default: the
 * writer in the primary region), named `<instance>-<yyyymmdd>-<hhmmss>` and tagged as created by
 * skyline. `--copy-to <region>` also copies it there with that region's KMS key (implies waiting
 * for the source snapshot, since RDS only copies available snapshots).
 */
import { CreateDBSnapshotCommand } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import { dbLabel, describeInstance, instanceByRole, type InstanceRole } from "../core/database";
import { UsageError } from "../core/errors";
import { executePlan } from "../core/plan";
import {
  destinationKmsKey,
  readSnapshot,
  snapshotLabel,
  snapshotName,
  snapshotTags,
  startCopy,
  waitSnapshotAvailable,
} from "../core/snapshots";

export interface SnapshotCreateOptions {
  /** @default "writer" */
  readonly role?: InstanceRole;
  readonly copyTo?: string;
  /** @default false */
  readonly wait?: boolean;
  /** @default "manual" */
  readonly reason?: string;
}

/** RDS tag values: at most 256 characters of letters, digits, spaces and `_ . : / = + - @`. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

export async function run(ctx: Context, options: SnapshotCreateOptions): Promise<void> {
  const reason = options.reason ?? "manual";
  if (!TAG_VALUE.test(reason)) {
    throw new UsageError(
      `--reason must be 1 to 256 letters, digits, spaces or _ . : / = + - @ (it becomes an RDS tag value); got ${reason.length} characters.`,
    );
  }
  const manifest = ctx.manifest();
  const region = ctx.region();
  const instance = instanceByRole(manifest, region, options.role ?? "writer");
  if (options.copyTo === region)
    throw new UsageError(`--copy-to ${region} is the snapshot's own region; pick another.`);
  const kmsKeyId = options.copyTo ? destinationKmsKey(ctx, options.copyTo, "--copy-to") : undefined;
  const name = snapshotName(instance.id, ctx.rt.now());
  const state = await describeInstance(ctx, region, instance.id);
  const waitForSource = Boolean(options.wait || options.copyTo);

  const plan = {
    command: "snapshot create",
    action: `Create manual snapshot ${name} of ${instance.id}${options.copyTo ? ` and copy it to ${options.copyTo}` : ""}`,
    region,
    target: instance.id,
    check: `${snapshotLabel(name, region)}${options.copyTo ? ` and its copy in ${options.copyTo}` : ""}`,
    impact: [
      "No downtime (single-AZ instances pause I/O briefly while the snapshot starts).",
      `Manual snapshots are kept until deleted (\`skyline snapshot prune\`)${options.copyTo ? `; the copy is encrypted with ${kmsKeyId} in ${options.copyTo}` : ""}.`,
    ],
    checks: [
      {
        name: "instance available",
        ok: state.DBInstanceStatus === "available",
        detail: `status ${state.DBInstanceStatus}`,
      },
    ],
    steps: [
      `CreateDBSnapshot ${name} (tags: skyline:created-by=skyline-cli, reason=${options.reason ?? "manual"})`,
      ...(waitForSource ? ["wait until it is available"] : []),
      ...(options.copyTo ? [`CopyDBSnapshot to ${options.copyTo} with KMS key ${kmsKeyId}`] : []),
      ...(options.copyTo && options.wait ? ["wait until the copy is available"] : []),
    ],
  };

  await executePlan(ctx, plan, async () => {
    await ctx.send(
      dbLabel(instance.id, region),
      ctx.clients.rds(region),
      new CreateDBSnapshotCommand({
        DBSnapshotIdentifier: name,
        DBInstanceIdentifier: instance.id,
        Tags: snapshotTags(manifest, instance.id, options.reason ?? "manual"),
      }),
      { tookEffect: async () => (await readSnapshot(ctx, region, name)) !== undefined },
    );
    const lines = [`Snapshot ${name} started in ${region}.`];
    const data: Record<string, unknown> = {
      snapshot: name,
      region,
      instance: instance.id,
      status: "creating",
    };
    if (!waitForSource) return { lines, data };
    const snapshot = await waitSnapshotAvailable(ctx, region, name);
    lines.push(`${snapshotLabel(name, region)} is available (${snapshot.AllocatedStorage ?? "?"} GiB).`);
    data.status = "available";
    if (options.copyTo && kmsKeyId) {
      await startCopy(ctx, { region, snapshot }, { region: options.copyTo, kmsKeyId });
      data.copy = { region: options.copyTo, kmsKeyId, status: "creating" };
      lines.push(`Copy to ${options.copyTo} started (KMS key ${kmsKeyId}).`);
      if (options.wait) {
        await waitSnapshotAvailable(ctx, options.copyTo, name);
        data.copy = { region: options.copyTo, kmsKeyId, status: "available" };
        lines.push(`${snapshotLabel(name, options.copyTo)} is available.`);
      }
    }
    return { lines, data };
  });
}
