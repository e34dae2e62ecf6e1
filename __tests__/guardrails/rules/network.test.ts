import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { alb, httpsListener, redirectListener, securityGroup, vpc } from "../fixtures";

ruleCase("SKY-VPC-001", {
  pass: (stack) => vpc(stack),
  fail: (stack) => vpc(stack, { flowLog: false }),
});

ruleCase("SKY-VPC-002", {
  pass: (stack) => vpc(stack),
  fail: (stack) => vpc(stack, { closeDefault: false }),
});

describe("SKY-VPC-002 on the default security group itself", () => {
  it("flags an adopted default group that still has rules", () => {
    const { stack } = newStack();
    const v = vpc(stack, { closeDefault: false });
    const open = new DefaultSecurityGroup(stack, "open-default", {
      vpcId: v.id,
      egress: [{ fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }],
    });
    expect(findingsOf(stack, "SKY-VPC-002").map((f) => f.constructPath)).toEqual([open.node.path]);
  });
});

ruleCase("SKY-VPC-003", {
  pass: (stack) => new Subnet(stack, "subnet", { vpcId: vpc(stack).id, cidrBlock: "10.0.0.0/24" }),
  fail: (stack) =>
    new Subnet(stack, "subnet", {
      vpcId: vpc(stack).id,
      cidrBlock: "10.0.0.0/24",
      mapPublicIpOnLaunch: true,
    }),
});

ruleCase("SKY-SG-001", {
  pass: (stack) => securityGroup(stack, "sg"),
  fail: (stack) => securityGroup(stack, "sg", { description: "Managed by Terraform" }),
});

describe("SKY-SG-001 without any description", () => {
  it("flags a group with no description", () => {
    const { stack } = newStack();
    securityGroup(stack, "sg", { description: undefined });
    expect(findingsOf(stack, "SKY-SG-001")).toHaveLength(1);
  });
});

ruleCase("SKY-SG-002", {
  pass: (stack) => {
    const sg = securityGroup(stack, "sg", {
      egress: [
        {
          fromPort: 443,
          toPort: 443,
          protocol: "tcp",
          cidrBlocks: ["10.0.0.0/16"],
          description: "to the VPC",
        },
      ],
    });
    new VpcSecurityGroupEgressRule(stack, "egress", {
      securityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      cidrIpv4: "10.0.0.0/16",
      description: "PostgreSQL in the VPC",
    });
  },
  fail: (stack) =>
    securityGroup(stack, "sg", {
      ingress: [{ fromPort: 5432, toPort: 5432, protocol: "tcp", cidrBlocks: ["10.0.0.0/16"] }],
    }),
});

describe("SKY-SG-002 on rule resources", () => {
  it("flags aws_security_group_rule and aws_vpc_security_group_*_rule without a description", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "sg");
    const legacy = new SecurityGroupRule(stack, "legacy", {
      type: "egress",
      securityGroupId: sg.id,
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["10.0.0.0/16"],
    });
    const modern = new VpcSecurityGroupEgressRule(stack, "modern", {
      securityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.0.0.0/16",
    });
    expect(
      findingsOf(stack, "SKY-SG-002")
        .map((f) => f.constructPath)
        .sort(),
    ).toEqual([legacy.node.path, modern.node.path].sort());
  });
});

describe("SKY-SG-003 world-open ingress", () => {
  const worldRule = (port: number) => ({
    fromPort: port,
    toPort: port,
    protocol: "tcp",
    cidrBlocks: ["0.0.0.0/0"],
    description: "internet",
  });

  ruleCase("SKY-SG-003", {
    pass: (stack) => {
      const sg = securityGroup(stack, "alb-sg", { ingress: [worldRule(443)] });
      const lb = alb(stack, { securityGroups: [sg.id] });
      httpsListener(stack, lb);
    },
    fail: (stack) => securityGroup(stack, "ssh", { ingress: [worldRule(22)] }),
  });

  it("flags 443 open to the internet on a group that is not on a public ALB", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "alb-sg", { ingress: [worldRule(443)] });
    alb(stack, { securityGroups: [sg.id], internal: true });
    expect(findingsOf(stack, "SKY-SG-003")).toHaveLength(1);
  });

  it("allows 80 only when the ALB's HTTP listener redirects to HTTPS", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "alb-sg", { ingress: [worldRule(443), worldRule(80)] });
    const lb = alb(stack, { securityGroups: [sg.id] });
    redirectListener(stack, lb);
    expect(findingsOf(stack, "SKY-SG-003")).toEqual([]);
  });

  it("flags 80 when the HTTP listener forwards instead of redirecting", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "alb-sg", { ingress: [worldRule(80)] });
    const lb = alb(stack, { securityGroups: [sg.id] });
    new LbListener(stack, "http", {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:tg" }],
    });
    expect(findingsOf(stack, "SKY-SG-003")[0].message).toContain("ingress 80 is open to the internet");
  });

  it("flags world-open rule resources (IPv4 and IPv6, all protocols)", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "app");
    const v6 = new VpcSecurityGroupIngressRule(stack, "v6", {
      securityGroupId: sg.id,
      ipProtocol: "-1",
      cidrIpv6: "::/0",
      description: "everything",
    });
    const legacy = new SecurityGroupRule(stack, "legacy", {
      type: "ingress",
      securityGroupId: sg.id,
      protocol: "tcp",
      fromPort: 8080,
      toPort: 8080,
      cidrBlocks: ["0.0.0.0/0"],
      description: "app port",
    });
    expect(
      findingsOf(stack, "SKY-SG-003")
        .map((f) => f.constructPath)
        .sort(),
    ).toEqual([legacy.node.path, v6.node.path].sort());
  });

  it("ignores egress rules to the internet", () => {
    const { stack } = newStack();
    const sg = securityGroup(stack, "app");
    new SecurityGroupRule(stack, "out", {
      type: "egress",
      securityGroupId: sg.id,
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
      description: "HTTPS out",
    });
    expect(findingsOf(stack, "SKY-SG-003")).toEqual([]);
  });
});
