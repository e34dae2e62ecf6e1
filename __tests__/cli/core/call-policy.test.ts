import {
  isMutating,
  OPERATION_POLICIES,
  operationName,
  policyFor,
  retrySafe,
} from "../../../cli/core/call-policy";
import { PromoteReadReplicaCommand } from "@aws-sdk/client-rds";

describe("call policy", () => {
  it.each([
    "TestFailover",
    "IncreaseReplicaCount",
    "DecreaseReplicaCount",
    "ModifyReplicationGroup",
    "PromoteReadReplica",
    "FailoverDBCluster",
    "FailoverGlobalReplicationGroup",
    "RebootDBInstance",
    "ModifyDBInstance",
    "UpdateService",
  ])("%s is never retried after a lost answer", (operation) => {
    const policy = policyFor(operation);
    expect(policy.kind).toBe("once");
    expect(retrySafe(policy)).toBe(false);
    expect(isMutating(operation)).toBe(true);
  });

  it("reads and absolute setters are retry-safe", () => {
    for (const op of [
      "DescribeDBInstances",
      "GetHealthCheck",
      "ListResourceRecordSets",
      "RegisterScalableTarget",
      "UpdateHealthCheck",
    ]) {
      expect(retrySafe(policyFor(op))).toBe(true);
    }
    expect(isMutating("DescribeDBInstances")).toBe(false);
  });

  it("an operation missing from the table is not idempotent unless it is a read", () => {
    expect(policyFor("DeleteEverything").kind).toBe("once");
    expect(policyFor("DescribeEverything").kind).toBe("read");
  });

  it("token operations are retry-safe only with their token", () => {
    expect(policyFor("StartCopyJob", { IdempotencyToken: "t" }).kind).toBe("token");
    expect(policyFor("StartCopyJob", {}).kind).toBe("once");
    expect(policyFor("CreateHealthCheck", { CallerReference: "r" }).kind).toBe("token");
    expect(policyFor("RunTask", { clientToken: "" }).kind).toBe("once");
    for (const policy of Object.values(OPERATION_POLICIES)) {
      if (policy.kind === "token") expect(policy.tokenField).toMatch(/^[A-Za-z]+$/);
      expect(policy.why.length).toBeGreaterThan(5);
    }
  });

  it("names an operation from its SDK command", () => {
    expect(operationName(new PromoteReadReplicaCommand({ DBInstanceIdentifier: "x" }))).toBe(
      "PromoteReadReplica",
    );
  });
});
