import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontOriginRequestPolicy } from "@cdktf/provider-aws/lib/cloudfront-origin-request-policy";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { Guardrails } from "../guardrails";
import { Certificate } from "../certificate/certificate";
import { EncryptionKey } from "../encryption-key/encryption-key";
import { ORIGIN_VERIFY_HEADER } from "../load-balancer/load-balancer";
import { PrivateBucket } from "../private-bucket/private-bucket";
import { WebAcl } from "../web-acl/web-acl";

export interface CdnProps {
  /** Name prefix, e.g. `skyline-production`. */
  readonly name: string;
  /** Name viewers use, e.g. `skyline.example.com`; an alias record is created for it. */
  readonly domainName: string;
  /** Public hosted zone the name and the certificate validation live in. */
  readonly hostedZoneName: string;
  /** API origin: the Route 53 failover name (`origin.<domain>`). */
  readonly apiOriginDomain: string;
  /** A second region's origin name, the origin group's fallback for GET/HEAD. */
  readonly secondaryApiOriginDomain?: string;
  /** Origin secret value (a reference to Secrets Manager), sent to every API origin. */
  readonly originVerifySecretValue: string;
  /** Provider in us-east-1: CloudFront's certificate, WAF and log delivery must live there. */
  readonly usEast1Provider: TerraformProvider;
  /** @default "PriceClass_All" (users worldwide) */
  readonly priceClass?: "PriceClass_All" | "PriceClass_200" | "PriceClass_100";
  /** WAF rate limit per client IP per 5 minutes. @default 2000 */
  readonly wafRateLimitPer5Min?: number;
  /** Access-log retention in days. @default 365 */
  readonly logRetentionDays?: number;
  /** Path pattern served from the static-assets bucket. @default "/static/*" */
  readonly staticPathPattern?: string;
  /** Path pattern of the API (all methods, to the failover name). @default "/v1/*" */
  readonly apiPathPattern?: string;
}

/** AWS managed origin request policy: forward every viewer header except Host. */
const ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/**
 * The product's front door: CloudFront with WAF, TLS 1.2+, HTTP→HTTPS, compression, security
 * headers and access logs. Static assets come from a private bucket through origin access control;
 * the API goes to the Route 53 failover name with the origin secret; everything else is read-only
 * and fails over between two regions in an origin group (CloudFront allows only GET/HEAD/OPTIONS
 * on an origin group, so API writes rely on DNS failover).
 */
