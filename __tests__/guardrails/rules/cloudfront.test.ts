import type { TerraformStack } from "../../../engine";
import {
  CloudfrontDistribution,
  type CloudfrontDistributionConfig,
  type CloudfrontDistributionOrigin,
} from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { findingsOf, newStack, ruleCase } from "../helpers";

const origin = (
  id: string,
  overrides: Partial<CloudfrontDistributionOrigin> = {},
): CloudfrontDistributionOrigin => ({
  originId: id,
  domainName: `${id}.example.com`,
  customOriginConfig: {
    httpPort: 80,
    httpsPort: 443,
    originProtocolPolicy: "https-only",
    originSslProtocols: ["TLSv1.2"],
  },
  ...overrides,
});

function distribution(stack: TerraformStack, overrides: Partial<CloudfrontDistributionConfig> = {}) {
  return new CloudfrontDistribution(stack, "cdn", {
    enabled: true,
    origin: [origin("primary"), origin("secondary")],
    originGroup: [
      {
        originId: "regions",
        failoverCriteria: { statusCodes: [500, 502, 503, 504] },
        member: [{ originId: "primary" }, { originId: "secondary" }],
      },
    ],
    defaultCacheBehavior: {
      targetOriginId: "regions",
      allowedMethods: ["GET", "HEAD"],
      cachedMethods: ["GET", "HEAD"],
      viewerProtocolPolicy: "redirect-to-https",
      responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: {
      acmCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/x",
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    },
    webAclId: "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/x",
    loggingConfig: { bucket: "edge-logs.s3.amazonaws.com" },
    ...overrides,
  });
}

ruleCase("SKY-CF-001", {
  pass: (stack) => distribution(stack),
  fail: (stack) => distribution(stack, { viewerCertificate: { cloudfrontDefaultCertificate: true } }),
});

describe("SKY-CF-001 old policy", () => {
  it("flags TLSv1.1_2016", () => {
    const { stack } = newStack();
    distribution(stack, {
      viewerCertificate: {
        acmCertificateArn: "arn:x",
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.1_2016",
      },
    });
    expect(findingsOf(stack, "SKY-CF-001")[0].message).toContain("TLSv1.1_2016");
  });
});

ruleCase("SKY-CF-002", {
  pass: (stack) => distribution(stack),
  fail: (stack) =>
    distribution(stack, {
      orderedCacheBehavior: [
        {
          pathPattern: "/api/*",
          targetOriginId: "regions",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          viewerProtocolPolicy: "allow-all",
          responseHeadersPolicyId: "x",
        },
      ],
    }),
});

ruleCase("SKY-CF-003", {
  pass: (stack) => distribution(stack),
  fail: (stack) => distribution(stack, { webAclId: undefined }),
});

ruleCase("SKY-CF-004", {
  pass: (stack) => distribution(stack),
  fail: (stack) => distribution(stack, { loggingConfig: undefined }),
});

describe("SKY-CF-004 standard logging v2", () => {
  it("accepts a log delivery source for the distribution instead of logging_config", () => {
    const { stack } = newStack();
    const cdn = distribution(stack, { loggingConfig: undefined });
    new CloudwatchLogDeliverySource(stack, "edge-logs", {
      name: "edge",
      logType: "ACCESS_LOGS",
      resourceArn: cdn.arn,
    });
    expect(findingsOf(stack, "SKY-CF-004")).toEqual([]);
  });
});

ruleCase("SKY-CF-005", {
  pass: (stack) => distribution(stack),
  fail: (stack) => distribution(stack, { originGroup: undefined }),
});

ruleCase("SKY-CF-006", {
  pass: (stack) => distribution(stack),
  fail: (stack) =>
    distribution(stack, {
      defaultCacheBehavior: {
        targetOriginId: "regions",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        viewerProtocolPolicy: "redirect-to-https",
      },
    }),
});

ruleCase("SKY-CF-007", {
  pass: (stack) => distribution(stack),
  fail: (stack) =>
    distribution(stack, {
      origin: [
        origin("primary"),
        origin("secondary", {
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1", "TLSv1.2"],
          },
        }),
      ],
    }),
});

describe("SKY-CF-007 protocol policy", () => {
  it("flags an origin reached over plain HTTP", () => {
    const { stack } = newStack();
    distribution(stack, {
      origin: [
        origin("primary", {
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "http-only",
            originSslProtocols: ["TLSv1.2"],
          },
        }),
      ],
    });
    expect(findingsOf(stack, "SKY-CF-007")[0].message).toContain('origin "primary" is not https-only');
  });
});
