/**
 * A stateful fake of the AWS a regional failover touches, behind aws-sdk-client-mock: RDS
 * instances (replicas that follow a source and copy its rows, promotions that take a few reads,
 * renames, new replicas), ECS services and autoscaling, ElastiCache Global Datastore membership,
 * Secrets Manager replicas, CloudWatch alarms (the traffic switches and the serving alarms) and
 * ReplicaLag. Every call records its service, region and operation; a region in `down` fails every
 * call with a network timeout, as a lost region does.
 *
 * Around it, real sockets: a DNS server answering the origin name as Route 53 would from the
 * switches and the regions' health, and the public hostname (CloudFront in front of the serving
 * region's API) answering /ready, writes and reads from the serving region's database.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import {
  DescribeReplicationGroupsCommand,
  DisassociateGlobalReplicationGroupCommand,
  ElastiCacheClient,
  FailoverGlobalReplicationGroupCommand,
} from "@aws-sdk/client-elasticache";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
} from "@aws-sdk/client-secrets-manager";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import type { OpsManifest } from "../../../manifest/schema";

const ACCOUNT = "222222222222";
export const API_TOKEN = "test-admin-token";

export interface Call {
  readonly service: string;
  readonly region: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

interface Db {
  id: string;
  region: string;
  status: string;
  replicaOf?: string;
  tags: Record<string, string>;
  /** States a describe walks through, one per read (a promotion, a rename, a creation). */
  pending: { status: string; replicaOf?: string | null }[];
  rows: Map<string, string>;
  settings: { subnetGroup: string; securityGroups: string[]; parameterGroup: string; instanceClass: string };
}

interface Service {
  desired: number;
  running: number;
  deployments: { status: string; rolloutState: string; createdAt: number; taskDefinition: string }[];
  min: number;
  max: number;
  /** Reads until a new deployment completes. */
  rolling: number;
}

interface Cache {
  id: string;
  status: string;
  globalId?: string;
  role?: "PRIMARY" | "SECONDARY";
  pending: { status: string; globalId?: string | null; role?: "PRIMARY" | "SECONDARY" }[];
}

interface Secret {
  primaryRegion?: string;
  value: string;
}

const arn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:db:${id}`;
const endpointOf = (region: string, id: string) => `${id}.abc.${region}.rds.amazonaws.com`;

/** The error a call to a lost region gets: the connection never completes. */
export function networkTimeout(region: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${region} endpoint`), {
    code: "ETIMEDOUT",
    name: "Error",
  });
}

