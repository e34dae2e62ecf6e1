import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { cw, DNS_CHAIN, DNS_ORIGIN, healthyRegion, mutatingCommands, r53, resetMocks } from "../aws-mocks";
import { PRODUCTION, run } from "../helpers";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";

const status = (ok: number, total = 3) => ({
  HealthCheckObservations: Array.from({ length: total }, (_, i) => ({
    StatusReport: { Status: i < ok ? "Success: HTTP Status Code 200" : "Failure: timeout" },
  })),
});

const record = (name: string, region: string, failover: "PRIMARY" | "SECONDARY", rest: object) =>
  ({ Name: name, Type: "A", SetIdentifier: region, Failover: failover, ...rest }) as ResourceRecordSet;

type Switches = { disabled: boolean; inverted: boolean };
const REAL: Switches = { disabled: false, inverted: false };
const OUT: Switches = { disabled: true, inverted: true };

/**
 * Route 53 as the command sees it: records by name, health checks with their two switches, and
 * checkers that report each endpoint's real health (never inverted; none while a check is disabled).
 */
function route53(
  records: Record<string, ResourceRecordSet[]>,
  switches: Record<string, Switches> = {},
  down: string[] = [],
) {
  const state: Record<string, Switches> = { "hc-use1": REAL, "hc-euw1": REAL, "hc-aps1": REAL, ...switches };
  r53.on(ListResourceRecordSetsCommand).callsFake(({ StartRecordName }) => ({
    // Route 53 lists from StartRecordName on: the records of that name first, then later names.
    ResourceRecordSets: [
      ...(records[`${StartRecordName}.`] ?? records[StartRecordName] ?? []),
      ...Object.values(records).flat(),
    ],
  }));
  r53.on(GetHealthCheckCommand).callsFake(({ HealthCheckId }) => ({
    HealthCheck: {
      HealthCheckConfig: { Disabled: state[HealthCheckId].disabled, Inverted: state[HealthCheckId].inverted },
    },
  }));
  r53.on(UpdateHealthCheckCommand).callsFake(({ HealthCheckId, Disabled, Inverted }) => {
    state[HealthCheckId] = { disabled: Disabled, inverted: Inverted };
    return {};
  });
  r53
    .on(GetHealthCheckStatusCommand)
    .callsFake(({ HealthCheckId }) =>
      state[HealthCheckId].disabled
        ? { HealthCheckObservations: [] }
        : status(down.includes(HealthCheckId) ? 0 : 3),
    );
  return state;
}

const updates = () =>
  r53
    .commandCalls(UpdateHealthCheckCommand)
    .map((c) => [
      c.args[0].input.HealthCheckId,
      { disabled: c.args[0].input.Disabled, inverted: c.args[0].input.Inverted },
    ]);

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
  it("forces the primary out (check disabled and inverted) and answers with the first DR region", async () => {
    const state = route53(DNS_CHAIN);
    const { code, out } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", OUT]]);
    expect(state).toEqual({ "hc-use1": OUT, "hc-euw1": REAL, "hc-aps1": REAL });
    expect(out).toContain("Route 53 treats us-east-1 as unhealthy whatever their real health");
    expect(out).toContain("api.skyline.example.com now resolves to eu-west-1.");
    expect(out).toContain("skyline failover dns --to us-east-1");
  });

  it("forces out a primary that is really down too: inverting alone would make it look healthy", async () => {
    route53(DNS_CHAIN, {}, ["hc-use1"]);
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", OUT]]);
  });

  it("reaches the third region through the chain, forcing out the regions ahead of it from the nearest back", async () => {
    route53(DNS_CHAIN);
    const { code, out } = await failoverDns("ap-south-1");
    expect(code).toBe(0);
    // eu-west-1 first: traffic stays on us-east-1 until it is forced out, then goes straight to ap-south-1.
    expect(updates()).toEqual([
      ["hc-euw1", OUT],
      ["hc-use1", OUT],
    ]);
    expect(out).toContain("Route 53 treats us-east-1, eu-west-1 as unhealthy");
    expect(out).toContain("api.skyline.example.com now resolves to ap-south-1.");
  });

  it("fails back by restoring real health, the primary's first, and waits for its checkers", async () => {
    const state = route53(DNS_CHAIN, { "hc-use1": OUT, "hc-euw1": OUT });
    const { code, out } = await failoverDns("us-east-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([
      ["hc-use1", REAL],
      ["hc-euw1", REAL],
    ]);
    expect(state).toEqual({ "hc-use1": REAL, "hc-euw1": REAL, "hc-aps1": REAL });
    expect(out).toContain("Failover cleared: every region is judged by its real health again.");
    // The forced-out primary had no checkers: judged by its alarms, service and targets instead;
    // once restored, its checkers are waited for.
    expect(out).toContain("its check is disabled now (no checkers)");
    expect(
      r53
        .commandCalls(GetHealthCheckStatusCommand)
        .filter((c) => c.args[0].input.HealthCheckId === "hc-use1"),
    ).not.toHaveLength(0);
  });

  it("moves back one region by restoring only that region", async () => {
    route53(DNS_CHAIN, { "hc-use1": OUT, "hc-euw1": OUT });
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-euw1", REAL]]);
  });

  it("turns a check left inverted only (an older skyline's failover) into a forced-out one", async () => {
    route53(DNS_CHAIN, { "hc-use1": { disabled: false, inverted: true } });
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", OUT]]);
  });

  it("fails over between a plain pair of two regions as well", async () => {
    route53({
      [DNS_ORIGIN]: [
        record(DNS_ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(DNS_ORIGIN, "eu-west-1", "SECONDARY", { HealthCheckId: "hc-euw1" }),
      ],
    });
    const { code } = await failoverDns("eu-west-1");
    expect(code).toBe(0);
    expect(updates()).toEqual([["hc-use1", OUT]]);
  });

  it("refuses when traffic already goes there (exit 3)", async () => {
    route53(DNS_CHAIN, { "hc-use1": OUT });
    const { code, out } = await failoverDns("eu-west-1");
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL not already routed there: us-east-1 forced out, eu-west-1 real health, ap-south-1 real health",
    );
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses when the target's health check is failing or an alarm fires there", async () => {
    route53(DNS_CHAIN);
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
      [DNS_ORIGIN]: [
        record(DNS_ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(DNS_ORIGIN, "eu-west-1", "SECONDARY", { HealthCheckId: "hc-euw1" }),
      ],
    });
    const { code, err } = await failoverDns("ap-south-1", false);
    expect(code).toBe(2);
    expect(err).toContain("fails over through us-east-1, eu-west-1, in that order");
  });

  it("rejects a chain whose SECONDARY leads nowhere (exit 2)", async () => {
    route53({
      [DNS_ORIGIN]: [
        record(DNS_ORIGIN, "us-east-1", "PRIMARY", { HealthCheckId: "hc-use1" }),
        record(DNS_ORIGIN, "eu-west-1", "SECONDARY", {}),
      ],
    });
    const { code, err } = await failoverDns("eu-west-1", false);
    expect(code).toBe(2);
    expect(err).toContain(
      "The SECONDARY record of api.skyline.example.com has neither a health check nor an alias to the next failover level",
    );
  });
});
