/**
 * Read-only helpers for the RDS instances named in the manifest, shared by snapshot, failover,
 * scale and status.
 */
import { DescribeDBInstancesCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { DatabaseInstanceManifest, OpsManifest } from "../../manifest/schema";
import type { Context } from "./context";
import { NotFoundError, UsageError } from "./errors";

export type InstanceRole = DatabaseInstanceManifest["role"];

export function dbLabel(id: string, region: string): string {
  return `database ${id} (${region})`;
}

/** The manifest's instance of `role` in `region`, or a UsageError naming what exists. */
export function instanceByRole(
  manifest: OpsManifest,
  region: string,
  role: InstanceRole,
): DatabaseInstanceManifest {
  const database = manifest.regions[region]?.database;
  if (!database) throw new UsageError(`The manifest has no database in ${region}; pick another --region.`);
  const instance = database.instances.find((i) => i.role === role);
  if (!instance) {
    const roles = database.instances.map((i) => i.role).join(", ");
    throw new UsageError(
      `No ${role} database instance in ${region} (it has: ${roles}); pass --role with one of those.`,
    );
  }
  return instance;
}

export async function describeInstance(ctx: Context, region: string, id: string): Promise<DBInstance> {
  const response = await ctx.send(
    dbLabel(id, region),
    ctx.clients.rds(region),
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
  );
  const instance = response.DBInstances?.[0];
  if (!instance) {
    throw new NotFoundError(
      `${dbLabel(id, region)} was not found: check that the manifest matches what is deployed.`,
      dbLabel(id, region),
      region,
    );
  }
  return instance;
}

/** Pending modifications as `Field=value` strings (empty when there are none). */
export function pendingModifications(instance: DBInstance): string[] {
  return Object.entries(instance.PendingModifiedValues ?? {})
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
}

export function isReplica(instance: DBInstance): boolean {
  return Boolean(instance.ReadReplicaSourceDBInstanceIdentifier);
}
