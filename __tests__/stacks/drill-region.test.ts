/**
 * Staging's optional small DR region for `skyline drill` (issue 13): off by default; enabled, it
 * is a real DR region (a replica of the writer, a regional cache, one task, a traffic switch) that
 * the manifest, and so the CLI, sees like any other.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildManifest } from "../../manifest/builder";
import { buildApp } from "../../stacks/app";
import { synthesize } from "../../stacks/synthesize";
import { ConfigError } from "../../stacks/config/schema";
import { only, resources, synthJson } from "../helpers/synth";
import { config } from "../helpers/config";

const withDrill = () =>
  config("staging", (c) => {
    c.drillRegion.enabled = true;
  });

describe("staging drill region", () => {
  it("is off by default: staging stays one region", () => {
    const staging = config("staging");
    expect(staging.drRegions).toEqual([]);
    expect(Object.keys(staging.regions)).toEqual(["us-east-1"]);
    expect(staging.drillRegion).toMatchObject({ enabled: false, region: "eu-west-1" });
  });

  it("enabled, becomes a small DR region with a regional cache", () => {
    const env = withDrill();
    expect(env.drRegions).toEqual(["eu-west-1"]);
    expect(env.regions["eu-west-1"]).toEqual({ vpcCidr: "10.11.0.0/16", azCount: 2 });
    expect(env.standby.minTasks).toBe(1);
    expect(env.cache.globalDatastore).toBe(false);
  });

  it("builds a replica, one task and a traffic switch, and a manifest the CLI can drill", () => {
    const env = withDrill();
    const { environments } = buildApp([env], { outdir: mkdtempSync(join(tmpdir(), "skyline-drill-")) });
    const [stacks] = environments;
    expect(stacks.regional.map((s) => s.node.id)).toEqual([
      "skyline-staging-us-east-1",
      "skyline-staging-eu-west-1",
    ]);
    const dr = synthJson(stacks.regional[1]);
    expect(only(dr, "aws_db_instance").replicate_source_db).toBe(
      "arn:aws:rds:us-east-1:111111111111:db:skyline-staging-use1-db",
    );
    expect(only(dr, "aws_appautoscaling_target", "api_").min_capacity).toBe(1);
    expect(resources(dr, "aws_elasticache_global_replication_group")).toHaveLength(0);
    const manifest = buildManifest(stacks);
    expect(manifest.tier).toBe("non-production");
    expect(manifest.regions["eu-west-1"].database?.instances[0].role).toBe("cross-region-replica");
    expect(manifest.regions["eu-west-1"].service?.autoscaling?.minCapacity).toBe(1);
    expect(manifest.regions["us-east-1"].service?.autoscaling?.minCapacity).toBe(env.service.minTasks);
    expect(Object.keys(manifest.global!.trafficSwitch!.regions)).toEqual(["us-east-1", "eu-west-1"]);
    expect(manifest.stateBackend.replica).toEqual({
      bucket: "skyline-staging-tfstate-111111111111-euw1",
      region: "eu-west-1",
    });
  });

  it("synthesizes with every guardrail passing", () => {
    const result = synthesize([withDrill()], { outdir: mkdtempSync(join(tmpdir(), "skyline-drill-synth-")) });
    expect(result.manifests).toHaveLength(1);
  });

  it("is refused in production, and its network is checked like any region's", () => {
    expect(() =>
      config("production", (c) => {
        c.drillRegion = { enabled: true, region: "eu-central-1", vpcCidr: "10.30.0.0/16" };
      }),
    ).toThrow(/drillRegion: drillRegion is for non-production environments/);
    let error: unknown;
    try {
      config("staging", (c) => {
        c.drillRegion = { enabled: true, region: "eu-west-1", vpcCidr: "10.10.0.0/16" };
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join("\n")).toMatch(
      /regions\.eu-west-1\.vpcCidr: 10\.10\.0\.0\/16 overlaps us-east-1/,
    );
  });
});
