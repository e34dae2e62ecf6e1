/**
 * What an environment's config allows, read from its synthesized Terraform JSON by the names the ops
 * manifest gives: task and pod sizes, min/max counts, scaling targets, node groups, database classes
 * and storage, the proxy's share of connections, cache nodes and the web ACLs' rate limits. The
 * capacity model (model.ts) is pure arithmetic over these values.
 */
import type { OpsManifest, RegionManifest } from "../../manifest/schema";
import { cacheNodeMemoryGiB, gp3BaselineIops, instanceSize, maxPods } from "../aws-facts";
import {
  kubernetesCpu,
  kubernetesMemoryMiB,
  num,
  PlanningInputError,
  type SynthResource,
} from "../terraform";

/** API pods or tasks, or queue workers. */
export interface ComputeTier {
  /** ECS tasks on Fargate, or EKS pods (on nodes, or on Fargate). */
  readonly kind: "ecs" | "eks";
  /** Runs on Fargate (billed per task or pod) rather than on the cluster's nodes. */
  readonly fargate: boolean;
  /** vCPU a unit is guaranteed: the task's CPU, or the pod's CPU request. */
  readonly vcpuPerUnit: number;
  readonly memoryMiBPerUnit: number;
  readonly minUnits: number;
  readonly maxUnits: number;
  /** Target of the CPU scaling policy (ECS) or the HPA's CPU utilization (EKS), percent. */
  readonly cpuTargetPercent?: number;
  /** ECS only: ALBRequestCountPerTarget target, requests per task per minute. */
  readonly requestsPerTargetPerMinute?: number;
  /** Config field that sets maxUnits, e.g. `service.maxTasks`. */
  readonly maxField: string;
  /** What a unit is called: tasks or pods. */
  readonly unitName: "tasks" | "pods";
}

export interface NodeGroupTier {
  readonly instanceType: string;
  readonly vcpuPerNode: number;
  readonly memoryGiBPerNode: number;
  readonly maxPodsPerNode: number;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly maxField: "eks.nodeMaxSize";
}

