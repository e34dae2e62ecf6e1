/**
 * AWS SDK v3 clients, one per service and region, created on first use. Each SDK package is
 * `require`d only when a command asks for its client, so `skyline --help` loads none of them.
 *
 * Every client gets the same config: the region, `--profile`, `--endpoint-url` (LocalStack-style),
 * the connect and request timeouts (timeouts.ts), and maxAttempts 1 because awsSend() owns retries.
 * Standard AWS environment variables (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, …) still
 * apply through the SDK's own chain.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each SDK package loads only when its client is first used */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { BackupClient } from "@aws-sdk/client-backup";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { fromNodeProviderChain } from "@aws-sdk/credential-providers";

type AwsCredentialIdentityProvider = ReturnType<typeof fromNodeProviderChain>;
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_REQUEST_TIMEOUT_S } from "./timeouts";

export interface AwsClientOptions {
  /** Named profile from ~/.aws/config. @default the SDK chain (AWS_PROFILE, env keys, SSO, …) */
  readonly profile?: string;
  /** Endpoint for every service, e.g. `http://localhost:4566`. @default the AWS endpoint */
  readonly endpointUrl?: string;
  /** TCP/TLS connect timeout. @default 10 s */
  readonly connectTimeoutMs?: number;
  /** From sending a request to the end of its answer (and the longest silence on the socket). @default 60 s */
  readonly requestTimeoutMs?: number;
  /** For naming the endpoint in messages (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>). @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ClientConfig {
  region: string;
  maxAttempts: number;
  profile?: string;
  endpoint?: string;
  /**
   * The SDK's credential chain with its STS calls (AssumeRole for a role profile, web identity) in
   * this client's region: regional STS, never the global endpoint or a profile's home region, so a
   * failover run from a surviving region needs nothing from the failed one.
   */
  credentials: AwsCredentialIdentityProvider;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    /** Without it the SDK only logs a warning when requestTimeout passes. */
    throwOnRequestTimeout: true;
    /** Longest silence on the socket, also after the headers arrived (a stalled body). */
    socketTimeout: number;
  };
}

/** What a message needs to know about a client: the service, the region and where requests go. */
export interface ClientInfo {
  /** As on-call knows it, e.g. `RDS`, `ElastiCache`. */
  readonly service: string;
  readonly region: string;
  readonly endpoint: string;
}

/** Route 53 is a global service signed in us-east-1. */
export const ROUTE53_REGION = "us-east-1";

/** Service label, the SDK's env-var suffix (AWS_ENDPOINT_URL_<X>), and the default endpoint host. */
const SERVICES = {
  rds: { label: "RDS", envKey: "RDS", host: (r: string) => `rds.${r}.amazonaws.com` },
  cloudwatch: {
    label: "CloudWatch",
    envKey: "CLOUDWATCH",
    host: (r: string) => `monitoring.${r}.amazonaws.com`,
  },
  ecs: { label: "ECS", envKey: "ECS", host: (r: string) => `ecs.${r}.amazonaws.com` },
  "application-autoscaling": {
    label: "Application Auto Scaling",
    envKey: "APPLICATION_AUTO_SCALING",
    host: (r: string) => `application-autoscaling.${r}.amazonaws.com`,
  },
  elasticache: {
    label: "ElastiCache",
    envKey: "ELASTICACHE",
    host: (r: string) => `elasticache.${r}.amazonaws.com`,
  },
  elbv2: {
    label: "Elastic Load Balancing",
    envKey: "ELASTIC_LOAD_BALANCING_V2",
    host: (r: string) => `elasticloadbalancing.${r}.amazonaws.com`,
  },
  route53: { label: "Route 53", envKey: "ROUTE_53", host: () => "route53.amazonaws.com" },
  backup: { label: "AWS Backup", envKey: "BACKUP", host: (r: string) => `backup.${r}.amazonaws.com` },
  secretsmanager: {
    label: "Secrets Manager",
    envKey: "SECRETS_MANAGER",
    host: (r: string) => `secretsmanager.${r}.amazonaws.com`,
  },
  sqs: { label: "SQS", envKey: "SQS", host: (r: string) => `sqs.${r}.amazonaws.com` },
} as const;
type Service = keyof typeof SERVICES;

export class AwsClients {
  private readonly cache = new Map<string, unknown>();
  private readonly infos = new WeakMap<object, ClientInfo>();

  constructor(private readonly options: AwsClientOptions) {}

