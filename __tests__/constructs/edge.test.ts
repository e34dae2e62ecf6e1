import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Cdn, type CdnProps } from "../../constructs/cdn/cdn";
import { ContainerRegistry } from "../../constructs/container-registry/container-registry";
import { DnsFailover, type DnsFailoverProps } from "../../constructs/dns-failover/dns-failover";
import { TrafficSwitch } from "../../constructs/dns-failover/traffic-switch";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { only, resources, synthJson, testStack } from "../helpers/synth";

function synthCdn(overrides: Partial<CdnProps> = {}) {
  const { stack } = testStack("us-east-1");
  const usEast1 = new AwsProvider(stack, "use1", { alias: "use1", region: "us-east-1" });
  new Cdn(stack, "cdn", {
    name: "app-prod",
    domainName: "app.example.com",
    hostedZoneName: "app.example.com",
    apiOriginDomain: "origin.app.example.com",
    secondaryApiOriginDomain: "euw1.origin.app.example.com",
    originVerifySecretValue: "${data.aws_secretsmanager_secret_version.origin.secret_string}",
    usEast1Provider: usEast1,
    ...overrides,
  });
  return synthJson(stack);
}

describe("Cdn", () => {
  const json = synthCdn();
  const distribution = only(json, "aws_cloudfront_distribution");

  it("serves HTTPS only with TLS 1.2_2021 and an ACM certificate from us-east-1", () => {
    expect(distribution.viewer_certificate).toMatchObject({
      minimum_protocol_version: "TLSv1.2_2021",
      ssl_support_method: "sni-only",
    });
    expect(distribution.viewer_certificate.acm_certificate_arn).toMatch(/aws_acm_certificate_validation/);
    const behaviors = [distribution.default_cache_behavior, ...distribution.ordered_cache_behavior];
    expect(behaviors.every((b: any) => b.viewer_protocol_policy === "redirect-to-https" && b.compress)).toBe(
      true,
    );
    expect(
      behaviors.every((b: any) =>
        /aws_cloudfront_response_headers_policy/.test(b.response_headers_policy_id),
      ),
    ).toBe(true);
    expect(only(json, "aws_acm_certificate").provider).toBe("aws.use1");
  });

  it("reads static assets from a private, encrypted bucket through origin access control only", () => {
    const staticOrigin = distribution.origin.find((o: any) => o.origin_id === "static");
    expect(staticOrigin.origin_access_control_id).toMatch(/aws_cloudfront_origin_access_control/);
    expect(only(json, "aws_cloudfront_origin_access_control")).toMatchObject({
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
    });
    const policy = JSON.parse(only(json, "aws_s3_bucket_policy").policy);
    const read = policy.Statement.find((s: any) => s.Sid === "CloudFrontReads");
    expect(read.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect(read.Condition.StringEquals["AWS:SourceArn"]).toMatch(/aws_cloudfront_distribution\..*\.arn/);
    const sse = only(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
  });

  it("sends the origin secret to the API over TLS 1.2 and fails GET/HEAD over to a second region", () => {
    const api = distribution.origin.find((o: any) => o.origin_id === "api");
    expect(api.domain_name).toBe("origin.app.example.com");
    expect(api.custom_header).toEqual([
      { name: "X-Origin-Verify", value: "${data.aws_secretsmanager_secret_version.origin.secret_string}" },
    ]);
    expect(api.custom_origin_config).toMatchObject({
      origin_protocol_policy: "https-only",
      origin_ssl_protocols: ["TLSv1.2"],
    });
    expect(distribution.origin_group[0]).toMatchObject({
      origin_id: "api-failover",
      failover_criteria: { status_codes: [500, 502, 503, 504] },
      member: [{ origin_id: "api" }, { origin_id: "api-secondary" }],
    });
    expect(distribution.default_cache_behavior).toMatchObject({
      target_origin_id: "api-failover",
      allowed_methods: ["GET", "HEAD", "OPTIONS"],
    });
    const writes = distribution.ordered_cache_behavior.find((b: any) => b.path_pattern === "/v1/*");
    expect(writes.target_origin_id).toBe("api");
    expect(writes.allowed_methods).toContain("POST");
  });

  it("caches static assets for long and the API only when the origin allows", () => {
    const policies = Object.fromEntries(
      resources(json, "aws_cloudfront_cache_policy").map(([, p]) => [p.name, p]),
    );
    expect(policies["app-prod-static"]).toMatchObject({ default_ttl: 86400, max_ttl: 31536000 });
    expect(policies["app-prod-api"]).toMatchObject({ min_ttl: 0, default_ttl: 0 });
  });

  it("adds HSTS, nosniff, frame and referrer headers", () => {
    const headers = only(json, "aws_cloudfront_response_headers_policy").security_headers_config;
    expect(headers.strict_transport_security).toMatchObject({
      access_control_max_age_sec: 63072000,
      include_subdomains: true,
    });
    expect(headers.content_type_options).toEqual({ override: true });
    expect(headers.frame_options).toMatchObject({ frame_option: "DENY" });
    expect(headers.referrer_policy.referrer_policy).toBe("strict-origin-when-cross-origin");
  });

  it("is protected by a CLOUDFRONT-scope WAF in us-east-1 whose requests are logged", () => {
    const acl = only(json, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ scope: "CLOUDFRONT", provider: "aws.use1" });
    expect(distribution.web_acl_id).toMatch(/aws_wafv2_web_acl\..*\.arn/);
    const logging = only(json, "aws_wafv2_web_acl_logging_configuration");
    expect(logging.redacted_fields).toEqual([
      { single_header: { name: "authorization" } },
      { single_header: { name: "cookie" } },
    ]);
    const groups = resources(json, "aws_cloudwatch_log_group").map(([, g]) => g);
    expect(groups.map((g) => g.name).sort()).toEqual([
      "/skyline/app-prod/cloudfront",
      "aws-waf-logs-app-prod-cdn",
    ]);
    expect(groups.every((g) => g.retention_in_days === 365 && /aws_kms_key/.test(g.kms_key_id))).toBe(true);
  });

  it("delivers access logs (standard logging v2) and points the viewer name at the distribution", () => {
    expect(only(json, "aws_cloudwatch_log_delivery_source")).toMatchObject({ log_type: "ACCESS_LOGS" });
    expect(only(json, "aws_cloudwatch_log_delivery").delivery_source_name).toMatch(/log_delivery_source/);
    expect(
      resources(json, "aws_route53_record")
        .filter(([, r]) => r.name === "app.example.com")
        .map(([, r]) => r.type)
        .sort(),
    ).toEqual(["A", "AAAA"]);
  });

  it("has no origin group when there is no second region", () => {
    const single = only(synthCdn({ secondaryApiOriginDomain: undefined }), "aws_cloudfront_distribution");
    expect(single.origin_group).toBeUndefined();
    expect(single.default_cache_behavior.target_origin_id).toBe("api");
  });
});

const region = (name: string, code: string) => ({
  region: name,
  code,
  namePrefix: `app-prod-${code}`,
  albDnsName: `${code}-alb.elb.amazonaws.com`,
  albZoneId: `Z${code.toUpperCase()}`,
});

function synthDns(overrides: Partial<DnsFailoverProps> = {}) {
  const { stack } = testStack();
  const dns = new DnsFailover(stack, "dns", {
    domainName: "app.example.com",
    primary: region("us-east-1", "use1"),
    secondaries: [region("eu-west-1", "euw1"), region("ap-south-1", "aps1")],
    ...overrides,
  });
  return { json: synthJson(stack), dns };
}

describe("DnsFailover", () => {
  const { json, dns } = synthDns();

  it("checks every region's /ready over HTTPS every 10 s", () => {
    const checks = resources(json, "aws_route53_health_check").map(([, c]) => c);
    expect(checks.map((c) => c.fqdn).sort()).toEqual([
      "aps1.origin.app.example.com",
      "euw1.origin.app.example.com",
      "use1.origin.app.example.com",
    ]);
    expect(
      checks.every((c) => c.type === "HTTPS" && c.resource_path === "/ready" && c.request_interval === 10),
    ).toBe(true);
    expect(dns.healthChecks.map((c) => c.name)).toEqual([
      "app-prod-use1-health",
      "app-prod-euw1-health",
      "app-prod-aps1-health",
    ]);
  });

  const records = (j: typeof json) =>
    resources(j, "aws_route53_record")
      .map(([, r]) => r)
      .filter((r) => r.failover_routing_policy)
      .map((r) => [
        r.name,
        r.failover_routing_policy.type,
        r.set_identifier,
        r.alias.name,
        !!r.health_check_id,
      ])
      // Level by level (level 0 has the shortest name), PRIMARY before SECONDARY.
      .sort((a, b) => a[0].length - b[0].length || String(a[1]).localeCompare(String(b[1])));

  it("chains failover pairs through every region in order, keyed by region name", () => {
    // origin: use1 while healthy, else the next level; the last level: euw1, else aps1 itself.
    const level1 = resources(json, "aws_route53_record").filter(([id]) => id.startsWith("dns_api-1-"));
    const level1Primary = level1.find(([id]) => id.startsWith("dns_api-1-primary"))![0];
    expect(records(json)).toEqual([
      ["origin.app.example.com", "PRIMARY", "us-east-1", "use1-alb.elb.amazonaws.com", true],
      [
        "origin.app.example.com",
        "SECONDARY",
        "eu-west-1",
        `\${aws_route53_record.${level1Primary}.fqdn}`,
        false,
      ],
      ["failover-1.origin.app.example.com", "PRIMARY", "eu-west-1", "euw1-alb.elb.amazonaws.com", true],
      ["failover-1.origin.app.example.com", "SECONDARY", "ap-south-1", "aps1-alb.elb.amazonaws.com", true],
    ]);
    const link = resources(json, "aws_route53_record").find(([id]) => id.startsWith("dns_api-secondary"))![1];
    // The link is judged by the health of the level it points to, in the same zone, and names it
    // by reference and depends on both of its records: Terraform creates the target first.
    expect(link.alias).toMatchObject({
      name: `\${aws_route53_record.${level1Primary}.fqdn}`,
      evaluate_target_health: true,
    });
    expect([...link.depends_on].sort()).toEqual(level1.map(([id]) => `aws_route53_record.${id}`).sort());
    expect(level1.find(([id]) => id === level1Primary)![1].name).toBe("failover-1.origin.app.example.com");
    expect(link.alias.zone_id).toMatch(/^\$\{data\.aws_route53_zone\.dns_zone_\w+\.zone_id\}$/);
  });

  it("keeps a plain pair for two regions and a lone PRIMARY for one", () => {
    const two = synthDns({ secondaries: [region("eu-west-1", "euw1")] }).json;
    expect(records(two)).toEqual([
      ["origin.app.example.com", "PRIMARY", "us-east-1", "use1-alb.elb.amazonaws.com", true],
      ["origin.app.example.com", "SECONDARY", "eu-west-1", "euw1-alb.elb.amazonaws.com", true],
    ]);
    expect(records(synthDns({ secondaries: [] }).json)).toEqual([
      ["origin.app.example.com", "PRIMARY", "us-east-1", "use1-alb.elb.amazonaws.com", true],
    ]);
  });

  it("looks the zone up by default and creates it when asked", () => {
    expect(Object.keys(json.data!.aws_route53_zone)).toHaveLength(1);
    const created = synthDns({ hostedZone: "create" }).json;
    expect(only(created, "aws_route53_zone").name).toBe("app.example.com");
  });

  it("rejects a bad health-check path and threshold", () => {
    expect(() => synthDns({ healthCheckPath: "ready" })).toThrow(
      /healthCheckPath "ready" must start with \//,
    );
    expect(() => synthDns({ failureThreshold: 0 })).toThrow(/failureThreshold must be 1 to 10/);
  });
});

describe("TrafficSwitch", () => {
  function switchIn(hosts: string[]) {
    const { stack } = testStack();
    const endpointCheck = new Route53HealthCheck(stack, "endpoint", { type: "HTTPS", fqdn: "x.example.com" });
    return new TrafficSwitch(stack, "switch", {
      namePrefix: "app-prod-use1",
      region: "us-east-1",
      endpointCheck,
      hosts: hosts.map((region) => ({
        region,
        code: region,
        provider: new AwsProvider(stack, `p-${region}`, { region, alias: region }),
      })),
    });
  }

  it("refuses a switch with nowhere to live, or one kept in its own region", () => {
    expect(() => switchIn([])).toThrow(/hosts is empty; a switch needs another region/);
    expect(() => switchIn(["eu-west-1", "us-east-1"])).toThrow(
      /hosts lists us-east-1 itself; a region's switch must live in the other regions/,
    );
  });

  it("names its alarm after the region and keeps one copy per host", () => {
    const s = switchIn(["eu-west-1", "ap-south-1"]);
    expect(s.alarmName).toBe("app-prod-use1-traffic-switch");
    expect(s.hostRegions).toEqual(["eu-west-1", "ap-south-1"]);
    expect(Object.keys(s.alarms)).toEqual(["eu-west-1", "ap-south-1"]);
  });

  it("is built by DnsFailover only when every region has a provider", () => {
    const { stack } = testStack();
    const withProvider = (name: string, code: string) => ({
      ...region(name, code),
      provider: new AwsProvider(stack, `p-${code}`, { region: name, alias: code }),
    });
    const dns = new DnsFailover(stack, "dns", {
      domainName: "app.example.com",
      primary: withProvider("us-east-1", "use1"),
      secondaries: [withProvider("eu-west-1", "euw1")],
    });
    expect(dns.healthChecks.map((c) => c.trafficSwitch?.hostRegions)).toEqual([["eu-west-1"], ["us-east-1"]]);
    expect(synthDns().dns.healthChecks.every((c) => c.trafficSwitch === undefined)).toBe(true);
  });
});

describe("ContainerRegistry", () => {
  const { stack } = testStack();
  new ContainerRegistry(stack, "registry", {
    repositoryName: "app-api",
    accountId: "123456789012",
    replicaRegions: ["eu-west-1", "ap-south-1"],
  });
  const json = synthJson(stack);

  it("keeps immutable, scanned, KMS-encrypted images and expires old ones", () => {
    expect(only(json, "aws_ecr_repository")).toMatchObject({
      name: "app-api",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
    });
    const rules = JSON.parse(only(json, "aws_ecr_lifecycle_policy").policy).rules;
    expect(rules.map((r: any) => r.selection.tagStatus)).toEqual(["untagged", "any"]);
  });

  it("replicates to every DR region", () => {
    const rule = only(json, "aws_ecr_replication_configuration").replication_configuration.rule[0];
    expect(rule.destination).toEqual([
      { region: "eu-west-1", registry_id: "123456789012" },
      { region: "ap-south-1", registry_id: "123456789012" },
    ]);
    expect(rule.repository_filter).toEqual([{ filter: "app-api", filter_type: "PREFIX_MATCH" }]);
  });
});