/** Every client the CLI builds, mocked (Route 53's too: a failover must not touch it). */
const STUBS = {
  rds: mockClient(RDSClient),
  cloudwatch: mockClient(CloudWatchClient),
  ecs: mockClient(ECSClient),
  autoscaling: mockClient(ApplicationAutoScalingClient),
  elasticache: mockClient(ElastiCacheClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  route53: mockClient(Route53Client),
  secretsmanager: mockClient(SecretsManagerClient),
};

export class FakeCloud {
  readonly calls: Call[] = [];
  readonly down = new Set<string>();
  readonly dbs = new Map<string, Db>();
  readonly services = new Map<string, Service>();
  readonly caches = new Map<string, Cache>();
  /** `<host>/<alarm>` → state. */
  readonly alarms = new Map<string, string>();
  /** Serving alarms in ALARM, by region. */
  readonly firing = new Map<string, string[]>();
  /** `<region>/<name>` → secret. */
  readonly secrets = new Map<string, Secret>();
  /** ReplicaLag answers by `<region>/<id>`: values, or undefined for no data. */
  readonly lag = new Map<string, number[] | undefined>();
  /**
   * Throws (once) at the first call made while `when` holds: the process killed right after a
   * step finished (the state shows it), before anything else went out.
   */
  interruptWhen?: { when: (cloud: FakeCloud) => boolean; error: () => Error };
  private now: () => number = () => Date.now();
  private readonly order: string[];

  constructor(readonly manifest: OpsManifest) {
    this.order = manifest.global?.failoverOrder ?? [manifest.primaryRegion];
    for (const [region, entry] of Object.entries(manifest.regions)) {
      const db = entry.database!.instances.find((i) => i.role !== "reader")!;
      const settings = {
        subnetGroup: `${db.id}-subnets`,
        securityGroups: [`sg-${entry.regionCode}`],
        parameterGroup: `${db.id}-postgres16-abc`,
        instanceClass: "db.r7g.large",
      };
      this.dbs.set(`${region}/${db.id}`, {
        id: db.id,
        region,
        status: "available",
        replicaOf: db.role === "cross-region-replica" ? arn(db.sourceRegion!, db.sourceId!) : undefined,
        tags: {},
        pending: [],
        rows: new Map(),
        settings,
      });
      const a = entry.service!.autoscaling!;
      this.services.set(region, {
        desired: a.minCapacity,
        running: a.minCapacity,
        deployments: [
          {
            status: "PRIMARY",
            rolloutState: "COMPLETED",
            createdAt: 0,
            taskDefinition: `${entry.service!.taskFamily}:7`,
          },
        ],
        min: a.minCapacity,
        max: a.maxCapacity,
        rolling: 0,
      });
      const c = entry.cache!;
      this.caches.set(region, {
        id: c.replicationGroupId,
        status: "available",
        globalId: c.globalDatastoreId,
        role: c.globalDatastoreId ? (region === manifest.primaryRegion ? "PRIMARY" : "SECONDARY") : undefined,
        pending: [],
      });
      for (const name of manifest.secrets.replicated) {
        this.secrets.set(`${region}/${name}`, {
          primaryRegion: region === manifest.primaryRegion ? undefined : manifest.primaryRegion,
          value: `${name}-value`,
        });
      }
      this.lag.set(`${region}/${db.id}`, [2, 3, 1]);
    }
    for (const [region, s] of Object.entries(manifest.global?.trafficSwitch?.regions ?? {})) {
      void region;
      for (const host of s.hostRegions) this.alarms.set(`${host}/${s.alarmName}`, "INSUFFICIENT_DATA");
    }
  }

  useClock(now: () => number): void {
    this.now = now;
  }

  /** The region's database (the writer or the cross-region replica of the manifest). */
  db(
    region: string,
    id = this.manifest.regions[region].database!.instances.find((i) => i.role !== "reader")!.id,
  ): Db {
    return this.dbs.get(`${region}/${id}`)!;
  }

  /** Route 53's view: the first region of the chain whose endpoint and every readable switch copy are healthy. */
  serving(): string {
    const healthy = (region: string) => {
      if (this.down.has(region)) return false;
      const s = this.services.get(region)!;
      if (s.running === 0) return false;
      const sw = this.manifest.global?.trafficSwitch?.regions[region];
      return !sw?.hostRegions.some(
        (h) => !this.down.has(h) && this.alarms.get(`${h}/${sw.alarmName}`) === "ALARM",
      );
    };
    return this.order.find(healthy) ?? this.order[0];
  }

  /** Copies a write to every replica that follows `db` and is up. */
  private replicate(db: Db, id: string, title: string): void {
    for (const other of this.dbs.values()) {
      if (other.replicaOf === arn(db.region, db.id) && !this.down.has(other.region))
        other.rows.set(id, title);
    }
  }

  /** The public hostname's API: writes go to the serving region's database, if it takes writes. */
  write(title: string): { status: number; id?: string } {
    const region = this.serving();
    if (this.down.has(region)) return { status: 502 };
    const db = this.db(region);
    if (db.replicaOf || db.status !== "available") return { status: 500 };
    const id = `00000000-0000-4000-8000-${String(this.calls.length).padStart(12, "0")}`;
    db.rows.set(id, title);
    this.replicate(db, id, title);
    return { status: 201, id };
  }

  read(id: string): number {
    const region = this.serving();
    if (this.down.has(region)) return 502;
    return this.db(region).rows.has(id) ? 200 : 404;
  }

  ready(): number {
    const region = this.serving();
    return this.down.has(region) || this.services.get(region)!.running === 0 ? 503 : 200;
  }

  /** Wires every stub to this cloud. */
  install(): void {
    for (const stub of Object.values(STUBS)) stub.reset();
    const on = <I extends object>(
      service: keyof typeof STUBS,
      command: new (input: I) => unknown,
      handle: (input: any, region: string) => unknown,
    ) => {
      const operation = command.name.replace(/Command$/, "");
      (STUBS[service] as AwsStub<any, any, any>)
        .on(command as never)
        .callsFake(async (input: any, getClient: () => any) => {
          const region: string = await getClient().config.region();
          this.calls.push({ service, region, operation, input });
          if (this.down.has(region)) throw networkTimeout(region);
          if (this.interruptWhen?.when(this)) {
            const error = this.interruptWhen.error();
            this.interruptWhen = undefined;
            throw error;
          }
          return handle(input, region);
        });
    };

    // RDS
    on("rds", DescribeDBInstancesCommand, (input, region) => {
      const db = this.dbs.get(`${region}/${input.DBInstanceIdentifier}`);
      if (!db)
        throw Object.assign(new Error(`DBInstance ${input.DBInstanceIdentifier} not found.`), {
          name: "DBInstanceNotFoundFault",
          $metadata: { httpStatusCode: 404 },
        });
      const next = db.pending.shift();
      if (next) {
        db.status = next.status;
        if (next.replicaOf === null) db.replicaOf = undefined;
      }
      return {
        DBInstances: [
          {
            DBInstanceIdentifier: db.id,
            DBInstanceStatus: db.status,
            ReadReplicaSourceDBInstanceIdentifier: db.replicaOf,
            DBInstanceArn: arn(region, db.id),
            Endpoint: { Address: endpointOf(region, db.id), Port: 5432 },
            TagList: Object.entries(db.tags).map(([Key, Value]) => ({ Key, Value })),
            PendingModifiedValues: {},
            DBInstanceClass: db.settings.instanceClass,
            DBSubnetGroup: { DBSubnetGroupName: db.settings.subnetGroup },
            VpcSecurityGroups: db.settings.securityGroups.map((g) => ({
              VpcSecurityGroupId: g,
              Status: "active",
            })),
            DBParameterGroups: [{ DBParameterGroupName: db.settings.parameterGroup }],
            MultiAZ: true,
            DeletionProtection: true,
          },
        ],
      };
    });
    on("rds", PromoteReadReplicaCommand, (input, region) => {
      const db = this.dbs.get(`${region}/${input.DBInstanceIdentifier}`)!;
      db.status = "modifying";
      db.pending.push(
        { status: "modifying" },
        { status: "modifying", replicaOf: null },
        { status: "available", replicaOf: null },
      );
      return {};
    });
    on("rds", AddTagsToResourceCommand, (input, region) => {
      const id = String(input.ResourceName).split(":db:")[1];
      const db = this.dbs.get(`${region}/${id}`)!;
      for (const t of input.Tags) db.tags[t.Key] = t.Value;
      return {};
    });
    on("rds", ModifyDBInstanceCommand, (input, region) => {
      const db = this.dbs.get(`${region}/${input.DBInstanceIdentifier}`)!;
      if (input.NewDBInstanceIdentifier) {
        this.dbs.delete(`${region}/${db.id}`);
        // Replicas of a renamed source follow it under its new name.
        for (const other of this.dbs.values()) {
          if (other.replicaOf === arn(region, db.id))
            other.replicaOf = arn(region, input.NewDBInstanceIdentifier);
        }
        db.id = input.NewDBInstanceIdentifier;
        db.status = "renaming";
        db.pending.push({ status: "available" });
        this.dbs.set(`${region}/${db.id}`, db);
      }
      return {};
    });
    on("rds", CreateDBInstanceReadReplicaCommand, (input, region) => {
      const [sourceRegion, sourceId] = [
        String(input.SourceDBInstanceIdentifier).split(":")[3],
        String(input.SourceDBInstanceIdentifier).split(":db:")[1],
      ];
      const source = this.dbs.get(`${sourceRegion}/${sourceId}`)!;
      this.dbs.set(`${region}/${input.DBInstanceIdentifier}`, {
        id: input.DBInstanceIdentifier,
        region,
        status: "creating",
        replicaOf: input.SourceDBInstanceIdentifier,
        tags: {},
        pending: [{ status: "creating" }, { status: "available" }],
        rows: new Map(source.rows),
        settings: {
          subnetGroup: input.DBSubnetGroupName,
          securityGroups: input.VpcSecurityGroupIds,
          parameterGroup: input.DBParameterGroupName,
          instanceClass: input.DBInstanceClass,
        },
      });
      return {};
    });

    // ECS and autoscaling
    on("ecs", DescribeServicesCommand, (_input, region) => {
      const s = this.services.get(region)!;
      if (s.rolling > 0) {
        s.rolling--;
        if (s.rolling === 0) {
          s.deployments = [
            { ...s.deployments[s.deployments.length - 1], status: "PRIMARY", rolloutState: "COMPLETED" },
          ];
          s.running = s.desired;
        }
      } else {
        s.running = s.desired;
      }
      return {
        services: [
          {
            status: "ACTIVE",
            desiredCount: s.desired,
            runningCount: s.running,
            pendingCount: 0,
            taskDefinition: s.deployments[0].taskDefinition,
            deployments: s.deployments.map((d) => ({ ...d, createdAt: new Date(d.createdAt) })),
          },
        ],
      };
    });
    on("ecs", UpdateServiceCommand, (input, region) => {
      const s = this.services.get(region)!;
      s.desired = input.desiredCount ?? s.desired;
      if (input.forceNewDeployment) {
        s.deployments = [
          ...s.deployments.map((d) => ({ ...d, status: "ACTIVE" })),
          {
            status: "PRIMARY",
            rolloutState: "IN_PROGRESS",
            createdAt: this.now(),
            taskDefinition: s.deployments[0].taskDefinition,
          },
        ];
        s.rolling = 2;
      }
      return {};
    });
    on("ecs", DescribeTaskDefinitionCommand, (input, region) => {
      const entry = this.manifest.regions[region];
      return {
        taskDefinition: {
          taskDefinitionArn: input.taskDefinition,
          containerDefinitions: [
            {
              name: entry.service!.containerName,
              environment: [{ name: "DB_HOST", value: endpointOf(region, this.db(region).id) }],
            },
          ],
        },
      };
    });
    on("autoscaling", RegisterScalableTargetCommand, (input, region) => {
      const s = this.services.get(region)!;
      s.min = input.MinCapacity;
      s.max = input.MaxCapacity;
      return {};
    });

    // Load balancers: healthy targets while tasks run.
    on("elbv2", DescribeTargetGroupsCommand, (_input, region) => ({
      TargetGroups: [
        { TargetGroupName: "api", TargetGroupArn: `arn:aws:elasticloadbalancing:${region}:tg/api` },
      ],
    }));
    on("elbv2", DescribeTargetHealthCommand, (_input, region) => ({
      TargetHealthDescriptions: Array.from({ length: this.services.get(region)!.running }, () => ({
        TargetHealth: { State: "healthy" },
      })),
    }));

    // CloudWatch
    on("cloudwatch", DescribeAlarmsCommand, (input, region) => {
      const names: string[] = input.AlarmNames ?? [];
      if (input.StateValue === "ALARM") {
        const firing = (this.firing.get(region) ?? []).filter((n) => names.includes(n));
        return {
          MetricAlarms: firing.map((AlarmName) => ({ AlarmName, StateValue: "ALARM" })),
          CompositeAlarms: [],
        };
      }
      return {
        MetricAlarms: names
          .filter((n) => this.alarms.has(`${region}/${n}`))
          .map((AlarmName) => ({ AlarmName, StateValue: this.alarms.get(`${region}/${AlarmName}`) })),
      };
    });
    on("cloudwatch", SetAlarmStateCommand, (input, region) => {
      this.alarms.set(`${region}/${input.AlarmName}`, input.StateValue);
      return {};
    });
    on("cloudwatch", PutMetricDataCommand, () => ({}));
    on("cloudwatch", GetMetricDataCommand, (input, region) => {
      const id = input.MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Value;
      const db = this.dbs.get(`${region}/${id}`);
      // A replica whose source region is lost publishes no ReplicaLag.
      const sourceRegion = db?.replicaOf?.split(":")[3];
      // No writes at the source (its API fenced): the replica catches up to 0.
      const fenced = sourceRegion !== undefined && this.services.get(sourceRegion)!.desired === 0;
      const values =
        sourceRegion && this.down.has(sourceRegion)
          ? []
          : fenced
            ? [0]
            : (this.lag.get(`${region}/${id}`) ?? [0]);
      const end = (input.EndTime as Date).getTime();
      return {
        MetricDataResults: [
          {
            Id: "lag",
            Values: values,
            Timestamps: values.map((_, i) => new Date(end - (values.length - i) * 60_000)),
          },
        ],
      };
    });

    // ElastiCache
    on("elasticache", DescribeReplicationGroupsCommand, (_input, region) => {
      const c = this.caches.get(region)!;
      const next = c.pending.shift();
      if (next) {
        c.status = next.status;
        if (next.globalId === null) {
          c.globalId = undefined;
          c.role = undefined;
        }
        if (next.role) c.role = next.role;
      }
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: c.id,
            Status: c.status,
            ...(c.globalId
              ? {
                  GlobalReplicationGroupInfo: {
                    GlobalReplicationGroupId: c.globalId,
                    GlobalReplicationGroupMemberRole: c.role,
                  },
                }
              : {}),
          },
        ],
      };
    });
    on("elasticache", FailoverGlobalReplicationGroupCommand, (input) => {
      for (const [r, c] of this.caches) {
        if (c.globalId !== input.GlobalReplicationGroupId) continue;
        c.status = "modifying";
        c.pending.push(
          { status: "modifying" },
          { status: "available", role: r === input.PrimaryRegion ? "PRIMARY" : "SECONDARY" },
        );
      }
      return {};
    });
    on("elasticache", DisassociateGlobalReplicationGroupCommand, (input) => {
      const c = this.caches.get(input.ReplicationGroupRegion)!;
      c.status = "modifying";
      c.pending.push({ status: "modifying" }, { status: "available", globalId: null });
      return {};
    });

    // Secrets Manager
    const secret = (region: string, id: string) => {
      const s = this.secrets.get(`${region}/${id}`);
      if (!s)
        throw Object.assign(new Error(`Secret ${id} not found.`), {
          name: "ResourceNotFoundException",
          $metadata: { httpStatusCode: 400 },
        });
      return s;
    };
    on("secretsmanager", DescribeSecretCommand, (input, region) => {
      const s = secret(region, input.SecretId);
      return { Name: input.SecretId, PrimaryRegion: s.primaryRegion ?? region };
    });
    on("secretsmanager", StopReplicationToReplicaCommand, (input, region) => {
      secret(region, input.SecretId).primaryRegion = undefined;
      return {};
    });
    on("secretsmanager", GetSecretValueCommand, (input, region) => ({
      SecretString: secret(region, input.SecretId).value,
    }));
    on("secretsmanager", PutSecretValueCommand, (input, region) => {
      secret(region, input.SecretId).value = input.SecretString;
      return {};
    });
    on("secretsmanager", ReplicateSecretToRegionsCommand, (input, region) => {
      const owner = secret(region, input.SecretId);
      for (const r of input.AddReplicaRegions)
        this.secrets.set(`${r.Region}/${input.SecretId}`, { primaryRegion: region, value: owner.value });
      return {};
    });
  }

  /** Calls that went to `region` (each one an attempt: its endpoint was contacted). */
  callsTo(region: string): Call[] {
    return this.calls.filter((c) => c.region === region);
  }

  /** Mutating calls in order, without the journal's own Skyline/Operations metric. */
  mutations(): string[] {
    return this.calls
      .filter((c) => !/^(Describe|Get|List)/.test(c.operation))
      .filter((c) => !(c.operation === "PutMetricData" && c.input.Namespace === "Skyline/Operations"))
      .map((c) => `${c.operation} ${c.region}`);
  }

  /** Route 53's API was never called (its control plane is in us-east-1). */
  route53Calls(): number {
    return STUBS.route53.calls().length;
  }
}

