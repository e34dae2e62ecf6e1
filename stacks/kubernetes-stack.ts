import { DataAwsDbInstance } from "@cdktf/provider-aws/lib/data-aws-db-instance";
import { DataAwsDbProxy } from "@cdktf/provider-aws/lib/data-aws-db-proxy";
import { DataAwsElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/data-aws-elasticache-replication-group";
import { DataAwsLbTargetGroup } from "@cdktf/provider-aws/lib/data-aws-lb-target-group";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import type { Construct } from "constructs";
import { CACHE_PORT } from "../constructs/cache/cache";
import { POSTGRES_PORT } from "../constructs/database/database";
import { API_CONTAINER_DEFAULTS } from "../constructs/fargate-service/api-container-defaults";
import { KubernetesWorkload } from "../constructs/kubernetes-workload/kubernetes-workload";
import type { WorkloadSecrets } from "../constructs/kubernetes-workload/workload-secrets";
import { inRegionReadReplicas, resolveDataTier } from "./config/data-tier-schema";
import type { EnvironmentConfig } from "./config/schema";
import {
  apiPodRoleName,
  apiServiceAccountName,
  apiTargetGroupName,
  workerName,
  workerPodRoleName,
} from "./eks-names";
import { environmentPrefix, regionalPrefix, submissionQueue } from "./naming";
import { resolveQueue } from "./config/queue-schema";
import { QueueWorkerWorkload } from "../constructs/kubernetes-workload/queue-worker-workload";
import { regionalImageRepository } from "./regional-stack";
import { eksClusterAccess } from "./eks-lookups";
import { SkylineStack } from "./skyline-stack";

/** `<app>-<env>-<region>-k8s`: the API on EKS, applied after the cluster stack of its region. */
export function kubernetesStackName(config: EnvironmentConfig, region: string): string {
  return `${config.app}-${config.environment}-${region}-k8s`;
}

/**
 * The reference API on the region's EKS cluster (compute "eks"). The kubernetes provider reads the
 * existing cluster's endpoint and CA and gets a token from `aws eks get-token` at plan and apply
 * time. The data tier's endpoints are looked up by their deterministic names; secrets come through
 * the External Secrets operator (or a Secret managed outside Terraform), never through state. The
 * regional ALB reaches the pods through a TargetGroupBinding on its API target group (looked up by
 * name), which the AWS Load Balancer Controller keeps in step with the ready pods.
 */
export class KubernetesStack extends SkylineStack {
  readonly kubernetes: KubernetesProvider;
  readonly workload: KubernetesWorkload;
  /** The queue workers (queue tier on). */
  readonly worker?: QueueWorkerWorkload;

  constructor(scope: Construct, config: EnvironmentConfig, region: string) {
    super(scope, kubernetesStackName(config, region), { config, region });
    const prefix = regionalPrefix(config, region);
    const shared = environmentPrefix(config);
    const isPrimary = region === config.primaryRegion;
    const eks = config.eks;
    const settings = resolveDataTier(config);

    const access = eksClusterAccess(this, config, region);
    this.kubernetes = new KubernetesProvider(this, "kubernetes", { ...access, exec: [access.exec] });

    // Writer: the RDS Proxy in the primary region (it exists where the managed master secret
    // does); in a DR region the cross-region replica itself, which becomes the writer on failover.
    const db = new DataAwsDbInstance(this, "database", { dbInstanceIdentifier: `${prefix}-db` });
    const dbHost = isPrimary
      ? new DataAwsDbProxy(this, "database-proxy", { name: `${prefix}-db-proxy` }).endpoint
      : db.address;
    // Reads: every in-region replica with its own IAM login, as the ECS task (stacks/data-tier.ts);
    // where there is none, the writer's endpoint.
    const replicas = inRegionReadReplicas(config, region);
    const readsReplica = replicas > 0;
    const readerHost = readsReplica
      ? Array.from(
          { length: replicas },
          (_, i) =>
            new DataAwsDbInstance(this, `database-replica-${i + 1}`, {
              dbInstanceIdentifier: `${prefix}-db-replica-${i + 1}`,
            }).address,
        ).join(",")
      : dbHost;
    const cache = new DataAwsElasticacheReplicationGroup(this, "cache", {
      replicationGroupId: `${prefix}-cache`,
    });

    // The regional stack's target group (ip targets on the API port); the controller fills it.
    const targetGroup = new DataAwsLbTargetGroup(this, "api-target-group", {
      name: apiTargetGroupName(config, region),
    });

    const secretVariables: Record<string, { remoteKey: string; property?: string }> = {
      // The writer's RDS-managed master secret in the primary; its replicated copy elsewhere.
      DB_USER: isPrimary
        ? { remoteKey: db.masterUserSecret.get(0).secretArn, property: "username" }
        : { remoteKey: `${shared}-db-connection`, property: "username" },
      REDIS_AUTH_TOKEN: { remoteKey: `${shared}-cache-auth` },
      JWT_SECRET: { remoteKey: `${shared}-jwt` },
    };
    const secrets: WorkloadSecrets =
      eks.secretsSource === "external-secrets"
        ? { source: "external-secret", awsRegion: region, data: secretVariables }
        : {
            source: "kubernetes-secret",
            secretName: `${config.app}-api-secrets`,
            keys: Object.fromEntries(Object.keys(secretVariables).map((v) => [v, v])),
          };

    const dataEnvironment = {
      DB_HOST: dbHost,
      DB_PORT: String(POSTGRES_PORT),
      DB_NAME: settings.database.databaseName,
      DB_SSL: "require",
      DB_IAM_AUTH: "true",
      REDIS_HOST: settings.cache.clusterMode
        ? cache.configurationEndpointAddress
        : cache.primaryEndpointAddress,
      REDIS_PORT: String(CACHE_PORT),
      REDIS_TLS: "true",
      CACHE_TTL_SECONDS: String(settings.cache.ttlSeconds),
    };
    const { DB_HOST: _writer, ...afterWriter } = dataEnvironment;
    this.workload = new KubernetesWorkload(this, "api", {
      name: apiServiceAccountName(config),
      namespace: eks.namespace,
      image: { repository: regionalImageRepository(config.image.repository, region), tag: config.image.tag },
      serviceAccountRoleArn: `arn:aws:iam::${config.accountIds[0]}:role/${apiPodRoleName(config, region)}`,
      containerPort: config.service.containerPort,
      targetGroupArn: targetGroup.arn,
      replicas: eks.replicas ?? eks.minReplicas,
      minReplicas: eks.minReplicas,
      maxReplicas: eks.maxReplicas,
      // The same contract as the ECS task (stacks/data-tier.ts): endpoints, TLS and IAM auth.
      environment: {
        LOG_LEVEL: "info",
        AWS_REGION: region,
        ...(config.queue.enabled ? { QUEUE_URL: submissionQueue(config, region).url } : {}),
        // In the ECS task's order: the writer, then the readers, then the rest.
        DB_HOST: dataEnvironment.DB_HOST,
        DB_READER_HOST: readerHost,
        ...(readsReplica ? { DB_READER_USER: API_CONTAINER_DEFAULTS.readerDbUser } : {}),
        ...afterWriter,
      },
      secrets,
    });

    if (config.queue.enabled) {
      const queue = resolveQueue(config);
      // The workers read the database and cache secrets from the API's Secret (same namespace).
      const secretName =
        secrets.source === "external-secret"
          ? this.workload.externalSecrets!.targetSecretName
          : secrets.secretName;
      this.worker = new QueueWorkerWorkload(this, "worker", {
        name: workerName(config),
        namespace: this.workload.namespace.metadata.name,
        image: {
          repository: regionalImageRepository(config.image.repository, region),
          tag: config.image.tag,
        },
        serviceAccountRoleArn: `arn:aws:iam::${config.accountIds[0]}:role/${workerPodRoleName(config, region)}`,
        queueUrl: submissionQueue(config, region).url,
        awsRegion: region,
        backlogPerPodTarget: queue.backlogPerTaskTarget,
        minReplicas: queue.worker.minTasks,
        maxReplicas: queue.worker.maxTasks,
        environment: {
          LOG_LEVEL: "info",
          ...dataEnvironment,
          WORKER_BATCH_SIZE: String(queue.worker.batchSize),
          WORKER_VISIBILITY_TIMEOUT_SECONDS: String(queue.visibilityTimeoutSeconds),
          QUEUE_MAX_RECEIVES: String(queue.maxReceiveCount),
        },
        secretRefs: {
          DB_USER: { secretName, key: "DB_USER" },
          REDIS_AUTH_TOKEN: { secretName, key: "REDIS_AUTH_TOKEN" },
        },
      });
    }
  }
}
