/**
 * The mutating pieces of a regional failover, each one call (or a short sequence) followed by its
 * wait: scale a service, roll it, promote, tag, rename and re-seed a database, move the cache,
 * promote or re-link the shared secrets. Every call goes through ctx.send (retry policy, journal);
 * every wait through waitForChangeThenSettle. No call goes to a region the caller did not choose.
 */
import { RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  DisassociateGlobalReplicationGroupCommand,
  FailoverGlobalReplicationGroupCommand,
} from "@aws-sdk/client-elasticache";
import { DescribeTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
} from "@aws-sdk/client-rds";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  StopReplicationToReplicaCommand,
} from "@aws-sdk/client-secrets-manager";
import type { OpsManifest, ServiceManifest } from "../../../manifest/schema";
import type { Context } from "../context";
import { dbLabel } from "../database";
import { FailedError } from "../errors";
import { tookEffect, waitForChangeThenSettle } from "../waiter";
import {
  readCache,
  readDb,
  readService,
  WRITER_SINCE_TAG,
  type DbState,
  type ServiceState,
} from "./region-state";

const serviceLabel = (s: ServiceManifest, region: string) => `ECS service ${s.service} (${region})`;

/**
 * Sets the service's autoscaling range and desired count, optionally rolling its tasks, and waits
 * until one deployment runs `desired` tasks (COMPLETED). With `desired` 0 this fences the region.
 */
export async function scaleService(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
  size: { min: number; max: number; desired: number; roll: boolean },
): Promise<ServiceState> {
  const service = manifest.regions[region].service!;
  const label = serviceLabel(service, region);
  if (service.autoscaling) {
    await ctx.send(
      `autoscaling target of ${service.service} (${region})`,
      ctx.clients.autoScaling(region),
      new RegisterScalableTargetCommand({
        ServiceNamespace: "ecs",
        ResourceId: service.autoscaling.resourceId,
        ScalableDimension: service.autoscaling.scalableDimension,
        MinCapacity: size.min,
        MaxCapacity: size.max,
      }),
    );
  }
  const startedAt = ctx.rt.now();
  const read = async () => (await readService(ctx, manifest, region))!;
  await ctx.send(
    label,
    ctx.clients.ecs(region),
    new UpdateServiceCommand({
      cluster: service.cluster,
      service: service.service,
      desiredCount: size.desired,
      ...(size.roll ? { forceNewDeployment: true } : {}),
    }),
    {
      tookEffect: tookEffect({
        read,
        changed: (s) =>
          s.desired === size.desired &&
          (!size.roll || s.deployments.some((d) => (d.createdAt ?? 0) >= startedAt - 1000)),
      }),
    },
  );
  const { state } = await waitForChangeThenSettle<ServiceState>(
    {
      resource: label,
      read,
      describe: (s) =>
        `${s.running}/${s.desired} running, ${s.deployments.length} deployment(s)` +
        (s.deployments[0]?.rolloutState ? `, ${s.deployments[0].rolloutState}` : ""),
      changed: (s) => s.desired === size.desired,
      settled: (s) =>
        s.running === size.desired &&
        s.deployments.length === 1 &&
        (size.desired === 0 || s.deployments[0].rolloutState === "COMPLETED"),
      settledText: size.desired === 0 ? "no tasks running" : `${size.desired} tasks running, one deployment`,
      pollMs: 10_000,
      timeoutMs: 20 * 60_000,
    },
    ctx.waitClock(),
  );
  return state;
}

/** The task definition's DB_HOST: what the API in `region` connects to for writes. */
export async function serviceDbHost(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
  taskDefinition: string,
): Promise<string | undefined> {
  const service = manifest.regions[region].service!;
  const response = await ctx.send(
    `task definition ${taskDefinition} (${region})`,
    ctx.clients.ecs(region),
    new DescribeTaskDefinitionCommand({ taskDefinition }),
  );
  const container = response.taskDefinition?.containerDefinitions?.find(
    (c) => c.name === service.containerName,
  );
  return container?.environment?.find((e) => e.name === "DB_HOST")?.value;
}

/**
 * Promotes the replica (unless a promotion is already under way: never sent twice), waits until
 * it is available and standalone, and tags it `skyline:writer-since`.
 */
