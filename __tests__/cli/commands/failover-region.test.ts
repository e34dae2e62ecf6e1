/**
 * `skyline failover region` end to end against a stateful fake of AWS (support/fake-cloud.ts),
 * with a real DNS server and the public hostname on real sockets: us-east-1 lost and the region
 * failed over to eu-west-1 or to ap-south-1, then the fail-back once us-east-1 returns; a run
 * interrupted after each step and resumed from what AWS shows; and no request to the lost region
 * or to Route 53's control plane.
 */
import { readFileSync } from "node:fs";
import { runCli } from "../../../cli/program";
import { InterruptedError } from "../../../cli/core/errors";
import { parseManifest } from "../../../manifest/schema";
import { fakeRuntime, PRODUCTION, type FakeRuntime } from "../helpers";
import { API_TOKEN, dnsServer, FakeCloud, publicEndpoint } from "../support/fake-cloud";

const manifest = parseManifest(JSON.parse(readFileSync(PRODUCTION, "utf8")), PRODUCTION);
const EUW1_DB = "skyline-production-euw1-db";
const APS1_DB = "skyline-production-aps1-db";

let cloud: FakeCloud;
let endpoint: { url: string; close: () => Promise<void> };
let dns: { address: string; close: () => Promise<void> };

beforeEach(async () => {
  cloud = new FakeCloud(manifest);
  cloud.install();
  endpoint = await publicEndpoint(cloud);
  dns = await dnsServer(cloud);
});

afterEach(async () => {
  await endpoint.close();
  await dns.close();
});

async function skyline(args: string[]): Promise<{ code: number; out: string; err: string; rt: FakeRuntime }> {
  const rt = fakeRuntime({ env: { SKYLINE_API_TOKEN: API_TOKEN, SKYLINE_DNS_SERVER: dns.address } });
  cloud.useClock(() => rt.clock);
  const code = await runCli(["--manifest", PRODUCTION, ...args], rt);
  return { code, out: rt.out, err: rt.err, rt };
}

const outage = ["--declare-outage", "us-east-1", "--confirm-outage", "us-east-1"];
const failoverTo = (region: string, db: string, extra: string[] = []) => [
  "failover",
  "region",
  "--to",
  region,
  ...outage,
  "--accept-data-loss",
  "--confirm-replica-id",
  db,
  "--public-url",
  endpoint.url,
  "--yes",
  ...extra,
];

/** A row written before the outage: in us-east-1 and replicated to both DR regions. */
function rowBeforeOutage(): string {
  const { status, id } = cloud.write("written before the outage");
  expect(status).toBe(201);
  return id!;
}

