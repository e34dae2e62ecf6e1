import { resolveDeployment } from "../../stacks/config/deployment-schema";
import { ConfigError } from "../../stacks/config/schema";
import { config } from "../helpers/config";

/** The ConfigError's problems for a variant, or [] when it parses. */
function problems(base: "staging" | "production", change: (env: any) => void): string[] {
  try {
    config(base, change);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("service.deployment in the config", () => {
  it("defaults production to a canary (10 % for 10 minutes) with a 15-minute bake", () => {
    expect(resolveDeployment(config("production"))).toEqual({
      strategy: "CANARY",
      bakeTimeMinutes: 15,
      gateWaitMinutes: 30,
      canary: { percent: 10, intervalMinutes: 10 },
      testListener: { port: 9443, allowedCidrs: ["203.0.113.0/24"] },
    });
  });

  it("defaults staging to a rolling update: no bake, no test listener", () => {
    expect(resolveDeployment(config("staging"))).toEqual({ strategy: "ROLLING", bakeTimeMinutes: 0 });
  });

  it("fills each strategy's own settings and a 5-minute bake outside production", () => {
    const cidrs = { testListener: { allowedCidrs: ["100.64.0.0/24"] } };
    const linear = config("staging", (env) => (env.service.deployment = { strategy: "LINEAR", ...cidrs }));
    expect(resolveDeployment(linear)).toEqual({
      strategy: "LINEAR",
      bakeTimeMinutes: 5,
      gateWaitMinutes: 30,
      linear: { stepPercent: 20, intervalMinutes: 5 },
      testListener: { port: 9443, allowedCidrs: ["100.64.0.0/24"] },
    });
    const blueGreen = config("production", (env) => {
      env.service.deployment = { strategy: "BLUE_GREEN", bakeTimeMinutes: 30, ...cidrs };
    });
    expect(resolveDeployment(blueGreen)).toMatchObject({ strategy: "BLUE_GREEN", bakeTimeMinutes: 30 });
    expect(resolveDeployment(blueGreen)).not.toHaveProperty("canary");
  });

  it("keeps the rolling update on EKS, where ECS's strategies do not apply", () => {
    expect(resolveDeployment(config("production", (env) => (env.compute = "eks")))).toEqual({
      strategy: "ROLLING",
      bakeTimeMinutes: 0,
    });
  });

  it.each<[string, "staging" | "production", (env: any) => void, RegExp]>([
    [
      "an unknown strategy",
      "staging",
      (env) => (env.service.deployment = { strategy: "RED_BLACK" }),
      /^service\.deployment\.strategy: .*ROLLING/,
    ],
    [
      "a bake time past ECS's range",
      "production",
      (env) => (env.service.deployment.bakeTimeMinutes = 2000),
      /^service\.deployment\.bakeTimeMinutes: bakeTimeMinutes is 0 to 1440 minutes/,
    ],
    [
      "a release gate wait of 0 minutes (it would fail every release at once)",
      "production",
      (env) => (env.service.deployment.gateWaitMinutes = 0),
      /^service\.deployment\.gateWaitMinutes: gateWaitMinutes is 1 to 1440 minutes/,
    ],
    [
      "a canary share below ECS's minimum",
      "production",
      (env) => (env.service.deployment.canary = { percent: 0.01 }),
      /^service\.deployment\.canary\.percent: canary\.percent is 0\.1 to 100/,
    ],
    [
      "a linear step below ECS's minimum",
      "production",
      (env) => (env.service.deployment.linear = { stepPercent: 1 }),
      /^service\.deployment\.linear\.stepPercent: linear\.stepPercent is 3 to 100/,
    ],
    [
      "a blue/green strategy without test ranges",
      "production",
      (env) => (env.service.deployment.testListener.allowedCidrs = []),
      /^service\.deployment\.testListener\.allowedCidrs: CANARY tests green through the test listener/,
    ],
    [
      "an internet-wide test range",
      "production",
      (env) => (env.service.deployment.testListener.allowedCidrs = ["0.0.0.0/0"]),
      /^service\.deployment\.testListener\.allowedCidrs\.0: 0\.0\.0\.0\/0 is wider than \/16/,
    ],
    [
      "a malformed test range",
      "production",
      (env) => (env.service.deployment.testListener.allowedCidrs = ["10.1.2.3"]),
      /^service\.deployment\.testListener\.allowedCidrs\.0: "10\.1\.2\.3" is not an IPv4 CIDR/,
    ],
    [
      "overlapping test ranges",
      "production",
      (env) => (env.service.deployment.testListener.allowedCidrs = ["100.64.0.0/24", "100.64.0.128/25"]),
      /^service\.deployment\.testListener\.allowedCidrs\.1: 100\.64\.0\.128\/25 overlaps 100\.64\.0\.0\/24/,
    ],
    [
      "the test listener on the production port",
      "production",
      (env) => (env.service.deployment.testListener.port = 443),
      /^service\.deployment\.testListener\.port: testListener\.port is 1024 to 65535: 443 and 80/,
    ],
    [
      "an ECS strategy with compute eks",
      "production",
      (env) => {
        env.compute = "eks";
        env.service.deployment.strategy = "CANARY";
      },
      /^service\.deployment\.strategy: CANARY is an ECS deployment strategy; with compute "eks"/,
    ],
    [
      "an unknown field, with a suggestion",
      "production",
      (env) => (env.service.deployment.bakeTime = 5),
      /service\.deployment.*bakeTime/,
    ],
  ])("refuses %s, naming the field", (_what, base, change, expected) => {
    const found = problems(base, change);
    expect(found.some((p) => expected.test(p))).toBe(true);
  });

  it("asks nothing of a rolling update's test listener", () => {
    expect(problems("staging", (env) => (env.service.deployment = { strategy: "ROLLING" }))).toEqual([]);
  });
});
