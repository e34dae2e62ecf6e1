import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { TerraformStack } from "../../../engine";
import { ReleaseGate } from "../../../constructs/release-gate/release-gate";
import { Guardrails } from "../../../guardrails";
import { findingsOf, newStack, ruleCase } from "../helpers";

const fn = (stack: TerraformStack, extra: Partial<ConstructorParameters<typeof LambdaFunction>[2]>) =>
  new LambdaFunction(stack, "fn", {
    functionName: "gate",
    role: "arn:aws:iam::123456789012:role/gate",
    runtime: "nodejs22.x",
    handler: "index.handler",
    filename: "archive.zip",
    ...extra,
  });

ruleCase("SKY-LAMBDA-001", {
  pass: (stack) => fn(stack, { tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: 1 }),
  fail: (stack) => fn(stack, { tracingConfig: { mode: "PassThrough" } }),
});

describe("SKY-LAMBDA-001 unset", () => {
  it("flags a function without tracing_config", () => {
    const { stack } = newStack();
    fn(stack, {});
    expect(findingsOf(stack, "SKY-LAMBDA-001")[0].message).toContain("tracing_config.mode is unset");
  });
});

ruleCase("SKY-LAMBDA-002", {
  pass: (stack) => fn(stack, { reservedConcurrentExecutions: 2 }),
  fail: (stack) => fn(stack, { reservedConcurrentExecutions: -1 }),
});

describe("the ReleaseGate construct", () => {
  it("passes every Lambda, IAM and log guardrail", () => {
    const { stack } = newStack();
    new ReleaseGate(stack, "gate", {
      name: "skyline-test-euw1",
      region: "eu-west-1",
      logKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234",
    });
    const errors = Guardrails.check(stack).findings.filter((f) => !f.suppressedBy && f.severity === "error");
    expect(errors.map((f) => f.ruleId)).toEqual([]);
  });
});
