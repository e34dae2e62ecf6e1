import { loadExampleManifest } from "../../scripts/generate-doc-examples";
import { ConfigError } from "../../stacks/config/schema";
import { PRODUCT_LOAD_GOALS, resolveLoadTargets } from "../../stacks/config/targets-schema";
import { config } from "../helpers/config";

function problems(change: (env: any) => void): string[] {
  try {
    config("production", change);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("config targets (the load to carry)", () => {
  it("defaults production to the product's goals and other tiers to 1 % of them, with 30 % headroom", () => {
    expect(resolveLoadTargets(config("production"))).toEqual({ ...PRODUCT_LOAD_GOALS, headroomPercent: 30 });
    expect(resolveLoadTargets(config("staging"))).toEqual({
      concurrentUsers: 1000,
      requestsPerSecond: 5000,
      submissionsPerMinute: 500,
      headroomPercent: 30,
    });
  });

  it("takes each field the config sets", () => {
    const env = config("staging", (e) => (e.targets = { requestsPerSecond: 800, headroomPercent: 0 }));
    expect(resolveLoadTargets(env)).toMatchObject({
      requestsPerSecond: 800,
      headroomPercent: 0,
      concurrentUsers: 1000,
    });
  });

  it("refuses more submissions than requests, naming the field", () => {
    expect(problems((e) => (e.targets = { requestsPerSecond: 100, submissionsPerMinute: 12_000 }))).toEqual([
      "targets.submissionsPerMinute: 12000 submissions per minute is 200 requests/s, more than requestsPerSecond (100); each submission is an API request, so raise requestsPerSecond or lower submissionsPerMinute",
    ]);
  });

  it("refuses a negative headroom and an unknown field", () => {
    expect(problems((e) => (e.targets = { headroomPercent: -5 }))).toEqual([
      expect.stringMatching(/^targets\.headroomPercent: /),
    ]);
    expect(problems((e) => (e.targets = { rps: 5 })).join("\n")).toMatch(/targets.*rps/);
  });

  it("reaches the ops manifest as targets.load, for the CLI", () => {
    expect(loadExampleManifest().targets.load).toEqual({ ...PRODUCT_LOAD_GOALS, headroomPercent: 30 });
  });
});
