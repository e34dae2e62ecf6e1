/**
 * `skyline failover cache`: without --to, ElastiCache TestFailover of the first shard of --region's
 * replication group (a replica becomes primary). With --to <region>, Global Datastore failover that
 * makes <region>'s replication group the global primary.
 */
import {
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
  TestFailoverCommand,
  type GlobalReplicationGroup,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import type { Context } from "../core/context";
import { FailedError, NotFoundError, UsageError } from "../core/errors";
import { executePlan } from "../core/plan";
import { tookEffect, waitForChangeThenSettle, type WaitSpec } from "../core/waiter";

export interface FailoverCacheOptions {
  readonly to?: string;
}

function cacheOf(ctx: Context, region: string, flag: string) {
  const cache = ctx.regionManifest(region, flag).cache;
  if (!cache)
    throw new UsageError(`${flag} ${region} has no cache in the manifest; choose a region with one.`);
  return cache;
}

async function describeGroup(ctx: Context, region: string, id: string): Promise<ReplicationGroup> {
  const response = await ctx.send(
    `cache ${id} (${region})`,
    ctx.clients.elastiCache(region),
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
  );
  const group = response.ReplicationGroups?.[0];
  if (!group)
    throw new NotFoundError(
      `cache ${id} (${region}) was not found: check the manifest matches what is deployed.`,
      `cache ${id} (${region})`,
      region,
    );
  return group;
}

function primaryNode(group: ReplicationGroup): string | undefined {
  return group.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === "primary")?.CacheClusterId;
}

async function describeGlobal(ctx: Context, region: string, id: string): Promise<GlobalReplicationGroup> {
  const response = await ctx.send(
    `global datastore ${id}`,
    ctx.clients.elastiCache(region),
    new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id, ShowMemberInfo: true }),
  );
  const group = response.GlobalReplicationGroups?.[0];
  if (!group)
    throw new NotFoundError(
      `global datastore ${id} was not found: check the manifest matches what is deployed.`,
      `global datastore ${id}`,
      region,
    );
  return group;
}

function globalPrimaryRegion(group: GlobalReplicationGroup): string | undefined {
  return group.Members?.find((m) => m.Role === "PRIMARY")?.ReplicationGroupRegion;
}

export async function run(ctx: Context, options: FailoverCacheOptions): Promise<void> {
  if (options.to) return globalFailover(ctx, options.to);
  const region = ctx.region();
  const cache = cacheOf(ctx, region, "--region");
  const id = cache.replicationGroupId;
  const group = await describeGroup(ctx, region, id);
  const nodeGroup = group.NodeGroups?.[0];
  const replicas = (nodeGroup?.NodeGroupMembers ?? []).filter((m) => m.CurrentRole === "replica").length;
  const fromNode = primaryNode(group);
  const plan = {
    command: "failover cache",
    action: `Test failover of cache ${id} shard ${nodeGroup?.NodeGroupId ?? "?"}: promote a replica`,
    region,
    target: id,
    check: `cache ${id} (${region})`,
    impact: ["Writes to the cache fail for a few seconds to a minute while a replica is promoted."],
    checks: [
      { name: "cache available", ok: group.Status === "available", detail: `status ${group.Status}` },
      {
        name: "automatic failover enabled with a replica",
        ok: group.AutomaticFailover === "enabled" && replicas > 0,
        detail: `automatic failover ${group.AutomaticFailover ?? "unknown"}, ${replicas} replicas`,
      },
    ],
    steps: [
      `TestFailover ${id} node group ${nodeGroup?.NodeGroupId ?? "?"}`,
      "wait for the change, then available",
      "verify the primary node changed",
    ],
  };
  await executePlan(ctx, plan, async () => {
    const wait: WaitSpec<ReplicationGroup> = {
      resource: `cache ${id} (${region})`,
      read: () => describeGroup(ctx, region, id),
      describe: (g) => `${g.Status}, primary ${primaryNode(g) ?? "none"}`,
      changed: (g) => g.Status !== "available" || primaryNode(g) !== fromNode,
      settled: (g) => g.Status === "available" && primaryNode(g) !== undefined,
      settledText: "available with a primary",
      pollMs: 5_000,
      timeoutMs: 20 * 60_000,
    };
    await ctx.send(
      `cache ${id} (${region})`,
      ctx.clients.elastiCache(region),
      new TestFailoverCommand({ ReplicationGroupId: id, NodeGroupId: nodeGroup?.NodeGroupId ?? "0001" }),
      { tookEffect: tookEffect(wait) },
    );
    const { state } = await waitForChangeThenSettle(wait, ctx.waitClock());
    const toNode = primaryNode(state);
    if (toNode === fromNode) {
      throw new FailedError(
        `cache ${id} (${region}) still has primary ${fromNode}: the failover did not happen.`,
      );
    }
    return {
      lines: [`cache ${id}: primary moved from ${fromNode} to ${toNode}.`],
      data: { cache: id, region, fromNode, toNode },
    };
  });
}

