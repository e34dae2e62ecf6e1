import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { key } from "../fixtures";

ruleCase("SKY-KMS-001", {
  pass: (stack) => key(stack),
  fail: (stack) => new KmsKey(stack, "key", { description: "no rotation" }),
});

describe("SKY-KMS-001 asymmetric keys", () => {
  it("does not require rotation where KMS cannot rotate", () => {
    const { stack } = newStack();
    new KmsKey(stack, "signing", { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" });
    expect(findingsOf(stack, "SKY-KMS-001")).toEqual([]);
  });
});

ruleCase("SKY-LOG-001", {
  pass: (stack) =>
    new CloudwatchLogGroup(stack, "logs", { name: "/app", kmsKeyId: key(stack).arn, retentionInDays: 30 }),
  fail: (stack) => new CloudwatchLogGroup(stack, "logs", { name: "/app", retentionInDays: 30 }),
});

ruleCase("SKY-LOG-002", {
  pass: (stack) =>
    new CloudwatchLogGroup(stack, "logs", { name: "/app", kmsKeyId: key(stack).arn, retentionInDays: 30 }),
  fail: (stack) =>
    new CloudwatchLogGroup(stack, "logs", { name: "/app", kmsKeyId: key(stack).arn, retentionInDays: 0 }),
});

ruleCase("SKY-SNS-001", {
  pass: (stack) => new SnsTopic(stack, "alarms", { name: "alarms", kmsMasterKeyId: key(stack).arn }),
  fail: (stack) => new SnsTopic(stack, "alarms", { name: "alarms" }),
});

describe("SKY-SNS-001 AWS-managed key", () => {
  it("flags alias/aws/sns", () => {
    const { stack } = newStack();
    new SnsTopic(stack, "alarms", { name: "alarms", kmsMasterKeyId: "alias/aws/sns" });
    expect(findingsOf(stack, "SKY-SNS-001")[0].message).toContain("AWS-managed");
  });
});

ruleCase("SKY-SM-001", {
  pass: (stack) => new SecretsmanagerSecret(stack, "secret", { name: "app/jwt", kmsKeyId: key(stack).arn }),
  fail: (stack) => new SecretsmanagerSecret(stack, "secret", { name: "app/jwt" }),
});

describe("data sources", () => {
  it("checks resources, not data sources that read an existing secret", () => {
    const { stack } = newStack();
    new DataAwsSecretsmanagerSecret(stack, "existing", { name: "shared/jwt" });
    expect(findingsOf(stack, "SKY-SM-001")).toEqual([]);
    expect(findingsOf(stack, "SKY-SM-002")).toEqual([]);
  });
});

ruleCase("SKY-SM-002", {
  pass: (stack) => {
    const secret = new SecretsmanagerSecret(stack, "secret", { name: "app/jwt", kmsKeyId: key(stack).arn });
    new SecretsmanagerSecretRotation(stack, "rotation", {
      secretId: secret.id,
      rotationLambdaArn: "arn:aws:lambda:eu-west-1:111122223333:function:rotate",
      rotationRules: { automaticallyAfterDays: 30 },
    });
  },
  fail: (stack) => new SecretsmanagerSecret(stack, "secret", { name: "app/jwt", kmsKeyId: key(stack).arn }),
});
