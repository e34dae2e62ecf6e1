/**
 * `skyline failover dns --to <region>`: send the API's traffic to <region> with the data-plane
 * traffic switches (core/dns.ts): the regions ahead of <region> in the failover chain are forced
 * out (their switch copies go to ALARM in every region that is up), <region>'s own switch and those
 * after it are cleared. Route 53's health checkers follow the alarms and its answers follow the
 * checks; nothing is sent to Route 53's API (its control plane is in us-east-1), so this works while
 * us-east-1 is down. The endpoint checks still fail a region over by themselves.
 *
 * Pre-checks: the target can serve (its serving alarms and its service, overridable during a
 * declared outage with --declare-outage <region>), and not already routed there (a no-op). After
 * the change, waits until the origin name answers with the target (when DNS can be read from here).
 */
import type { Context } from "../core/context";
import {
  answeringRegion,
  changesToward,
  failoverOrder,
  intendedRegion,
  readSwitches,
  setSwitch,
  switchesOf,
  type RegionSwitch,
} from "../core/dns";
import { NotFoundError, UsageError } from "../core/errors";
import { canServeChecks } from "../core/gates";
import { Outage, type OutageOptions } from "../core/outage";
import { executePlan } from "../core/plan";
import { waitForChangeThenSettle } from "../core/waiter";

export interface FailoverDnsOptions extends OutageOptions {
  readonly to: string;
}

function describe(s: RegionSwitch): string {
  const copies = s.copies.map((c) => `${c.host} ${c.state}`).join(", ");
  return `${s.region} ${s.forcedOut ? "forced out" : "in"} (${copies})`;
}

export async function run(ctx: Context, options: FailoverDnsOptions): Promise<void> {
  const manifest = ctx.manifest();
  const entry = ctx.regionManifest(options.to, "--to");
  const outage = new Outage(manifest, options);
  if (!outage.reachable(options.to)) {
    throw new UsageError(`--to ${options.to} is the region declared down; pick a region that is up.`);
  }
  switchesOf(manifest);
  const order = failoverOrder(manifest);
  const target = order.indexOf(options.to);
  const current = await readSwitches(ctx, manifest, outage);
  // A copy the global stack did not create cannot be set: a failed pre-check, nothing sent.
  for (const s of current) {
    const missing = s.copies.find((c) => c.state === "missing");
    if (missing) {
      throw new NotFoundError(
        `The traffic switch ${s.alarmName} is not in ${missing.host}: apply the global stack (${manifest.global!.stack}) first.`,
        `traffic switch ${s.alarmName} (${missing.host})`,
        missing.host,
      );
    }
  }
  const changes = changesToward(current, options.to);
  const servingChecks = await canServeChecks(ctx, options.to, entry, outage);
  const ahead = order.slice(0, target);
  const record = manifest.global!.apiRecordName;

  const plan = {
    command: "failover dns",
    action: `Send ${record} traffic to ${options.to} (${target === 0 ? "the primary" : `failover region ${target} of ${order.length - 1}`})`,
    region: options.to,
    target: record,
    impact: [
      target > 0
        ? `Route 53 treats ${ahead.join(", ")} as unhealthy whatever their real health (their switches are in ALARM) and answers with ${options.to}.`
        : `${options.to} serves again as soon as its endpoint check passes.`,
      "Clients move as DNS TTLs expire (about a minute); existing connections stay where they are.",
      ...(outage.declared
        ? [`Nothing is sent to ${outage.region}: its copies of the switches are skipped.`]
        : []),
    ],
    checks: servingChecks,
    steps: [
      ...changes.map(
        (c) =>
          `${c.out ? "force out" : "clear"} ${c.region}: PutMetricData ForcedOut=${c.out ? 1 : 0} and SetAlarmState ${c.out ? "ALARM" : "OK"} ` +
          `in ${outage.filter(manifest.global!.trafficSwitch!.regions[c.region].hostRegions).join(", ")}`,
      ),
      `wait until ${record} answers with ${options.to} (DNS lookups, when they work from here)`,
    ],
    notices: current.map(describe),
    ...(changes.length === 0
      ? { noop: `traffic already goes to ${options.to} (${current.map(describe).join("; ")})` }
      : {}),
  };
  const ack = outage.acknowledgement();
  await executePlan(
    ctx,
    plan,
    async () => {
      const notes: string[] = [];
      for (const change of changes) {
        const { set, skipped } = await setSwitch(ctx, manifest, change, outage);
        notes.push(
          `${change.out ? "forced out" : "cleared"} ${change.region} in ${set.join(", ")}` +
            (skipped.length ? ` (skipped ${skipped.join(", ")}: declared down)` : ""),
        );
      }
      const after = await readSwitches(ctx, manifest, outage);
      const server = ctx.rt.env.SKYLINE_DNS_SERVER || undefined;
      const { state: answer } = await waitForChangeThenSettle(
        {
          resource: `${record} (DNS)`,
          read: () => answeringRegion(manifest, server),
          describe: (a) => (a.region ? `answers with ${a.region}` : `no region (${a.error ?? "unknown"})`),
          changed: () => true,
          settled: (a) => a.region === options.to || (a.error !== undefined && a.addresses.length === 0),
          settledText: `answering with ${options.to}`,
          pollMs: 10_000,
          timeoutMs: 10 * 60_000,
        },
        ctx.waitClock(),
      );
      return {
        lines: [
          ...notes,
          answer.region === options.to
            ? `${record} now answers with ${options.to}.`
            : `The switches send ${record} to ${intendedRegion(after)}; DNS cannot be read from here (${answer.error}).`,
          target > 0
            ? `Fail back later with: skyline failover dns --to ${order[0]}`
            : "Every region is judged by its real health again.",
        ],
        data: {
          record,
          region: options.to,
          switches: after,
          answeringRegion: answer.region ?? null,
        },
      };
    },
    { overrideAccepted: outage.declared, ...(ack ? { typed: ack } : {}) },
  );
}
