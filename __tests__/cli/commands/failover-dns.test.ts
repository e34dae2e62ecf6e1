import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { cw, healthyRegion, mutatingCommands, r53, resetMocks } from "../aws-mocks";
import { PRODUCTION, run } from "../helpers";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";

const ORIGIN = "api.skyline.example.com.";
const LEVEL_1 = "failover-1.api.skyline.example.com.";

const status = (ok: number, total = 3) => ({
  HealthCheckObservations: Array.from({ length: total }, (_, i) => ({
    StatusReport: { Status: i < ok ? "Success: HTTP Status Code 200" : "Failure: timeout" },
  })),
});

const record = (name: string, region: string, failover: "PRIMARY" | "SECONDARY", rest: object) =>
  ({ Name: name, Type: "A", SetIdentifier: region, Failover: failover, ...rest }) as ResourceRecordSet;

/** The records the global stack writes for three regions: a chain of two failover pairs. */
const CHAIN: Record<string, ResourceRecordSet[]> = {
  [ORIGIN]: [
    record(ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
    record(ORIGIN, "eu-west-1", "SECONDARY", {
      AliasTarget: { DNSName: LEVEL_1, HostedZoneId: "Z123", EvaluateTargetHealth: true },
    }),
  ],
  [LEVEL_1]: [
    record(LEVEL_1, "eu-west-1", "PRIMARY", { HealthCheckId: "hc-euw1" }),
    record(LEVEL_1, "ap-south-1", "SECONDARY", { HealthCheckId: "hc-aps1" }),
  ],
};

/** Route 53 as the command sees it: records by name, and health checks whose status follows their inversion. */
function route53(records: Record<string, ResourceRecordSet[]>, inverted: Record<string, boolean> = {}) {
  const state: Record<string, boolean> = {
    "hc-use1": false,
    "hc-euw1": false,
    "hc-aps1": false,
    ...inverted,
  };
  r53.on(ListResourceRecordSetsCommand).callsFake(({ StartRecordName }) => ({
    // Route 53 lists from StartRecordName on: the records of that name first, then later names.
    ResourceRecordSets: [
      ...(records[`${StartRecordName}.`] ?? records[StartRecordName] ?? []),
      ...Object.values(records).flat(),
    ],
  }));
  r53.on(GetHealthCheckCommand).callsFake(({ HealthCheckId }) => ({
    HealthCheck: { HealthCheckConfig: { Inverted: state[HealthCheckId] } },
  }));
  r53.on(UpdateHealthCheckCommand).callsFake(({ HealthCheckId, Inverted }) => {
    state[HealthCheckId] = Inverted;
    return {};
  });
  r53.on(GetHealthCheckStatusCommand).callsFake(({ HealthCheckId }) => status(state[HealthCheckId] ? 0 : 3));
  return state;
}

const updates = () =>
  r53
    .commandCalls(UpdateHealthCheckCommand)
    .map((c) => [c.args[0].input.HealthCheckId, c.args[0].input.Inverted]);

const failoverDns = (to: string, yes = true) =>
  run(["--manifest", PRODUCTION, "failover", "dns", "--to", to, ...(yes ? ["--yes"] : [])]);

beforeEach(() => {
  resetMocks();
  healthyRegion();
  r53.on(ListHostedZonesByNameCommand).resolves({
    HostedZones: [{ Id: "/hostedzone/Z123", Name: "skyline.example.com.", CallerReference: "x" }],
  });
});

describe("failover dns", () => {
  it("inverts the primary's health check and waits until Route 53 reports it unhealthy", async () => {
    const state = route53(CHAIN);
    const { code, out } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", true]]);
    expect(state).toEqual({ "hc-use1": true, "hc-euw1": false, "hc-aps1": false });
    expect(out).toContain("api.skyline.example.com now resolves to eu-west-1.");
    expect(out).toContain("skyline failover dns --to us-east-1");
  });

  it("reaches the third region through the chain, inverting the regions ahead of it from the nearest back", async () => {
    route53(CHAIN);
    const { code, out } = await failoverDns("ap-south-1");
    expect(code).toBe(0);
    // eu-west-1 first: traffic stays on us-east-1 until its own check flips, then goes straight to ap-south-1.
    expect(updates()).toEqual([
      ["hc-euw1", true],
      ["hc-use1", true],
    ]);
    expect(out).toContain("Route 53 treats us-east-1, eu-west-1 as unhealthy");
    expect(out).toContain("api.skyline.example.com now resolves to ap-south-1.");
  });

  it("fails back by clearing the inversions, the primary's first", async () => {
    const state = route53(CHAIN, { "hc-use1": true, "hc-euw1": true });
    const { code, out } = await failoverDns("us-east-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([
      ["hc-use1", false],
      ["hc-euw1", false],
    ]);
    expect(state).toEqual({ "hc-use1": false, "hc-euw1": false, "hc-aps1": false });
    expect(out).toContain("Failover inversions cleared.");
  });

  it("moves back one region by clearing only that region's inversion", async () => {
    route53(CHAIN, { "hc-use1": true, "hc-euw1": true });
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-euw1", false]]);
  });

  it("fails over between a plain pair of two regions as before", async () => {
    route53({
      [ORIGIN]: [
        record(ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(ORIGIN, "eu-west-1", "SECONDARY", { HealthCheckId: "hc-euw1" }),
      ],
    });
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", true]]);
  });

  it("refuses when traffic already goes there (exit 3)", async () => {
    route53(CHAIN, { "hc-use1": true });
    const { code, out } = await failoverDns("eu-west-1");
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL not already routed there: us-east-1 inverted=true, eu-west-1 inverted=false, ap-south-1 inverted=false",
    );
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses when the target's health check is failing or an alarm fires there", async () => {
    route53(CHAIN);
    r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-euw1" }).resolves(status(1));
    cw.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [{ AlarmName: "skyline-production-euw1-region-unhealthy" }],
    });
    const { code, out } = await failoverDns("eu-west-1");
    expect(code).toBe(3);
    expect(out).toContain("FAIL eu-west-1 health check passing: 33% of Route 53 checkers report success");
    expect(out).toContain("FAIL no alarm in ALARM in eu-west-1: skyline-production-euw1-region-unhealthy");
    expect(mutatingCommands()).toEqual([]);
  });

  it("rejects a region the record does not fail over to (exit 2)", async () => {
    route53({
      [ORIGIN]: [
        record(ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(ORIGIN, "eu-west-1", "SECONDARY", { HealthCheckId: "hc-euw1" }),
      ],
    });
    const { code, err } = await failoverDns("ap-south-1", false);
    expect(code).toBe(2);
    expect(err).toContain("fails over through us-east-1, eu-west-1, in that order");
  });

  it("rejects a chain whose SECONDARY leads nowhere (exit 2)", async () => {
    route53({
      [ORIGIN]: [
        record(ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(ORIGIN, "eu-west-1", "SECONDARY", {}),
      ],
    });
    const { code, err } = await failoverDns("eu-west-1", false);
    expect(code).toBe(2);
    expect(err).toContain(
      "The SECONDARY record of api.skyline.example.com has neither a health check nor an alias to the next failover level",
    );
  });
});
