import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";
import { cidrSubnet, formatCidr, parseCidr } from "./cidr";
import { serviceTrustPolicy } from "../iam/assume-role";

export type SubnetTier = "public" | "private" | "isolated";

export interface NetworkProps {
  /** Name prefix for every resource, e.g. `skyline-production-use1`. */
  readonly name: string;
  /** Region the VPC lives in (names endpoints and the log-group key grant). */
  readonly region: string;
  /** VPC CIDR, /16 to /20. */
  readonly cidr: string;
  /**
   * Availability zones by full name, in allocation order (`["us-east-1a", "us-east-1b"]`).
   * Each AZ's subnets are keyed and numbered by the AZ's letter, so appending an AZ adds
   * resources and never renumbers or replaces existing ones.
   */
  readonly availabilityZones: readonly string[];
  /** All AZ letters of the region, fixing each AZ's subnet slot. @default the letters of `availabilityZones` */
  readonly regionAzLetters?: readonly string[];
  /** One NAT gateway per AZ (survives the loss of an AZ) instead of one shared. @default true */
  readonly natGatewayPerAz?: boolean;
  /** Interface endpoints for ECR, CloudWatch Logs and Secrets Manager. @default true */
  readonly interfaceEndpoints?: boolean;
  /** Flow-log retention in days. @default 365 */
  readonly flowLogRetentionDays?: number;
}

export interface AzSubnets {
  readonly az: string;
  readonly public: Subnet;
  readonly private: Subnet;
  readonly isolated: Subnet;
}

const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