export class Cdn extends Construct {
  readonly distribution: CloudfrontDistribution;
  readonly staticBucket: PrivateBucket;
  readonly webAcl: WebAcl;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);
    const { name } = props;
    const usEast1 = props.usEast1Provider;

    const bucketKey = new EncryptionKey(this, "static-key", {
      name: `${name}-static`,
      description: `Static assets of ${name}`,
      serviceUsers: [{ principal: "cloudfront.amazonaws.com" }],
    });
    this.staticBucket = new PrivateBucket(this, "static", {
      name: `${name}-static-assets`,
      kmsKeyArn: bucketKey.arn,
    });
    Guardrails.suppress(
      this.staticBucket.bucket,
      "SKY-S3-005",
      "Read only by CloudFront, whose access logs already record every request for these objects",
    );
    const oac = new CloudfrontOriginAccessControl(this, "static-oac", {
      name: `${name}-static`,
      description: "CloudFront reads the static-assets bucket; nothing else can",
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });

    const certificate = new Certificate(this, "certificate", {
      domainName: props.domainName,
      hostedZoneName: props.hostedZoneName,
      provider: usEast1,
    });
    // Access and WAF logs go to CloudWatch Logs in us-east-1 (standard logging v2: no ACL-enabled
    // log bucket needed).
    const logKey = new EncryptionKey(this, "log-key", {
      name: `${name}-cdn-logs`,
      description: `CloudFront access logs of ${name}`,
      provider: usEast1,
      serviceUsers: [
        {
          principal: "logs.us-east-1.amazonaws.com",
          condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:*:*" } },
        },
      ],
    });
    this.webAcl = new WebAcl(this, "waf", {
      name: `${name}-cdn`,
      scope: "CLOUDFRONT",
      rateLimitPer5Min: props.wafRateLimitPer5Min,
      provider: usEast1,
      logging: { kmsKeyArn: logKey.arn, retentionDays: props.logRetentionDays },
    });

    const staticCache = new CloudfrontCachePolicy(this, "static-cache", {
      name: `${name}-static`,
      comment: "Static assets: long TTL, compressed",
      minTtl: 1,
      defaultTtl: 86400,
      maxTtl: 31536000,
      parametersInCacheKeyAndForwardedToOrigin: {
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
      },
    });
    const apiCache = new CloudfrontCachePolicy(this, "api-cache", {
      name: `${name}-api`,
      comment: "API: cached only when the origin's Cache-Control allows it",
      minTtl: 0,
      defaultTtl: 0,
      maxTtl: 3600,
      parametersInCacheKeyAndForwardedToOrigin: {
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "whitelist", headers: { items: ["Authorization"] } },
        queryStringsConfig: { queryStringBehavior: "all" },
      },
    });
    const apiRequests = new CloudfrontOriginRequestPolicy(this, "api-requests", {
      name: `${name}-api`,
      comment: "Forward viewer headers (not Host), cookies and query strings to the API",
      cookiesConfig: { cookieBehavior: "all" },
      headersConfig: { headerBehavior: "allViewer" },
      queryStringsConfig: { queryStringBehavior: "all" },
    });
    const headers = new CloudfrontResponseHeadersPolicy(this, "security-headers", {
      name: `${name}-security-headers`,
      comment: "HSTS, nosniff, frame deny, strict referrer",
      securityHeadersConfig: {
        strictTransportSecurity: {
          accessControlMaxAgeSec: 63072000,
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    const apiOrigin = (originId: string, domainName: string) => ({
      originId,
      domainName,
      customHeader: [{ name: ORIGIN_VERIFY_HEADER, value: props.originVerifySecretValue }],
      customOriginConfig: {
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: "https-only",
        originSslProtocols: ["TLSv1.2"],
        originReadTimeout: 30,
        originKeepaliveTimeout: 5,
      },
      connectionAttempts: 3,
      connectionTimeout: 5,
    });
    const origins = [
      {
        originId: "static",
        domainName: this.staticBucket.bucket.bucketRegionalDomainName,
        originAccessControlId: oac.id,
      },
      apiOrigin("api", props.apiOriginDomain),
      ...(props.secondaryApiOriginDomain ? [apiOrigin("api-secondary", props.secondaryApiOriginDomain)] : []),
    ];
    const readOnlyTarget = props.secondaryApiOriginDomain ? "api-failover" : "api";

    this.distribution = new CloudfrontDistribution(this, "distribution", {
      provider: usEast1,
      enabled: true,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      comment: `${name} edge`,
      aliases: [props.domainName],
      priceClass: props.priceClass ?? "PriceClass_All",
      webAclId: this.webAcl.arn,
      origin: origins,
      originGroup: props.secondaryApiOriginDomain
        ? [
            {
              originId: "api-failover",
              failoverCriteria: { statusCodes: [500, 502, 503, 504] },
              member: [{ originId: "api" }, { originId: "api-secondary" }],
            },
          ]
        : undefined,
      defaultCacheBehavior: {
        targetOriginId: readOnlyTarget,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: apiCache.id,
        originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
        responseHeadersPolicyId: headers.id,
      },
      orderedCacheBehavior: [
        {
          pathPattern: props.staticPathPattern ?? "/static/*",
          targetOriginId: "static",
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: staticCache.id,
          responseHeadersPolicyId: headers.id,
        },
        {
          pathPattern: props.apiPathPattern ?? "/v1/*",
          targetOriginId: "api",
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ALL_METHODS,
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: apiCache.id,
          originRequestPolicyId: apiRequests.id,
          responseHeadersPolicyId: headers.id,
        },
      ],
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: {
        acmCertificateArn: certificate.arn,
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.2_2021",
      },
    });

    // Only this distribution may read the bucket (origin access control).
    this.staticBucket.addPolicyStatement({
      Sid: "CloudFrontReads",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: `${this.staticBucket.arn}/*`,
      Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
    });

    this.logGroup = new CloudwatchLogGroup(this, "access-logs", {
      provider: usEast1,
      name: `/skyline/${name}/cloudfront`,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: logKey.arn,
    });
    const source = new CloudwatchLogDeliverySource(this, "log-source", {
      provider: usEast1,
      name: `${name}-cdn`,
      logType: "ACCESS_LOGS",
      resourceArn: this.distribution.arn,
    });
    const destination = new CloudwatchLogDeliveryDestination(this, "log-destination", {
      provider: usEast1,
      name: `${name}-cdn`,
      deliveryDestinationConfiguration: [{ destinationResourceArn: this.logGroup.arn }],
    });
    new CloudwatchLogDelivery(this, "log-delivery", {
      provider: usEast1,
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.arn,
    });

    const zone = new DataAwsRoute53Zone(this, "zone", { name: props.hostedZoneName, privateZone: false });
    for (const type of ["A", "AAAA"]) {
      new Route53Record(this, `alias-${type}`, {
        zoneId: zone.zoneId,
        name: props.domainName,
        type,
        alias: {
          name: this.distribution.domainName,
          zoneId: this.distribution.hostedZoneId,
          evaluateTargetHealth: false,
        },
      });
    }
  }
}
