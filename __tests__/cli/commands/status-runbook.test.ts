import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { cw, ec, healthyRegion, mutatingCommands, r53, rds, resetMocks } from "../aws-mocks";
import { awsError, PRODUCTION, run, STAGING, tmpDir } from "../helpers";

beforeEach(() => {
  resetMocks();
  healthyRegion();
  rds.on(DescribeDBInstancesCommand).callsFake((input) => ({
    DBInstances: [
      {
        DBInstanceIdentifier: input.DBInstanceIdentifier,
        DBInstanceStatus: "available",
        ReadReplicaSourceDBInstanceIdentifier: input.DBInstanceIdentifier.includes("use1")
          ? undefined
          : "src",
      },
    ],
  }));
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: "available" }] });
});

describe("status", () => {
  it("lists first an operation the journal shows started and never finished (the run was killed)", async () => {
    const audit = join(tmpDir(), "audit.jsonl");
    const entry = {
      app: "skyline",
      environment: "production",
      command: "failover db",
      region: "eu-west-1",
      target: "skyline-production-euw1-db",
      check: "database skyline-production-euw1-db (eu-west-1)",
      operator: "alice",
      host: "laptop-1",
      pid: 4242,
      opId: "killed",
      time: "2025-01-15T02:40:00.000Z",
    };
    writeFileSync(
      audit,
      [
        { ...entry, phase: "started" },
        { ...entry, phase: "sent", operation: "PromoteReadReplica" },
      ]
        .map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
    const text = await run(["--manifest", PRODUCTION, "status"], { env: { SKYLINE_AUDIT_LOG: audit } });
    expect(text.code).toBe(0);
    expect(text.out.split("\n")[0]).toBe(
      "unfinished operation: failover db at 2025-01-15T02:40:00.000Z, check database skyline-production-euw1-db (eu-west-1) " +
        "(sent PromoteReadReplica; no outcome recorded; by alice on laptop-1 pid 4242)",
    );
    const json = await run(["--manifest", PRODUCTION, "-o", "json", "status"], {
      env: { SKYLINE_AUDIT_LOG: audit },
    });
    expect(JSON.parse(json.out).unfinished).toEqual([
      {
        command: "failover db",
        startedAt: "2025-01-15T02:40:00.000Z",
        region: "eu-west-1",
        target: "skyline-production-euw1-db",
        check: "database skyline-production-euw1-db (eu-west-1)",
        sent: ["PromoteReadReplica"],
        operator: "alice",
        host: "laptop-1",
        pid: 4242,
        running: false,
      },
    ]);
  });

  it("shows every region on one screen", async () => {
    cw.on(DescribeAlarmsCommand).callsFake((input) => ({
      MetricAlarms: input.AlarmNames.includes("skyline-production-aps1-region-unhealthy")
        ? [{ AlarmName: "skyline-production-aps1-api-5xx" }]
        : [],
    }));
    const { code, out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(code).toBe(0);
    expect(out).toContain("skyline production (primary us-east-1)");
    expect(out).toContain("us-east-1 (primary)\n  database  skyline-production-use1-db writer available\n");
    expect(out).toContain(
      "eu-west-1 (secondary)\n  database  skyline-production-euw1-db cross-region-replica available lag 5s",
    );
    expect(out).toContain("  service   ACTIVE 2/2 running");
    expect(out).toContain("  alb       skyline-production-use1-alb tg 2/2 healthy");
    expect(out).toContain("  alarms    skyline-production-aps1-api-5xx");
    expect(mutatingCommands()).toEqual([]);
  });

  it("prints a stable JSON document", async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: [] }] });
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "--region",
      "eu-west-1",
      "--output",
      "json",
      "status",
    ]);
    expect(code).toBe(0);
    const copies = (region: string) =>
      ["us-east-1", "eu-west-1", "ap-south-1"]
        .filter((h) => h !== region)
        .map((host) => ({ host, state: "OK" }));
    const code4 = { "us-east-1": "use1", "eu-west-1": "euw1", "ap-south-1": "aps1" } as const;
    expect(JSON.parse(out)).toEqual({
      schemaVersion: 1,
      command: "status",
      outcome: "succeeded",
      exitCode: 0,
      app: "skyline",
      environment: "production",
      primaryRegion: "us-east-1",
      unfinished: [],
      lastDrill: null,
      traffic: {
        ok: true,
        value: {
          record: "api.skyline.example.com",
          serving: "us-east-1",
          intended: "us-east-1",
          oneRegion: false,
          switches: (["us-east-1", "eu-west-1", "ap-south-1"] as const).map((region) => ({
            region,
            alarmName: `skyline-production-${code4[region]}-traffic-switch`,
            copies: copies(region),
            forcedOut: false,
          })),
          answer: { addresses: [], error: "ECONNREFUSED" },
        },
      },
      regions: [
        {
          region: "eu-west-1",
          role: "secondary",
          database: {
            ok: true,
            value: [
              {
                id: "skyline-production-euw1-db",
                role: "cross-region-replica",
                actualRole: "cross-region-replica",
                writerSince: null,
                status: "available",
                replicating: true,
                availabilityZone: null,
                instanceClass: null,
                lagSeconds: null,
                lag: "no-data",
                sourceRegion: "us-east-1",
              },
            ],
          },
          cache: {
            ok: true,
            value: { id: "skyline-production-euw1-cache", status: "available", nodeType: null },
          },
          service: {
            ok: true,
            value: { status: "ACTIVE", running: 2, desired: 2, pending: 0, deployments: 1, healthy: true },
          },
          // ECS lists no deployment in this fake: nothing in flight.
          deployment: { ok: true, value: null },
          loadBalancer: {
            ok: true,
            value: {
              name: "skyline-production-euw1-alb",
              targetGroups: [{ targetGroup: "tg", healthy: 2, total: 2 }],
            },
          },
          alarms: { ok: true, value: [] },
        },
      ],
    });
  });

  it("says where the traffic switches send the API's traffic, from CloudWatch, never Route 53's API", async () => {
    let { out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain(
      "traffic   api.skyline.example.com -> us-east-1 (us-east-1 in, eu-west-1 in, ap-south-1 in; DNS not read: ECONNREFUSED)",
    );
    // us-east-1 and eu-west-1 forced out (by failover dns --to ap-south-1): traffic goes to ap-south-1.
    cw.on(DescribeAlarmsCommand).callsFake((input: { StateValue?: string; AlarmNames?: string[] }) => ({
      MetricAlarms:
        input.StateValue === "ALARM"
          ? []
          : (input.AlarmNames ?? []).map((AlarmName) => ({
              AlarmName,
              StateValue: /use1|euw1/.test(AlarmName) ? "ALARM" : "OK",
            })),
    }));
    ({ out } = await run(["--manifest", PRODUCTION, "status"]));
    expect(out).toContain(
      "traffic   api.skyline.example.com -> ap-south-1 (us-east-1 forced out, eu-west-1 forced out, ap-south-1 in; DNS not read: ECONNREFUSED)",
    );
    expect(r53.calls()).toEqual([]);
  });

  it("a region whose switches cannot be read shows them unread; the rest still tells where traffic goes", async () => {
    cw.on(DescribeAlarmsCommand).callsFake(async (input: { StateValue?: string; AlarmNames?: string[] }) => {
      if (
        input.AlarmNames?.includes("skyline-production-euw1-traffic-switch") &&
        input.AlarmNames.includes("skyline-production-aps1-traffic-switch")
      ) {
        // the copies kept in us-east-1
        throw awsError("AccessDenied", "not allowed", 403);
      }
      return {
        MetricAlarms: (input.StateValue === "ALARM" ? [] : (input.AlarmNames ?? [])).map((AlarmName) => ({
          AlarmName,
          StateValue: "OK",
        })),
      };
    });
    const { out, err } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain("eu-west-1 in (switch unread in us-east-1)");
    expect(err).toContain("could not read the traffic switches in us-east-1");
  });

  it("exits 0 for a one-region chain (staging): there is nothing to fail over to, which is fine", async () => {
    const staging = JSON.parse(readFileSync(STAGING, "utf8"));
    staging.global = {
      stack: "skyline-staging-global",
      hostedZoneName: "staging.skyline.example.com",
      apiRecordName: "origin.staging.skyline.example.com",
      publicHostname: "staging.skyline.example.com",
      failoverOrder: ["eu-west-1"],
      healthChecks: { "eu-west-1": { name: "skyline-staging-euw1-health", resourcePath: "/ready" } },
    };
    const path = join(tmpDir(), "manifest.json");
    writeFileSync(path, JSON.stringify(staging));
    const { code, out } = await run(["--manifest", path, "status"]);
    expect(code).toBe(0);
    expect(out).toContain(
      "traffic   origin.staging.skyline.example.com -> eu-west-1 (one region: no failover chain)",
    );
    expect(r53.calls()).toEqual([]);
  });

  it("shows a promoted replica as the writer, ReplicaLag -1 as replication stopped, no data as the source unreachable", async () => {
    rds.on(DescribeDBInstancesCommand).callsFake((input) => ({
      DBInstances: [
        {
          DBInstanceIdentifier: input.DBInstanceIdentifier,
          DBInstanceStatus: "available",
          ReadReplicaSourceDBInstanceIdentifier: /use1|euw1/.test(input.DBInstanceIdentifier)
            ? undefined
            : "src",
          TagList: input.DBInstanceIdentifier.includes("euw1")
            ? [{ Key: "skyline:writer-since", Value: "2025-01-15T03:05:00.000Z" }]
            : [],
        },
      ],
    }));
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [4, -1] }] });
    let { out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain(
      "skyline-production-euw1-db writer (promoted cross-region-replica, writer since 2025-01-15T03:05:00.000Z) available\n",
    );
    expect(out).toContain(
      "skyline-production-aps1-db cross-region-replica available replication stopped (ReplicaLag -1)",
    );
    expect(out).not.toContain("lag unknown");
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [] }] });
    ({ out } = await run(["--manifest", PRODUCTION, "status"]));
    expect(out).toContain(
      "skyline-production-aps1-db cross-region-replica available no lag data: source region us-east-1 unreachable?",
    );
  });

  it("shows a section it cannot read and exits 1", async () => {
    ec.on(DescribeReplicationGroupsCommand).rejects(awsError("AccessDenied", "not allowed", 403));
    const { code, out, err } = await run(["--manifest", STAGING, "status"]);
    expect(code).toBe(1);
    expect(out).toContain("  cache     ERROR Access denied for cache skyline-staging-euw1-cache (eu-west-1)");
    expect(err).toContain("Could not read eu-west-1 cache");
  });
});

