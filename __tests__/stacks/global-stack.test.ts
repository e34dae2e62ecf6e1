import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { only, resources, synthJson } from "../helpers/synth";

const [staging, production] = loadEnvironments(["staging", "production"]);
const { environments } = buildApp([staging, production], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) });
const prod = synthJson(environments[1].global);
const stag = synthJson(environments[0].global);

describe("GlobalStack", () => {
  it("keeps its state under <env>/global and reads every region's ALB by its deterministic name", () => {
    expect((prod.terraform as any).backend.s3.key).toBe(
      "production/global/skyline-production-global.tfstate",
    );
    const albs = Object.values(prod.data!.aws_lb) as any[];
    expect(albs.map((a) => [a.name, a.provider]).sort()).toEqual([
      ["skyline-production-aps1-alb", "aws.aps1"],
      ["skyline-production-euw1-alb", "aws.euw1"],
      ["skyline-production-use1-alb", "aws.use1"],
    ]);
  });

  it("reads the origin secret from the primary region, never a literal", () => {
    const secret = Object.values(prod.data!.aws_secretsmanager_secret_version)[0] as any;
    expect(secret.secret_id).toBe("skyline-production-origin-verify");
    const api = only(prod, "aws_cloudfront_distribution").origin.find((o: any) => o.origin_id === "api");
    expect(api.custom_header[0].value).toMatch(/^\$\{data\.aws_secretsmanager_secret_version\./);
  });

  it("retries through the DR regions' chain in production, and has no origin group in single-region staging", () => {
    const distribution = only(prod, "aws_cloudfront_distribution");
    // Three regions: the chain from the first DR region on, so a region failover dns forced out is
    // skipped by CloudFront's retries too.
    expect(distribution.origin.find((o: any) => o.origin_id === "api-secondary").domain_name).toBe(
      "failover-1.origin.skyline.example.com",
    );
    expect(only(stag, "aws_cloudfront_distribution").origin_group).toBeUndefined();
  });

  it("alarms on each region's health check in us-east-1", () => {
    const alarms = resources(prod, "aws_cloudwatch_metric_alarm")
      .map(([, a]) => a)
      .filter((a) => a.namespace === "AWS/Route53");
    expect(alarms).toHaveLength(3);
    expect(alarms.every((a) => a.provider === "aws.us-east-1")).toBe(true);
  });

  const providerRegion = (json: typeof prod, alias: string) =>
    (json.provider!.aws as any[]).find((p) => p.alias === alias.replace(/^aws\./, ""))?.region;
  const checksByName = (json: typeof prod) =>
    Object.fromEntries(
      resources(json, "aws_route53_health_check").map(([id, c]) => [
        c.tags?.Name as string,
        { id, ...c } as Record<string, any>,
      ]),
    );

  it("keeps a copy of each region's traffic switch alarm in every other region", () => {
    const switches = resources(prod, "aws_cloudwatch_metric_alarm")
      .map(([, a]) => a)
      .filter((a) => a.namespace === "Skyline/TrafficSwitch");
    const copies = switches.map((a) => [a.alarm_name, providerRegion(prod, a.provider)]).sort();
    expect(copies).toEqual(
      [
        ["skyline-production-aps1-traffic-switch", "eu-west-1"],
        ["skyline-production-aps1-traffic-switch", "us-east-1"],
        ["skyline-production-euw1-traffic-switch", "ap-south-1"],
        ["skyline-production-euw1-traffic-switch", "us-east-1"],
        ["skyline-production-use1-traffic-switch", "ap-south-1"],
        ["skyline-production-use1-traffic-switch", "eu-west-1"],
      ].sort(),
    );
    for (const a of switches) {
      expect(a).toMatchObject({
        metric_name: "ForcedOut",
        statistic: "Maximum",
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treat_missing_data: "ignore",
      });
      expect(a.dimensions.Switch).toBe(a.alarm_name.replace(/-traffic-switch$/, ""));
    }
  });

  it("serves a region only while its endpoint is healthy and no copy of its switch is in ALARM", () => {
    const checks = checksByName(prod);
    const serving = checks["skyline-production-use1-serving"];
    expect(serving.type).toBe("CALCULATED");
    const children = [
      "skyline-production-use1-health",
      "skyline-production-use1-switch-euw1",
      "skyline-production-use1-switch-aps1",
    ].map((n) => `\${aws_route53_health_check.${checks[n].id}.id}`);
    expect([...serving.child_healthchecks].sort()).toEqual(children.sort());
    expect(serving.child_health_threshold).toBe(3);
    expect(checks["skyline-production-use1-switch-euw1"]).toMatchObject({
      type: "CLOUDWATCH_METRIC",
      cloudwatch_alarm_name: "skyline-production-use1-traffic-switch",
      cloudwatch_alarm_region: "eu-west-1",
      insufficient_data_health_status: "Healthy",
    });
    // Every failover record is judged by its region's serving check.
    const servingIds = new Set(
      ["use1", "euw1", "aps1"].map(
        (c) => `\${aws_route53_health_check.${checks[`skyline-production-${c}-serving`].id}.id}`,
      ),
    );
    const judged = resources(prod, "aws_route53_record")
      .map(([, r]) => r)
      .filter((r) => r.health_check_id);
    expect(judged).toHaveLength(3);
    expect(judged.every((r) => servingIds.has(r.health_check_id))).toBe(true);
    // The endpoint checks stay: Route 53 still fails over by itself.
    expect(checks["skyline-production-use1-health"].type).toBe("HTTPS");
  });

  it("has no switch in single-region staging: its record keeps the endpoint check", () => {
    const checks = Object.values(checksByName(stag));
    expect(checks.map((c) => c.type)).toEqual(["HTTPS"]);
    expect(
      resources(stag, "aws_cloudwatch_metric_alarm").filter(
        ([, a]) => a.namespace === "Skyline/TrafficSwitch",
      ),
    ).toEqual([]);
  });

  it("creates the chain's next level before the alias that points at it (CKV2_AWS_23)", () => {
    const records = resources(prod, "aws_route53_record");
    const byId = Object.fromEntries(records);
    const link = records.find(
      ([, r]) => r.failover_routing_policy?.type === "SECONDARY" && !r.health_check_id,
    )!;
    const target = /^\$\{aws_route53_record\.([^.]+)\.fqdn\}$/.exec(link[1].alias.name);
    expect(target).not.toBeNull();
    expect(byId[target![1]]).toMatchObject({
      name: "failover-1.origin.skyline.example.com",
      failover_routing_policy: { type: "PRIMARY" },
    });
    const level1 = records
      .filter(([, r]) => r.name === "failover-1.origin.skyline.example.com")
      .map(([id]) => id);
    expect(level1).toHaveLength(2);
    expect([...link[1].depends_on].sort()).toEqual(level1.map((id) => `aws_route53_record.${id}`).sort());
    // Every alias names a resource attribute or an ALB data source: no literal record names.
    for (const [, r] of records.filter(([, r]) => r.alias)) {
      expect(r.alias.name).toMatch(/^\$\{(aws_route53_record|data\.aws_lb|aws_cloudfront_distribution)\./);
    }
  });

  it("owns the ECR repository named by the config and replicates it to the DR regions", () => {
    expect(only(prod, "aws_ecr_repository").name).toBe("skyline-api");
    const destinations = only(prod, "aws_ecr_replication_configuration").replication_configuration.rule[0]
      .destination;
    expect(destinations.map((d: any) => d.region)).toEqual(["eu-west-1", "ap-south-1"]);
    expect(resources(stag, "aws_ecr_replication_configuration")).toHaveLength(0);
  });
});
