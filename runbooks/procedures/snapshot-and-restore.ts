/**
 * Snapshot and restore: a manual snapshot before risky work, a point-in-time restore after data
 * loss, from a snapshot, from the AWS Backup vault, and from the automated backups replicated to
 * the first DR region (which works while the primary region is down). Restores always create a
 * new instance with the source's network, parameter group and IAM authentication (without IAM
 * authentication the API, which logs in with IAM, cannot connect); the swap back to the manifest's
 * name is a deliberate, separate step.
 */
import type { DatabaseManifest } from "../../manifest/schema";
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep, RunbookValue } from "../runbook-document";
import type { AwsArg, RunbookFacts } from "../runbook-facts";

const NAME = "snapshot-and-restore";

const VALUES: Record<string, RunbookValue> = {
  restoreTime: {
    placeholder: "<restore-time>",
    meaning:
      "The last good moment, UTC, as `2025-01-15T02:55:00Z`: from the deploy, migration or incident timeline. " +
      "Between the earliest restorable time (the retention period ago) and LatestRestorableTime.",
  },
  snapshot: {
    placeholder: "<snapshot-id>",
    meaning: "The snapshot to restore or copy: the newest one before the damage, from `snapshot list`.",
  },
  recoveryPoint: {
    placeholder: "<recovery-point-arn>",
    meaning:
      "The AWS Backup recovery point just before the damage, from list-recovery-points-by-backup-vault.",
  },
  restoreJob: {
    placeholder: "<restore-job-id>",
    meaning: "What start-restore-job printed.",
  },
};

