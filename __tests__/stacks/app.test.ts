import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { stacksOf } from "../../stacks/synthesize";
import { loadEnvironments } from "../../stacks/config/load";
import { only, resources, synthJson } from "../helpers/synth";
import { config } from "../helpers/config";

const [staging, production] = loadEnvironments(["staging", "production"]);

describe("buildApp", () => {
  const { environments } = buildApp([staging, production], {
    outdir: mkdtempSync(join(tmpdir(), "skyline-")),
  });

  it("creates one stack per region, primary first, and a state stack per environment", () => {
    expect(environments.map((e) => stacksOf(e).map((s) => s.node.id))).toEqual([
      ["skyline-staging-state", "skyline-staging-us-east-1", "skyline-staging-global"],
      [
        "skyline-production-state",
        "skyline-production-us-east-1",
        "skyline-production-eu-west-1",
        "skyline-production-ap-south-1",
        "skyline-production-global",
      ],
    ]);
  });

  it("stores each regional stack's state in S3 under <env>/<region>/<stack>.tfstate with a lock file", () => {
    const stack = environments[1].regional[1];
    const json = synthJson(stack);
    expect((json.terraform as any).backend.s3).toEqual({
      bucket: "skyline-production-tfstate-222222222222",
      key: "production/eu-west-1/skyline-production-eu-west-1.tfstate",
      region: "us-east-1",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("pins the provider to the environment's accounts and region with default tags", () => {
    const json = synthJson(environments[1].regional[2]);
    expect(json.provider!.aws[0]).toMatchObject({
      region: "ap-south-1",
      allowed_account_ids: ["222222222222"],
      default_tags: [
        {
          tags: {
            app: "skyline",
            environment: "production",
            owner: "platform-team",
            "cost-center": "cc-1042",
            "managed-by": "skyline",
          },
        },
      ],
    });
  });

  it("names resources deterministically from the config", () => {
    const json = synthJson(environments[1].regional[1]);
    expect(only(json, "aws_ecs_cluster").name).toBe("skyline-production-euw1-cluster");
    expect(only(json, "aws_ecs_service", "api_").name).toBe("skyline-production-euw1-api");
    expect(only(json, "aws_lb").name).toBe("skyline-production-euw1-alb");
  });

  it("creates shared secrets in the primary, replicated to DR regions; DR stacks read the replica", () => {
    const primary = synthJson(environments[1].regional[0]);
    const secrets = resources(primary, "aws_secretsmanager_secret").map(([, s]) => s);
    expect(secrets.map((s) => s.name).sort()).toEqual([
      "skyline-production-cache-auth",
      "skyline-production-db-connection",
      "skyline-production-jwt",
      "skyline-production-origin-verify",
    ]);
    expect(secrets[0].replica).toEqual([{ region: "eu-west-1" }, { region: "ap-south-1" }]);
    expect(secrets.every((s) => /aws_kms_key/.test(s.kms_key_id))).toBe(true);
    const dr = synthJson(environments[1].regional[1]);
    expect(resources(dr, "aws_secretsmanager_secret")).toHaveLength(0);
    expect(Object.keys(dr.data!.aws_secretsmanager_secret)).toHaveLength(4);
  });

  it("pulls the image from the ECR replica in each region", () => {
    const dr = synthJson(environments[1].regional[2]);
    const container = JSON.parse(only(dr, "aws_ecs_task_definition", "api_").container_definitions)[0];
    expect(container.image).toBe("222222222222.dkr.ecr.ap-south-1.amazonaws.com/skyline-api:0.1.0");
  });

  it("uses production sizing: NAT per AZ, deletion protection; staging shares one NAT", () => {
    const prod = synthJson(environments[1].regional[0]);
    expect(resources(prod, "aws_nat_gateway")).toHaveLength(3);
    expect(only(prod, "aws_lb").enable_deletion_protection).toBe(true);
    const stag = synthJson(environments[0].regional[0]);
    expect(resources(stag, "aws_nat_gateway")).toHaveLength(1);
    expect(only(stag, "aws_lb").enable_deletion_protection).toBe(false);
  });

  it("bootstraps the state bucket locally, encrypted and replicated to the first DR region", () => {
    const json = synthJson(environments[1].state);
    // Local (the bucket does not exist yet), at a path relative to the stack folder.
    expect((json.terraform as any).backend).toEqual({ local: { path: "terraform.tfstate" } });
    const buckets = resources(json, "aws_s3_bucket").map(([, b]) => b.bucket);
    expect(buckets).toEqual([
      "skyline-production-tfstate-222222222222",
      "skyline-production-tfstate-222222222222-euw1",
    ]);
    const replication = only(json, "aws_s3_bucket_replication_configuration");
    expect(replication.rule[0].destination.encryption_configuration.replica_kms_key_id).toMatch(
      /replica-key/,
    );
    expect(json.provider!.aws.map((p: any) => p.region)).toEqual(["us-east-1", "eu-west-1"]);
    const stagingState = synthJson(environments[0].state);
    expect(resources(stagingState, "aws_s3_bucket_replication_configuration")).toHaveLength(0);
  });

  it("matches the snapshot of every stack", () => {
    for (const env of environments) {
      for (const stack of stacksOf(env)) {
        expect(synthJson(stack)).toMatchSnapshot(stack.node.id);
      }
    }
  });
});

describe("main", () => {
  it("exits 2 on a bad selection and writes nothing", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "skyline-")), "out");
    const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), "main.ts", "--env", "prod"], {
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /--env[\s\S]*unknown environment "prod"; choose one of staging, production, all/,
    );
    expect(existsSync(outdir)).toBe(false);
  });

  it("applies production-only rules to production only", () => {
    expect(() => config("production", (e) => (e.service.minTasks = 1))).toThrow(
      /production needs at least 2 tasks/,
    );
    expect(config("staging", (e) => (e.service.minTasks = 1)).service.minTasks).toBe(1);
  });
});
