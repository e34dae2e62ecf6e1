/**
 * DNS failover of the API record: Route 53 failover routing through the regions in order (a chain of
 * PRIMARY/SECONDARY pairs when there are more than two); skyline forces the regions ahead of the
 * target out (health checks disabled and inverted) to shift.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { AwsArg, RunbookFacts } from "../runbook-facts";

const NAME = "dns-failover";

function withoutGlobal(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  return {
    name: NAME,
    title: `DNS failover of the API (${f.env})`,
    summary:
      `${f.env} has no global stack in the manifest: its API has no Route 53 failover record, so ` +
      "there is no DNS failover. This runbook lists what to do instead.",
    symptoms: [
      `The API in ${code(region)} fails its health checks or returns errors.`,
      `${f.env} has no DNS failover: ${code("failover dns")} refuses for it.`,
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
          `${f.env} has no global stack and ` +
            (f.secondaries.length === 0 ? "no DR region" : "no failover record") +
            ": recover in place. A bad deploy: deploy-rollback. Overload: scale-out. Lost data: snapshot-and-restore.",
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
      `If ${f.env} needs DNS failover, give it a global stack and a second region in ${code(f.manifest.configFields.file)}.`,
    ],
    related: ["deploy-rollback", "scale-out"],
  };
}

export function dnsFailoverRunbook(f: RunbookFacts): RunbookDocument {
  const global = f.manifest.global;
  const to = f.secondaries[0];
  if (!global || !to) return withoutGlobal(f);
  const from = f.primaryRegion;
  const record = global.apiRecordName;
  const primaryCheck = global.healthChecks[from];
  const targetCheck = global.healthChecks[to];
  const dbTarget = f.drTargets.find((d) => d.region === to);

  const records = f.aws("route53 list-resource-record-sets", [
    ["--hosted-zone-id", "<hosted-zone-id>"],
    // The pair of the record itself and, with more than two regions, the chained pairs below it.
    [
      "--query",
      `"ResourceRecordSets[?ends_with(Name,'${record}.')].[Name,SetIdentifier,Failover,HealthCheckId,AliasTarget.DNSName]"`,
    ],
  ]);
  const zoneLookup = f.aws("route53 list-hosted-zones-by-name", [
    ["--dns-name", global.hostedZoneName],
    ["--max-items", "1"],
    ["--query", "'HostedZones[0].Id'"],
  ]);
  const checkStatus = (placeholder: string) =>
    f.aws("route53 get-health-check-status", [["--health-check-id", placeholder]]);

  // Disabled and inverted: always unhealthy, whatever the region's real health (inverted alone
  // would make a region that is really down look healthy). Both off: its real health again.
  const forcedOut: readonly AwsArg[] = [["--disabled"], ["--inverted"]];
  const realHealth: readonly AwsArg[] = [["--no-disabled"], ["--no-inverted"]];
  const shift = (region: string, forceOut: boolean): RunbookStep["aws"] =>
    f
      .aws("route53 update-health-check", [
        ["--health-check-id", "<primary-health-check-id>"],
        ...(forceOut ? forcedOut : realHealth),
      ])
      .concat(checkStatus(region === from ? "<primary-health-check-id>" : "<secondary-health-check-id>"));

  return {
    name: NAME,
    title: `DNS failover of the API (${f.env})`,
    summary: `Send ${record} to ${to} (or a later DR region) when ${from} cannot serve, and back when it recovers.`,
    symptoms: [
      `The API in ${code(from)} fails its Route 53 health check ${code(primaryCheck?.name ?? "")}` +
        ` (${code(primaryCheck?.resourcePath ?? "/ready")}) but Route 53 has not failed over on its own ` +
        "(the check flaps, or the region answers but is broken).",
      "A regional failover: after database-failover promoted the replica, traffic must follow it.",
      `Planned maintenance of ${code(from)}.`,
    ],
    alarms: f.alarms(from, ["api"], true),
    preChecks: [
      {
        text: [
          `${record} fails over through ${[from, ...f.secondaries].map(code).join(", then ")} ` +
            "(set identifier = region" +
            (f.secondaries.length > 1 ? "; each SECONDARY but the last is an alias to the next pair" : "") +
            "). Look up the records and their health check ids.",
        ],
        aws: [...zoneLookup, ...records],
      },
      {
        text: [
          dbTarget
            ? `The database in ${code(to)} is a read replica until database-failover promotes ` +
              `${code(dbTarget.replica.id)}: shifting traffic alone makes every write fail. Fail the ` +
              "database over first unless only the API tier of the primary region is broken."
            : `${code(to)} has no database replica to promote: its API serves with the database in ${code(from)}.`,
        ],
        skyline: [f.skyline("status", to)],
      },
      {
        text: [
          `Dry run: not already routed to ${code(to)}, its health check ${code(targetCheck?.name ?? "")} ` +
            "passing (> 50 % of checkers), no alarm in ALARM there, its service healthy.",
        ],
        skyline: [f.skyline(`failover dns --to ${to} --dry-run`)],
        aws: checkStatus("<secondary-health-check-id>"),
      },
    ],
    procedure: [
      {
        title: `Shift ${record} to ${to}`,
        text: [
          `Forces ${code(from)} out: its health check is disabled and inverted, which Route 53 treats ` +
            `as always unhealthy whatever its real health, so it answers with ${code(to)}. ` +
            "Resolvers follow within the record's TTL.",
        ],
        skyline: [f.skyline(`failover dns --to ${to}`)],
        aws: shift(to, true),
      },
      ...f.secondaries.slice(1).map((next, i) => ({
        title: `If ${to} cannot serve either: ${next}`,
        text: [
          `Route 53 falls through to ${code(next)} on its own when the checks of the regions ahead of ` +
            "it fail. To send traffic there on purpose, skyline forces out every region ahead " +
            `of it (${[from, ...f.secondaries.slice(0, i + 1)].map(code).join(", ")}), nearest first.`,
          ...(f.drTargets.some((d) => d.region === next)
            ? [`As for ${code(to)}: its database takes writes only once database-failover promoted it.`]
            : []),
        ],
        skyline: [f.skyline(`failover dns --to ${next} --dry-run`), f.skyline(`failover dns --to ${next}`)],
      })),
      {
        title: `Fail back to ${from}`,
        text: [
          `When ${code(from)} is healthy again (and holds the writer again, if the database moved): ` +
            "restore its real health (skyline restores the primary's first, so traffic moves straight " +
            "back) and waits until its checkers report it healthy.",
        ],
        skyline: [f.skyline(`failover dns --to ${from} --dry-run`), f.skyline(`failover dns --to ${from}`)],
        aws: shift(from, false),
      },
    ],
    postChecks: [
      {
        text: [
          `${code(record)} resolves to the load balancer of the region you chose (the ${code("traffic")} ` +
            "line of skyline status names the region Route 53 answers with), and the API answers " +
            `${code(`https://${record}${targetCheck?.resourcePath ?? "/ready"}`)} with 200.`,
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: ["The health check of the region serving traffic passes from every checker region."],
        aws: checkStatus("<secondary-health-check-id>"),
      },
    ],
    followUps: [
      `While a region is forced out, Route 53 does not fail back to it on its own: fail back on purpose ` +
        `with ${code(f.skyline(`failover dns --to ${from}`))}.`,
      ...(global.distributionComment
        ? [
            `The CloudFront distribution (${global.distributionComment}) follows the same record: check its origin errors.`,
          ]
        : []),
      "Add the shift and failback times to the incident timeline.",
    ],
    related: ["database-failover", "cache-failover"],
  };
}
