import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Guardrails, INVALID_SUPPRESSION_RULE_ID } from "../../guardrails";
import { findingsOf, newStack } from "./helpers";
import { securityGroup } from "./fixtures";

/** A security group that violates SKY-SG-001 (Terraform's default description). */
function undescribedGroup(scope: Construct, id = "sg") {
  return securityGroup(scope, id, { description: "Managed by Terraform" });
}

describe("Guardrails.suppress", () => {
  it("suppresses a rule on the resource and records the reason", () => {
    const { stack } = newStack();
    const sg = undescribedGroup(stack);
    Guardrails.suppress(sg, "SKY-SG-001", "legacy group imported from the old account");
    const result = Guardrails.check(stack);
    const finding = result.findings.find((f) => f.ruleId === "SKY-SG-001");
    expect(finding?.suppressedBy).toEqual({
      ruleId: "SKY-SG-001",
      reason: "legacy group imported from the old account",
      scope: sg.node.path,
    });
    expect(findingsOf(stack, "SKY-SG-001")).toEqual([]);
    expect(result.suppressions).toEqual([
      {
        ruleId: "SKY-SG-001",
        reason: "legacy group imported from the old account",
        scope: sg.node.path,
        valid: true,
        used: 1,
      },
    ]);
  });

  it("covers every resource under a construct, and only those", () => {
    const { stack } = newStack();
    const legacy = new Construct(stack, "legacy");
    undescribedGroup(legacy, "a");
    undescribedGroup(legacy, "b");
    const outside = undescribedGroup(stack, "outside");
    Guardrails.suppress(legacy, "SKY-SG-001", "both groups are imported and described in the CMDB");
    expect(findingsOf(stack, "SKY-SG-001").map((f) => f.constructPath)).toEqual([outside.node.path]);
  });

  it("suppresses only the named rule", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "sg", {
      description: "Managed by Terraform",
      ingress: [{ fromPort: 22, toPort: 22, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"], description: "ssh" }],
    });
    Guardrails.suppress(sg, "SKY-SG-001", "legacy group imported from the old account");
    expect(findingsOf(stack, "SKY-SG-003")).toHaveLength(1);
  });

  it("suppresses on the whole stack", () => {
    const { stack } = newStack();
    undescribedGroup(stack, "a");
    undescribedGroup(stack, "b");
    Guardrails.suppress(stack, "SKY-SG-001", "sandbox stack, deleted every night");
    expect(findingsOf(stack, "SKY-SG-001")).toEqual([]);
    expect(Guardrails.check(stack).suppressions[0].used).toBe(2);
  });

  it("refuses a suppression without a reason and keeps the finding", () => {
    const { stack } = newStack();
    const sg = undescribedGroup(stack);
    Guardrails.suppress(sg, "SKY-SG-001", "");
    const invalid = findingsOf(stack, INVALID_SUPPRESSION_RULE_ID);
    expect(invalid).toHaveLength(1);
    expect(invalid[0].severity).toBe("error");
    expect(invalid[0].message).toContain("shorter than 10 characters");
    expect(findingsOf(stack, "SKY-SG-001")).toHaveLength(1);
  });

  it("refuses a reason of fewer than 10 characters after trimming", () => {
    const { stack } = newStack();
    const sg = undescribedGroup(stack);
    Guardrails.suppress(sg, "SKY-SG-001", "   legacy    ");
    expect(findingsOf(stack, INVALID_SUPPRESSION_RULE_ID)[0].message).toContain('the reason "legacy"');
  });

  it("refuses a suppression for an unknown rule", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "bucket", { bucket: "b" });
    Guardrails.suppress(bucket, "SKY-S3-999", "this rule id does not exist anywhere");
    const invalid = findingsOf(stack, INVALID_SUPPRESSION_RULE_ID);
    expect(invalid).toHaveLength(1);
    expect(invalid[0].message).toContain('unknown rule id "SKY-S3-999"');
    expect(invalid[0].constructPath).toBe(bucket.node.path);
    expect(Guardrails.check(stack).suppressions[0].valid).toBe(false);
  });
});

describe("Guardrails.apply suppressions", () => {
  it("applies stack-level suppressions to the whole stack", () => {
    const { stack } = newStack();
    undescribedGroup(stack);
    Guardrails.apply(stack, {
      suppressions: [{ ruleId: "SKY-SG-001", reason: "imported groups keep their names" }],
    });
    expect(findingsOf(stack, "SKY-SG-001")).toEqual([]);
  });

  it("limits a stack-level suppression to a construct path", () => {
    const { stack } = newStack();
    const legacy = new Construct(stack, "legacy");
    undescribedGroup(legacy, "a");
    const other = undescribedGroup(stack, "other");
    Guardrails.apply(stack, {
      suppressions: [{ ruleId: "SKY-SG-001", reason: "imported groups keep their names", path: "legacy" }],
    });
    expect(findingsOf(stack, "SKY-SG-001").map((f) => f.constructPath)).toEqual([other.node.path]);
  });

  it("does not let a path prefix match a sibling with a longer name", () => {
    const { stack } = newStack();
    const sibling = new Construct(stack, "legacy-two");
    const sg = undescribedGroup(sibling, "a");
    Guardrails.apply(stack, {
      suppressions: [{ ruleId: "SKY-SG-001", reason: "imported groups keep their names", path: "legacy" }],
    });
    expect(findingsOf(stack, "SKY-SG-001").map((f) => f.constructPath)).toEqual([sg.node.path]);
  });

  it("reports invalid stack-level suppressions as errors on the stack", () => {
    const { stack } = newStack();
    Guardrails.apply(stack, { suppressions: [{ ruleId: "SKY-NOPE-001", reason: "a long enough reason" }] });
    expect(findingsOf(stack, INVALID_SUPPRESSION_RULE_ID)[0].constructPath).toBe(stack.node.path);
  });
});