/** The public hostname (CloudFront → the serving region's API) on a real local socket. */
export async function publicEndpoint(cloud: FakeCloud): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.method === "GET" && req.url === "/ready") return reply(cloud.ready(), { status: "x" });
      if (req.url === "/v1/tests" && req.method === "POST") {
        if (req.headers.authorization !== `Bearer ${API_TOKEN}`) return reply(401, { title: "Unauthorized" });
        const { status, id } = cloud.write(JSON.parse(body).title);
        return reply(status, id ? { id } : { title: "write failed" });
      }
      const match = /^\/v1\/tests\/([0-9a-f-]+)$/.exec(req.url ?? "");
      if (match && req.method === "GET") return reply(cloud.read(match[1]), {});
      reply(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Each region's load balancer address, for the DNS answers. */
export const REGION_ADDRESS: Readonly<Record<string, string>> = {
  "us-east-1": "10.20.0.10",
  "eu-west-1": "10.21.0.10",
  "ap-south-1": "10.22.0.10",
};

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

/**
 * A DNS server on a real UDP socket: `<origin>` answers with the serving region's address (as
 * Route 53 would), `<code>.<origin>` with that region's; anything else NXDOMAIN.
 */
export async function dnsServer(cloud: FakeCloud): Promise<{ address: string; close: () => Promise<void> }> {
  const origin = cloud.manifest.global!.apiRecordName;
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    let offset = 12;
    const labels: string[] = [];
    while (msg[offset] !== 0) {
      const len = msg[offset];
      labels.push(msg.subarray(offset + 1, offset + 1 + len).toString());
      offset += len + 1;
    }
    const questionEnd = offset + 5;
    const name = labels.join(".").toLowerCase();
    let address: string | undefined;
    if (name === origin) address = REGION_ADDRESS[cloud.serving()];
    for (const [region, entry] of Object.entries(cloud.manifest.regions)) {
      if (name === `${entry.regionCode}.${origin}`) address = REGION_ADDRESS[region];
    }
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(address ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(address ? 1 : 0, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const question = msg.subarray(12, questionEnd);
    const answer = address
      ? Buffer.concat([
          encodeName(name),
          Buffer.from([0, 1, 0, 1, 0, 0, 0, 5, 0, 4]),
          Buffer.from(address.split(".").map(Number)),
        ])
      : Buffer.alloc(0);
    socket.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
