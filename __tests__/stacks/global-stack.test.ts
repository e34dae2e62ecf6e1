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
    const alarms = resources(prod, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    expect(alarms).toHaveLength(3);
    expect(alarms.every((a) => a.namespace === "AWS/Route53" && a.provider === "aws.us-east-1")).toBe(true);
  });

  it("owns the ECR repository named by the config and replicates it to the DR regions", () => {
    expect(only(prod, "aws_ecr_repository").name).toBe("skyline-api");
    const destinations = only(prod, "aws_ecr_replication_configuration").replication_configuration.rule[0]
      .destination;
    expect(destinations.map((d: any) => d.region)).toEqual(["eu-west-1", "ap-south-1"]);
    expect(resources(stag, "aws_ecr_replication_configuration")).toHaveLength(0);
  });
});