describe("failover region: us-east-1 lost", () => {
  it("fails over to eu-west-1 in order, each step timed against its budget, no request to us-east-1 or Route 53", async () => {
    const before = rowBeforeOutage();
    cloud.down.add("us-east-1");
    // Route 53 already sends traffic to eu-west-1 by itself, but its database is a replica: writes fail.
    expect(cloud.serving()).toBe("eu-west-1");
    expect(cloud.write("during the outage").status).toBe(500);

    const { code, out, err } = await skyline(failoverTo("eu-west-1", EUW1_DB));
    expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });

    // The order the issue asks for, each step done once.
    expect(cloud.mutations()).toEqual([
      "PromoteReadReplica eu-west-1",
      "AddTagsToResource eu-west-1",
      "StopReplicationToReplica eu-west-1",
      "StopReplicationToReplica eu-west-1",
      "StopReplicationToReplica eu-west-1",
      "RegisterScalableTarget eu-west-1",
      "UpdateService eu-west-1",
      "DisassociateGlobalReplicationGroup eu-west-1",
      "PutMetricData eu-west-1",
      "SetAlarmState eu-west-1",
      "PutMetricData ap-south-1",
      "SetAlarmState ap-south-1",
    ]);
    expect(cloud.callsTo("us-east-1")).toEqual([]);
    expect(cloud.route53Calls()).toBe(0);

    expect(out).toContain(
      "Plan: Fail over the region: writer us-east-1 → eu-west-1 (outage of us-east-1 declared)",
    );
    expect(out).toMatch(
      /\[skipped\] Fence the writers in us-east-1 \(budget 2 min\): us-east-1 is declared down/,
    );
    expect(out).toContain("OVERRIDDEN replica lag within RPO: source region us-east-1 unreachable");
    expect(out).toMatch(
      /Promote skyline-production-euw1-db in eu-west-1: done in \d\d:\d\d \(budget 8 min\)/,
    );
    expect(out).toMatch(/Move the cache to eu-west-1: done in \d\d:\d\d \(budget 3 min\)/);
    expect(out).toMatch(/Move traffic to eu-west-1: done in \d\d:\d\d \(budget 3 min\)/);
    expect(out).toMatch(/Verify through http:\/\/127\.0\.0\.1:\d+: done in \d\d:\d\d \(budget 3 min\)/);
    expect(out).toMatch(
      /Measured recovery time \d\d:\d\d .* RTO 30 min \(within: 25 min left for the command\)/,
    );
    expect(out).toContain("Data-loss window unknown: no ReplicaLag seen in the last hour (RPO 300 s)");
    expect(out).toContain("origin.skyline.example.com answers with eu-west-1".replace("origin", "api"));

    // The writer is eu-west-1, traffic is there, the old row survived and a new write works.
    expect(cloud.db("eu-west-1").replicaOf).toBeUndefined();
    expect(cloud.db("eu-west-1").tags["skyline:writer-since"]).toBeDefined();
    expect(cloud.caches.get("eu-west-1")!.globalId).toBeUndefined();
    expect(cloud.services.get("eu-west-1")!.deployments).toHaveLength(1);
    expect(cloud.secrets.get("eu-west-1/skyline-production-jwt")!.primaryRegion).toBeUndefined();
    expect(cloud.serving()).toBe("eu-west-1");
    expect(cloud.read(before)).toBe(200);
    expect(cloud.write("after the failover").status).toBe(201);
  });

  it("fails over to ap-south-1: both regions ahead of it forced out, its cache detached", async () => {
    rowBeforeOutage();
    cloud.down.add("us-east-1");
    const { code, out, err } = await skyline(failoverTo("ap-south-1", APS1_DB));
    expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
    expect(cloud.callsTo("us-east-1")).toEqual([]);
    expect(cloud.route53Calls()).toBe(0);
    // eu-west-1 is healthy, so it must be forced out too: its copy in ap-south-1 (us-east-1's is unreachable).
    expect(cloud.alarms.get("ap-south-1/skyline-production-euw1-traffic-switch")).toBe("ALARM");
    expect(cloud.alarms.get("eu-west-1/skyline-production-use1-traffic-switch")).toBe("ALARM");
    expect(cloud.alarms.get("ap-south-1/skyline-production-use1-traffic-switch")).toBe("ALARM");
    expect(out).toContain("forced out eu-west-1's switch in ap-south-1 (not in us-east-1: declared down");
    // Nearest first: eu-west-1 out before us-east-1, so traffic never passes through eu-west-1.
    const switchOrder = cloud.calls
      .filter((c) => c.operation === "SetAlarmState")
      .map((c) => `${c.input.AlarmName} ${c.region}`);
    expect(switchOrder[0]).toBe("skyline-production-euw1-traffic-switch ap-south-1");
    expect(cloud.serving()).toBe("ap-south-1");
    expect(cloud.db("ap-south-1").replicaOf).toBeUndefined();
    expect(cloud.caches.get("ap-south-1")!.globalId).toBeUndefined();
    expect(cloud.write("after").status).toBe(201);
  });

  it("--dry-run prints the whole plan with every check and changes nothing", async () => {
    cloud.down.add("us-east-1");
    const { code, out } = await skyline(failoverTo("eu-west-1", EUW1_DB, ["--dry-run"]));
    expect(code).toBe(0);
    expect(cloud.mutations()).toEqual([]);
    for (const step of [
      "[skipped] Fence the writers in us-east-1",
      "[todo] Promote skyline-production-euw1-db in eu-west-1",
      "[todo] Repoint and roll the API in eu-west-1",
      "[todo] Move the cache to eu-west-1",
      "[todo] Move traffic to eu-west-1",
      "[todo] Verify through",
    ]) {
      expect(out).toContain(step);
    }
    for (const check of [
      "replica available",
      "replica lag within RPO",
      "eu-west-1 can serve",
      "service healthy in eu-west-1",
      "public write check possible",
    ]) {
      expect(out).toContain(check);
    }
    expect(out).toContain("Dry run: no changes made.");
  });
});

