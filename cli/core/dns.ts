/**
 * Where the API's traffic goes, and moving it, on the data plane only (issue 13): each region's
 * traffic switch is a CloudWatch alarm with a copy in every other region (global stack,
 * constructs/dns-failover/traffic-switch.ts); Route 53's health checkers read those alarms and the
 * endpoints, and its DNS answers follow. skyline reads and sets the copies with CloudWatch calls in
 * regions that are up and reads the answer with a DNS lookup: never Route 53's API, whose control
 * plane is in us-east-1. Shared by `failover dns`, `failover region` and `status`.
 */
import {
  DescribeAlarmsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import type { OpsManifest } from "../../manifest/schema";
import { AwsCallError } from "./aws-errors";
import type { Context } from "./context";
import { UsageError } from "./errors";
import type { Outage } from "./outage";
import { resolveAddresses } from "./resolve";

export type CopyState = "ALARM" | "OK" | "INSUFFICIENT_DATA" | "missing" | "unreachable";

export interface SwitchCopy {
  readonly host: string;
  readonly state: CopyState;
}

/** One region's switch as the reachable copies show it. */
export interface RegionSwitch {
  readonly region: string;
  readonly alarmName: string;
  readonly copies: readonly SwitchCopy[];
  /** Any readable copy in ALARM: Route 53 treats the region as unhealthy. */
  readonly forcedOut: boolean;
}

type Switches = NonNullable<NonNullable<OpsManifest["global"]>["trafficSwitch"]>;

/** The manifest's switches, or a UsageError saying why there are none. */
export function switchesOf(manifest: OpsManifest): Switches {
  const switches = manifest.global?.trafficSwitch;
  if (!switches) {
    throw new UsageError(
      `The ${manifest.environment} manifest has no traffic switch: ` +
        (manifest.global
          ? "it has one region, so there is nowhere to move traffic."
          : "it has no global stack."),
    );
  }
  return switches;
}

/** The failover chain: the regions in the order Route 53 falls through them. */
export function failoverOrder(manifest: OpsManifest): string[] {
  return [...(manifest.global?.failoverOrder ?? [manifest.primaryRegion])];
}

/**
 * Every region's switch, read with one DescribeAlarms per reachable host region. A copy in a
 * region that is down (or declared down) is `unreachable`; Route 53 then counts it as healthy.
 */
export async function readSwitches(
  ctx: Context,
  manifest: OpsManifest,
  outage: Outage,
): Promise<RegionSwitch[]> {
  const switches = switchesOf(manifest);
  const hosts = [...new Set(Object.values(switches.regions).flatMap((s) => s.hostRegions))];
  const states = new Map<string, Map<string, CopyState>>();
  // A host that does not answer (and was not declared down) shows its copies as unreachable: the
  // others still tell where traffic goes.
  await Promise.all(
    outage.filter(hosts).map(async (host) => {
      const names = Object.values(switches.regions)
        .filter((s) => s.hostRegions.includes(host))
        .map((s) => s.alarmName);
      try {
        const page = await ctx.send(
          `traffic switches in ${host}`,
          ctx.clients.cloudWatch(host),
          new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ["MetricAlarm"] }),
        );
        const found = new Map<string, CopyState>(names.map((n) => [n, "missing"]));
        for (const a of page.MetricAlarms ?? []) {
          if (a.AlarmName) found.set(a.AlarmName, (a.StateValue ?? "INSUFFICIENT_DATA") as CopyState);
        }
        states.set(host, found);
      } catch (error) {
        // Only AWS's own failures make a host unreadable; an interruption still stops the run.
        if (!(error instanceof AwsCallError)) throw error;
        ctx.out.warn(`could not read the traffic switches in ${host}: ${error.message}`);
      }
    }),
  );
  return failoverOrder(manifest).map((region) => {
    const s = switches.regions[region];
    const copies = s.hostRegions.map((host) => ({
      host,
      state: states.get(host)?.get(s.alarmName) ?? ("unreachable" as const),
    }));
    return { region, alarmName: s.alarmName, copies, forcedOut: copies.some((c) => c.state === "ALARM") };
  });
}