/**
 * A VPC with three subnet tiers per AZ: public (load balancers, NAT), private (tasks; egress
 * through NAT) and isolated (data stores; no route out). Flow logs go to a KMS-encrypted log
 * group; the default security group is emptied so nothing can use it by accident.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnets: readonly AzSubnets[];
  readonly dbSubnetGroup: DbSubnetGroup;
  readonly cacheSubnetGroup: ElasticacheSubnetGroup;
  readonly logKey: EncryptionKey;
  readonly flowLog: FlowLog;
  readonly endpointSecurityGroup?: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { name, region } = props;
    const vpcCidr = parseCidr(props.cidr);
    if (vpcCidr.prefix < 16 || vpcCidr.prefix > 20) {
      throw new Error(`Network ${name}: cidr ${props.cidr} must be a /16 to /20 block`);
    }
    if (props.availabilityZones.length < 1) {
      throw new Error(`Network ${name}: availabilityZones must name at least one AZ`);
    }
    const letters = props.regionAzLetters ?? props.availabilityZones.map((az) => az.slice(region.length));
    const slotOf = (az: string) => {
      const slot = letters.indexOf(az.slice(region.length));
      if (!az.startsWith(region) || slot < 0) {
        throw new Error(`Network ${name}: availability zone ${az} is not in ${region}`);
      }
      // Private subnets take /+4 blocks 2..7, so at most six AZ slots.
      if (slot > 5) throw new Error(`Network ${name}: ${az} is beyond the six AZ slots the subnet plan has`);
      return slot;
    };

    this.cidr = props.cidr;
    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name },
    });
    this.vpcId = this.vpc.id;

    new DefaultSecurityGroup(this, "default-sg-closed", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${name}-default-closed` },
    });

    const igw = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: name } });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: this.vpc.id,
      tags: { Name: `${name}-public` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    const isolatedRoutes = new RouteTable(this, "isolated-routes", {
      vpcId: this.vpc.id,
      tags: { Name: `${name}-isolated` },
    });

    const natPerAz = props.natGatewayPerAz ?? true;
    const privateRouteTables: RouteTable[] = [];
    let sharedNat: NatGateway | undefined;
    const subnets: AzSubnets[] = [];

    for (const az of props.availabilityZones) {
      const slot = slotOf(az);
      const subnet = (tier: SubnetTier, cidr: string) =>
        new Subnet(this, `${tier}-${az}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: cidr,
          // Nothing gets a public IP implicitly; load balancers and NAT use their own addresses.
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-${tier}-${az}`, "skyline:tier": tier },
        });
      const pub = subnet("public", formatCidr(cidrSubnet(vpcCidr, 8, slot)));
      const iso = subnet("isolated", formatCidr(cidrSubnet(vpcCidr, 8, 16 + slot)));
      const priv = subnet("private", formatCidr(cidrSubnet(vpcCidr, 4, 2 + slot)));
      new RouteTableAssociation(this, `public-${az}-routes`, {
        subnetId: pub.id,
        routeTableId: publicRoutes.id,
      });
      new RouteTableAssociation(this, `isolated-${az}-routes`, {
        subnetId: iso.id,
        routeTableId: isolatedRoutes.id,
      });

      let nat = sharedNat;
      if (!nat) {
        const eip = new Eip(this, `nat-${az}-eip`, { domain: "vpc", tags: { Name: `${name}-nat-${az}` } });
        nat = new NatGateway(this, `nat-${az}`, {
          allocationId: eip.id,
          subnetId: pub.id,
          tags: { Name: `${name}-nat-${az}` },
          dependsOn: [igw],
        });
        if (!natPerAz) sharedNat = nat;
      }
      const privateRoutes = new RouteTable(this, `private-${az}-route-table`, {
        vpcId: this.vpc.id,
        tags: { Name: `${name}-private-${az}` },
      });
      new Route(this, `private-${az}-default-route`, {
        routeTableId: privateRoutes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nat.id,
      });
      new RouteTableAssociation(this, `private-${az}-routes`, {
        subnetId: priv.id,
        routeTableId: privateRoutes.id,
      });
      privateRouteTables.push(privateRoutes);
      subnets.push({ az, public: pub, private: priv, isolated: iso });
    }
    this.subnets = subnets;

    this.dbSubnetGroup = new DbSubnetGroup(this, "db-subnets", {
      name: `${name}-db`,
      description: `Isolated subnets of ${name} for RDS`,
      subnetIds: this.subnetIds("isolated"),
    });
    this.cacheSubnetGroup = new ElasticacheSubnetGroup(this, "cache-subnets", {
      name: `${name}-cache`,
      description: `Isolated subnets of ${name} for ElastiCache`,
      subnetIds: this.subnetIds("isolated"),
    });

    // S3 gateway endpoint: image layers come from S3, and a gateway endpoint costs nothing.
    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...privateRouteTables.map((t) => t.id), isolatedRoutes.id],
      tags: { Name: `${name}-s3` },
    });
    if (props.interfaceEndpoints ?? true) {
      this.endpointSecurityGroup = new SecurityGroup(this, "endpoints-sg", {
        name: `${name}-endpoints`,
        description: `HTTPS from inside ${name} to AWS interface endpoints`,
        vpcId: this.vpc.id,
        ingress: [
          {
            description: "HTTPS from the VPC",
            fromPort: 443,
            toPort: 443,
            protocol: "tcp",
            cidrBlocks: [props.cidr],
          },
        ],
        egress: [],
        tags: { Name: `${name}-endpoints` },
      });
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new VpcEndpoint(this, `${service.replace(".", "-")}-endpoint`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.subnetIds("private"),
          securityGroupIds: [this.endpointSecurityGroup.id],
          tags: { Name: `${name}-${service}` },
        });
      }
    }

    this.logKey = new EncryptionKey(this, "log-key", {
      name: `${name}-logs`,
      description: `CloudWatch Logs encryption for ${name}`,
      serviceUsers: [
        {
          principal: `logs.${region}.amazonaws.com`,
          condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:*:*` } },
        },
      ],
    });
    const flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/skyline/${name}/vpc-flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 365,
      kmsKeyId: this.logKey.arn,
    });
    const flowLogRole = new IamRole(this, "flow-log-role", {
      name: `${name}-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com"),
    });
    new IamRolePolicy(this, "flow-log-policy", {
      role: flowLogRole.id,
      name: "deliver-flow-logs",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: `${flowLogGroup.arn}:*`,
          },
        ],
      }),
    });
    this.flowLog = new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: { Name: name },
    });
  }

  /** Subnet ids of one tier, in AZ order. */
  subnetIds(tier: SubnetTier): string[] {
    return this.subnets.map((s) => s[tier].id);
  }
}