export interface DatabaseInstance {
  readonly id: string;
  readonly role: "writer" | "reader" | "cross-region-replica";
  readonly instanceClass: string;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** gp3 storage of the instance (a replica has its source's). */
  readonly allocatedGiB: number;
  readonly iops: number;
}

export interface RegionInputs {
  readonly region: string;
  readonly role: "primary" | "secondary";
  readonly api: ComputeTier;
  readonly worker?: ComputeTier;
  readonly nodes?: NodeGroupTier;
  readonly database: {
    /** The writer; in a DR region, the cross-region replica that becomes the writer on failover. */
    readonly writer: DatabaseInstance;
    readonly readers: readonly DatabaseInstance[];
    /** The RDS Proxy pool's max_connections_percent, when the writer is behind a proxy. */
    readonly proxyMaxConnectionsPercent?: number;
  };
  readonly cache: {
    readonly nodeType: string;
    readonly memoryGiBPerNode: number;
    readonly shards: number;
    readonly replicasPerShard: number;
    readonly clusterMode: boolean;
  };
}

export interface EnvironmentInputs {
  readonly app: string;
  readonly environment: string;
  readonly tier: "production" | "non-production";
  /** e.g. `stacks/config/environments/production.ts`. */
  readonly configFile: string;
  readonly primaryRegion: string;
  /** Primary first, then DR regions in failover order. */
  readonly regions: readonly RegionInputs[];
  readonly edge: {
    /** A CloudFront distribution fronts the API. */
    readonly cloudFront: boolean;
    /** The CloudFront web ACL's rate limit per client IP per 5 minutes. */
    readonly cdnRateLimitPer5Min?: number;
  };
}

type Attrs = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Attrs => (v && typeof v === "object" && !Array.isArray(v) ? (v as Attrs) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The `aws_x.key` a `${aws_x.key.attr}` reference points at. */
function referenced(value: unknown): string | undefined {
  return typeof value === "string" ? /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\./.exec(value)?.[1] : undefined;
}

class Lookup {
  constructor(
    readonly all: readonly SynthResource[],
    readonly region: string,
  ) {}

  inRegion(type: string): SynthResource[] {
    return this.all.filter((r) => r.type === type && (r.region ?? r.stackRegion) === this.region);
  }

  one(type: string, what: string, match: (attrs: Attrs) => boolean): SynthResource {
    const found = this.inRegion(type).filter((r) => match(r.attrs));
    if (found.length !== 1) {
      throw new PlanningInputError(
        `Expected one ${type} for ${what} in ${this.region}, found ${found.length}: the manifest and the stacks disagree; re-run \`npm run synth\`.`,
      );
    }
    return found[0];
  }
}

function lookupSize(name: string, field: string): { vcpu: number; memoryGiB: number } {
  const size = instanceSize(name);
  if (!size) {
    throw new PlanningInputError(
      `${field} "${name}": its vCPU and memory are unknown to planning/aws-facts.ts; add its family there.`,
    );
  }
  return size;
}

function ecsTier(look: Lookup, resourceId: string, family: string, maxField: string): ComputeTier {
  const target = look.one(
    "aws_appautoscaling_target",
    `scaling target ${resourceId}`,
    (a) => a.resource_id === resourceId,
  );
  const task = look.one("aws_ecs_task_definition", `task family ${family}`, (a) => a.family === family);
  const policies = look
    .inRegion("aws_appautoscaling_policy")
    .filter((p) => referenced(p.attrs.resource_id) === target.address)
    .map((p) => obj(p.attrs.target_tracking_scaling_policy_configuration));
  const byMetric = (metric: string) =>
    num(
      policies.find((c) => obj(c.predefined_metric_specification).predefined_metric_type === metric)
        ?.target_value,
    );
  // Blue/green deployments scale on the two target groups' RequestCountPerTarget added up
  // (constructs/fargate-service): the same requests per task per minute as the predefined metric.
  const byRequestMath = num(
    policies.find((c) =>
      list(obj(c.customized_metric_specification).metrics).some(
        (m) => obj(obj(obj(m).metric_stat).metric).metric_name === "RequestCountPerTarget",
      ),
    )?.target_value,
  );
  return {
    kind: "ecs",
    fargate: true,
    vcpuPerUnit: (num(task.attrs.cpu) ?? 0) / 1024,
    memoryMiBPerUnit: num(task.attrs.memory) ?? 0,
    minUnits: num(target.attrs.min_capacity) ?? 0,
    maxUnits: num(target.attrs.max_capacity) ?? 0,
    cpuTargetPercent: byMetric("ECSServiceAverageCPUUtilization"),
    requestsPerTargetPerMinute: byMetric("ALBRequestCountPerTarget") ?? byRequestMath,
    maxField,
    unitName: "tasks",
  };
}

function eksTier(
  look: Lookup,
  deployment: string,
  bounds: { min: number; max: number; cpuTargetPercent?: number },
  fargate: boolean,
  maxField: string,
): ComputeTier {
  const found = look.one(
    "kubernetes_deployment_v1",
    `Deployment ${deployment}`,
    (a) => obj(a.metadata).name === deployment,
  );
  const container = obj(list(obj(obj(obj(found.attrs.spec).template).spec).container)[0]);
  const requests = obj(obj(container.resources).requests);
  const vcpu = kubernetesCpu(requests.cpu);
  if (vcpu === undefined) {
    throw new PlanningInputError(
      `Deployment ${deployment} in ${look.region} has no CPU request to plan with.`,
    );
  }
  return {
    kind: "eks",
    fargate,
    vcpuPerUnit: vcpu,
    memoryMiBPerUnit: kubernetesMemoryMiB(requests.memory) ?? 0,
    minUnits: bounds.min,
    maxUnits: bounds.max,
    cpuTargetPercent: bounds.cpuTargetPercent,
    maxField,
    unitName: "pods",
  };
}

function hpaBounds(look: Lookup, name: string) {
  const hpa = look.one(
    "kubernetes_horizontal_pod_autoscaler_v2",
    `HPA ${name}`,
    (a) => obj(a.metadata).name === name,
  );
  const spec = obj(hpa.attrs.spec);
  const cpu = list(spec.metric)
    .map(obj)
    .find((m) => obj(m.resource).name === "cpu");
  return {
    min: num(spec.min_replicas) ?? 1,
    max: num(spec.max_replicas) ?? 1,
    cpuTargetPercent: num(obj(obj(cpu?.resource).target).average_utilization),
  };
}

function databaseInstance(
  look: Lookup,
  all: readonly SynthResource[],
  instance: { id: string; role: DatabaseInstance["role"]; sourceId?: string },
): DatabaseInstance {
  const db = look.one("aws_db_instance", `database ${instance.id}`, (a) => a.identifier === instance.id);
  const instanceClass = String(db.attrs.instance_class ?? "");
  const size = lookupSize(instanceClass, "database.instanceClass");
  // A replica has its source's storage (the source may be in the primary region's stack).
  const source =
    num(db.attrs.allocated_storage) === undefined && instance.sourceId
      ? all.find((r) => r.type === "aws_db_instance" && r.attrs.identifier === instance.sourceId)
      : undefined;
  const storage = source?.attrs ?? db.attrs;
  const allocatedGiB = num(storage.allocated_storage) ?? 0;
  return {
    id: instance.id,
    role: instance.role,
    instanceClass,
    vcpu: size.vcpu,
    memoryGiB: size.memoryGiB,
    allocatedGiB,
    iops: num(storage.iops) ?? gp3BaselineIops(allocatedGiB),
  };
}

function regionInputs(
  manifest: OpsManifest,
  name: string,
  entry: RegionManifest,
  all: readonly SynthResource[],
): RegionInputs {
  const look = new Lookup(all, name);
  const fields = manifest.configFields;
  const fargateProfile = look.inRegion("aws_eks_fargate_profile").length > 0;

  let api: ComputeTier;
  if (entry.service?.autoscaling) {
    api = ecsTier(
      look,
      entry.service.autoscaling.resourceId,
      entry.service.taskFamily,
      fields.serviceMaxTasks,
    );
  } else if (entry.kubernetes) {
    const k = entry.kubernetes;
    api = eksTier(
      look,
      k.deployment,
      hpaBounds(look, k.horizontalPodAutoscaler),
      fargateProfile,
      fields.serviceMaxTasks,
    );
  } else {
    throw new PlanningInputError(
      `${name}: the manifest names no autoscaled API service or Kubernetes workload.`,
    );
  }

  let worker: ComputeTier | undefined;
  const workers = entry.queue?.workers;
  if (workers?.kind === "ecs") {
    worker = ecsTier(look, workers.autoscaling.resourceId, workers.taskFamily, "queue.worker.maxTasks");
  } else if (workers?.kind === "eks") {
    worker = eksTier(
      look,
      workers.deployment,
      { min: workers.minReplicas, max: workers.maxReplicas },
      fargateProfile,
      "queue.worker.maxTasks",
    );
  }

  let nodes: NodeGroupTier | undefined;
  const groups = look.inRegion("aws_eks_node_group");
  if (groups.length > 0) {
    const group = groups[0].attrs;
    const instanceType = String(list(group.instance_types)[0] ?? "");
    const size = lookupSize(instanceType, "eks.nodeInstanceTypes");
    const scaling = obj(group.scaling_config);
    nodes = {
      instanceType,
      vcpuPerNode: size.vcpu,
      memoryGiBPerNode: size.memoryGiB,
      maxPodsPerNode: maxPods(instanceType) ?? 29,
      minNodes: num(scaling.min_size) ?? 0,
      maxNodes: num(scaling.max_size) ?? 0,
      maxField: "eks.nodeMaxSize",
    };
  }

  const database = entry.database;
  if (!database) throw new PlanningInputError(`${name}: the manifest names no database.`);
  const writerEntry =
    database.instances.find((i) => i.role === "writer") ??
    database.instances.find((i) => i.role === "cross-region-replica");
  if (!writerEntry) throw new PlanningInputError(`${name}: the manifest names no writer or replica.`);
  // A replica's storage is its source's, which may live in the primary region's stack.
  const sourceOf = (i: typeof writerEntry) =>
    i.role === "writer" ? undefined : i.role === "reader" ? writerEntry.id : i.sourceId;
  const writer = databaseInstance(look, all, { ...writerEntry, sourceId: sourceOf(writerEntry) });
  const readers = database.instances
    .filter((i) => i.role === "reader")
    .map((i) => databaseInstance(look, all, { ...i, sourceId: writer.id }));
  let proxyMaxConnectionsPercent: number | undefined;
  if (database.proxy) {
    const proxyName = database.proxy.name;
    const proxy = look.one("aws_db_proxy", `proxy ${proxyName}`, (a) => a.name === proxyName);
    const pool = look
      .inRegion("aws_db_proxy_default_target_group")
      .find((g) => referenced(g.attrs.db_proxy_name) === proxy.address);
    proxyMaxConnectionsPercent = num(obj(pool?.attrs.connection_pool_config).max_connections_percent) ?? 100;
  }

  const cacheEntry = entry.cache;
  if (!cacheEntry) throw new PlanningInputError(`${name}: the manifest names no cache.`);
  const group = look.one(
    "aws_elasticache_replication_group",
    `cache ${cacheEntry.replicationGroupId}`,
    (a) => a.replication_group_id === cacheEntry.replicationGroupId,
  ).attrs;
  // A Global Datastore secondary inherits the primary's node type: the manifest names it.
  const nodeType = typeof group.node_type === "string" ? group.node_type : cacheEntry.nodeType;
  const memoryGiBPerNode = cacheNodeMemoryGiB(nodeType);
  if (memoryGiBPerNode === undefined) {
    throw new PlanningInputError(
      `cache.nodeType "${nodeType}": its memory is unknown to planning/aws-facts.ts.`,
    );
  }
  const clusterMode = num(group.num_node_groups) !== undefined;
  const shards = num(group.num_node_groups) ?? 1;
  const replicasPerShard = clusterMode
    ? (num(group.replicas_per_node_group) ?? 0)
    : Math.max(0, (num(group.num_cache_clusters) ?? 1) - 1);

  return {
    region: name,
    role: entry.role,
    api,
    ...(worker ? { worker } : {}),
    ...(nodes ? { nodes } : {}),
    database: {
      writer,
      readers,
      ...(proxyMaxConnectionsPercent !== undefined ? { proxyMaxConnectionsPercent } : {}),
    },
    cache: { nodeType, memoryGiBPerNode, shards, replicasPerShard, clusterMode },
  };
}

/** The rate limit of a web ACL's rate-based rule, from its synthesized rule JSON. */
function rateLimit(acl: SynthResource): number | undefined {
  try {
    const rules = JSON.parse(String(acl.attrs.rule_json ?? "[]")) as {
      Statement?: { RateBasedStatement?: { Limit?: number } };
    }[];
    return rules.map((r) => r.Statement?.RateBasedStatement?.Limit).find((l) => l !== undefined);
  } catch {
    return undefined;
  }
}

/** The environment's capacity inputs from its manifest and synthesized resources. */
export function capacityInputs(
  manifest: OpsManifest,
  resources: readonly SynthResource[],
): EnvironmentInputs {
  const order = manifest.global?.failoverOrder ?? [manifest.primaryRegion];
  const names = [
    manifest.primaryRegion,
    ...order.filter((r) => r !== manifest.primaryRegion),
    ...Object.keys(manifest.regions).filter((r) => r !== manifest.primaryRegion && !order.includes(r)),
  ];
  const globalStack = manifest.global?.stack;
  const cdnAcl = resources.find((r) => r.stack === globalStack && r.type === "aws_wafv2_web_acl");
  return {
    app: manifest.app,
    environment: manifest.environment,
    tier: manifest.tier,
    configFile: manifest.configFields.file,
    primaryRegion: manifest.primaryRegion,
    regions: names.map((name) => regionInputs(manifest, name, manifest.regions[name], resources)),
    edge: {
      cloudFront: resources.some((r) => r.type === "aws_cloudfront_distribution"),
      ...(cdnAcl && rateLimit(cdnAcl) !== undefined ? { cdnRateLimitPer5Min: rateLimit(cdnAcl) } : {}),
    },
  };
}