describe("runbook", () => {
  function withRunbooks(): string {
    const dir = tmpDir();
    mkdirSync(join(dir, "runbooks"));
    writeFileSync(
      join(dir, "runbooks", "failover.md"),
      "# Regional failover\n\nskyline failover db --to eu-west-1\n",
    );
    writeFileSync(join(dir, "runbooks", "snapshot.md"), "# Take a snapshot\n");
    const manifest = join(dir, "manifest.json");
    writeFileSync(manifest, readFileSync(PRODUCTION, "utf8"));
    return manifest;
  }

  it("list prints names and titles; show prints the Markdown", async () => {
    const manifest = withRunbooks();
    const list = await run(["--manifest", manifest, "runbook", "list"]);
    expect(list.out).toBe("failover  Regional failover\nsnapshot  Take a snapshot\n");
    const show = await run(["--manifest", manifest, "runbook", "show", "failover"]);
    expect(show.out).toBe("# Regional failover\n\nskyline failover db --to eu-west-1\n");
    const json = await run(["--manifest", manifest, "-o", "json", "runbook", "show", "snapshot.md"]);
    expect(JSON.parse(json.out)).toEqual({
      schemaVersion: 1,
      command: "runbook show",
      environment: null,
      outcome: "succeeded",
      exitCode: 0,
      name: "snapshot",
      title: "Take a snapshot",
      markdown: "# Take a snapshot\n",
    });
  });

  it("an unknown runbook or a missing runbooks dir exits 2 naming what exists", async () => {
    const unknown = await run(["--manifest", withRunbooks(), "runbook", "show", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('No runbook "nope"; available: failover, snapshot.');
    const missing = await run(["--manifest", PRODUCTION, "runbook", "list"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("No runbooks at");
  });
});