function noDatabase(f: RunbookFacts): RunbookDocument {
  return {
    name: NAME,
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

/**
 * Shell variables with the settings a restore must copy from an existing instance, read from it
 * (the parameter group's name has a generated suffix, security group ids are AWS's): subnet group,
 * security groups and parameter group.
 */
export function captureInstanceSettings(f: RunbookFacts, region: string, instanceId: string): string[] {
  const read = (variable: string, query: string) =>
    f.awsCapture(
      variable,
      "rds describe-db-instances",
      [
        ["--db-instance-identifier", instanceId],
        ["--query", `'${query}'`],
      ],
      region,
    );
  return [
    ...read("DB_SUBNET_GROUP", "DBInstances[0].DBSubnetGroup.DBSubnetGroupName"),
    ...read("DB_SECURITY_GROUPS", "DBInstances[0].VpcSecurityGroups[].VpcSecurityGroupId"),
    ...read("DB_PARAMETER_GROUP", "DBInstances[0].DBParameterGroups[0].DBParameterGroupName"),
  ];
}

/** The flags every restore needs so the API can use the result (see captureInstanceSettings). */
export function restoreSettings(database: DatabaseManifest): AwsArg[] {
  return [
    ["--db-subnet-group-name", '"$DB_SUBNET_GROUP"'],
    ["--vpc-security-group-ids", "$DB_SECURITY_GROUPS"],
    ["--db-parameter-group-name", '"$DB_PARAMETER_GROUP"'],
    ...(database.iamAuthentication ? ([["--enable-iam-database-authentication"]] as const) : []),
    ...(database.multiAz ? ([["--multi-az"]] as const) : []),
    ["--copy-tags-to-snapshot"],
  ];
}

/** Restore the first DR region's copy of the writer's automated backups (works while the primary is down). */
function replicatedBackupsStep(f: RunbookFacts): RunbookStep[] {
  const target = f.drTargets.find((d) => d.entry.database?.replicatedBackups);
  const database = target?.entry.database;
  if (!target || !database?.replicatedBackups) return [];
  const to = target.region;
  const source = database.replicatedBackups.sourceId;
  const restored = `${target.replica.id}-restored`;
  return [
    {
      title: `Or restore in ${to} from the replicated automated backups`,
      text: [
        `${code(to)} receives ${code(source)}'s automated backups (cross-region backup replication), so a ` +
          `point-in-time restore works there even while ${code(f.primaryRegion)} is down: when the replica ` +
          `${code(target.replica.id)} is lost or carries the same damage, restore to ${code(restored)} next to it, ` +
          `with the replica's network and parameter group (the replicated backups are encrypted with ${code(database.kmsKeyAlias)}, and so is the restore).`,
        `Then swap names in ${code(to)} as in the next step (the API there connects to ${code(target.replica.id)}), ` +
          "and continue the regional failover from its step that rolls the service.",
      ],
      aws: [
        ...f.awsCapture(
          "BACKUPS_ARN",
          "rds describe-db-instance-automated-backups",
          [
            ["--db-instance-identifier", source],
            ["--query", "'DBInstanceAutomatedBackups[0].DBInstanceAutomatedBackupsArn'"],
          ],
          to,
        ),
        ...captureInstanceSettings(f, to, target.replica.id),
        ...f.aws(
          "rds restore-db-instance-to-point-in-time",
          [
            ["--source-db-instance-automated-backups-arn", '"$BACKUPS_ARN"'],
            ["--target-db-instance-identifier", restored],
            ["--restore-time", VALUES.restoreTime.placeholder],
            ...restoreSettings(database),
          ],
          to,
        ),
        ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", restored]], to),
      ],
    },
  ];
}

export function snapshotAndRestoreRunbook(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  const database = f.primary.database;
  const writer = f.writer(region);
  if (!database || !writer) return noDatabase(f);
  const backup = f.primary.backup;
  const copyTarget = f.drTarget;
  const w = writer.id;
  const restored = `${w}-restored`;
  const retired = `${w}-retired`;

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
          title: "Or restore from the AWS Backup vault",
          text: [
            (backup.planName ? `The plan ${code(backup.planName)} keeps` : "AWS Backup keeps") +
              ` recovery points in ${code(backup.vaultName)} (${region})` +
              (copyTarget?.entry.backup
                ? ` and copies them to ${code(copyTarget.entry.backup.vaultName)} (${copyTarget.region}), ` +
                  `which still works when ${region} does not.`
                : ".") +
              " skyline has no restore command: a restore creates a new instance, so it is done with AWS Backup.",
            `Read the recovery point's restore metadata into ${code("restore-metadata.json")}, set ` +
              `${code("DBInstanceIdentifier")} to ${code(restored)}, ${code("EnableIAMDatabaseAuthentication")} to ` +
              `${code("true")} and ${code("DBParameterGroupName")} to the writer's, and start the job with ` +
              "AWS Backup's default service role.",
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
                ["--recovery-point-arn", VALUES.recoveryPoint.placeholder],
              ],
              region,
            ),
            ...f.aws(
              "backup start-restore-job",
              [
                ["--recovery-point-arn", VALUES.recoveryPoint.placeholder],
                [
                  "--iam-role-arn",
                  `arn:aws:iam::${f.manifest.accountId}:role/service-role/AWSBackupDefaultServiceRole`,
                ],
                ["--resource-type", "RDS"],
                ["--metadata", "file://restore-metadata.json"],
              ],
              region,
            ),
            ...f.aws(
              "backup describe-restore-job",
              [["--restore-job-id", VALUES.restoreJob.placeholder]],
              region,
            ),
          ],
        },
      ]
    : [
        {
          title: "AWS Backup",
          text: [
            `The manifest names no AWS Backup vault for ${f.env}: use the automated backups or a snapshot.`,
          ],
        },
      ];

  const proxy = database.proxy;
  const pointers = [
    ...(proxy ? [`the RDS Proxy ${code(proxy.name)}`] : []),
    ...(database.secretName ? [`the secret ${code(database.secretName)}`] : []),
    "the API's database host",
    "the alarms and the manifest",
  ];
  const dbAlarms = f.alarms(region, ["database"]);
  const values = [
    VALUES.restoreTime,
    VALUES.snapshot,
    ...(backup ? [VALUES.recoveryPoint, VALUES.restoreJob] : []),
  ];
  return {
    name: NAME,
    title: `Snapshot and restore the database (${f.env})`,
    summary:
      `Take a manual snapshot of ${w} before risky work; restore it to a point in time, from a ` +
      "snapshot, from the AWS Backup vault or from the backups replicated to a DR region after data loss or corruption.",
    symptoms: [
      "Before a risky change (a migration, a bulk data fix, an engine upgrade): take a snapshot first.",
      "Rows were deleted or corrupted by a deploy, a migration or an operator: restore to the last good time.",
      `The writer ${code(w)} in ${code(region)} is lost and ` +
        (copyTarget
          ? `no replica can take over (otherwise use region-failover, it is faster).`
          : `${f.env} has no DR region with a replica to promote.`),
    ],
    alarms: dbAlarms,
    noAlarmsNote:
      "No alarm watches data correctness: corruption is reported by people or by errors in the API.",
    values,
    preChecks: [
      {
        text: [`Check the writer ${code(w)} and what else is firing.`],
        skyline: [f.skyline("status", region)],
        aws: describe("DBInstances[0].[DBInstanceStatus,LatestRestorableTime,BackupRetentionPeriod]"),
      },
      {
        text: [
          `Pin down the last good time (${code(VALUES.restoreTime.placeholder)}, UTC) from the deploy, migration or ` +
            "incident timeline. A point-in-time restore reaches back to the retention period and forward to " +
            `${code("LatestRestorableTime")} (a few minutes ago).`,
        ],
      },
      {
        text: ["List the snapshots that exist (newest first)."],
        skyline: [f.skyline("snapshot list", region)],
        aws: f.aws("rds describe-db-snapshots", [["--db-instance-identifier", w]], region),
      },
      {
        text: [
          `Read the settings every restore copies from ${code(w)}: its subnet group, security groups and ` +
            "parameter group (the API needs the same network, and the parameter group enforces TLS and logging).",
        ],
        aws: captureInstanceSettings(f, region, w),
      },
    ],
    procedure: [
      {
        title: "Take a manual snapshot first",
        text: [
          "Always, also before a restore: it keeps the current state for comparison and forensics. " +
            `skyline names it after the instance and the UTC time (${code(`${w}-20250115-030000`)})` +
            (copyTarget
              ? ` and encrypts the copy to ${code(copyTarget.region)} with ${code(copyTarget.entry.database?.kmsKeyAlias ?? "")}.`
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
              ["--db-snapshot-identifier", `${w}-pre-restore`],
            ],
            region,
          ),
          ...f.aws(
            "rds wait db-snapshot-available",
            [["--db-snapshot-identifier", `${w}-pre-restore`]],
            region,
          ),
          ...(copyTarget
            ? f.aws(
                "rds copy-db-snapshot",
                [
                  [
                    "--source-db-snapshot-identifier",
                    `arn:aws:rds:${region}:${f.manifest.accountId}:snapshot:${w}-pre-restore`,
                  ],
                  ["--target-db-snapshot-identifier", `${w}-pre-restore`],
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
          `Creates ${code(restored)} next to ${code(w)}; nothing is overwritten. It gets ${code(w)}'s subnet group, ` +
            "security groups and parameter group, and IAM database authentication: the API logs in with IAM and " +
            "could not connect without it." +
            (database.multiAz ? " The source is Multi-AZ, and so is the restore." : ""),
        ],
        aws: [
          ...f.aws(
            "rds restore-db-instance-to-point-in-time",
            [
              ["--source-db-instance-identifier", w],
              ["--target-db-instance-identifier", restored],
              ["--restore-time", VALUES.restoreTime.placeholder],
              ...restoreSettings(database),
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", restored]], region),
        ],
      },
      {
        title: "Or restore from a snapshot",
        text: [
          "When the last good state is a manual snapshot (or a copy in another region), restore that instead, " +
            "with the same settings.",
        ],
        aws: [
          ...f.aws(
            "rds restore-db-instance-from-db-snapshot",
            [
              ["--db-instance-identifier", restored],
              ["--db-snapshot-identifier", VALUES.snapshot.placeholder],
              ...restoreSettings(database),
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", restored]], region),
        ],
      },
      ...backupSteps,
      ...replicatedBackupsStep(f),
      {
        title: "Put the good data back",
        text: [
          `Narrow damage: copy the good rows from ${code(restored)} into ${code(w)} (no downtime, keeps later writes).`,
          `Wide damage: swap names so that everything naming ${code(w)} (${pointers.join(", ")}) reaches the ` +
            `restored data: rename ${code(w)} to ${code(retired)}, then ${code(restored)} to ${code(w)}. Stop writes ` +
            "first (scale the service to 0), and expect the API to fail until the swap is done.",
        ],
        aws: [
          ...f.aws(
            "rds modify-db-instance",
            [
              ["--db-instance-identifier", w],
              ["--new-db-instance-identifier", retired],
              ["--apply-immediately"],
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", retired]], region),
          ...f.aws(
            "rds modify-db-instance",
            [
              ["--db-instance-identifier", restored],
              ["--new-db-instance-identifier", w],
              ["--apply-immediately"],
            ],
            region,
          ),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", w]], region),
          ...(proxy
            ? f.aws(
                "rds register-db-proxy-targets",
                [
                  ["--db-proxy-name", proxy.name],
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
          `${code(w)} is available with IAM authentication on, the API is ready again, and no alarm of ` +
            `${code(region)} is in ALARM.`,
        ],
        skyline: [f.skyline("status", region)],
        aws: describe(
          "DBInstances[0].[DBInstanceStatus,DBInstanceClass,MultiAZ,IAMDatabaseAuthenticationEnabled]",
        ),
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
              " as replicas of the new writer (region-failback re-seeds them the same way).",
          ]
        : [`${f.env} has no cross-region replicas to rebuild.`]),
      `Delete ${code(retired)} once nobody needs it: turn off its deletion protection and delete it with ` +
        `a final snapshot: ${code(
          f.awsInline(
            "rds delete-db-instance",
            [
              ["--db-instance-identifier", retired],
              ["--final-db-snapshot-identifier", `${retired}-final`],
            ],
            region,
          ),
        )}.`,
      `Prune old manual snapshots later, dry run first: ${code(f.skyline("snapshot prune --keep-days 30 --keep-last 3", region))}` +
        ` (add ${code("--execute")} to delete).`,
      "Run a deploy plan: Terraform must show no change to the writer beyond monitoring and Performance Insights " +
        "settings a restore does not copy; apply to bring them back.",
    ],
    related: ["region-failover", "database-failover", "deploy-rollback"],
  };
}
