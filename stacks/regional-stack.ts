import type { Construct } from "constructs";
import { Backup } from "../constructs/backup/backup";
import { Guardrails } from "../guardrails";
import { DEPLOYMENT_ALARM_KEYS, Monitoring } from "../constructs/monitoring/monitoring";
import { Certificate } from "../constructs/certificate/certificate";
import { originCertificateNames } from "../constructs/dns-failover/failover-names";
import { EncryptionKey } from "../constructs/encryption-key/encryption-key";
import { FargateService } from "../constructs/fargate-service/fargate-service";
import { sharedSecret } from "../constructs/generated-secret/shared-secret";
import { parseEcrRepository } from "../constructs/container-registry/ecr-uri";
import { LoadBalancer } from "../constructs/load-balancer/load-balancer";
import { Network } from "../constructs/network/network";
import { Queue } from "../constructs/queue/queue";
import type { QueueTarget } from "../constructs/monitoring/queue-alarms";
import { WorkerService } from "../constructs/worker-service/worker-service";
import { resolveDeployment } from "./config/deployment-schema";
import { resolveQueue } from "./config/queue-schema";
import { availabilityZones, regionInfo } from "./config/regions";
import { addDataTier, type DataTier } from "./data-tier";
import type { EnvironmentConfig } from "./config/schema";
import { apiServiceAccountName, eksClusterName, workerName } from "./eks-names";
import {
  environmentPrefix,
  environmentRegions,
  regionalPrefix,
  regionalStackName,
  submissionQueue,
  submissionQueueName,
} from "./naming";
import { SkylineStack } from "./skyline-stack";
import { SERVICE_TARGETS } from "./targets";

/**
 * One region of one environment: network, load balancer, data tier and, with compute "ecs", the API
 * service on ECS Fargate. With compute "eks" the API runs in the region's EKS cluster instead (the
 * cluster and Kubernetes stacks), registered in this stack's target group by the AWS Load Balancer
 * Controller; the cluster stack opens the ALB and the data tier to the pods. The primary region
 * also owns the secrets every region shares, replicated to the DR regions, so it is applied first.
 */
export class RegionalStack extends SkylineStack {
  readonly isPrimary: boolean;
  readonly namePrefix: string;
  /** Name prefix of the primary region, whose writer this region's replica follows. */
  readonly primaryNamePrefix: string;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  /** The API on ECS Fargate; absent with compute "eks" (the API runs in the EKS stacks). */
  readonly service?: FargateService;
  readonly secretsKey: EncryptionKey;
  readonly monitoring: Monitoring;
  readonly backup: Backup;
  readonly dataTier: DataTier;
  /** Asynchronous submissions: the region's queue (absent when `queue.enabled` is false). */
  readonly queue?: Queue;
  /** The queue workers on ECS (compute "ecs" with the queue on). */
  readonly worker?: WorkerService;
  /** Secrets every region shares: created here in the primary and replicated to the DR regions. */
  readonly replicatedSecretNames: readonly string[];

