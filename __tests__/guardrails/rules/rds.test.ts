import type { TerraformStack } from "../../../engine";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbInstanceAutomatedBackupsReplication } from "@cdktf/provider-aws/lib/db-instance-automated-backups-replication";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { key } from "../fixtures";

/** A database that satisfies every RDS rule, including a backup selection by ARN. */
function database(
  stack: TerraformStack,
  overrides: Partial<DbInstanceConfig> = {},
  options: { forceSsl?: string; backup?: boolean } = {},
): DbInstance {
  const k = key(stack);
  const parameters = new DbParameterGroup(stack, "params", {
    family: "postgres16",
    parameter: [{ name: "rds.force_ssl", value: options.forceSsl ?? "1" }],
  });
  const db = new DbInstance(stack, "db", {
    identifier: "app-production-euw1-db",
    engine: "postgres",
    instanceClass: "db.t4g.medium",
    allocatedStorage: 20,
    username: "app",
    manageMasterUserPassword: true,
    storageEncrypted: true,
    kmsKeyId: k.arn,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: k.arn,
    multiAz: true,
    deletionProtection: true,
    backupRetentionPeriod: 14,
    iamDatabaseAuthenticationEnabled: true,
    monitoringInterval: 60,
    monitoringRoleArn: "arn:aws:iam::111122223333:role/rds-monitoring",
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    copyTagsToSnapshot: true,
    parameterGroupName: parameters.name,
    tags: { backup: "daily" },
    ...overrides,
  });
  if (options.backup !== false) {
    new BackupSelection(stack, "selection", {
      name: "db",
      planId: "plan-id",
      iamRoleArn: "arn:aws:iam::111122223333:role/backup",
      resources: [db.arn],
    });
  }
  return db;
}

ruleCase("SKY-RDS-001", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { kmsKeyId: undefined }),
});

describe("SKY-RDS-001 variants", () => {
  it("flags unencrypted storage", () => {
    const { stack } = newStack();
    database(stack, { storageEncrypted: false });
    expect(findingsOf(stack, "SKY-RDS-001")[0].message).toContain("storage_encrypted is not true");
  });
  it("flags the AWS-managed alias/aws/rds key", () => {
    const { stack } = newStack();
    database(stack, { kmsKeyId: "alias/aws/rds" });
    expect(findingsOf(stack, "SKY-RDS-001")).toHaveLength(1);
  });
});

ruleCase("SKY-RDS-002", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { performanceInsightsKmsKeyId: undefined }),
});

ruleCase("SKY-RDS-003", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { publiclyAccessible: true }),
});

ruleCase("SKY-RDS-004", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { multiAz: false }),
});

ruleCase("SKY-RDS-005", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { deletionProtection: false }),
});

ruleCase("SKY-RDS-006", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { backupRetentionPeriod: 1 }),
});

ruleCase("SKY-RDS-007", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { iamDatabaseAuthenticationEnabled: false }),
});

ruleCase("SKY-RDS-008", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { monitoringInterval: 0 }),
});

ruleCase("SKY-RDS-009", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { enabledCloudwatchLogsExports: [] }),
});

ruleCase("SKY-RDS-010", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { copyTagsToSnapshot: false }),
});

ruleCase("SKY-RDS-011", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, {}, { backup: false }),
});

ruleCase("SKY-RDS-012", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, {}, { forceSsl: "0" }),
});

describe("SKY-RDS-012 variants", () => {
  it("flags an instance on the default parameter group", () => {
    const { stack } = newStack();
    database(stack, { parameterGroupName: "default.postgres16" });
    expect(findingsOf(stack, "SKY-RDS-012")[0].message).toContain(
      "does not reference an aws_db_parameter_group",
    );
  });
  it("expects require_secure_transport for MySQL", () => {
    const { stack } = newStack();
    database(stack, { engine: "mysql" });
    expect(findingsOf(stack, "SKY-RDS-012")[0].message).toContain("require_secure_transport");
  });
});

ruleCase("SKY-RDS-013", {
  pass: (stack) => database(stack),
  fail: (stack) => database(stack, { autoMinorVersionUpgrade: false }),
});

ruleCase("SKY-RDS-014", {
  pass: (stack) =>
    new DbInstanceAutomatedBackupsReplication(stack, "replication", {
      sourceDbInstanceArn: "arn:aws:rds:eu-west-1:111122223333:db:app",
      kmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/x",
    }),
  fail: (stack) =>
    new DbInstanceAutomatedBackupsReplication(stack, "replication", {
      sourceDbInstanceArn: "arn:aws:rds:eu-west-1:111122223333:db:app",
    }),
});

ruleCase("SKY-RDSPROXY-001", {
  pass: (stack) =>
    new DbProxy(stack, "proxy", {
      name: "proxy",
      engineFamily: "POSTGRESQL",
      roleArn: "arn:aws:iam::111122223333:role/proxy",
      vpcSubnetIds: ["subnet-1"],
      requireTls: true,
    }),
  fail: (stack) =>
    new DbProxy(stack, "proxy", {
      name: "proxy",
      engineFamily: "POSTGRESQL",
      roleArn: "arn:aws:iam::111122223333:role/proxy",
      vpcSubnetIds: ["subnet-1"],
    }),
});
