/**
 * `skyline scale cache`: change the replica count (--replicas) or node type (--node-type) of
 * --region's replication group (default: the primary), applied immediately.
 */
import {
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import type { Context } from "../core/context";
import { NotFoundError, UsageError } from "../core/errors";
import { driftNotice, executePlan } from "../core/plan";
import { tookEffect, waitForChangeThenSettle, type WaitSpec } from "../core/waiter";

export interface ScaleCacheOptions {
  readonly replicas?: number;
  readonly nodeType?: string;
}

function replicaCount(group: ReplicationGroup): number {
  return (group.NodeGroups?.[0]?.NodeGroupMembers ?? []).filter((m) => m.CurrentRole === "replica").length;
}

export async function run(ctx: Context, options: ScaleCacheOptions): Promise<void> {
  if ((options.replicas === undefined) === (options.nodeType === undefined)) {
    throw new UsageError("Pass exactly one of --replicas <n> or --node-type <type>.");
  }
  if (options.nodeType !== undefined && !/^cache\.[a-z0-9-]{1,30}\.[a-z0-9]{1,20}$/.test(options.nodeType)) {
    throw new UsageError(
      `--node-type ${options.nodeType} is not a cache node type; use one like cache.r7g.large.`,
    );
  }
  const region = ctx.region();
  const cache = ctx.regionManifest(region, "--region").cache;
  if (!cache) throw new UsageError(`The manifest has no cache in ${region}; pick another --region.`);
  const id = cache.replicationGroupId;
  const label = `cache ${id} (${region})`;
  const describe = async () => {
    const response = await ctx.send(
      label,
      ctx.clients.elastiCache(region),
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    const group = response.ReplicationGroups?.[0];
    if (!group)
      throw new NotFoundError(
        `${label} was not found: check the manifest matches what is deployed.`,
        label,
        region,
      );
    return group;
  };
  const before = await describe();
  const fields = ctx.manifest().configFields;
  const byReplicas = options.replicas !== undefined;
  const currentReplicas = replicaCount(before);
  const matches = (g: ReplicationGroup) =>
    byReplicas ? replicaCount(g) === options.replicas : g.CacheNodeType === options.nodeType;
  const plan = {
    command: "scale cache",
    action: byReplicas
      ? `Change ${id} from ${currentReplicas} to ${options.replicas} replicas`
      : `Change ${id} node type from ${before.CacheNodeType} to ${options.nodeType}`,
    region,
    target: id,
    check: label,
    noop: matches(before)
      ? `${id} already has ${byReplicas ? `${currentReplicas} replicas` : `node type ${before.CacheNodeType}`}`
      : undefined,
    impact: [
      byReplicas
        ? "Replicas are added or removed online; reads shift between nodes."
        : "Nodes are replaced one by one; expect brief connection resets.",
    ],
    checks: [
      { name: "cache available", ok: before.Status === "available", detail: `status ${before.Status}` },
      ...(byReplicas && options.replicas === 0 && before.AutomaticFailover === "enabled"
        ? [
            {
              name: "automatic failover needs a replica",
              ok: false,
              detail: "0 replicas with automatic failover enabled",
            },
          ]
        : []),
    ],
    steps: [
      byReplicas
        ? `${(options.replicas as number) > currentReplicas ? "IncreaseReplicaCount" : "DecreaseReplicaCount"} ${id} NewReplicaCount=${options.replicas}`
        : `ModifyReplicationGroup ${id} CacheNodeType=${options.nodeType} ApplyImmediately=true`,
      "wait for modifying, then available",
    ],
    notices: [driftNotice(ctx, byReplicas ? fields.cacheNumReplicas : fields.cacheNodeType)],
  };
  await executePlan(ctx, plan, async () => {
    const client = ctx.clients.elastiCache(region);
    const wait: WaitSpec<ReplicationGroup> = {
      resource: label,
      read: describe,
      describe: (g) => `${g.Status}, ${replicaCount(g)} replicas, ${g.CacheNodeType}`,
      changed: (g) => g.Status !== "available" || matches(g),
      settled: (g) => g.Status === "available" && matches(g),
      settledText: byReplicas
        ? `available with ${options.replicas} replicas`
        : `available as ${options.nodeType}`,
      pollMs: 15_000,
      timeoutMs: 90 * 60_000,
    };
    const sendOptions = { tookEffect: tookEffect(wait) };
    const input = { ReplicationGroupId: id, NewReplicaCount: options.replicas, ApplyImmediately: true };
    if (!byReplicas) {
      await ctx.send(
        label,
        client,
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: id,
          CacheNodeType: options.nodeType,
          ApplyImmediately: true,
        }),
        sendOptions,
      );
    } else if ((options.replicas as number) > currentReplicas) {
      await ctx.send(label, client, new IncreaseReplicaCountCommand(input), sendOptions);
    } else {
      await ctx.send(label, client, new DecreaseReplicaCountCommand(input), sendOptions);
    }
    const { state } = await waitForChangeThenSettle(wait, ctx.waitClock());
    return {
      lines: [`${id} is available: ${replicaCount(state)} replicas, ${state.CacheNodeType}.`],
      data: { cache: id, region, replicas: replicaCount(state), nodeType: state.CacheNodeType },
    };
  });
}
