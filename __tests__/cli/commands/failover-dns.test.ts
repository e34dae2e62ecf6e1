import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
} from "@aws-sdk/client-route-53";
import { cw, healthyRegion, mutatingCommands, r53, resetMocks } from "../aws-mocks";
import { PRODUCTION, run } from "../helpers";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";

const status = (ok: number, total = 3) => ({
  HealthCheckObservations: Array.from({ length: total }, (_, i) => ({
    StatusReport: { Status: i < ok ? "Success: HTTP Status Code 200" : "Failure: timeout" },
  })),
});

beforeEach(() => {
  resetMocks();
  healthyRegion();
  r53.on(ListHostedZonesByNameCommand).resolves({
    HostedZones: [{ Id: "/hostedzone/Z123", Name: "skyline.example.com.", CallerReference: "x" }],
  });
  r53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [
      {
        Name: "api.skyline.example.com.",
        Type: "A",
        SetIdentifier: "us-east-1",
        Failover: "PRIMARY",
        HealthCheckId: "hc-use1",
      },
      {
        Name: "api.skyline.example.com.",
        Type: "A",
        SetIdentifier: "eu-west-1",
        Failover: "SECONDARY",
        HealthCheckId: "hc-euw1",
      },
    ],
  });
  r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-euw1" }).resolves(status(3));
});

describe("failover dns", () => {
  it("inverts the primary's health check and waits until Route 53 reports it unhealthy", async () => {
    r53
      .on(GetHealthCheckCommand)
      .resolvesOnce({ HealthCheck: { HealthCheckConfig: { Inverted: false } } as never })
      .resolves({ HealthCheck: { HealthCheckConfig: { Inverted: true } } as never });
    r53
      .on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-use1" })
      .resolvesOnce(status(3))
      .resolves(status(0));
    r53.on(UpdateHealthCheckCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "failover",
      "dns",
      "--to",
      "eu-west-1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(r53.commandCalls(UpdateHealthCheckCommand)[0].args[0].input).toEqual({
      HealthCheckId: "hc-use1",
      Inverted: true,
    });
    expect(out).toContain("api.skyline.example.com now resolves to eu-west-1.");
    expect(out).toContain("skyline failover dns --to us-east-1");
  });

  it("fails back by clearing the inversion", async () => {
    r53
      .on(GetHealthCheckCommand)
      .resolvesOnce({ HealthCheck: { HealthCheckConfig: { Inverted: true } } as never })
      .resolves({ HealthCheck: { HealthCheckConfig: { Inverted: false } } as never });
    r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-use1" }).resolves(status(3));
    r53.on(UpdateHealthCheckCommand).resolves({});
    const { code } = await run(["--manifest", PRODUCTION, "failover", "dns", "--to", "us-east-1", "--yes"]);
    expect(code).toBe(0);
    expect(r53.commandCalls(UpdateHealthCheckCommand)[0].args[0].input).toEqual({
      HealthCheckId: "hc-use1",
      Inverted: false,
    });
  });

  it("refuses when the target's health check is failing or an alarm fires there", async () => {
    r53
      .on(GetHealthCheckCommand)
      .resolves({ HealthCheck: { HealthCheckConfig: { Inverted: false } } as never });
    r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-euw1" }).resolves(status(1));
    cw.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [{ AlarmName: "skyline-production-euw1-region-unhealthy" }],
    });
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "failover",
      "dns",
      "--to",
      "eu-west-1",
      "--yes",
    ]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL eu-west-1 health check passing: 33% of Route 53 checkers report success");
    expect(out).toContain("FAIL no alarm in ALARM in eu-west-1: skyline-production-euw1-region-unhealthy");
    expect(mutatingCommands()).toEqual([]);
  });

  it("rejects a region that is not part of the failover pair (exit 2)", async () => {
    r53
      .on(GetHealthCheckCommand)
      .resolves({ HealthCheck: { HealthCheckConfig: { Inverted: false } } as never });
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "dns", "--to", "ap-south-1"]);
    expect(code).toBe(2);
    expect(err).toContain("fails over between us-east-1 and eu-west-1");
  });
});
