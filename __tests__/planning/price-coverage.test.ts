/**
 * Every resource type skyline synthesizes has a price or an explicit "not priced" with a reason: a
 * full synth of every environment, on both compute choices (EKS on nodes and on Fargate), with the
 * queue tier and staging's drill region on, priced with no price missing.
 */
import { capacityInputs } from "../../planning/capacity/inputs";
import { estimateCost } from "../../planning/cost/estimate";
import { PRICE_TABLE_PATH, readPriceTable } from "../../planning/cost/price-table";
import { PRICERS } from "../../planning/cost/pricers";
import { DEFAULT_PROFILE_PATH, readProfile } from "../../planning/profile";
import { loadResources, resolveTargets } from "../../planning/sources";
import { ENVIRONMENTS } from "../../stacks/config/environments";
import { synthesizeInto, withQueue } from "./synth";

const names = Object.keys(ENVIRONMENTS);
const drill = (e: any) => {
  if (e.drillRegion) e.drillRegion.enabled = true;
};
// Short environment names: every resource name must fit AWS's limits.
const variants = names.flatMap((base) => [
  withQueue(base as "staging" | "production", "ecs", `${base.slice(0, 4)}-ecs`, drill),
  withQueue(base as "staging" | "production", "eks", `${base.slice(0, 4)}-eks`, drill),
  withQueue(base as "staging" | "production", "eks", `${base.slice(0, 4)}-ekf`, (e) => {
    drill(e);
    e.eks = { capacity: "fargate" };
  }),
]);
const synth = synthesizeInto(variants);
const table = readPriceTable();
const profile = readProfile(DEFAULT_PROFILE_PATH).profile;

describe("price coverage of a full synth", () => {
  const all = variants.map((v) => {
    const manifest = synth.manifest(v.environment);
    return { name: v.environment, manifest, resources: loadResources(manifest, synth.stacksDir) };
  });
  const types = new Set(all.flatMap((e) => e.resources.map((r) => r.type)));

  it("synthesizes the variants it claims to (ECS, EKS on nodes and on Fargate, queue, drill region)", () => {
    for (const t of [
      "aws_ecs_service",
      "aws_eks_node_group",
      "aws_eks_fargate_profile",
      "aws_sqs_queue",
      "kubernetes_deployment_v1",
    ]) {
      expect(types).toContain(t);
    }
    const staging = all.find((e) => e.name === "stag-ecs")!;
    expect(Object.keys(staging.manifest.regions)).toEqual(["us-east-1", "eu-west-1"]);
  });

  it("every resource type is priced or listed as not priced with its reason, never both", () => {
    const unaccounted = [...types].filter((t) => !PRICERS[t] && table.notPriced[t] === undefined).sort();
    expect(unaccounted).toEqual([]);
    const both = Object.keys(PRICERS).filter((t) => table.notPriced[t] !== undefined);
    expect(both).toEqual([]);
  });

  it("the table has prices for every region the environments use", () => {
    const regions = new Set(
      all.flatMap((e) => e.resources.map((r) => r.region).filter((r): r is string => !!r)),
    );
    expect([...regions].filter((r) => !table.regions[r])).toEqual([]);
  });

  it("prices every resource of every environment with no price missing", () => {
    for (const env of all) {
      const { targets } = resolveTargets(env.manifest, {});
      const report = estimateCost({
        manifest: env.manifest,
        resources: env.resources,
        capacityInputs: capacityInputs(env.manifest, env.resources),
        targets,
        profile,
        table,
        tablePath: PRICE_TABLE_PATH,
      });
      expect({ env: env.name, missing: report.missing }).toEqual({ env: env.name, missing: [] });
      expect(report.total.min).toBeGreaterThan(0);
      expect(report.total.max).toBeGreaterThanOrEqual(report.total.target);
      expect(report.total.target).toBeGreaterThanOrEqual(report.total.min);
    }
  });
});
