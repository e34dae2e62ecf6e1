import type { Construct } from "constructs";
import { Backup } from "../constructs/backup/backup";
import { Guardrails } from "../constructs/guardrails";
import { Monitoring } from "../constructs/monitoring/monitoring";
import { Certificate } from "../constructs/certificate/certificate";
import { originCertificateNames } from "../constructs/dns-failover/failover-names";
import { EncryptionKey } from "../constructs/encryption-key/encryption-key";
import { FargateService } from "../constructs/fargate-service/fargate-service";
import { sharedSecret } from "../constructs/generated-secret/shared-secret";
import { parseEcrRepository } from "../constructs/container-registry/ecr-uri";
import { LoadBalancer } from "../constructs/load-balancer/load-balancer";
import { Network } from "../constructs/network/network";
import { availabilityZones, regionInfo } from "./config/regions";
import { addDataTier, type DataTier } from "./data-tier";
import type { EnvironmentConfig } from "./config/schema";
import { apiServiceAccountName, eksClusterName } from "./eks-names";
import { environmentPrefix, environmentRegions, regionalPrefix, regionalStackName } from "./naming";
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
    });

    this.dataTier = addDataTier(this, { config, region, network: this.network, secretsKey: this.secretsKey });

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
        minTasks: config.service.minTasks,
        maxTasks: config.service.maxTasks,
        containerPort: config.service.containerPort,
        logRetentionDays: production ? 365 : 30,
        environment: { LOG_LEVEL: "info", ...this.dataTier.environment },
        secrets: {
          JWT_SECRET: { secretArn: jwtSecret.arn, kmsKeyArn: jwtSecret.kmsKeyArn },
          ...this.dataTier.secrets,
        },
      });
      this.dataTier.connect(this.service);
    }

    this.monitoring = new Monitoring(this, "monitoring", {
      name,
      region,
      loadBalancer: {
        arnSuffix: this.loadBalancer.alb.arnSuffix,
        targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
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
      thresholds: { rpoSeconds: SERVICE_TARGETS.rpoSeconds, p95LatencyMs: SERVICE_TARGETS.p95LatencyMs },
      additionalTopicPublishers: ["backup.amazonaws.com"],
    });

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
