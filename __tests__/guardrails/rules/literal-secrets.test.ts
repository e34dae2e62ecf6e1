import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { TerraformVariable } from "../../../engine";
import { findingsOf, newStack, ruleCase } from "../helpers";

ruleCase("SKY-SECRET-001", {
  pass: (stack) => {
    const password = new TerraformVariable(stack, "db_password", { type: "string", sensitive: true });
    new DbInstance(stack, "db", {
      instanceClass: "db.t4g.micro",
      engine: "postgres",
      password: password.stringValue,
    });
  },
  fail: (stack) =>
    new DbInstance(stack, "db", {
      instanceClass: "db.t4g.micro",
      engine: "postgres",
      password: "hunter2hunter2",
    }),
});

describe("SKY-SECRET-001 values", () => {
  it("flags literal secret strings and credential-shaped values in any attribute", () => {
    const { stack } = newStack();
    const version = new SecretsmanagerSecretVersion(stack, "version", {
      secretId: "x",
      secretString: "plain",
    });
    const parameter = new SsmParameter(stack, "param", {
      name: "/app/key",
      type: "String",
      value: "AKIAABCDEFGHIJKLMNOP",
    });
    expect(
      findingsOf(stack, "SKY-SECRET-001")
        .map((f) => f.constructPath)
        .sort(),
    ).toEqual([parameter.node.path, version.node.path].sort());
  });

  it("does not flag booleans such as manage_master_user_password", () => {
    const { stack } = newStack();
    new DbInstance(stack, "db", {
      instanceClass: "db.t4g.micro",
      engine: "postgres",
      manageMasterUserPassword: true,
    });
    expect(findingsOf(stack, "SKY-SECRET-001")).toEqual([]);
  });
});
