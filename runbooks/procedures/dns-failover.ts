/**
 * DNS failover of the API record: Route 53 failover routing through the regions in order (a chain
 * of PRIMARY/SECONDARY pairs when there are more than two), each region judged by its endpoint
 * check AND its traffic switch. Moving traffic on purpose flips switches with CloudWatch calls in
 * regions that are up: no call to Route 53's control plane (in us-east-1), so it works while
 * us-east-1 is down (docs/operations.md, "Traffic switch").
 */
import type { OpsManifest } from "../../manifest/schema";
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";

const NAME = "dns-failover";

type Switches = NonNullable<NonNullable<OpsManifest["global"]>["trafficSwitch"]>;

function withoutSwitch(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  return {
    name: NAME,
    title: `DNS failover of the API (${f.env})`,
    summary:
      `${f.env} runs its API in one region (${region}): Route 53 has no other region to send traffic to, ` +
      "so there is no DNS failover. This runbook lists what to do instead.",
    symptoms: [
      `The API in ${code(region)} fails its health checks or returns errors.`,
      `${f.env} has no second region: ${code("failover dns")} has no target.`,
    ],
    alarms: f.alarms(region, ["api"], true),
    preChecks: [
      {
        text: ["Find the failing tier: database, cache, service or load balancer."],
        skyline: [f.skyline("status", region)],
      },
    ],
    procedure: [
      {
        title: "No DNS failover",
        text: [
          `${f.env} has one region: recover in place. A bad deploy: deploy-rollback. Overload: scale-out. ` +
            "Lost data: snapshot-and-restore.",
        ],
        skyline: [f.skyline("runbook list")],
      },
    ],
    postChecks: [
      {
        text: [`The API in ${code(region)} is ready and its alarms are OK.`],
        skyline: [f.skyline("status", region)],
      },
    ],
    followUps: [
      `If ${f.env} needs DNS failover, give it a second region in ${code(f.manifest.configFields.file)}.`,
    ],
    related: ["deploy-rollback", "scale-out"],
  };
}

/**
 * The AWS CLI lines that force `region` out (value 1, ALARM) or let it serve (0, OK), in every
 * region that keeps a copy of its switch, as one block per host.
 */
export function switchLines(
  f: RunbookFacts,
  switches: Switches,
  region: string,
  forceOut: boolean,
  hosts?: readonly string[],
): string[] {
  const s = switches.regions[region];
  return (hosts ?? s.hostRegions).flatMap((host) => [
    ...f.aws(
      "cloudwatch put-metric-data",
      [
        ["--namespace", switches.namespace],
        [
          "--metric-data",
          `'MetricName=${switches.metricName},Dimensions=[{Name=${switches.dimension},Value=${s.dimensionValue}}],Value=${forceOut ? 1 : 0}'`,
        ],
      ],
      host,
    ),
    ...f.aws(
      "cloudwatch set-alarm-state",
      [
        ["--alarm-name", s.alarmName],
        ["--state-value", forceOut ? "ALARM" : "OK"],
        ["--state-reason", forceOut ? "'forced out by on-call'" : "'back in service'"],
      ],
      host,
    ),
  ]);
}

/** Every copy of every region's switch, read in one region (describe-alarms there). */
export function switchStates(f: RunbookFacts, switches: Switches, inRegion: string): string[] {
  const names = Object.entries(switches.regions)
    .filter(([, s]) => s.hostRegions.includes(inRegion))
    .map(([, s]) => s.alarmName);
  return f.aws(
    "cloudwatch describe-alarms",
    [
      ["--alarm-names", names.join(" ")],
      ["--query", "'MetricAlarms[].[AlarmName,StateValue]'"],
    ],
    inRegion,
  );
}

/** `dig` lines that show where the origin name answers, against each region's own name. */
function digLines(f: RunbookFacts): string[] {
  const global = f.manifest.global!;
  const origin = global.apiRecordName;
  return [
    `dig +short ${origin}`,
    ...global.failoverOrder.map((r) => `dig +short ${f.region(r).regionCode}.${origin}`),
  ];
}