  constructor(scope: Construct, config: EnvironmentConfig, region: string) {
    super(scope, regionalStackName(config, region), { config, region });
    const production = config.tier === "production";
    this.isPrimary = region === config.primaryRegion;
    this.namePrefix = regionalPrefix(config, region);
    this.primaryNamePrefix = regionalPrefix(config, config.primaryRegion);
    const name = this.namePrefix;
    const shared = environmentPrefix(config);
    const regionNet = config.regions[region];

    this.network = new Network(this, "network", {
      name,
      region,
      cidr: regionNet.vpcCidr,
      availabilityZones: availabilityZones(region, regionNet.azCount),
      regionAzLetters: regionInfo(region).azLetters,
      natGatewayPerAz: config.network.natGatewayPerAz ?? production,
      interfaceEndpoints: config.network.interfaceEndpoints,
      flowLogRetentionDays: config.network.flowLogRetentionDays ?? (production ? 365 : 90),
    });

    this.secretsKey = new EncryptionKey(this, "secrets-key", {
      name: `${name}-secrets`,
      description: `Secrets Manager encryption for ${name}`,
    });
    const environmentSecret = (id: string, secretName: string, description: string) =>
      sharedSecret(this, id, {
        name: secretName,
        description,
        owner: this.isPrimary,
        kmsKeyArn: this.secretsKey.arn,
        replicaRegions: config.drRegions,
      });

    const behindCloudFront = config.edge.behindCloudFront;
    const originSecret = behindCloudFront
      ? environmentSecret(
          "origin-verify",
          `${shared}-origin-verify`,
          "Header value CloudFront sends and the ALBs require",
        )
      : undefined;
    const jwtSecret = environmentSecret(
      "jwt",
      `${shared}-jwt`,
      "HS256 key the API signs and verifies tokens with",
    );

    const regionOrder = environmentRegions(config);
    const certificate = new Certificate(this, "certificate", {
      // CloudFront checks the certificate against the origin name it connects to.
      ...originCertificateNames(
        config.domainName,
        regionOrder.map((r) => regionInfo(r).code),
        regionOrder.indexOf(region),
      ),
      hostedZoneName: config.domainName,
    });

    // EKS resolves to ROLLING: the Deployment's rolling update, one target group.
    const deployment = resolveDeployment(config);
    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      name,
      region,
      network: this.network,
      certificateArn: certificate.arn,
      targetPort: config.service.containerPort,
      behindCloudFront,
      originVerifySecretValue: originSecret?.value,
      deletionProtection: production,
      accessLogRetentionDays: production ? 365 : 90,
      wafRateLimitPer5Min: config.edge.wafRateLimitPer5Min,
      testTraffic: deployment.testListener,
    });

    this.dataTier = addDataTier(this, { config, region, network: this.network, secretsKey: this.secretsKey });
    this.replicatedSecretNames = [
      ...(originSecret ? [originSecret.name] : []),
      jwtSecret.name,
      ...this.dataTier.replicatedSecretNames,
    ];

    if (config.compute === "ecs") {
      this.service = new FargateService(this, "api", {
        name,
        region,
        network: this.network,
        loadBalancer: this.loadBalancer,
        image: {
          repository: regionalImageRepository(config.image.repository, region),
          tag: config.image.tag,
        },
        cpu: config.service.cpu,
        memoryMiB: config.service.memoryMiB,
        // A warm standby may run fewer tasks until a failover scales it up (config.standby).
        minTasks: this.isPrimary ? config.service.minTasks : standbyMinTasks(config),
        maxTasks: config.service.maxTasks,
        containerPort: config.service.containerPort,
        logRetentionDays: production ? 365 : 30,
        environment: {
          LOG_LEVEL: "info",
          ...this.dataTier.environment,
          // Asynchronous submissions (Prefer: respond-async) go to the region's queue; send is granted below.
          ...(config.queue.enabled ? { QUEUE_URL: submissionQueue(config, region).url } : {}),
        },
        secrets: {
          JWT_SECRET: { secretArn: jwtSecret.arn, kmsKeyArn: jwtSecret.kmsKeyArn },
          ...this.dataTier.secrets,
        },
        deployment: {
          strategy: deployment.strategy,
          bakeTimeMinutes: deployment.bakeTimeMinutes,
          gateWaitMinutes: deployment.gateWaitMinutes,
          canary: deployment.canary,
          linear: deployment.linear,
          // What users feel: a release that raises either rolls back (named here, created below).
          alarmNames: DEPLOYMENT_ALARM_KEYS.map((key) => `${name}-${key}`),
        },
      });
      this.dataTier.connect(this.service);
    }

    let queueMonitoring: QueueTarget | undefined;
    if (config.queue.enabled) {
      const queueSettings = resolveQueue(config);
      const queueKey = new EncryptionKey(this, "queue-key", {
        name: `${name}-queue`,
        description: `SQS encryption for ${name}'s submission queue and its dead letters`,
      });
      this.queue = new Queue(this, "submissions", {
        name: submissionQueueName(config, region),
        encryptionKey: queueKey,
        processingBudgetSeconds: queueSettings.worker.processingBudgetSeconds,
        maxReceiveCount: queueSettings.maxReceiveCount,
        retentionDays: queueSettings.retentionDays,
        deadLetterRetentionDays: queueSettings.deadLetterRetentionDays,
      });
      if (this.service) {
        this.queue.grantSend(this.service.taskRole);
        this.worker = new WorkerService(this, "worker", {
          name,
          region,
          network: this.network,
          cluster: { arn: this.service.cluster.arn, name: this.service.clusterName },
          queue: this.queue,
          image: {
            repository: regionalImageRepository(config.image.repository, region),
            tag: config.image.tag,
          },
          cpu: queueSettings.worker.cpu,
          memoryMiB: queueSettings.worker.memoryMiB,
          minTasks: queueSettings.worker.minTasks,
          maxTasks: queueSettings.worker.maxTasks,
          backlogPerTaskTarget: queueSettings.backlogPerTaskTarget,
          logRetentionDays: production ? 365 : 30,
          environment: {
            LOG_LEVEL: "info",
            ...this.dataTier.environment,
            WORKER_BATCH_SIZE: String(queueSettings.worker.batchSize),
            WORKER_VISIBILITY_TIMEOUT_SECONDS: String(queueSettings.visibilityTimeoutSeconds),
            // The worker records a submission as failed on its last receive before the dead-letter queue.
            QUEUE_MAX_RECEIVES: String(queueSettings.maxReceiveCount),
          },
          secrets: this.dataTier.secrets,
        });
        this.dataTier.connect(this.worker, { readsReplicas: false });
      }
      // On EKS the workers are the Kubernetes stack's Deployment (stacks/kubernetes-stack.ts),
      // scaled by KEDA; Container Insights counts their pods behind the worker Service.
      const worker = this.worker;
      queueMonitoring = {
        queueName: this.queue.queueName,
        deadLetterQueueName: this.queue.deadLetterQueueName,
        workers: worker
          ? { kind: "ecs", clusterName: worker.clusterName, serviceName: worker.serviceName }
          : {
              kind: "eks",
              clusterName: eksClusterName(config, region),
              namespace: config.eks.namespace,
              serviceName: workerName(config),
            },
        backlogPerTaskTarget: queueSettings.backlogPerTaskTarget,
        ...queueSettings.alarms,
      };
    }

    this.monitoring = new Monitoring(this, "monitoring", {
      name,
      region,
      loadBalancer: {
        arnSuffix: this.loadBalancer.alb.arnSuffix,
        targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
        alternateTargetGroupArnSuffix: this.loadBalancer.alternateTargetGroup?.arnSuffix,
      },
      ...(this.service
        ? { service: { clusterName: this.service.clusterName, serviceName: this.service.serviceName } }
        : {
            // The KubernetesWorkload's Service carries the API's name (stacks/kubernetes-stack.ts).
            kubernetes: {
              clusterName: eksClusterName(config, region),
              namespace: config.eks.namespace,
              serviceName: apiServiceAccountName(config),
            },
          }),
      databases: this.dataTier.database.instances.map((i) => ({ instanceId: i.id, role: i.role })),
      cache: {
        replicationGroupId: this.dataTier.cache.replicationGroupId,
        memberClusterIds: this.dataTier.cache.memberClusterIds,
      },
      queue: queueMonitoring,
      thresholds: { rpoSeconds: SERVICE_TARGETS.rpoSeconds, p95LatencyMs: SERVICE_TARGETS.p95LatencyMs },
      additionalTopicPublishers: ["backup.amazonaws.com"],
    });
    if (this.service) {
      // ECS reads the deployment alarms when a deployment starts: they exist before the service.
      const ecsService = this.service.service;
      ecsService.dependsOn = [
        ...(ecsService.dependsOn ?? []),
        ...DEPLOYMENT_ALARM_KEYS.map((key) => this.monitoring.alarms[key].fqn),
      ];
    }

    // AWS Backup selects by tag: the writer (and the DR replica, which becomes a writer when
    // promoted); in-region read replicas cannot be backed up.
    const dbInstance = this.dataTier.database.instance;
    dbInstance.tags = { ...dbInstance.tagsInput, [BACKUP_TAG.key]: BACKUP_TAG.value };
    const firstDr = config.drRegions[0];
    this.backup = new Backup(this, "backup", {
      name,
      region,
      selectionTag: BACKUP_TAG,
      notificationTopicArn: this.monitoring.topicArn,
      ...(!this.isPrimary
        ? { vaultOnly: true }
        : firstDr
          ? { copyDestinationVaultArn: backupVaultArn(config, firstDr) }
          : { singleRegion: true }),
    });
    if (!production) this.suppressForNonProduction(config);
  }

  /** What a non-production environment gives up on purpose, each with its reason in the report. */
  private suppressForNonProduction(config: EnvironmentConfig): void {
    const why = `${config.environment} is non-production`;
    Guardrails.suppress(
      this.loadBalancer.alb,
      "SKY-ALB-001",
      `${why}: it is torn down and rebuilt, deletion protection would block that`,
    );
    Guardrails.suppress(
      this.dataTier.database.instance,
      "SKY-RDS-005",
      `${why}: it is torn down and rebuilt, deletion protection would block that`,
    );
    Guardrails.suppress(
      this.dataTier.database.instance,
      "SKY-RDS-004",
      `${why}: single-AZ database to halve its cost`,
    );
    Guardrails.suppress(
      this.dataTier.cache.replicationGroup,
      "SKY-CACHE-004",
      `${why}: a single cache node to save cost`,
    );
    if (config.drRegions.length === 0 && this.backup.plan) {
      Guardrails.suppress(
        this.backup.plan,
        "SKY-BACKUP-002",
        `${why} and single-region: there is no DR region's vault to copy to`,
      );
    }
  }
}

/** Tasks a DR region runs while it takes no traffic: `standby.minTasks`, else the primary's. */
export function standbyMinTasks(config: EnvironmentConfig): number {
  return config.standby.minTasks ?? config.service.minTasks;
}

/** The tag AWS Backup selects databases by. */
export const BACKUP_TAG = { key: "skyline:backup", value: "true" } as const;

/** A region's backup vault ARN, deterministic from the config (the primary's copy target). */
export function backupVaultArn(config: EnvironmentConfig, region: string): string {
  return `arn:aws:backup:${region}:${config.accountIds[0]}:backup-vault:${regionalPrefix(config, region)}-vault`;
}

/**
 * ECR images are pulled from the registry replica in the task's own region, so a DR region can
 * start tasks while the primary region is down. Other registries are used as given.
 */
export function regionalImageRepository(repository: string, region: string): string {
  const ecr = parseEcrRepository(repository);
  return ecr ? `${ecr.accountId}.dkr.ecr.${region}.amazonaws.com/${ecr.name}` : repository;
}
