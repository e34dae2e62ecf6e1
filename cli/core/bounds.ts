/**
 * Parsers for numeric flags with sane upper bounds, checked before anything is sent to AWS. Kept
 * dependency-free: program.ts uses them and must stay light for `--help`.
 *
 * JavaScript's Number("99999999999999999999") is 1e20 and still "an integer", so integers are
 * matched as digits first and must be safe integers within the flag's bounds.
 */

/** The limits of the numeric flags, with the reason for each upper bound (shown in errors and docs). */
export const LIMITS = {
  /** ECS allows 5,000 tasks per service (service quota "Tasks per service"). */
  tasks: { min: 0, max: 5000, why: "ECS runs at most 5000 tasks per service" },
  /** ElastiCache allows 5 replicas per shard. */
  replicas: { min: 0, max: 5, why: "ElastiCache allows at most 5 replicas per shard" },
  keepDays: { min: 0, max: 3650, why: "ten years" },
  keepLast: {
    min: 1,
    max: 1000,
    why: "RDS allows 100 manual snapshots per region unless the quota is raised",
  },
  /** SQS moves at most 500 messages per second in one message move task. */
  messagesPerSecond: {
    min: 1,
    max: 500,
    why: "an SQS message move task moves at most 500 messages per second",
  },
  /** Seconds. */
  connectTimeout: { min: 1, max: 300, why: "five minutes" },
  /** Seconds. */
  requestTimeout: { min: 1, max: 900, why: "fifteen minutes" },
  /** Load targets of `capacity` and `cost`: the bounds of the config's `targets` section. */
  users: { min: 1, max: 1_000_000_000, why: "the config's targets.concurrentUsers bound" },
  requestsPerSecond: { min: 1, max: 100_000_000, why: "the config's targets.requestsPerSecond bound" },
  submissionsPerMinute: {
    min: 0,
    max: 1_000_000_000,
    why: "the config's targets.submissionsPerMinute bound",
  },
  headroom: { min: 0, max: 1000, why: "the config's targets.headroomPercent bound" },
} as const;

export type LimitName = keyof typeof LIMITS;

/**
 * Parses a whole number within `LIMITS[limit]`.
 * @returns the number, or an error sentence naming `name` (a flag or environment variable)
 */
export function parseBounded(
  name: string,
  value: string,
  limit: LimitName,
  min: number = LIMITS[limit].min,
): number | string {
  const { max, why } = LIMITS[limit];
  const text = value.trim();
  if (!/^\d+$/.test(text)) return `${name} needs a whole number from ${min} to ${max}, not "${value}".`;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > max) return `${name} ${text} is above the limit of ${max} (${why}).`;
  if (n < min) return `${name} needs a whole number from ${min} to ${max}, not ${text}.`;
  return n;
}