export async function promoteAndTag(ctx: Context, region: string, before: DbState): Promise<DbState> {
  const label = dbLabel(before.id, region);
  const rds = ctx.clients.rds(region);
  const read = async () => (await readDb(ctx, region, before.id))!;
  const standalone = (s: DbState) => s.replicaOf === undefined;
  let current = before;
  if (current.status !== "available") {
    // Busy (a promotion a killed run started, or another change): wait, then look again.
    ({ state: current } = await waitForChangeThenSettle<DbState>(
      {
        resource: label,
        read,
        describe: (s) => `${s.status}${standalone(s) ? ", standalone" : ", still a replica"}`,
        changed: () => true,
        settled: (s) => s.status === "available",
        settledText: "available",
        pollMs: 15_000,
        timeoutMs: 30 * 60_000,
      },
      ctx.waitClock(),
    ));
  }
  if (current.replicaOf) {
    await ctx.send(label, rds, new PromoteReadReplicaCommand({ DBInstanceIdentifier: before.id }), {
      tookEffect: tookEffect({ read, changed: (s) => s.status !== "available" || standalone(s) }),
    });
  }
  const { state } = await waitForChangeThenSettle<DbState>(
    {
      resource: label,
      read,
      describe: (s) => `${s.status}${standalone(s) ? ", standalone" : ", still a replica"}`,
      changed: (s) => s.status !== "available" || standalone(s),
      settled: (s) => s.status === "available" && standalone(s),
      settledText: "available and standalone",
      pollMs: 15_000,
      timeoutMs: 30 * 60_000,
    },
    ctx.waitClock(),
  );
  if (!state.arn)
    throw new FailedError(`${label} has no ARN in its description; cannot tag it as the writer.`);
  const since = new Date(ctx.rt.now()).toISOString();
  await ctx.send(
    label,
    rds,
    new AddTagsToResourceCommand({
      ResourceName: state.arn,
      Tags: [{ Key: WRITER_SINCE_TAG, Value: since }],
    }),
  );
  return { ...state, writerSince: since };
}

/** Renames a DB instance (ApplyImmediately) and waits until the new name is available. */
export async function renameInstance(ctx: Context, region: string, from: string, to: string): Promise<void> {
  await ctx.send(
    dbLabel(from, region),
    ctx.clients.rds(region),
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: from,
      NewDBInstanceIdentifier: to,
      ApplyImmediately: true,
    }),
    { tookEffect: async () => (await readDb(ctx, region, to)) !== null },
  );
  await waitForChangeThenSettle<DbState | null>(
    {
      resource: dbLabel(to, region),
      read: () => readDb(ctx, region, to),
      describe: (s) => (s ? s.status : "not there yet"),
      changed: (s) => s !== null,
      settled: (s) => s?.status === "available",
      settledText: "available under its new name",
      pollMs: 15_000,
      timeoutMs: 30 * 60_000,
    },
    ctx.waitClock(),
  );
}

/**
 * Creates `id` in `region` as a cross-region replica of `sourceArn`, with the network, parameter
 * group and IAM authentication of `like` (the instance it replaces) and the region's own KMS key.
 * Waits for it to start (`creating`), and to be available and replicating when `waitAvailable`.
 */
export async function createReplica(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
  args: { id: string; sourceArn: string; like: DbState; waitAvailable: boolean },
): Promise<DbState> {
  const database = manifest.regions[region].database!;
  const like = args.like.instance;
  const label = dbLabel(args.id, region);
  await ctx.send(
    label,
    ctx.clients.rds(region),
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: args.id,
      // The SDK signs the presigned URL for the source region from the ARN (no call goes there).
      SourceDBInstanceIdentifier: args.sourceArn,
      KmsKeyId: database.kmsKeyAlias,
      DBInstanceClass: like.DBInstanceClass,
      DBSubnetGroupName: like.DBSubnetGroup?.DBSubnetGroupName,
      VpcSecurityGroupIds: (like.VpcSecurityGroups ?? []).flatMap((g) =>
        g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [],
      ),
      DBParameterGroupName: like.DBParameterGroups?.[0]?.DBParameterGroupName,
      EnableIAMDatabaseAuthentication: database.iamAuthentication,
      MultiAZ: like.MultiAZ,
      CopyTagsToSnapshot: true,
      DeletionProtection: like.DeletionProtection,
    }),
    { tookEffect: async () => (await readDb(ctx, region, args.id)) !== null },
  );
  const { state } = await waitForChangeThenSettle<DbState | null>(
    {
      resource: label,
      read: () => readDb(ctx, region, args.id),
      describe: (s) => (s ? `${s.status}${s.replicaOf ? ", replica" : ""}` : "not there yet"),
      changed: (s) => s !== null,
      settled: (s) =>
        s !== null && (!args.waitAvailable || (s.status === "available" && s.replicaOf !== undefined)),
      settledText: args.waitAvailable ? "available and replicating" : "created",
      pollMs: 30_000,
      timeoutMs: 6 * 60 * 60_000,
    },
    ctx.waitClock(),
  );
  return state!;
}