/** One switch change: force `region` out, or let it serve. */
export interface SwitchChange {
  readonly region: string;
  readonly out: boolean;
}

/**
 * The changes that send traffic to `target`, in the order that moves it once: the target's own
 * switch cleared first (so it can answer), then the regions ahead of it forced out, nearest first
 * (never sending traffic through a region in between), then the regions after it cleared.
 */
export function changesToward(current: readonly RegionSwitch[], target: string): SwitchChange[] {
  const index = current.findIndex((s) => s.region === target);
  const needsClear = (s: RegionSwitch) => s.copies.some((c) => c.state === "ALARM");
  const needsOut = (s: RegionSwitch) =>
    s.copies.some((c) => c.state !== "ALARM" && c.state !== "unreachable");
  return [
    ...(needsClear(current[index]) ? [{ region: target, out: false }] : []),
    ...current
      .slice(0, index)
      .reverse()
      .filter(needsOut)
      .map((s) => ({ region: s.region, out: true })),
    ...current
      .slice(index + 1)
      .filter(needsClear)
      .map((s) => ({ region: s.region, out: false })),
  ];
}

/**
 * Sets one region's switch in every reachable host: `ForcedOut` 1 and ALARM, or 0 and OK. The
 * datapoint keeps the state (the alarm ignores missing data); SetAlarmState makes it immediate.
 * @returns the hosts set and the hosts skipped (declared down)
 */
export async function setSwitch(
  ctx: Context,
  manifest: OpsManifest,
  change: SwitchChange,
  outage: Outage,
): Promise<{ set: string[]; skipped: string[] }> {
  const switches = switchesOf(manifest);
  const s = switches.regions[change.region];
  const set = outage.filter(s.hostRegions);
  const skipped = s.hostRegions.filter((h) => !set.includes(h));
  for (const host of set) {
    const label = `traffic switch ${s.alarmName} (${host})`;
    const cw = ctx.clients.cloudWatch(host);
    await ctx.send(
      label,
      cw,
      new PutMetricDataCommand({
        Namespace: switches.namespace,
        MetricData: [
          {
            MetricName: switches.metricName,
            Dimensions: [{ Name: switches.dimension, Value: s.dimensionValue }],
            Value: change.out ? 1 : 0,
            Unit: "Count",
          },
        ],
      }),
    );
    await ctx.send(
      label,
      cw,
      new SetAlarmStateCommand({
        AlarmName: s.alarmName,
        StateValue: change.out ? "ALARM" : "OK",
        StateReason: change.out
          ? `skyline: ${change.region} forced out of the failover chain by ${ctx.command}`
          : `skyline: ${change.region} back in the failover chain (${ctx.command})`,
      }),
    );
  }
  return { set, skipped };
}

/** The first region of the chain that is not forced out: where Route 53 sends traffic while it is healthy. */
export function intendedRegion(current: readonly RegionSwitch[]): string | undefined {
  return current.find((s) => !s.forcedOut)?.region;
}

/** Where the origin name answers now, by its addresses against each region's own name. */
export async function answeringRegion(
  manifest: OpsManifest,
  server?: string,
): Promise<{ region?: string; addresses: string[]; error?: string }> {
  const global = manifest.global;
  if (!global) return { addresses: [], error: "no global stack" };
  const origin = await resolveAddresses(global.apiRecordName, server);
  if ("error" in origin) return { addresses: [], error: origin.error };
  for (const region of global.failoverOrder) {
    const own = await resolveAddresses(
      `${manifest.regions[region].regionCode}.${global.apiRecordName}`,
      server,
    );
    if ("addresses" in own && own.addresses.some((a) => origin.addresses.includes(a))) {
      return { region, addresses: origin.addresses };
    }
  }
  return { addresses: origin.addresses, error: "the answer matches no region's own name" };
}
