import { z } from "zod";
import { cidrsOverlap, parseCidr } from "../../constructs/network/cidr";

/**
 * `service.deployment`: how a new release of the API reaches users on ECS. ROLLING replaces tasks
 * in place (the circuit breaker rolls back tasks that fail to start); BLUE_GREEN, CANARY and LINEAR
 * are ECS's native blue/green family: a full green fleet in the alternate target group, tested
 * through the test listener while the release gate holds the deployment for the pipeline's
 * verdict, then traffic moved all at once (BLUE_GREEN), a canary share first
 * (CANARY) or in equal steps (LINEAR), with the region's 5xx-rate and p95-latency alarms watched
 * until the bake time ends and a rollback when one fires. Unset fields take the defaults from
 * `resolveDeployment`. On EKS the API keeps the Deployment's rolling update (eks-schema.ts).
 */

export const DEPLOYMENT_STRATEGIES = ["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** The test listener's port when none is set: off the well-known ports, HTTPS like production. */
export const DEFAULT_TEST_LISTENER_PORT = 9443;

/** The widest range the test listener may admit: it serves a release no user has seen yet. */
const WIDEST_TEST_PREFIX = 16;

const minutes = (what: string) =>
  z
    .number()
    .int(`${what} is whole minutes`)
    .min(0, `${what} is 0 to 1440 minutes (ECS's range)`)
    .max(1440, `${what} is 0 to 1440 minutes (ECS's range)`);

export const deploymentConfigSchema = z
  .object({
    /** @default "CANARY" in production on ECS, "ROLLING" otherwise (and always on EKS) */
    strategy: z.enum(DEPLOYMENT_STRATEGIES).optional(),
    /**
     * Minutes ECS keeps blue after all traffic is on green, watching the alarms; a rollback in this
     * window is a listener switch back, with no task to start. @default 15 in production, 5 otherwise
     */
    bakeTimeMinutes: minutes("bakeTimeMinutes").optional(),
    /**
     * Minutes the release gate holds a release on the test listener waiting for the pipeline's
     * verdict before it fails the release (ECS rolls back). Every strategy but ROLLING. @default 30
     */
    gateWaitMinutes: z
      .number()
      .int("gateWaitMinutes is whole minutes")
      .min(1, "gateWaitMinutes is 1 to 1440 minutes")
      .max(1440, "gateWaitMinutes is 1 to 1440 minutes")
      .optional(),
    canary: z
      .object({
        /** Share of production traffic the canary takes first (ECS accepts 0.1 to 100). @default 10 */
        percent: z
          .number()
          .min(0.1, "canary.percent is 0.1 to 100 (ECS's range)")
          .max(100, "canary.percent is 0.1 to 100 (ECS's range)")
          .default(10),
        /** Minutes the canary share runs before the rest of the traffic moves. @default 10 */
        intervalMinutes: minutes("canary.intervalMinutes").default(10),
      })
      .strict()
      .default({}),
    linear: z
      .object({
        /** Share of traffic added per step (ECS accepts 3 to 100). @default 20 */
        stepPercent: z
          .number()
          .min(3, "linear.stepPercent is 3 to 100 (ECS's range)")
          .max(100, "linear.stepPercent is 3 to 100 (ECS's range)")
          .default(20),
        /** Minutes between steps. @default 5 */
        intervalMinutes: minutes("linear.intervalMinutes").default(5),
      })
      .strict()
      .default({}),
    testListener: z
      .object({
        /** HTTPS port of the test listener on each ALB. @default 9443 */
        port: z
          .number()
          .int()
          .min(1024, "testListener.port is 1024 to 65535: 443 and 80 are the production listeners'")
          .max(65535, "testListener.port is 1024 to 65535")
          .default(DEFAULT_TEST_LISTENER_PORT),
        /**
         * IPv4 ranges of the deploy pipeline's runners and the operators that may reach green
         * before the switch; nothing else may. Required for every strategy but ROLLING. @default none
         */
        allowedCidrs: z.array(z.string()).default([]),
      })
      .strict()
      .default({}),
  })
  .strict();

export type DeploymentConfig = z.output<typeof deploymentConfigSchema>;

/** A deployment with every default filled in: what the FargateService and the manifest receive. */
export interface ResolvedDeployment {
  readonly strategy: DeploymentStrategy;
  /** Minutes blue is kept after the full switch (ROLLING: 0, there is no blue). */
  readonly bakeTimeMinutes: number;
  /** Minutes the release gate waits for a verdict (every strategy but ROLLING). */
  readonly gateWaitMinutes?: number;
  readonly canary?: { readonly percent: number; readonly intervalMinutes: number };
  readonly linear?: { readonly stepPercent: number; readonly intervalMinutes: number };
  /** The test listener (every strategy but ROLLING). */
  readonly testListener?: { readonly port: number; readonly allowedCidrs: readonly string[] };
}

interface EnvironmentPart {
  readonly tier: string;
  readonly compute: string;
  readonly service: { readonly deployment: DeploymentConfig };
}

/** The tier's defaults applied: one place for every default. */
export function resolveDeployment(env: EnvironmentPart): ResolvedDeployment {
  const d = env.service.deployment;
  const production = env.tier === "production";
  // EKS keeps the Deployment's rolling update; ECS's strategies do not apply to it.
  const strategy: DeploymentStrategy =
    env.compute === "eks" ? "ROLLING" : (d.strategy ?? (production ? "CANARY" : "ROLLING"));
  if (strategy === "ROLLING") return { strategy, bakeTimeMinutes: 0 };
  return {
    strategy,
    bakeTimeMinutes: d.bakeTimeMinutes ?? (production ? 15 : 5),
    gateWaitMinutes: d.gateWaitMinutes ?? 30,
    ...(strategy === "CANARY" ? { canary: d.canary } : {}),
    ...(strategy === "LINEAR" ? { linear: d.linear } : {}),
    testListener: { port: d.testListener.port, allowedCidrs: d.testListener.allowedCidrs },
  };
}

/** Checks across fields; `issue(path, message)` reports at `service.deployment.<path>`. */
export function validateDeployment(
  env: EnvironmentPart,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const d = env.service.deployment;
  const at = (...path: (string | number)[]) => ["service", "deployment", ...path];
  if (env.compute === "eks" && d.strategy && d.strategy !== "ROLLING") {
    issue(
      at("strategy"),
      `${d.strategy} is an ECS deployment strategy; with compute "eks" the API keeps the Deployment's rolling update (remove strategy or set it to ROLLING)`,
    );
    return;
  }
  const resolved = resolveDeployment(env);
  if (resolved.strategy === "ROLLING") return;
  const cidrs = d.testListener.allowedCidrs;
  if (cidrs.length === 0) {
    issue(
      at("testListener", "allowedCidrs"),
      `${resolved.strategy} tests green through the test listener before the switch: list the deploy pipeline's and operators' IPv4 ranges (nothing else may reach it)`,
    );
  }
  const parsed: { cidr: string; block: ReturnType<typeof parseCidr> }[] = [];
  cidrs.forEach((cidr, i) => {
    try {
      const block = parseCidr(cidr);
      if (block.prefix < WIDEST_TEST_PREFIX) {
        issue(
          at("testListener", "allowedCidrs", i),
          `${cidr} is wider than /${WIDEST_TEST_PREFIX}; the test listener serves unreleased code, list the runners' and operators' own ranges`,
        );
      }
      const overlap = parsed.find((p) => cidrsOverlap(p.block, block));
      if (overlap) {
        issue(
          at("testListener", "allowedCidrs", i),
          `${cidr} overlaps ${overlap.cidr}; list each range once`,
        );
      }
      parsed.push({ cidr, block });
    } catch (e) {
      issue(at("testListener", "allowedCidrs", i), (e as Error).message);
    }
  });
}
