import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_SCHEMA_VERSION, parseManifest, type OpsManifest } from "./schema";
import { KUBERNETES_WORKLOAD_DEFAULTS } from "../constructs/kubernetes-workload/workload-defaults";
import type { EnvironmentStacks } from "../stacks/app";
import { regionInfo } from "../stacks/config/regions";
import type { EnvironmentConfig } from "../stacks/config/schema";
import { apiServiceAccountName, eksClusterName, workerName } from "../stacks/eks-names";
import { resolveDeployment } from "../stacks/config/deployment-schema";
import { resolveQueue } from "../stacks/config/queue-schema";
import { resolveLoadTargets } from "../stacks/config/targets-schema";
import { submissionQueue } from "../stacks/naming";
import { standbyMinTasks, type RegionalStack } from "../stacks/regional-stack";
import { FAILOVER_BUDGET_MINUTES, SERVICE_TARGETS } from "../stacks/targets";
import { TRAFFIC_SWITCH_METRIC } from "../constructs/dns-failover/failover-names";
import type { GlobalStack } from "../stacks/global-stack";
import type { SkylineStack } from "../stacks/skyline-stack";

/**
 * The ops manifest of one environment, built from the constructs themselves (the names they gave
 * their resources), so it cannot disagree with the synthesized JSON. Validated against the schema
 * the CLI uses before it is written.
 */
export function buildManifest(env: EnvironmentStacks): OpsManifest {
  const { config, global } = env;
  const regions = Object.fromEntries(env.regional.map((stack) => [stack.region, regionEntry(stack)]));
  const primary = env.regional.find((s) => s.isPrimary)!;
  const manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    app: config.app,
    environment: config.environment,
    accountId: config.accountIds[0],
    tier: config.tier,
    primaryRegion: config.primaryRegion,
    targets: {
      ...SERVICE_TARGETS,
      failoverBudgetMinutes: { ...FAILOVER_BUDGET_MINUTES },
      load: resolveLoadTargets(config),
    },
    regions,
    global: globalEntry(global),
    stateBackend: {
      bucket: env.state.bucketName,
      region: config.stateBackend.region,
      ...(env.state.replicaLocation ? { replica: { ...env.state.replicaLocation } } : {}),
      stacks: Object.fromEntries(
        remoteStateStacks(env).map((stack) => [stack.node.id, stack.stateKey as string]),
      ),
    },
    secrets: { ownerRegion: config.primaryRegion, replicated: [...primary.replicatedSecretNames] },
    configFields: {
      file: `stacks/config/environments/${config.environment}.ts`,
      primaryRegion: "primaryRegion",
      // Autoscaling (or the HPA) owns the desired count between min and max; the config sets the floor.
      ...(config.compute === "eks"
        ? {
            serviceMinTasks: "eks.minReplicas",
            serviceMaxTasks: "eks.maxReplicas",
            serviceDesiredTasks: "eks.minReplicas",
          }
        : {
            serviceMinTasks: "service.minTasks",
            serviceMaxTasks: "service.maxTasks",
            serviceDesiredTasks: "service.minTasks",
          }),
      databaseInstanceClass: "database.instanceClass",
      cacheNumReplicas: "cache.replicasPerShard",
      cacheNodeType: "cache.nodeType",
      ...(config.queue.enabled
        ? { queueWorkerMinTasks: "queue.worker.minTasks", queueWorkerMaxTasks: "queue.worker.maxTasks" }
        : {}),
    },
  };
  return parseManifest(manifest, `the ${config.environment} manifest built at synth`);
}

/** Every stack whose state is in the bucket (all but the state stack), in deploy order. */
function remoteStateStacks(env: EnvironmentStacks): SkylineStack[] {
  return [
    ...env.regional,
    ...(env.eks ?? []),
    ...(env.eksAddons ?? []),
    ...(env.kubernetes ?? []),
    env.global,
  ].filter((s) => s.stateKey !== undefined);
}

function globalEntry(global: GlobalStack) {
  const checks = global.dns.healthChecks;
  const switched = checks.filter((c) => c.trafficSwitch);
  return {
    stack: global.node.id,
    hostedZoneName: global.dns.zoneName,
    apiRecordName: global.dns.apiRecordName,
    publicHostname: global.cdn.domainName,
    failoverOrder: checks.map((c) => c.region),
    healthChecks: Object.fromEntries(
      checks.map((c) => [c.region, { name: c.name, resourcePath: c.resourcePath }]),
    ),
    ...(switched.length > 0
      ? {
          trafficSwitch: {
            namespace: TRAFFIC_SWITCH_METRIC.namespace,
            metricName: TRAFFIC_SWITCH_METRIC.metricName,
            dimension: TRAFFIC_SWITCH_METRIC.dimension,
            regions: Object.fromEntries(
              switched.map((c) => [
                c.region,
                {
                  alarmName: c.trafficSwitch!.alarmName,
                  dimensionValue: c.trafficSwitch!.dimensionValue,
                  hostRegions: [...c.trafficSwitch!.hostRegions],
                },
              ]),
            ),
          },
        }
      : {}),
    distributionComment: global.cdn.comment,
    ...(global.registry ? { ecrRepository: global.registry.repositoryName } : {}),
  };
}