  private readonly credentialsByRegion = new Map<string, AwsCredentialIdentityProvider>();

  /** One credential chain per region, its STS calls in that region (see ClientConfig.credentials). */
  credentials(region: string): AwsCredentialIdentityProvider {
    let provider = this.credentialsByRegion.get(region);
    if (!provider) {
      const chain = (
        require("@aws-sdk/credential-providers") as typeof import("@aws-sdk/credential-providers")
      ).fromNodeProviderChain;
      provider = chain({
        ...(this.options.profile ? { profile: this.options.profile } : {}),
        clientConfig: { region },
      });
      this.credentialsByRegion.set(region, provider);
    }
    return provider;
  }

  /** The config every client is built with (exported for tests and for `--endpoint-url`). */
  config(region: string): ClientConfig {
    const requestTimeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_S * 1000;
    return {
      region,
      maxAttempts: 1,
      credentials: this.credentials(region),
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      ...(this.options.endpointUrl ? { endpoint: this.options.endpointUrl } : {}),
      requestHandler: {
        connectionTimeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_S * 1000,
        requestTimeout,
        throwOnRequestTimeout: true,
        socketTimeout: requestTimeout,
      },
    };
  }

  /** Where requests of `service` in `region` go: --endpoint-url, the SDK's env vars, else AWS. */
  endpoint(service: Service, region: string): string {
    const env = this.options.env ?? {};
    const spec = SERVICES[service];
    return (
      this.options.endpointUrl ||
      env[`AWS_ENDPOINT_URL_${spec.envKey}`] ||
      env.AWS_ENDPOINT_URL ||
      `https://${spec.host(region)}`
    );
  }

  /** Service, region and endpoint of a client built here (for messages). */
  info(client: object): ClientInfo {
    return this.infos.get(client) ?? { service: "AWS", region: "unknown", endpoint: "the AWS endpoint" };
  }

  private get<T extends object>(service: Service, region: string, build: (config: ClientConfig) => T): T {
    const key = `${service}:${region}`;
    if (!this.cache.has(key)) {
      const client = build(this.config(region));
      this.infos.set(client, {
        service: SERVICES[service].label,
        region,
        endpoint: this.endpoint(service, region),
      });
      this.cache.set(key, client);
    }
    return this.cache.get(key) as T;
  }

  rds(region: string): RDSClient {
    return this.get("rds", region, (c) => new (require("@aws-sdk/client-rds").RDSClient)(c));
  }
  cloudWatch(region: string): CloudWatchClient {
    return this.get(
      "cloudwatch",
      region,
      (c) => new (require("@aws-sdk/client-cloudwatch").CloudWatchClient)(c),
    );
  }
  ecs(region: string): ECSClient {
    return this.get("ecs", region, (c) => new (require("@aws-sdk/client-ecs").ECSClient)(c));
  }
  autoScaling(region: string): ApplicationAutoScalingClient {
    return this.get(
      "application-autoscaling",
      region,
      (c) => new (require("@aws-sdk/client-application-auto-scaling").ApplicationAutoScalingClient)(c),
    );
  }
  elastiCache(region: string): ElastiCacheClient {
    return this.get(
      "elasticache",
      region,
      (c) => new (require("@aws-sdk/client-elasticache").ElastiCacheClient)(c),
    );
  }
  elbv2(region: string): ElasticLoadBalancingV2Client {
    return this.get(
      "elbv2",
      region,
      (c) => new (require("@aws-sdk/client-elastic-load-balancing-v2").ElasticLoadBalancingV2Client)(c),
    );
  }
  route53(): Route53Client {
    return this.get(
      "route53",
      ROUTE53_REGION,
      (c) => new (require("@aws-sdk/client-route-53").Route53Client)(c),
    );
  }
  secretsManager(region: string): SecretsManagerClient {
    return this.get(
      "secretsmanager",
      region,
      (c) => new (require("@aws-sdk/client-secrets-manager").SecretsManagerClient)(c),
    );
  }
  backup(region: string): BackupClient {
    return this.get("backup", region, (c) => new (require("@aws-sdk/client-backup").BackupClient)(c));
  }
  sqs(region: string): SQSClient {
    return this.get("sqs", region, (c) => new (require("@aws-sdk/client-sqs").SQSClient)(c));
  }

  /** Closes every client's sockets (so the process can exit without waiting on idle keep-alives). */
  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy?: () => void }).destroy?.();
  }
}
