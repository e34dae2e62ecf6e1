import { EksCluster, type EksClusterConfig } from "@cdktf/provider-aws/lib/eks-cluster";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Release, type ReleaseConfig } from "@cdktf/provider-helm/lib/release";
import type { TerraformStack } from "../../../engine";
import { CONTROL_PLANE_LOG_TYPES } from "../../../constructs/eks-cluster/control-plane-logs";
import { findingsOf, newStack, ruleCase } from "../helpers";

/** A cluster that passes every EKS rule, changed by `overrides`. */
function cluster(stack: TerraformStack, overrides: Partial<EksClusterConfig> = {}) {
  return new EksCluster(stack, "cluster", {
    name: "c",
    roleArn: "arn:aws:iam::111122223333:role/c",
    vpcConfig: {
      subnetIds: ["subnet-a", "subnet-b"],
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
    },
    encryptionConfig: {
      resources: ["secrets"],
      provider: { keyArn: "arn:aws:kms:eu-west-1:111122223333:key/k" },
    },
    enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
    ...overrides,
  });
}

function release(stack: TerraformStack, overrides: Partial<ReleaseConfig> = {}) {
  new HelmProvider(stack, "helm", {});
  return new Release(stack, "release", {
    name: "r",
    chart: "aws-load-balancer-controller",
    repository: "https://aws.github.io/eks-charts",
    version: "1.13.0",
    ...overrides,
  });
}

ruleCase("SKY-EKS-001", {
  pass: (stack) => cluster(stack),
  fail: (stack) => cluster(stack, { encryptionConfig: undefined }),
});

ruleCase("SKY-EKS-002", {
  pass: (stack) => cluster(stack),
  fail: (stack) => cluster(stack, { vpcConfig: { subnetIds: ["subnet-a"], endpointPublicAccess: true } }),
});

ruleCase("SKY-EKS-003", {
  pass: (stack) => cluster(stack),
  fail: (stack) => cluster(stack, { enabledClusterLogTypes: ["api"] }),
});

ruleCase("SKY-HELM-001", {
  pass: (stack) => release(stack),
  fail: (stack) => release(stack, { version: undefined }),
});

describe("SKY-EKS-002 public endpoints", () => {
  it("accepts a public endpoint limited to listed CIDRs, refuses one open to 0.0.0.0/0", () => {
    const limited = newStack().stack;
    cluster(limited, {
      vpcConfig: { subnetIds: ["a"], endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
    });
    expect(findingsOf(limited, "SKY-EKS-002")).toEqual([]);
    const open = newStack().stack;
    cluster(open, { vpcConfig: { subnetIds: ["a"], publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] } });
    expect(findingsOf(open, "SKY-EKS-002")[0].message).toContain("public_access_cidrs includes 0.0.0.0/0");
  });
});

describe("SKY-EKS-003 control-plane logs", () => {
  it("names the log types that are missing", () => {
    const { stack } = newStack();
    cluster(stack, { enabledClusterLogTypes: ["api", "audit"] });
    expect(findingsOf(stack, "SKY-EKS-003")[0].message).toContain(
      "not enabled: authenticator, controllerManager, scheduler",
    );
  });
});

describe("SKY-HELM-001 pinned charts", () => {
  it.each([
    [{ version: "^1.13.0" }, 'version "^1.13.0" is not an exact chart version'],
    [{ version: "1.x" }, 'version "1.x" is not an exact chart version'],
    [
      { repository: "http://charts.example.com" },
      'repository "http://charts.example.com" is not an https:// or oci:// URL',
    ],
  ])("refuses %j", (overrides, message) => {
    const { stack } = newStack();
    release(stack, overrides);
    expect(findingsOf(stack, "SKY-HELM-001")[0].message).toContain(message);
  });

  it("accepts an OCI repository and a pre-release version", () => {
    const { stack } = newStack();
    release(stack, { repository: "oci://public.ecr.aws/charts", version: "2.0.0-rc.1" });
    expect(findingsOf(stack, "SKY-HELM-001")).toEqual([]);
  });
});
