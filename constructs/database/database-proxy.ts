import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbProxyDefaultTargetGroup } from "@cdktf/provider-aws/lib/db-proxy-default-target-group";
import { DbProxyTarget } from "@cdktf/provider-aws/lib/db-proxy-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Fn, TerraformLocal } from "../../engine";
import { Construct } from "constructs";
import type { Network } from "../network/network";
import { serviceTrustPolicy } from "../iam/assume-role";

export interface DatabaseProxyProps {
  /** Proxy name, e.g. `skyline-production-use1-db-proxy`. */
  readonly name: string;
  readonly region: string;
  readonly network: Network;
  /** DB instance identifier of the writer the proxy fronts. */
  readonly writerIdentifier: string;
  /** Secret holding the credentials the proxy logs in with (the RDS-managed master secret). */
  readonly secretArn: string;
  /** KMS key that encrypts that secret. */
  readonly secretKmsKeyArn: string;
  /** Seconds an idle client connection stays open. @default 1800 */
  readonly idleClientTimeoutSeconds?: number;
  /** Share of the database's max_connections the proxy may open. @default 90 */
  readonly maxConnectionsPercent?: number;
  /** Share of connections kept idle in the pool. @default 50 */
  readonly maxIdleConnectionsPercent?: number;
}

/**
 * RDS Proxy in front of the writer: clients must use TLS and IAM authentication; the proxy logs in
 * to PostgreSQL with the RDS-managed master secret, which only its own role may read.
 */
export class DatabaseProxy extends Construct {
  readonly proxy: DbProxy;
  readonly role: IamRole;
  readonly securityGroup: SecurityGroup;
  /** Proxy name (the ops manifest lists it). */
  readonly name: string;
  /** Read/write endpoint (host name). */
  readonly endpoint: string;
  /** `prx-…` resource id used in `rds-db:connect` ARNs. */
  readonly resourceId: string;

  constructor(scope: Construct, id: string, props: DatabaseProxyProps) {
    super(scope, id);
    const { name, region, network } = props;

    this.role = new IamRole(this, "role", {
      name,
      description: "RDS Proxy reads the database credentials it logs in with",
      assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com"),
    });
    new IamRolePolicy(this, "read-secret", {
      role: this.role.id,
      name: "read-database-secret",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.secretArn },
          {
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: props.secretKmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
          },
        ],
      }),
    });

    this.securityGroup = new SecurityGroup(this, "sg", {
      name,
      description: `RDS Proxy ${name}: from the API tasks, to the database`,
      vpcId: network.vpcId,
      tags: { Name: name },
      lifecycle: { createBeforeDestroy: true },
    });

    const subnets = network.subnetIds("isolated");
    this.proxy = new DbProxy(this, "proxy", {
      name,
      engineFamily: "POSTGRESQL",
      requireTls: true,
      idleClientTimeout: props.idleClientTimeoutSeconds ?? 1800,
      roleArn: this.role.arn,
      vpcSubnetIds: subnets,
      vpcSecurityGroupIds: [this.securityGroup.id],
      debugLogging: false,
      auth: [
        {
          authScheme: "SECRETS",
          secretArn: props.secretArn,
          iamAuth: "REQUIRED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          description: "Master credentials managed by RDS; clients authenticate with IAM",
        },
      ],
      tags: { Name: name },
    });
    new DbProxyDefaultTargetGroup(this, "pool", {
      dbProxyName: this.proxy.name,
      connectionPoolConfig: {
        maxConnectionsPercent: props.maxConnectionsPercent ?? 90,
        maxIdleConnectionsPercent: props.maxIdleConnectionsPercent ?? 50,
        connectionBorrowTimeout: 120,
      },
    });
    new DbProxyTarget(this, "writer", {
      dbProxyName: this.proxy.name,
      targetGroupName: "default",
      dbInstanceIdentifier: props.writerIdentifier,
    });
    this.name = name;
    // No read-only proxy endpoint: RDS Proxy routes reads to readers only for Aurora and Multi-AZ DB
    // clusters; with a DB instance as target, requests to a read-only endpoint fail.
    this.endpoint = this.proxy.endpoint;
    // arn:aws:rds:<region>:<account>:db-proxy:prx-…: the last field is the resource id. A local, so
    // policies that embed it stay plain JSON strings.
    this.resourceId = new TerraformLocal(
      this,
      "resource-id",
      Fn.element(Fn.split(":", this.proxy.arn), 6),
    ).asString;
  }
}