function regionEntry(stack: RegionalStack) {
  const { dataTier, service, loadBalancer, monitoring, backup, config } = stack;
  const { database, cache } = dataTier;
  const regionUnhealthy = monitoring.regionUnhealthyAlarmName;
  return {
    role: stack.isPrimary ? "primary" : "secondary",
    regionCode: regionInfo(stack.region).code,
    stack: stack.node.id,
    database: {
      engine: "postgres",
      multiAz: dataTier.settings.database.multiAz,
      instances: database.instances.map((i) =>
        i.role === "cross-region-replica"
          ? { ...i, sourceRegion: config.primaryRegion, sourceId: `${stack.primaryNamePrefix}-db` }
          : i.role === "reader"
            ? { ...i, sourceId: database.identifier }
            : { ...i },
      ),
      ...(database.proxy ? { proxy: { name: database.proxy.name } } : {}),
      kmsKeyAlias: `alias/${database.identifier}`,
      ...(dataTier.backupReplication
        ? {
            replicatedBackups: {
              sourceRegion: config.primaryRegion,
              sourceId: `${stack.primaryNamePrefix}-db`,
            },
          }
        : {}),
      iamAuthentication: database.iamAuthentication,
    },
    cache: {
      replicationGroupId: cache.replicationGroupId,
      engine: dataTier.settings.cache.engine,
      ...(dataTier.globalDatastoreId ? { globalDatastoreId: dataTier.globalDatastoreId } : {}),
      numReplicas: cache.replicasPerShard,
      nodeType: dataTier.settings.cache.nodeType,
    },
    ...(service
      ? {
          service: {
            cluster: service.clusterName,
            service: service.serviceName,
            containerName: service.containerName,
            taskFamily: service.taskFamily,
            autoscaling: {
              resourceId: service.autoscalingResourceId,
              scalableDimension: "ecs:service:DesiredCount",
              minCapacity: stack.isPrimary ? config.service.minTasks : standbyMinTasks(config),
              maxCapacity: config.service.maxTasks,
            },
            deployment: deploymentEntry(stack),
          },
        }
      : { kubernetes: kubernetesEntry(config, stack.region) }),
    ...(stack.queue ? { queue: queueEntry(stack) } : {}),
    loadBalancer: {
      name: loadBalancer.albName,
      targetGroups: [
        loadBalancer.targetGroupName,
        ...(loadBalancer.alternateTargetGroupName ? [loadBalancer.alternateTargetGroupName] : []),
      ],
    },
    backup: { vaultName: backup.vaultName, ...(backup.planName ? { planName: backup.planName } : {}) },
    alarms: {
      regionUnhealthy,
      names: monitoring.alarmNames.filter((n) => n !== regionUnhealthy),
      canServe: [...monitoring.canServeAlarmNames],
    },
  };
}

/** How the region's ECS service takes a release, with the alarms it watches (the service's own). */
function deploymentEntry(stack: RegionalStack) {
  const resolved = resolveDeployment(stack.config);
  const alarms = stack.service!.service.alarmsInput?.alarmNames ?? [];
  const gate = stack.service!.releaseGate;
  return {
    strategy: resolved.strategy,
    bakeTimeMinutes: resolved.bakeTimeMinutes,
    ...(resolved.canary ? { canary: resolved.canary } : {}),
    ...(resolved.linear ? { linear: resolved.linear } : {}),
    alarms: [...alarms],
    ...(stack.loadBalancer.alternateTargetGroupName
      ? { alternateTargetGroup: stack.loadBalancer.alternateTargetGroupName }
      : {}),
    ...(resolved.testListener
      ? {
          testListener: {
            port: resolved.testListener.port,
            allowedCidrs: [...resolved.testListener.allowedCidrs],
          },
        }
      : {}),
    ...(gate
      ? {
          releaseGate: {
            functionName: gate.functionName,
            lifecycleStage: gate.stage,
            verdictParameter: gate.verdictParameter,
            waitMinutes: gate.waitMinutes,
          },
        }
      : {}),
  };
}

/** The region's submission queue and its workers: the ECS service, or the Kubernetes stack's Deployment. */
function queueEntry(stack: RegionalStack) {
  const { config, region } = stack;
  const queue = stack.queue!;
  const settings = resolveQueue(config);
  const names = submissionQueue(config, region);
  const worker = stack.worker;
  return {
    name: queue.queueName,
    url: names.url,
    deadLetterQueue: {
      name: queue.deadLetterQueueName,
      url: `${names.url}-dlq`,
      arn: `${names.arn}-dlq`,
    },
    maxReceiveCount: queue.maxReceiveCount,
    visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
    backlogPerWorkerTarget: settings.backlogPerTaskTarget,
    workers: worker
      ? {
          kind: "ecs" as const,
          cluster: worker.clusterName,
          service: worker.serviceName,
          taskFamily: worker.serviceName,
          autoscaling: {
            resourceId: worker.autoscalingResourceId,
            scalableDimension: "ecs:service:DesiredCount" as const,
            minCapacity: settings.worker.minTasks,
            maxCapacity: settings.worker.maxTasks,
          },
        }
      : {
          kind: "eks" as const,
          cluster: eksClusterName(config, region),
          namespace: config.eks.namespace,
          deployment: workerName(config),
          scaledObject: workerName(config),
          minReplicas: settings.worker.minTasks,
          maxReplicas: settings.worker.maxTasks,
        },
  };
}

/** compute "eks": the names stacks/kubernetes-stack.ts gives the API's workload in this region. */
function kubernetesEntry(config: EnvironmentConfig, region: string) {
  const name = apiServiceAccountName(config);
  return {
    cluster: eksClusterName(config, region),
    namespace: config.eks.namespace,
    deployment: name,
    horizontalPodAutoscaler: name,
    minReplicas: config.eks.minReplicas ?? KUBERNETES_WORKLOAD_DEFAULTS.minReplicas,
    maxReplicas: config.eks.maxReplicas ?? KUBERNETES_WORKLOAD_DEFAULTS.maxReplicas,
  };
}

/** Writes `<outdir>/skyline/<env>/manifest.json`; returns its path. */
export function writeManifest(outdir: string, manifest: OpsManifest): string {
  const dir = join(outdir, "skyline", manifest.environment);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "manifest.json");
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}
