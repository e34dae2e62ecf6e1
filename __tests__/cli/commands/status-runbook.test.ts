import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
} from "@aws-sdk/client-route-53";
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
    const link = (region: string, healthCheckId: string) => ({
      region,
      healthCheckId,
      switches: { disabled: false, inverted: false },
      passing: 1,
      healthy: true,
    });
    expect(JSON.parse(out)).toEqual({
      app: "skyline",
      environment: "production",
      primaryRegion: "us-east-1",
      traffic: {
        ok: true,
        value: {
          record: "api.skyline.example.com",
          serving: "us-east-1",
          allUnhealthy: false,
          regions: [
            link("us-east-1", "hc-use1"),
            link("eu-west-1", "hc-euw1"),
            link("ap-south-1", "hc-aps1"),
          ],
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
                status: "available",
                replicating: true,
                availabilityZone: null,
                instanceClass: null,
                lagSeconds: null,
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

  it("says where Route 53 sends the API's traffic: the first region it judges healthy", async () => {
    let { out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain(
      "traffic   api.skyline.example.com -> us-east-1 (us-east-1 healthy 100%, eu-west-1 healthy 100%, ap-south-1 healthy 100%)",
    );
    // us-east-1 forced out by failover dns, eu-west-1 really down: traffic is in ap-south-1.
    r53.on(GetHealthCheckCommand, { HealthCheckId: "hc-use1" }).resolves({
      HealthCheck: { HealthCheckConfig: { Disabled: true, Inverted: true } } as never,
    });
    r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-euw1" }).resolves({
      HealthCheckObservations: [{ StatusReport: { Status: "Failure: timeout" } }],
    });
    ({ out } = await run(["--manifest", PRODUCTION, "status"]));
    expect(out).toContain(
      "traffic   api.skyline.example.com -> ap-south-1 (us-east-1 forced out, eu-west-1 unhealthy 0%, ap-south-1 healthy 100%)",
    );
  });

  it("names a check left half-switched (disabled only, or inverted only)", async () => {
    r53.on(GetHealthCheckCommand, { HealthCheckId: "hc-aps1" }).resolves({
      HealthCheck: { HealthCheckConfig: { Disabled: true, Inverted: false } } as never,
    });
    r53.on(GetHealthCheckCommand, { HealthCheckId: "hc-euw1" }).resolves({
      HealthCheck: { HealthCheckConfig: { Disabled: false, Inverted: true } } as never,
    });
    const { out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain(
      "(us-east-1 healthy 100%, eu-west-1 unhealthy 100% (inverted), ap-south-1 healthy (disabled (always healthy)))",
    );
  });

  it("says when every region is unhealthy: Route 53 then answers with the primary", async () => {
    r53.on(GetHealthCheckStatusCommand).resolves({
      HealthCheckObservations: [{ StatusReport: { Status: "Failure: timeout" } }],
    });
    const { out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(out).toContain(
      "traffic   api.skyline.example.com -> us-east-1 (every region unhealthy: Route 53 answers with the primary)",
    );
  });

  it("shows the traffic line's error and exits 1 when Route 53 cannot be read", async () => {
    r53.on(ListHostedZonesByNameCommand).rejects(awsError("AccessDenied", "not allowed", 403));
    const { code, out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(code).toBe(1);
    expect(out).toMatch(/traffic {3}ERROR Access denied for hosted zone skyline\.example\.com/);
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
