import { Fn } from "../../../engine";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { findingsOf, newStack, ruleCase } from "../helpers";

const policy = (action: string | string[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
const assume = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

ruleCase("SKY-IAM-001", {
  pass: (stack) => new IamPolicy(stack, "policy", { policy: policy(["s3:GetObject"]) }),
  fail: (stack) => new IamPolicy(stack, "policy", { policy: policy("*") }),
});

describe("SKY-IAM-001 policy holders", () => {
  it("reads inline role policies, role policies, policy documents and jsonencode() documents", () => {
    const { stack } = newStack();
    const role = new IamRole(stack, "role", {
      assumeRolePolicy: assume,
      inlinePolicy: [{ name: "inline", policy: policy("*") }],
    });
    const rolePolicy = new IamRolePolicy(stack, "role-policy", {
      role: role.name,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      }),
    });
    const document = new DataAwsIamPolicyDocument(stack, "document", {
      statement: [{ actions: ["*"], resources: ["*"] }],
    });
    expect(
      findingsOf(stack, "SKY-IAM-001")
        .map((f) => f.constructPath)
        .sort(),
    ).toEqual([document.node.path, role.node.path, rolePolicy.node.path].sort());
  });

  it("ignores Deny statements with wildcards", () => {
    const { stack } = newStack();
    new IamPolicy(stack, "deny", {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
      }),
    });
    expect(findingsOf(stack, "SKY-IAM-001")).toEqual([]);
  });
});

ruleCase("SKY-IAM-002", {
  pass: (stack) => new IamPolicy(stack, "policy", { policy: policy(["s3:GetObject", "s3:PutObject"]) }),
  fail: (stack) => new IamPolicy(stack, "policy", { policy: policy(["s3:*"]) }),
});

ruleCase("SKY-IAM-003", {
  pass: (stack) =>
    new IamRolePolicyAttachment(stack, "attach", {
      role: "task",
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    }),
  fail: (stack) =>
    new IamRolePolicyAttachment(stack, "attach", {
      role: "task",
      policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
    }),
});

describe("SKY-IAM-003 managed_policy_arns", () => {
  it("flags admin policies listed on the role itself", () => {
    const { stack } = newStack();
    new IamRole(stack, "role", {
      assumeRolePolicy: assume,
      managedPolicyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"],
    });
    expect(findingsOf(stack, "SKY-IAM-003")[0].message).toContain("PowerUserAccess");
  });
});

ruleCase("SKY-IAM-004", {
  pass: (stack) => new IamRole(stack, "role", { assumeRolePolicy: assume }),
  fail: (stack) =>
    new IamRole(stack, "role", {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
      }),
    }),
});

describe("SKY-IAM-004 jsonencode", () => {
  it('flags Principal = "*" in a jsonencode() trust policy', () => {
    const { stack } = newStack();
    new IamRole(stack, "role", {
      assumeRolePolicy: Fn.jsonencode({
        Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }],
      }),
    });
    expect(findingsOf(stack, "SKY-IAM-004")).toHaveLength(1);
  });
});