describe("failover region: interrupted after each step, then resumed from AWS state", () => {
  const steps: [string, (c: FakeCloud) => boolean][] = [
    ["promote", (c) => c.db("eu-west-1").tags["skyline:writer-since"] !== undefined],
    [
      "repoint",
      (c) =>
        c.services.get("eu-west-1")!.deployments.length === 1 &&
        c.services.get("eu-west-1")!.deployments[0].createdAt > 0 &&
        c.services.get("eu-west-1")!.rolling === 0,
    ],
    [
      "cache",
      (c) =>
        c.caches.get("eu-west-1")!.globalId === undefined && c.caches.get("eu-west-1")!.pending.length === 0,
    ],
    ["traffic", (c) => c.alarms.get("ap-south-1/skyline-production-use1-traffic-switch") === "ALARM"],
  ];

  it.each(steps)(
    "after %s: exit 130, then the re-run continues at the next step and sends nothing twice",
    async (_step, done) => {
      rowBeforeOutage();
      cloud.down.add("us-east-1");
      cloud.interruptWhen = { when: done, error: () => new InterruptedError("Interrupted (SIGINT).") };
      const first = await skyline(failoverTo("eu-west-1", EUW1_DB));
      expect(first.code).toBe(130);
      const sentFirst = cloud.mutations().length;
      expect(sentFirst).toBeGreaterThan(0);

      const second = await skyline(failoverTo("eu-west-1", EUW1_DB));
      expect({ code: second.code, err: second.code === 0 ? "" : second.err }).toEqual({ code: 0, err: "" });
      expect(second.out).toMatch(
        /Resuming: the steps marked done were found done in AWS\.|Every step but the verification is done already/,
      );
      expect(second.out).toMatch(/\[done\] Promote skyline-production-euw1-db/);
      expect(second.out).toMatch(/Promote skyline-production-euw1-db in eu-west-1: already done/);
      // Every mutation happened once over both runs.
      const counts = (op: string) => cloud.mutations().filter((m) => m.startsWith(op)).length;
      expect(counts("PromoteReadReplica")).toBe(1);
      expect(counts("StopReplicationToReplica")).toBe(3);
      expect(counts("UpdateService")).toBe(1);
      expect(counts("DisassociateGlobalReplicationGroup")).toBe(1);
      expect(counts("SetAlarmState")).toBe(2);
      expect(cloud.callsTo("us-east-1")).toEqual([]);
      expect(cloud.serving()).toBe("eu-west-1");
    },
  );

  it("after the fence (us-east-1 still reachable): the resume promotes without fencing again", async () => {
    cloud.interruptWhen = {
      when: (c) => c.services.get("us-east-1")!.desired === 0 && c.services.get("us-east-1")!.running === 0,
      error: () => new InterruptedError("Interrupted (SIGINT)."),
    };
    const args = ["failover", "region", "--to", "eu-west-1", "--public-url", endpoint.url, "--yes"];
    expect((await skyline(args)).code).toBe(130);
    expect(cloud.mutations()).toEqual(["RegisterScalableTarget us-east-1", "UpdateService us-east-1"]);
    const second = await skyline(args);
    expect({ code: second.code, err: second.code === 0 ? "" : second.err }).toEqual({ code: 0, err: "" });
    expect(second.out).toMatch(/Fence the writers in us-east-1: already done/);
    expect(cloud.mutations().filter((m) => m === "UpdateService us-east-1")).toHaveLength(1);
    // us-east-1 reachable: the cache fails over (not detached) and the secrets stay replicated.
    expect(cloud.caches.get("eu-west-1")!.role).toBe("PRIMARY");
    expect(cloud.mutations().some((m) => m.startsWith("StopReplicationToReplica"))).toBe(false);
  });

  it("killed while the promotion was under way: the resume waits for it and never sends PromoteReadReplica again", async () => {
    cloud.down.add("us-east-1");
    cloud.interruptWhen = {
      when: (c) => c.db("eu-west-1").status === "modifying",
      error: () => new InterruptedError("Interrupted (SIGTERM).", "SIGTERM"),
    };
    expect((await skyline(failoverTo("eu-west-1", EUW1_DB))).code).toBe(143);
    const second = await skyline(failoverTo("eu-west-1", EUW1_DB));
    expect(second.code).toBe(0);
    expect(second.out).toContain("promotion under way (modifying): wait for it");
    expect(cloud.mutations().filter((m) => m.startsWith("PromoteReadReplica"))).toHaveLength(1);
  });
});

