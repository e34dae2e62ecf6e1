import { App, TerraformStack, Testing } from "../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Guardrails, type Finding } from "../../guardrails";

/** A fresh app with one stack and a default AWS provider in eu-west-1. */
export function newStack(id = "test-stack"): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { app, stack };
}

/** Unsuppressed findings of one rule in a stack. */
export function findingsOf(stack: TerraformStack, ruleId: string): Finding[] {
  return Guardrails.check(stack).findings.filter((f) => f.ruleId === ruleId && !f.suppressedBy);
}

/**
 * One rule's contract: the passing fixture yields no finding of the rule, the failing fixture
 * yields at least one, on the resource the fixture names.
 */
export function ruleCase(
  ruleId: string,
  fixtures: {
    pass: (stack: TerraformStack) => void;
    fail: (stack: TerraformStack) => { node: { path: string } } | void;
  },
): void {
  describe(ruleId, () => {
    it("passes the compliant fixture", () => {
      const { stack } = newStack();
      fixtures.pass(stack);
      expect(findingsOf(stack, ruleId)).toEqual([]);
    });
    it("flags the failing fixture", () => {
      const { stack } = newStack();
      const offender = fixtures.fail(stack);
      const findings = findingsOf(stack, ruleId);
      expect(findings.length).toBeGreaterThan(0);
      if (offender) expect(findings.map((f) => f.constructPath)).toContain(offender.node.path);
      expect(findings[0].message).toContain(ruleId);
    });
  });
}