/** Makes `region`'s cache the Global Datastore primary (source reachable) or detaches it (source down). */
export async function moveCache(
  ctx: Context,
  manifest: OpsManifest,
  region: string,
  how: "failover" | "detach",
): Promise<void> {
  const cache = manifest.regions[region].cache!;
  const globalId = cache.globalDatastoreId!;
  const label = `cache ${cache.replicationGroupId} (${region})`;
  const read = async () => (await readCache(ctx, manifest, region))!;
  const client = ctx.clients.elastiCache(region);
  if (how === "failover") {
    await ctx.send(
      label,
      client,
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: globalId,
        PrimaryRegion: region,
        PrimaryReplicationGroupId: cache.replicationGroupId,
      }),
      { tookEffect: tookEffect({ read, changed: (s) => s.role === "PRIMARY" || s.status !== "available" }) },
    );
  } else {
    await ctx.send(
      label,
      client,
      new DisassociateGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: globalId,
        ReplicationGroupId: cache.replicationGroupId,
        ReplicationGroupRegion: region,
      }),
      {
        tookEffect: tookEffect({
          read,
          changed: (s) => s.globalId === undefined || s.status !== "available",
        }),
      },
    );
  }
  await waitForChangeThenSettle(
    {
      resource: label,
      read,
      describe: (s) => `${s.status}${s.globalId ? `, ${s.role} of ${s.globalId}` : ", standalone"}`,
      changed: (s) =>
        (how === "failover" ? s.role === "PRIMARY" : s.globalId === undefined) || s.status !== "available",
      settled: (s) =>
        s.status === "available" && (how === "failover" ? s.role === "PRIMARY" : s.globalId === undefined),
      settledText:
        how === "failover" ? "available as the Global Datastore primary" : "available and standalone",
      pollMs: 15_000,
      timeoutMs: 30 * 60_000,
    },
    ctx.waitClock(),
  );
}

/** Where a secret replica's primary is, as seen from `region` (undefined: it is its own primary). */
export async function secretPrimaryRegion(
  ctx: Context,
  region: string,
  name: string,
): Promise<string | undefined> {
  const response = await ctx.send(
    `secret ${name} (${region})`,
    ctx.clients.secretsManager(region),
    new DescribeSecretCommand({ SecretId: name }),
  );
  return response.PrimaryRegion && response.PrimaryRegion !== region ? response.PrimaryRegion : undefined;
}

/** Promotes this region's replica of `name` to a standalone secret (StopReplicationToReplica). */
export async function promoteSecret(ctx: Context, region: string, name: string): Promise<void> {
  const label = `secret ${name} (${region})`;
  const read = async () => secretPrimaryRegion(ctx, region, name);
  await ctx.send(
    label,
    ctx.clients.secretsManager(region),
    new StopReplicationToReplicaCommand({ SecretId: name }),
    {
      tookEffect: async () => (await read()) === undefined,
    },
  );
  await waitForChangeThenSettle(
    {
      resource: label,
      read,
      describe: (p) => (p ? `replica of ${p}` : "standalone"),
      changed: (p) => p === undefined,
      settled: (p) => p === undefined,
      settledText: "standalone",
      pollMs: 5_000,
      timeoutMs: 10 * 60_000,
    },
    ctx.waitClock(),
  );
}

/**
 * Makes `owner`'s secret the primary of `replicaRegion`'s copy again after a failover promoted it:
 * copies a value changed in the promoted copy back first, then replicates over it.
 */
export async function relinkSecret(
  ctx: Context,
  owner: string,
  replicaRegion: string,
  name: string,
): Promise<{ valueCopied: boolean }> {
  const get = async (region: string) =>
    (
      await ctx.send(
        `secret ${name} (${region})`,
        ctx.clients.secretsManager(region),
        new GetSecretValueCommand({ SecretId: name }),
      )
    ).SecretString;
  const [ownerValue, replicaValue] = [await get(owner), await get(replicaRegion)];
  const valueCopied = replicaValue !== undefined && replicaValue !== ownerValue;
  if (valueCopied) {
    await ctx.send(
      `secret ${name} (${owner})`,
      ctx.clients.secretsManager(owner),
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: replicaValue,
        // The same token on every retry: Secrets Manager stores the value once (32-64 characters).
        ClientRequestToken: ctx.clientToken(`secret-${name}`).padEnd(32, "0"),
      }),
    );
  }
  await ctx.send(
    `secret ${name} (${owner})`,
    ctx.clients.secretsManager(owner),
    new ReplicateSecretToRegionsCommand({
      SecretId: name,
      AddReplicaRegions: [{ Region: replicaRegion }],
      ForceOverwriteReplicaSecret: true,
    }),
    { tookEffect: async () => (await secretPrimaryRegion(ctx, replicaRegion, name)) === owner },
  );
  await waitForChangeThenSettle(
    {
      resource: `secret ${name} (${replicaRegion})`,
      read: () => secretPrimaryRegion(ctx, replicaRegion, name),
      describe: (p) => (p ? `replica of ${p}` : "standalone"),
      changed: (p) => p === owner,
      settled: (p) => p === owner,
      settledText: `a replica of ${owner}`,
      pollMs: 5_000,
      timeoutMs: 10 * 60_000,
    },
    ctx.waitClock(),
  );
  return { valueCopied };
}