describe("fail-back to us-east-1 once it is back", () => {
  it("re-seeds us-east-1 from eu-west-1, moves the writer and traffic back, re-seeds the DR replicas; no write lost", async () => {
    const before = rowBeforeOutage();
    cloud.down.add("us-east-1");
    expect((await skyline(failoverTo("eu-west-1", EUW1_DB))).code).toBe(0);
    const during = cloud.write("written in eu-west-1 during the outage").id!;
    cloud.down.delete("us-east-1");
    cloud.calls.length = 0;

    const { code, out, err } = await skyline([
      "failover",
      "region",
      "--to",
      "us-east-1",
      "--public-url",
      endpoint.url,
      "--yes",
    ]);
    expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
    expect(out).toContain("Plan: Fail back to us-east-1: writer eu-west-1 → us-east-1");
    expect(cloud.mutations()).toEqual([
      // re-seed: the returning region's API fenced, its stale writer kept, a replica of eu-west-1 created
      "RegisterScalableTarget us-east-1",
      "UpdateService us-east-1",
      "ModifyDBInstance us-east-1",
      "CreateDBInstanceReadReplica us-east-1",
      // fence eu-west-1, promote us-east-1 once lag is 0
      "RegisterScalableTarget eu-west-1",
      "UpdateService eu-west-1",
      "PromoteReadReplica us-east-1",
      "AddTagsToResource us-east-1",
      // secrets replicate from us-east-1 again; the API rolled at serving size
      "ReplicateSecretToRegions us-east-1",
      "ReplicateSecretToRegions us-east-1",
      "ReplicateSecretToRegions us-east-1",
      "RegisterScalableTarget us-east-1",
      "UpdateService us-east-1",
      // traffic: us-east-1's switch cleared where it was set
      "PutMetricData eu-west-1",
      "SetAlarmState eu-west-1",
      "PutMetricData ap-south-1",
      "SetAlarmState ap-south-1",
      // the DR replicas re-seeded from us-east-1, their APIs at standby size
      "ModifyDBInstance eu-west-1",
      "CreateDBInstanceReadReplica eu-west-1",
      "RegisterScalableTarget eu-west-1",
      "UpdateService eu-west-1",
      "ModifyDBInstance ap-south-1",
      "CreateDBInstanceReadReplica ap-south-1",
    ]);
    const create = cloud.calls.find(
      (c) => c.operation === "CreateDBInstanceReadReplica" && c.region === "us-east-1",
    )!;
    expect(create.input).toMatchObject({
      DBInstanceIdentifier: "skyline-production-use1-db",
      SourceDBInstanceIdentifier: "arn:aws:rds:eu-west-1:222222222222:db:skyline-production-euw1-db",
      KmsKeyId: manifest.regions["us-east-1"].database!.kmsKeyAlias,
      DBParameterGroupName: "skyline-production-use1-db-postgres16-abc",
      EnableIAMDatabaseAuthentication: true,
    });
    expect(cloud.dbs.has("us-east-1/skyline-production-use1-db-retired")).toBe(true);
    expect(cloud.serving()).toBe("us-east-1");
    expect(cloud.db("us-east-1").replicaOf).toBeUndefined();
    expect(cloud.db("eu-west-1").replicaOf).toBe(
      "arn:aws:rds:us-east-1:222222222222:db:skyline-production-use1-db",
    );
    expect(cloud.db("ap-south-1").replicaOf).toBe(
      "arn:aws:rds:us-east-1:222222222222:db:skyline-production-use1-db",
    );
    expect(cloud.secrets.get("eu-west-1/skyline-production-jwt")!.primaryRegion).toBe("us-east-1");
    // Both rows are in the restored primary: nothing written during the outage was lost.
    expect(cloud.read(before)).toBe(200);
    expect(cloud.read(during)).toBe(200);
    expect(cloud.route53Calls()).toBe(0);
  });
});

it("fail-back copies a secret rotated during the outage back to its owner before replicating over it", async () => {
  cloud.down.add("us-east-1");
  expect((await skyline(failoverTo("eu-west-1", EUW1_DB))).code).toBe(0);
  cloud.secrets.get("eu-west-1/skyline-production-jwt")!.value = "rotated during the outage";
  cloud.down.delete("us-east-1");
  const { code } = await skyline([
    "failover",
    "region",
    "--to",
    "us-east-1",
    "--public-url",
    endpoint.url,
    "--yes",
  ]);
  expect(code).toBe(0);
  const put = cloud.calls.filter((c) => c.operation === "PutSecretValue");
  expect(put.map((c) => [c.region, c.input.SecretId])).toEqual([["us-east-1", "skyline-production-jwt"]]);
  expect(String(put[0].input.ClientRequestToken).length).toBeGreaterThanOrEqual(32);
  expect(cloud.secrets.get("us-east-1/skyline-production-jwt")!.value).toBe("rotated during the outage");
  expect(cloud.secrets.get("eu-west-1/skyline-production-jwt")).toEqual({
    primaryRegion: "us-east-1",
    value: "rotated during the outage",
  });
});