export function dnsFailoverRunbook(f: RunbookFacts): RunbookDocument {
  const global = f.manifest.global;
  const switches = global?.trafficSwitch;
  if (!global || !switches || global.failoverOrder.length < 2) return withoutSwitch(f);
  const order = global.failoverOrder;
  const from = order[0];
  const to = order[1];
  const record = global.apiRecordName;
  const primaryCheck = global.healthChecks[from];
  const dbTarget = f.drTargets.find((d) => d.region === to);
  const ready = f.publicUrl(primaryCheck?.resourcePath ?? "/ready");

  const forceOutStep = (target: string, ahead: readonly string[]): RunbookStep => ({
    title: `Send ${record} to ${target}`,
    budgetMinutes: f.budget("traffic"),
    text: [
      `Forces ${ahead.map(code).join(", ")} out: their switch copies go to ALARM, so their serving checks fail ` +
        `whatever their real health and Route 53 answers with ${code(target)}. skyline sets every copy in ` +
        `every region that answers (the copies in ${code(target)} always do) and clears ${code(target)}'s own ` +
        "switch; without skyline, run the lines below (a copy in a region that is down cannot be set: skip it).",
      "Resolvers follow within the record's TTL and the checkers' interval (about a minute).",
    ],
    skyline: [f.skyline(`failover dns --to ${target} --dry-run`), f.skyline(`failover dns --to ${target}`)],
    aws: [
      ...ahead.flatMap((r) => switchLines(f, switches, r, true)),
      ...switchLines(f, switches, target, false),
    ],
  });

  return {
    name: NAME,
    title: `DNS failover of the API (${f.env})`,
    summary:
      `Send ${record} to ${to} (or a later DR region) when ${from} cannot serve, and back when it recovers, ` +
      "with the data-plane traffic switches: no call to Route 53's API, so it works while us-east-1 is down.",
    symptoms: [
      `The API in ${code(from)} fails its Route 53 health check ${code(primaryCheck?.name ?? "")}` +
        ` (${code(primaryCheck?.resourcePath ?? "/ready")}) but Route 53 has not failed over on its own ` +
        "(the check flaps, or the region answers but is broken).",
      "A regional failover: after the database moved, traffic must follow it (region-failover does both).",
      `Planned maintenance of ${code(from)}.`,
    ],
    alarms: f.alarms(from, ["api"], true),
    preChecks: [
      {
        text: [
          `${record} fails over through ${order.map(code).join(", then ")}. A region serves while its ` +
            `endpoint check passes AND no copy of its switch (${code(switches.regions[from].alarmName)}, kept ` +
            "in every other region) is in ALARM. See the switches and where the name answers now:",
        ],
        skyline: [f.skyline("status")],
        aws: [...switchStates(f, switches, to), ...digLines(f)],
      },
      {
        text: [
          dbTarget
            ? `The database in ${code(to)} is a read replica until ${code(dbTarget.replica.id)} is promoted: ` +
              "shifting traffic alone makes every write fail. Fail the database over first (region-failover) " +
              "unless only the API tier of the primary region is broken."
            : `${code(to)} has no database replica to promote: its API serves with the database in ${code(from)}.`,
        ],
        skyline: [f.skyline("status", to)],
      },
      {
        text: [
          `Dry run: prints which switches change and checks ${code(to)} can serve (its region-unhealthy alarm ` +
            "and the alarms that gate a failover OK, healthy targets behind its load balancer).",
        ],
        skyline: [f.skyline(`failover dns --to ${to} --dry-run`)],
      },
    ],
    procedure: [
      forceOutStep(to, [from]),
      ...order.slice(2).map((next, i) => ({
        ...forceOutStep(next, order.slice(0, i + 2)),
        title: `If ${order[i + 1]} cannot serve either: ${next}`,
      })),
      {
        title: `Fail back to ${from}`,
        text: [
          `When ${code(from)} is healthy again (and holds the writer again, if the database moved: region-failback): ` +
            `clear its switch in every region that keeps a copy. Route 53 sends traffic back as soon as its ` +
            "serving check passes.",
        ],
        skyline: [f.skyline(`failover dns --to ${from} --dry-run`), f.skyline(`failover dns --to ${from}`)],
        aws: switchLines(f, switches, from, false),
      },
    ],
    postChecks: [
      {
        text: [
          `${code(record)} answers with the addresses of the region you chose (compare the dig lines above; the ` +
            `${code("traffic")} line of skyline status names it), and ` +
            (ready ? `${code(`curl -fsS ${ready}`)} answers 200.` : "the API answers."),
        ],
        skyline: [f.skyline("status")],
      },
    ],
    followUps: [
      `While a region's switch is in ALARM, Route 53 does not send traffic back to it on its own: fail back on purpose ` +
        `with ${code(f.skyline(`failover dns --to ${from}`))}.`,
      ...(global.distributionComment
        ? [
            `The CloudFront distribution (${global.distributionComment}) reaches the API through the same name: check its origin errors.`,
          ]
        : []),
      "Add the shift and fail-back times to the incident timeline.",
    ],
    related: ["database-failover", "cache-failover"],
  };
}
