/**
 * Snapshot and restore: a manual snapshot before risky work, a point-in-time restore after data
 * loss, and a restore from the AWS Backup vault. Restores always create a new instance; the swap
 * back to the manifest's name is a deliberate, separate step.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";

const RESTORED = "<restored-instance-id>";
const RETIRED = "<retired-instance-id>";

function noDatabase(f: RunbookFacts): RunbookDocument {
  return {
    name: "snapshot-and-restore",
    title: `Snapshot and restore the database (${f.env})`,
    summary: `${f.env} has no database in its primary region ${f.primaryRegion}: there is nothing to snapshot.`,
    symptoms: ["Not applicable: the manifest names no database."],
    alarms: [],
    preChecks: [{ text: ["Confirm with the config owner that the environment really has no database."] }],
    procedure: [{ title: "Nothing to do", text: ["Add a database to the config to get this runbook."] }],
    postChecks: [{ text: ["None."] }],
    followUps: ["None."],
    related: ["deploy-rollback"],
  };
}

export function snapshotAndRestoreRunbook(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  const database = f.primary.database;
  const writer = f.writer(region);
  if (!database || !writer) return noDatabase(f);
  const backup = f.primary.backup;
  const copyTarget = f.drTarget;
  const w = writer.id;

  const describe = (query: string) =>
    f.aws(
      "rds describe-db-instances",
      [
        ["--db-instance-identifier", w],
        ["--query", `'${query}'`],
      ],
      region,
    );

  const backupSteps: RunbookStep[] = backup
    ? [
        {
          title: "Restore from the AWS Backup vault",
          text: [
            (backup.planName ? `The plan ${code(backup.planName)} keeps` : "AWS Backup keeps") +
              ` recovery points in ${code(backup.vaultName)} ` +
              `(${region})` +
              (copyTarget?.entry.backup
                ? ` and copies them to ${code(copyTarget.entry.backup.vaultName)} (${copyTarget.region}), ` +
                  `which still works when ${region} does not.`
                : ".") +
              " skyline has no restore command: a restore creates a new instance, so it is done with AWS Backup.",
            `Pick the recovery point just before the damage, read its restore metadata, set ` +
              `${code("DBInstanceIdentifier")} to ${code(RESTORED)} in it, and start the job with a role ` +
              "AWS Backup may assume for restores.",
          ],
          aws: [
            ...f.aws(
              "backup list-recovery-points-by-backup-vault",
              [
                ["--backup-vault-name", backup.vaultName],
                ["--by-resource-type", "RDS"],
              ],
              region,
            ),
            ...f.aws(
              "backup get-recovery-point-restore-metadata",
              [
                ["--backup-vault-name", backup.vaultName],
                ["--recovery-point-arn", "<recovery-point-arn>"],
              ],
              region,
            ),
            ...f.aws(
              "backup start-restore-job",
              [
                ["--recovery-point-arn", "<recovery-point-arn>"],
                ["--iam-role-arn", "<backup-restore-role-arn>"],
                ["--resource-type", "RDS"],
                ["--metadata", "file://restore-metadata.json"],
              ],
              region,
            ),
            ...f.aws("backup describe-restore-job", [["--restore-job-id", "<restore-job-id>"]], region),
          ],
        },
      ]
    : [
        {
          title: "AWS Backup",
          text: [
            `The manifest names no AWS Backup vault for ${f.env}: use the automated backups (step 2) ` +
              "or a snapshot (step 3).",
          ],
        },
      ];

  const dbAlarms = f.alarms(region, ["database"]);
  return {
    name: "snapshot-and-restore",
    title: `Snapshot and restore the database (${f.env})`,
    summary:
      `Take a manual snapshot of ${w} before risky work; restore it to a point in time, from a ` +
      "snapshot or from the AWS Backup vault after data loss or corruption.",
    symptoms: [
      "Before a risky change (a migration, a bulk data fix, an engine upgrade): take a snapshot first.",
      "Rows were deleted or corrupted by a deploy, a migration or an operator: restore to the last good time.",
      `The writer ${code(w)} in ${code(region)} is lost and ` +
        (copyTarget
          ? `no replica can take over (otherwise use database-failover, it is faster).`
          : `${f.env} has no DR region with a replica to promote.`),
    ],
    alarms: dbAlarms,
    noAlarmsNote:
      "No alarm watches data correctness: corruption is reported by people or by errors in the API.",
    preChecks: [
      {
        text: [`Check the writer ${code(w)} and what else is firing.`],
        skyline: [f.skyline("status", region)],
        aws: describe("DBInstances[0].[DBInstanceStatus,LatestRestorableTime,BackupRetentionPeriod]"),
      },
      {
        text: [
          "Pin down the last good time (UTC) from the deploy, migration or incident timeline. A " +
            "point-in-time restore reaches back to the retention period and forward to " +
            `${code("LatestRestorableTime")} (a few minutes ago).`,
        ],
      },
      {
        text: ["List the snapshots that exist (newest first)."],
        skyline: [f.skyline("snapshot list", region)],
        aws: f.aws("rds describe-db-snapshots", [["--db-instance-identifier", w]], region),
      },
    ],
    procedure: [
      {
        title: "Take a manual snapshot first",
        text: [
          "Always, also before a restore: it keeps the current state for comparison and forensics. " +
            `The snapshot is named ${code("<instance-id>-<yyyymmdd>-<hhmmss>")} (UTC)` +
            (copyTarget
              ? ` and the copy to ${code(copyTarget.region)} is encrypted with ${code(copyTarget.entry.database?.kmsKeyAlias ?? "")}.`
              : "."),
        ],
        skyline: [
          f.skyline("snapshot create --wait --reason pre-restore", region),
          ...(copyTarget
            ? [
                f.skyline(
                  `snapshot create --copy-to ${copyTarget.region} --wait --reason pre-restore`,
                  region,
                ),
              ]
            : []),
        ],
        aws: [
          ...f.aws(
            "rds create-db-snapshot",
            [
              ["--db-instance-identifier", w],
              ["--db-snapshot-identifier", "<snapshot-id>"],
            ],
            region,
          ),
          ...f.aws("rds wait db-snapshot-available", [["--db-snapshot-identifier", "<snapshot-id>"]], region),
          ...(copyTarget
            ? f.aws(
                "rds copy-db-snapshot",
                [
                  [
                    "--source-db-snapshot-identifier",
                    `arn:aws:rds:${region}:<account-id>:snapshot:<snapshot-id>`,
                  ],
                  ["--target-db-snapshot-identifier", "<snapshot-id>"],
                  ["--kms-key-id", copyTarget.entry.database?.kmsKeyAlias ?? ""],
                  ["--source-region", region],
                ],
                copyTarget.region,
              )
            : []),
        ],
      },
      {
        title: "Restore to a point in time",
        text: [
          `Creates ${code(RESTORED)} next to ${code(w)}; nothing is overwritten. Use the source's DB ` +
            "subnet group and security groups (from describe-db-instances) so the service can reach it." +
            (database.multiAz ? " The source is Multi-AZ; keep the restore Multi-AZ too." : ""),
        ],
        aws: [
          ...f.aws(
            "rds restore-db-instance-to-point-in-time",
            [
              ["--source-db-instance-identifier", w],
              ["--target-db-instance-identifier", RESTORED],
              ["--restore-time", "<yyyy-mm-ddThh:mm:ssZ>"],
              ["--db-subnet-group-name", "<db-subnet-group>"],
              ["--vpc-security-group-ids", "<security-group-id>"],
              ...(database.multiAz ? ([["--multi-az"]] as const) : []),
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", RESTORED]], region),
        ],
      },
      {
        title: "Or restore from a snapshot",
        text: [
          "When the last good state is a manual snapshot (or a copy in another region), restore that instead.",
        ],
        aws: f.aws(
          "rds restore-db-instance-from-db-snapshot",
          [
            ["--db-instance-identifier", RESTORED],
            ["--db-snapshot-identifier", "<snapshot-id>"],
            ["--db-subnet-group-name", "<db-subnet-group>"],
            ["--vpc-security-group-ids", "<security-group-id>"],
          ],
          region,
        ),
      },
      ...backupSteps,
      {
        title: "Put the good data back",
        text: [
          `Narrow damage: copy the good rows from ${code(RESTORED)} into ${code(w)} (no downtime, keeps later writes).`,
          `Wide damage: swap names so the secret ${code(database.secretName ?? "of the database")}` +
            (database.proxy ? `, the RDS Proxy ${code(database.proxy.name)}` : "") +
            ` and the manifest keep pointing at ${code(w)}: rename the old instance, then the restored one. ` +
            "Stop writes first (scale the service to 0), and expect the API to fail until the swap is done.",
        ],
        aws: [
          ...f.aws(
            "rds modify-db-instance",
            [
              ["--db-instance-identifier", w],
              ["--new-db-instance-identifier", RETIRED],
              ["--apply-immediately"],
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", RETIRED]], region),
          ...f.aws(
            "rds modify-db-instance",
            [
              ["--db-instance-identifier", RESTORED],
              ["--new-db-instance-identifier", w],
              ["--apply-immediately"],
            ],
            region,
          ),
          ...(database.proxy
            ? f.aws(
                "rds register-db-proxy-targets",
                [
                  ["--db-proxy-name", database.proxy.name],
                  ["--db-instance-identifiers", w],
                ],
                region,
              )
            : []),
        ],
      },
    ],
    postChecks: [
      {
        text: [
          `${code(w)} is available and the API is ready again; no alarm of ${code(region)} is in ALARM.`,
        ],
        skyline: [f.skyline("status", region)],
        aws: describe("DBInstances[0].[DBInstanceStatus,DBInstanceClass,MultiAZ]"),
      },
      {
        text: ["The pre-restore snapshot is still listed (keep it until the review is closed)."],
        skyline: [f.skyline("snapshot list", region)],
      },
      {
        text: [
          `Compare the restore time with the last good time: the data lost must stay within the RPO ` +
            `of ${f.manifest.targets.rpoSeconds} s; record both in the incident review.`,
        ],
      },
    ],
    followUps: [
      ...(f.drTargets.length > 0
        ? [
            "After a name swap the cross-region replicas still follow the retired instance: rebuild " +
              f.drTargets.map((d) => `${code(d.replica.id)} (${d.region})`).join(", ") +
              " as replicas of the new writer (see database-failover, follow-ups).",
          ]
        : [`${f.env} has no cross-region replicas to rebuild.`]),
      `Delete ${code(RETIRED)} once nobody needs it: turn off its deletion protection and delete it with ` +
        `a final snapshot: ${code(
          f.awsInline(
            "rds delete-db-instance",
            [
              ["--db-instance-identifier", RETIRED],
              ["--final-db-snapshot-identifier", "<final-snapshot-id>"],
            ],
            region,
          ),
        )}.`,
      `Prune old manual snapshots later, dry run first: ${code(f.skyline("snapshot prune --keep-days 30 --keep-last 3", region))}` +
        ` (add ${code("--execute")} to delete).`,
      "Run a deploy plan: Terraform must show no change to the writer; fix any drift in the config.",
    ],
    related: ["database-failover", "deploy-rollback"],
  };
}