describe("interrupted after each step of the ap-south-1 failover and of the fail-back, then resumed", () => {
  const interrupted = () => new InterruptedError("Interrupted (SIGINT).");

  it.each([
    ["promote", (c: FakeCloud) => c.db("ap-south-1").tags["skyline:writer-since"] !== undefined],
    [
      "repoint",
      (c: FakeCloud) =>
        c.services.get("ap-south-1")!.deployments.length === 1 &&
        c.services.get("ap-south-1")!.deployments[0].createdAt > 0 &&
        c.services.get("ap-south-1")!.rolling === 0,
    ],
    [
      "cache",
      (c: FakeCloud) =>
        c.caches.get("ap-south-1")!.globalId === undefined &&
        c.caches.get("ap-south-1")!.pending.length === 0,
    ],
    [
      "traffic",
      (c: FakeCloud) => c.alarms.get("ap-south-1/skyline-production-use1-traffic-switch") === "ALARM",
    ],
  ])("us-east-1 → ap-south-1, after %s", async (_step, done) => {
    cloud.down.add("us-east-1");
    cloud.interruptWhen = { when: done, error: interrupted };
    expect((await skyline(failoverTo("ap-south-1", APS1_DB))).code).toBe(130);
    const second = await skyline(failoverTo("ap-south-1", APS1_DB));
    expect({ code: second.code, err: second.code ? second.err : "" }).toEqual({ code: 0, err: "" });
    expect(cloud.mutations().filter((m) => m.startsWith("PromoteReadReplica"))).toHaveLength(1);
    expect(cloud.mutations().filter((m) => m.startsWith("DisassociateGlobalReplicationGroup"))).toHaveLength(
      1,
    );
    expect(cloud.callsTo("us-east-1")).toEqual([]);
    expect(cloud.serving()).toBe("ap-south-1");
  });

  const failbackSteps: [string, (c: FakeCloud) => boolean][] = [
    [
      "re-seed",
      (c) =>
        c.db("us-east-1")?.replicaOf !== undefined &&
        c.db("us-east-1")?.status === "available" &&
        c.db("us-east-1")?.pending.length === 0,
    ],
    [
      "fence",
      (c) => c.services.get("eu-west-1")!.desired === 0 && c.services.get("eu-west-1")!.running === 0,
    ],
    ["promote", (c) => c.db("us-east-1")?.tags["skyline:writer-since"] !== undefined],
    [
      "repoint",
      (c) =>
        c.secrets.get("eu-west-1/skyline-production-db-connection")!.primaryRegion === "us-east-1" &&
        c.services.get("us-east-1")!.rolling === 0 &&
        c.services.get("us-east-1")!.desired > 0,
    ],
    ["traffic", (c) => c.alarms.get("ap-south-1/skyline-production-use1-traffic-switch") === "OK"],
  ];

  it.each(failbackSteps)("fail-back to us-east-1, after %s", async (_step, done) => {
    const before = rowBeforeOutage();
    cloud.down.add("us-east-1");
    expect((await skyline(failoverTo("eu-west-1", EUW1_DB))).code).toBe(0);
    const during = cloud.write("written in eu-west-1 during the outage").id!;
    cloud.down.delete("us-east-1");
    const back = ["failover", "region", "--to", "us-east-1", "--public-url", endpoint.url, "--yes"];
    cloud.interruptWhen = { when: done, error: interrupted };
    expect((await skyline(back)).code).toBe(130);
    const second = await skyline(back);
    expect({ code: second.code, err: second.code ? second.err : "" }).toEqual({ code: 0, err: "" });
    expect(second.out).toContain("Plan: Fail back to us-east-1");
    const once = (op: string) => cloud.mutations().filter((m) => m === op);
    expect(once("CreateDBInstanceReadReplica us-east-1")).toHaveLength(1);
    expect(once("PromoteReadReplica us-east-1")).toHaveLength(1);
    expect(once("ModifyDBInstance us-east-1")).toHaveLength(1);
    expect(cloud.serving()).toBe("us-east-1");
    expect(cloud.db("us-east-1").replicaOf).toBeUndefined();
    expect(cloud.db("eu-west-1").replicaOf).toBe(
      "arn:aws:rds:us-east-1:222222222222:db:skyline-production-use1-db",
    );
    expect(cloud.read(before)).toBe(200);
    expect(cloud.read(during)).toBe(200);
  });
});
