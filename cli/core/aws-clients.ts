/**
 * AWS SDK v3 clients, one per service and region, created on first use. Each SDK package is
 * `require`d only when a command asks for its client, so `skyline --help` loads none of them.
 *
 * Every client gets the same config: the region, `--profile`, `--endpoint-url` (LocalStack-style),
 * and maxAttempts 1 because awsCall() owns retries. Standard AWS environment variables
 * (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, …) still apply through the SDK's own chain.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each SDK package loads only when its client is first used */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";

export interface AwsClientOptions {
  /** Named profile from ~/.aws/config. @default the SDK chain (AWS_PROFILE, env keys, SSO, …) */
  readonly profile?: string;
  /** Endpoint for every service, e.g. `http://localhost:4566`. @default the AWS endpoint */
  readonly endpointUrl?: string;
}

export interface ClientConfig {
  region: string;
  maxAttempts: number;
  profile?: string;
  endpoint?: string;
}

/** Route 53 is a global service signed in us-east-1. */
export const ROUTE53_REGION = "us-east-1";

export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly options: AwsClientOptions) {}

  /** The config every client is built with (exported for tests and for `--endpoint-url`). */
  config(region: string): ClientConfig {
    return {
      region,
      maxAttempts: 1,
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      ...(this.options.endpointUrl ? { endpoint: this.options.endpointUrl } : {}),
    };
  }

  private get<T>(service: string, region: string, build: (config: ClientConfig) => T): T {
    const key = `${service}:${region}`;
    if (!this.cache.has(key)) this.cache.set(key, build(this.config(region)));
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
}
