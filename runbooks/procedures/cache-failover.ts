/**
 * Cache failover: an in-region test failover (promote a replica of the shard), and, when the cache
 * is a Global Datastore, moving its primary to another region.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";

const NAME = "cache-failover";

function describeGroup(f: RunbookFacts, region: string, id: string): string[] {
  return f.aws(
    "elasticache describe-replication-groups",
    [
      ["--replication-group-id", id],
      ["--query", "'ReplicationGroups[0].[Status,AutomaticFailover,NodeGroups[0].NodeGroupMembers]'"],
    ],
    region,
  );
}

function noCache(f: RunbookFacts): RunbookDocument {
  return {
    name: NAME,
    title: `Cache failover (${f.env})`,
    summary: `${f.env} has no cache in the manifest: there is nothing to fail over.`,
    symptoms: ["Not applicable: the manifest names no ElastiCache replication group."],
    alarms: [],
    preChecks: [{ text: ["Confirm with the config owner that the environment really has no cache."] }],
    procedure: [{ title: "Nothing to do", text: ["Add a cache to the config to get this runbook."] }],
    postChecks: [{ text: ["None."] }],
    followUps: ["None."],
    related: ["scale-out"],
  };
}

/** The in-region test failover of the primary region's cache, or why it is refused. */
function testFailover(f: RunbookFacts, region: string): RunbookStep[] {
  const cache = f.region(region).cache;
  if (!cache) return [];
  const id = cache.replicationGroupId;
  if (cache.numReplicas === 0) {
    return [
      {
        title: `Give ${id} a replica`,
        text: [
          `${code(id)} has no replica (the config asks for 0), so a test failover is refused: there is ` +
            "nothing to promote. If the primary node is failing, add a replica first; ElastiCache then " +
            "replaces the failed node with the replica's data.",
        ],
        skyline: [f.skyline("scale cache --replicas 1", region)],
        aws: f.aws(
          "elasticache increase-replica-count",
          [["--replication-group-id", id], ["--new-replica-count", "1"], ["--apply-immediately"]],
          region,
        ),
      },
    ];
  }
  return [
    {
      title: `Test failover of ${id}`,
      text: [
        `Promotes a replica of the first shard of ${code(id)} in ${code(region)}. Writes fail for a few ` +
          "seconds to a minute; skyline verifies the primary node changed.",
      ],
      skyline: [f.skyline("failover cache --dry-run", region), f.skyline("failover cache", region)],
      aws: [
        ...f.aws(
          "elasticache test-failover",
          [
            ["--replication-group-id", id],
            ["--node-group-id", "0001"],
          ],
          region,
        ),
        ...f.aws("elasticache wait replication-group-available", [["--replication-group-id", id]], region),
      ],
    },
  ];
}

/** Moving the Global Datastore primary to the first DR region with a member cache, if any. */
function globalFailover(f: RunbookFacts): RunbookStep[] {
  const globalId = f.primary.cache?.globalDatastoreId;
  const to = f.secondaries.find((r) => f.region(r).cache?.globalDatastoreId === globalId);
  if (!globalId || !to) {
    return [
      {
        title: "Cross-region failover",
        text: [
          `The cache of ${f.env} is not a Global Datastore, so there is no cross-region cache failover: ` +
            (f.secondaries.length === 0
              ? `${f.env} has no DR region.`
              : "each region's cache starts cold after a regional failover; the API refills it."),
        ],
      },
    ];
  }
  const target = f.region(to).cache;
  const targetId = target?.replicationGroupId ?? "";
  return [
    {
      title: `Make ${to} the Global Datastore primary`,
      text: [
        `Part of a regional failover (after database-failover): ${code(targetId)} in ${code(to)} ` +
          `becomes the primary of ${code(globalId)}; every other member becomes a secondary.`,
        `If ${code(f.primaryRegion)} is down and the failover cannot complete, detach ${code(targetId)} ` +
          "from the Global Datastore instead: it becomes a standalone primary " +
          `(${code(
            f.awsInline(
              "elasticache disassociate-global-replication-group",
              [
                ["--global-replication-group-id", globalId],
                ["--replication-group-id", targetId],
                ["--replication-group-region", to],
              ],
              to,
            ),
          )}).`,
      ],
      skyline: [f.skyline(`failover cache --to ${to} --dry-run`), f.skyline(`failover cache --to ${to}`)],
      aws: [
        ...f.aws(
          "elasticache failover-global-replication-group",
          [
            ["--global-replication-group-id", globalId],
            ["--primary-region", to],
            ["--primary-replication-group-id", targetId],
          ],
          to,
        ),
        ...f.aws(
          "elasticache describe-global-replication-groups",
          [["--global-replication-group-id", globalId], ["--show-member-info"]],
          to,
        ),
      ],
    },
  ];
}

export function cacheFailoverRunbook(f: RunbookFacts): RunbookDocument {
  const region = f.cacheRegions[0];
  if (!region) return noCache(f);
  const cache = f.region(region).cache;
  const id = cache?.replicationGroupId ?? "";
  const globalId = f.primary.cache?.globalDatastoreId;
  return {
    name: NAME,
    title: `Cache failover (${f.env})`,
    summary:
      `Promote a replica of ${id} when its primary node fails or to rehearse it` +
      (globalId ? `, or move the Global Datastore ${globalId} primary to a DR region.` : "."),
    symptoms: [
      `Cache errors or timeouts from the API in ${code(region)}; ${code(id)} reports a failing or ` +
        "rebooting primary node in its events.",
      "A game day: prove the replica takes over before it is needed.",
      ...(globalId ? ["A regional failover: the cache primary must follow the database writer."] : []),
    ],
    alarms: f.alarms(region, ["cache"]),
    noAlarmsNote: `No cache alarm in the manifest for ${region}; check the cache's events and ${code(f.skyline("status", region))}.`,
    preChecks: [
      {
        text: [
          `${code(id)} is available with automatic failover ${cache?.numReplicas ? "enabled" : "(0 replicas: disabled)"} ` +
            `and ${cache?.numReplicas ?? 0} replica(s) per shard in the config.`,
        ],
        skyline: [f.skyline("status", region)],
        aws: describeGroup(f, region, id),
      },
    ],
    procedure: [...testFailover(f, region), ...globalFailover(f)],
    postChecks: [
      {
        text: [
          "The cache is available with a primary node, the API's cache errors stopped and its /ready check passes.",
        ],
        skyline: [f.skyline("status", region)],
        aws: describeGroup(f, region, id),
      },
    ],
    followUps: [
      "A test failover leaves the old primary as a replica: nothing to undo. Check the API logs for " +
        "reconnect errors longer than a minute: clients must follow the primary endpoint.",
      ...(globalId
        ? [
            "After a Global Datastore failover, fail it back with the same command once the database writer moves back.",
          ]
        : []),
      ...(cache?.numReplicas === 0
        ? [
            `Keep the replica in the config if the cache matters: ${code(f.manifest.configFields.file)} → ` +
              `${code(f.manifest.configFields.cacheNumReplicas)}; the next deploy reverts a manual change.`,
          ]
        : []),
    ],
    related: ["database-failover", "scale-out"],
  };
}
