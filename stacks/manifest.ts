import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MANIFEST_SCHEMA_VERSION,
  parseManifest,
  type OpsManifest,
} from "../constructs/runbooks/manifest-schema";
import { KUBERNETES_WORKLOAD_DEFAULTS } from "../constructs/kubernetes-workload/workload-defaults";
import type { EnvironmentStacks } from "./app";
import { regionInfo } from "./config/regions";
import type { EnvironmentConfig } from "./config/schema";
import { apiServiceAccountName, eksClusterName } from "./eks-names";
import type { RegionalStack } from "./regional-stack";
import { SERVICE_TARGETS } from "./targets";

/**
 * The ops manifest of one environment, built from the constructs themselves (the names they gave
 * their resources), so it cannot disagree with the synthesized JSON. Validated against the schema
 * the CLI uses before it is written.
 */
export function buildManifest(env: EnvironmentStacks): OpsManifest {
  const { config, global } = env;
  const regions = Object.fromEntries(env.regional.map((stack) => [stack.region, regionEntry(stack)]));
  const manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    app: config.app,
    environment: config.environment,
    primaryRegion: config.primaryRegion,
    targets: { ...SERVICE_TARGETS },
    regions,
    global: {
      stack: global.node.id,
      hostedZoneName: global.dns.zoneName,
      apiRecordName: global.dns.apiRecordName,
      healthChecks: Object.fromEntries(
        global.dns.healthChecks.map((c) => [c.region, { name: c.name, resourcePath: c.resourcePath }]),
      ),
      distributionComment: global.cdn.comment,
      ...(global.registry ? { ecrRepository: global.registry.repositoryName } : {}),
    },
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
    },
  };
  return parseManifest(manifest, `the ${config.environment} manifest built at synth`);
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
            autoscaling: {
              resourceId: service.autoscalingResourceId,
              scalableDimension: "ecs:service:DesiredCount",
              minCapacity: config.service.minTasks,
              maxCapacity: config.service.maxTasks,
            },
          },
        }
      : { kubernetes: kubernetesEntry(config, stack.region) }),
    loadBalancer: { name: loadBalancer.albName, targetGroups: [loadBalancer.targetGroupName] },
    backup: { vaultName: backup.vaultName, ...(backup.planName ? { planName: backup.planName } : {}) },
    alarms: { regionUnhealthy, names: monitoring.alarmNames.filter((n) => n !== regionUnhealthy) },
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
