/**
 * Fail-back after a regional failover, once the old primary region is back: in its own order, so
 * no write is lost and the stale old writer never takes traffic. `skyline failover region --to
 * <primary>` runs it; this runbook is the same order with the AWS CLI, and the state to copy back.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { DrTarget, RunbookFacts } from "../runbook-facts";
import { switchLines } from "./dns-failover";
import { verifyLines } from "./region-failover";
import { captureInstanceSettings, restoreSettings } from "./snapshot-and-restore";

const NAME = "region-failback";

function reseedLines(f: RunbookFacts, region: string, sourceRegion: string, sourceId: string): string[] {
  const database = f.region(region).database!;
  const id = f.writer(region)?.id ?? f.drTargets.find((d) => d.region === region)?.replica.id ?? "";
  const retired = `${id}-retired`;
  return [
    ...f.aws(
      "rds modify-db-instance",
      [["--db-instance-identifier", id], ["--new-db-instance-identifier", retired], ["--apply-immediately"]],
      region,
    ),
    ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", retired]], region),
    ...captureInstanceSettings(f, region, retired),
    ...f.aws(
      "rds create-db-instance-read-replica",
      [
        ["--db-instance-identifier", id],
        ["--source-db-instance-identifier", f.dbArn(sourceRegion, sourceId)],
        ["--source-region", sourceRegion],
        ["--kms-key-id", database.kmsKeyAlias],
        ...restoreSettings(database),
      ],
      region,
    ),
    ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", id]], region),
  ];
}

function stateBack(f: RunbookFacts): RunbookStep[] {
  const backend = f.manifest.stateBackend;
  if (!backend.replica) return [];
  return [
    {
      title: "Copy the state written during the outage back",
      text: [
        `Replication runs from ${code(backend.bucket)} to ${code(backend.replica.bucket)} only. Before any apply against ` +
          "the original bucket (and before the deploy workflow runs again), copy back every state object an apply during the " +
          "outage wrote to the replica (check with list-object-versions that it is the version that apply wrote), then " +
          `${code("terraform init -reconfigure")} without the backend overrides.`,
      ],
      aws: Object.entries(backend.stacks)
        .filter(([, key]) => f.drTargets.some((d) => key.includes(`/${d.region}/`)))
        .map(
          ([, key]) =>
            `aws s3 cp s3://${backend.replica!.bucket}/${key} s3://${backend.bucket}/${key} --sse aws:kms`,
        ),
    },
  ];
}

export function regionFailbackRunbook(f: RunbookFacts): RunbookDocument {
  const target: DrTarget | undefined = f.drTarget;
  const switches = f.manifest.global?.trafficSwitch;
  const primary = f.primaryRegion;
  const writer = f.writer(primary);
  if (!target || !switches || !writer) {
    return {
      name: NAME,
      title: `Fail back to ${primary} (${f.env})`,
      summary: `${f.env} has no DR region: there is never anything to fail back.`,
      symptoms: ["Not applicable."],
      alarms: [],
      preChecks: [{ text: ["None."] }],
      procedure: [{ title: "Nothing to do", text: ["Add a DR region to get this runbook."] }],
      postChecks: [{ text: ["None."] }],
      followUps: ["None."],
      related: ["region-failover"],
    };
  }
  const from = target.region;
  const fromService = target.entry.service;
  const secrets = f.manifest.secrets.replicated;
  const others = f.drTargets;
  return {
    name: NAME,
    title: `Fail back to ${primary} after a regional failover (${f.env})`,
    summary:
      `Once ${primary} is back, move the writer, the cache and the traffic back from the DR region that took over ` +
      `(here ${from}), without losing a write, and make every DR region a replica of ${primary} again.`,
    symptoms: [
      `${code(primary)} is healthy again after a regional failover (region-failover) and ${code(from)} holds the writer.`,
      "A game day: the second half.",
    ],
    alarms: [],
    noAlarmsNote: "A planned operation: no alarm points here.",
    preChecks: [
      {
        text: [
          `See the writer and the traffic: ${code(from)}'s database is the writer (promoted), ${code(primary)}'s is stale ` +
            "and must not take traffic (its switch keeps it out).",
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: ["Dry run: every step with what AWS shows now."],
        skyline: [f.skyline(`failover region --to ${primary} --dry-run`)],
      },
    ],
    procedure: [
      {
        title: `Fail back to ${primary}`,
        text: [
          "One command runs the steps below in this order and resumes where a re-run finds them done. Writes stop from the " +
            `fence of ${code(from)} until ${code(primary)} is promoted: minutes, because the new replica has caught up first.`,
        ],
        skyline: [f.skyline(`failover region --to ${primary}`)],
      },
      {
        title: `Re-seed ${writer.id} from ${from}`,
        text: [
          `Stop ${code(primary)}'s API first if it runs (it would write to the stale instance). Keep the stale writer as ` +
            `${code(`${writer.id}-retired`)} for the review, and create ${code(writer.id)} as a replica of ` +
            `${code(target.replica.id)}, with the retired one's network, parameter group and IAM authentication and ` +
            `${code(primary)}'s own key. Time grows with the database's size.`,
        ],
        aws: reseedLines(f, primary, from, target.replica.id),
      },
      {
        title: "Let it catch up, then fence the DR region",
        text: [
          `When ${code(writer.id)}'s ReplicaLag is a few seconds, stop ${code(from)}'s API (writes stop here), and wait until ` +
            "the lag is 0: nothing written before the fence is then missing from the replica.",
        ],
        aws: fromService
          ? [
              ...(fromService.autoscaling
                ? f.aws(
                    "application-autoscaling register-scalable-target",
                    [
                      ["--service-namespace", "ecs"],
                      ["--resource-id", fromService.autoscaling.resourceId],
                      ["--scalable-dimension", fromService.autoscaling.scalableDimension],
                      ["--min-capacity", "0"],
                      ["--max-capacity", "0"],
                    ],
                    from,
                  )
                : []),
              ...f.aws(
                "ecs update-service",
                [
                  ["--cluster", fromService.cluster],
                  ["--service", fromService.service],
                  ["--desired-count", "0"],
                ],
                from,
              ),
            ]
          : [],
      },
      {
        title: `Promote ${writer.id}`,
        text: ["As in region-failover: promote, wait, tag it as the writer."],
        aws: [
          ...f.aws("rds promote-read-replica", [["--db-instance-identifier", writer.id]], primary),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", writer.id]], primary),
          ...f.aws(
            "rds add-tags-to-resource",
            [
              ["--resource-name", f.dbArn(primary, writer.id)],
              ["--tags", "Key=skyline:writer-since,Value=$(date -u +%FT%TZ)"],
            ],
            primary,
          ),
        ],
      },
      {
        title: "Re-link the secrets and roll the API",
        text: [
          `The secrets promoted in ${code(from)} during the outage become replicas of ${code(primary)}'s again. A value ` +
            `changed in ${code(from)} meanwhile is copied back first (compare the two values; skyline does it). Then roll ` +
            `${code(primary)}'s API at its size.`,
        ],
        aws: [
          ...secrets.flatMap((name) =>
            f.aws(
              "secretsmanager replicate-secret-to-regions",
              [
                ["--secret-id", name],
                ["--add-replica-regions", `Region=${from}`],
                ["--force-overwrite-replica-secret"],
              ],
              primary,
            ),
          ),
          ...(f.primary.service
            ? f.aws(
                "ecs update-service",
                [
                  ["--cluster", f.primary.service.cluster],
                  ["--service", f.primary.service.service],
                  ["--desired-count", String(f.primary.service.autoscaling?.minCapacity ?? 1)],
                  ["--force-new-deployment"],
                ],
                primary,
              )
            : []),
        ],
      },
      {
        title: "Move the cache and the traffic back",
        text: [
          (f.primary.cache?.globalDatastoreId
            ? `If ${code(from)} is the Global Datastore primary, fail it back to ${code(primary)} (cache-failover); a cache ` +
              "detached during the outage is re-added by the next apply. "
            : "The cache is regional: nothing to move. ") +
            `Then clear ${code(primary)}'s traffic switch in every region that keeps a copy.`,
        ],
        skyline: [f.skyline(`failover dns --to ${primary}`)],
        aws: switchLines(f, switches, primary, false),
      },
      {
        title: "Verify through the public hostname",
        text: ["As in region-failover."],
        aws: verifyLines(f, `skyline verify ${f.env}`),
      },
      {
        title: "Re-seed the DR replicas",
        text: [
          `Every DR region's database becomes a replica of ${code(writer.id)} again (${others.map((d) => code(d.replica.id)).join(", ")}), ` +
            "the stale one kept as its -retired, and its API goes back to standby size. They are available later " +
            "(hours for a large database): skyline status shows them.",
        ],
        aws: others.flatMap((d) =>
          reseedLines(f, d.region, primary, writer.id).filter(
            (l) => !/wait db-instance-available/.test(l) || l.includes("-retired"),
          ),
        ),
      },
      ...stateBack(f),
    ],
    postChecks: [
      {
        text: [
          `${code(writer.id)} is the writer, traffic goes to ${code(primary)}, the DR replicas replicate from it.`,
        ],
        skyline: [f.skyline("status")],
      },
    ],
    followUps: [
      "Delete the -retired instances once the review is closed (with a final snapshot).",
      "Apply every stack (the original bucket again): it re-adds a detached cache and brings the standby sizes back.",
    ],
    related: ["region-failover", "game-day", "cache-failover"],
  };
}