async function globalFailover(ctx: Context, to: string): Promise<void> {
  const manifest = ctx.manifest();
  const target = cacheOf(ctx, to, "--to");
  const globalId = target.globalDatastoreId;
  if (!globalId) {
    throw new UsageError(
      `The cache in ${to} is not part of a Global Datastore (no globalDatastoreId); omit --to for an in-region failover.`,
    );
  }
  const global = await describeGlobal(ctx, to, globalId);
  const from = globalPrimaryRegion(global);
  const plan = {
    command: "failover cache",
    action: `Make ${target.replicationGroupId} in ${to} the primary of Global Datastore ${globalId}`,
    region: to,
    target: globalId,
    noop: from === to ? `${to} already is the primary of Global Datastore ${globalId}` : undefined,
    check: `global datastore ${globalId} (primary region)`,
    impact: [
      `Cache writes move from ${from ?? "?"} to ${to}; writes fail for about a minute; recent writes may be lost.`,
    ],
    checks: [
      {
        name: "global datastore available",
        ok: global.Status === "available",
        detail: `status ${global.Status}`,
      },
      {
        name: `${to} is a member`,
        ok: (global.Members ?? []).some((m) => m.ReplicationGroupRegion === to),
        detail:
          (global.Members ?? []).map((m) => `${m.ReplicationGroupRegion}:${m.Role}`).join(", ") ||
          "no members",
      },
    ],
    steps: [
      `FailoverGlobalReplicationGroup ${globalId} PrimaryRegion=${to}`,
      `wait until ${to} is PRIMARY and available`,
    ],
  };
  await executePlan(ctx, plan, async () => {
    const wait: WaitSpec<GlobalReplicationGroup> = {
      resource: `global datastore ${globalId}`,
      read: () => describeGlobal(ctx, to, globalId),
      describe: (g) => `${g.Status}, primary ${globalPrimaryRegion(g) ?? "none"}`,
      changed: (g) => g.Status !== "available" || globalPrimaryRegion(g) === to,
      settled: (g) => g.Status === "available" && globalPrimaryRegion(g) === to,
      settledText: `available with ${to} primary`,
      pollMs: 10_000,
      timeoutMs: 30 * 60_000,
    };
    await ctx.send(
      `global datastore ${globalId}`,
      ctx.clients.elastiCache(to),
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: globalId,
        PrimaryRegion: to,
        PrimaryReplicationGroupId: target.replicationGroupId,
      }),
      { tookEffect: tookEffect(wait) },
    );
    await waitForChangeThenSettle(wait, ctx.waitClock());
    return {
      lines: [
        `Global Datastore ${globalId}: primary is now ${to} (was ${from}).`,
        `Make the config match: ${manifest.configFields.file} → ${manifest.configFields.primaryRegion}.`,
      ],
      data: { globalDatastore: globalId, fromRegion: from ?? null, toRegion: to },
    };
  });
}
