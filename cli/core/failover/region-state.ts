/**
 * What a regional failover needs to know about each region, read from AWS (read-only calls, and
 * none to a region declared down): the database instance and whether it is a replica or the writer
 * (with the `skyline:writer-since` tag a promotion leaves), the API service, the cache's Global
 * Datastore role. `failover region` plans, and resumes, from this alone.
 */
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { OpsManifest } from "../../../manifest/schema";
import type { Context } from "../context";
import { dbLabel } from "../database";
import type { Outage } from "../outage";

/** Tag a promotion puts on the new writer (ISO time): which standalone instance is the writer. */
export const WRITER_SINCE_TAG = "skyline:writer-since";

export interface DbState {
  readonly id: string;
  readonly status: string;
  /** Source of a replica (identifier or ARN); undefined for a standalone instance. */
  readonly replicaOf?: string;
  readonly writerSince?: string;
  readonly arn?: string;
  readonly endpoint?: string;
  readonly instance: DBInstance;
}

export interface DeploymentState {
  readonly status: string;
  readonly rolloutState?: string;
  readonly createdAt?: number;
  readonly taskDefinition?: string;
}

export interface ServiceState {
  readonly status: string;
  readonly desired: number;
  readonly running: number;
  readonly deployments: readonly DeploymentState[];
  readonly taskDefinition?: string;
}

export interface CacheState {
  readonly id: string;
  readonly status: string;
  readonly globalId?: string;
  readonly role?: string;
}

export interface RegionState {
  readonly region: string;
  /** False when the region is declared down: nothing was read there. */
  readonly reachable: boolean;
  /** The region's writer or cross-region replica; null when AWS has no such instance. */
  readonly db?: DbState | null;
  readonly service?: ServiceState | null;
  readonly cache?: CacheState | null;
}

/** The region's instance that is (or can become) its writer: the writer or the cross-region replica. */
export function regionDbId(manifest: OpsManifest, region: string): string | undefined {
  return manifest.regions[region]?.database?.instances.find(
    (i) => i.role === "writer" || i.role === "cross-region-replica",
  )?.id;
}

function isNotFound(error: unknown): boolean {
  const e = error as { kind?: string; awsName?: string; name?: string };
  return e.kind === "not-found" || /NotFound/.test(e.awsName ?? e.name ?? "");
}

export async function readDb(ctx: Context, region: string, id: string): Promise<DbState | null> {
  let instance: DBInstance | undefined;
  try {
    const response = await ctx.send(
      dbLabel(id, region),
      ctx.clients.rds(region),
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
    );
    instance = response.DBInstances?.[0];
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (!instance) return null;
  return {
    id,
    status: instance.DBInstanceStatus ?? "unknown",
    replicaOf: instance.ReadReplicaSourceDBInstanceIdentifier || undefined,
    writerSince: instance.TagList?.find((t) => t.Key === WRITER_SINCE_TAG)?.Value,
    arn: instance.DBInstanceArn,
    endpoint: instance.Endpoint?.Address,
    instance,
  };
}

export async function readService(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
): Promise<ServiceState | null | undefined> {
  const service = manifest.regions[region].service;
  if (!service) return undefined;
  const response = await ctx.send(
    `ECS service ${service.service} (${region})`,
    ctx.clients.ecs(region),
    new DescribeServicesCommand({ cluster: service.cluster, services: [service.service] }),
  );
  const s = response.services?.[0];
  if (!s) return null;
  return {
    status: s.status ?? "UNKNOWN",
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    taskDefinition: s.taskDefinition,
    deployments: (s.deployments ?? []).map((d) => ({
      status: d.status ?? "UNKNOWN",
      rolloutState: d.rolloutState,
      createdAt: d.createdAt ? new Date(d.createdAt).getTime() : undefined,
      taskDefinition: d.taskDefinition,
    })),
  };
}

export async function readCache(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
): Promise<CacheState | null | undefined> {
  const id = manifest.regions[region].cache?.replicationGroupId;
  if (!id) return undefined;
  try {
    const response = await ctx.send(
      `cache ${id} (${region})`,
      ctx.clients.elastiCache(region),
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    const group = response.ReplicationGroups?.[0];
    if (!group) return null;
    return {
      id,
      status: group.Status ?? "unknown",
      globalId: group.GlobalReplicationGroupInfo?.GlobalReplicationGroupId,
      role: group.GlobalReplicationGroupInfo?.GlobalReplicationGroupMemberRole,
    };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export async function readRegion(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
  outage: Outage,
): Promise<RegionState> {
  if (!outage.reachable(region)) return { region, reachable: false };
  const id = regionDbId(manifest, region);
  const [db, service, cache] = await Promise.all([
    id ? readDb(ctx, region, id) : Promise.resolve(undefined),
    readService(ctx, manifest, region),
    readCache(ctx, manifest, region),
  ]);
  return { region, reachable: true, db, service, cache };
}

export async function readRegions(
  ctx: Context,
  manifest: OpsManifest,
  outage: Outage,
): Promise<Map<string, RegionState>> {
  const regions = Object.keys(manifest.regions);
  const states = await Promise.all(regions.map((r) => readRegion(ctx, manifest, r, outage)));
  return new Map(states.map((s) => [s.region, s]));
}

/**
 * The region that holds the writer: the standalone instance with the latest `writer-since` tag
 * (a promotion by skyline), else the config's primary. A declared-down region never is, unless
 * no reachable region holds a tagged writer (then the primary still is, from AWS's point of view).
 */
export function writerRegion(manifest: OpsManifest, states: ReadonlyMap<string, RegionState>): string {
  let best: { region: string; since: string } | undefined;
  for (const s of states.values()) {
    const db = s.db;
    if (!db || db.replicaOf || !db.writerSince) continue;
    if (!best || db.writerSince > best.since) best = { region: s.region, since: db.writerSince };
  }
  return best?.region ?? manifest.primaryRegion;
}
