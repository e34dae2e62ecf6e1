import { z } from "zod";

/**
 * The `targets` section: the load an environment must carry. `skyline capacity` checks the config
 * against it (and `skyline cost` prices it); synth copies the resolved values into the ops manifest
 * (`targets.load`). Unset fields take the tier's default from `resolveLoadTargets`.
 */

/** The product's stated scaling goals (its reference architecture): production's defaults. */
export const PRODUCT_LOAD_GOALS = {
  concurrentUsers: 100_000,
  requestsPerSecond: 500_000,
  submissionsPerMinute: 50_000,
} as const;

/**
 * Non-production environments default to 1 % of the goals: a load test against staging with the
 * benchmark's harness, bounded in rate, checks the model without production's bill.
 */
export const NON_PRODUCTION_SHARE = 0.01;

export const loadTargetsSchema = z
  .object({
    /** Users active at the same time. @default 100,000 in production, 1,000 otherwise */
    concurrentUsers: z.number().int().min(1).max(1_000_000_000).optional(),
    /** API requests per second at the target, submissions included. @default 500,000 in production, 5,000 otherwise */
    requestsPerSecond: z.number().int().min(1).max(100_000_000).optional(),
    /** Test submissions per minute (writes). @default 50,000 in production, 500 otherwise */
    submissionsPerMinute: z.number().int().min(0).max(1_000_000_000).optional(),
    /**
     * Peak above the target the config must also carry, in percent: every tier is checked at
     * target × (1 + headroomPercent / 100). @default 30
     */
    headroomPercent: z.number().int().min(0).max(1000).default(30),
  })
  .strict();

export type LoadTargetsConfig = z.output<typeof loadTargetsSchema>;

export interface LoadTargets {
  readonly concurrentUsers: number;
  readonly requestsPerSecond: number;
  readonly submissionsPerMinute: number;
  readonly headroomPercent: number;
}

/** The targets after tier defaults: one place for every default. */
export function resolveLoadTargets(env: { tier: string; targets: LoadTargetsConfig }): LoadTargets {
  const share = env.tier === "production" ? 1 : NON_PRODUCTION_SHARE;
  const goal = (value: number) => Math.round(value * share);
  const t = env.targets;
  return {
    concurrentUsers: t.concurrentUsers ?? goal(PRODUCT_LOAD_GOALS.concurrentUsers),
    requestsPerSecond: t.requestsPerSecond ?? goal(PRODUCT_LOAD_GOALS.requestsPerSecond),
    submissionsPerMinute: t.submissionsPerMinute ?? goal(PRODUCT_LOAD_GOALS.submissionsPerMinute),
    headroomPercent: t.headroomPercent,
  };
}

/** Checks across fields; `issue(path, message)` reports a problem at `targets.<path>`. */
export function validateLoadTargets(
  env: { tier: string; targets: LoadTargetsConfig },
  issue: (path: (string | number)[], message: string) => void,
): void {
  const t = resolveLoadTargets(env);
  if (t.submissionsPerMinute / 60 > t.requestsPerSecond) {
    issue(
      ["targets", "submissionsPerMinute"],
      `${t.submissionsPerMinute} submissions per minute is ${Math.ceil(t.submissionsPerMinute / 60)} requests/s, more than requestsPerSecond (${t.requestsPerSecond}); each submission is an API request, so raise requestsPerSecond or lower submissionsPerMinute`,
    );
  }
}
