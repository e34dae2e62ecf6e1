/**
 * Where the journal goes and the `Skyline/Operations` metric it puts. The journal itself
 * (started / sent / outcome lines) is journal.ts; this module only knows the audit log's path, the
 * operator's name and the metric's shape, so dashboards and alarms see on-call actions next to
 * their effects.
 */
import { userInfo } from "node:os";
import { join } from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Context } from "./context";

export const AUDIT_NAMESPACE = "Skyline/Operations";

export function auditLogPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.SKYLINE_AUDIT_LOG || join(home, ".skyline", "audit.jsonl");
}

export function operator(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}

/**
 * `Operations` (count, by Environment, Command, Outcome) and, with a duration, `OperationDuration`
 * (seconds, by Environment, Command) in the region acted on. Outcome is `started`, `succeeded`,
 * `failed` or `interrupted`. Never throws: a failure is a warning.
 */
export async function putOperationMetric(
  ctx: Context,
  region: string,
  command: string,
  outcome: string,
  durationMs?: number,
): Promise<void> {
  const environment = ctx.manifest().environment;
  const dimensions = [
    { Name: "Environment", Value: environment },
    { Name: "Command", Value: command },
  ];
  try {
    await ctx.send(
      `metric ${AUDIT_NAMESPACE} (${region})`,
      ctx.clients.cloudWatch(region),
      new PutMetricDataCommand({
        Namespace: AUDIT_NAMESPACE,
        MetricData: [
          {
            MetricName: "Operations",
            Dimensions: [...dimensions, { Name: "Outcome", Value: outcome }],
            Value: 1,
            Unit: "Count",
          },
          ...(durationMs === undefined
            ? []
            : [
                {
                  MetricName: "OperationDuration",
                  Dimensions: dimensions,
                  Value: durationMs / 1000,
                  Unit: "Seconds" as const,
                },
              ]),
        ],
      }),
    );
  } catch (error) {
    // A lost answer is not worth the long sentence meant for changes: the metric is best-effort.
    const kind = (error as { kind?: string }).kind;
    ctx.out.warn(
      kind === "outcome-unknown"
        ? `no answer from CloudWatch for the ${AUDIT_NAMESPACE} metric (${outcome}); it may or may not be recorded. The journal file has the record.`
        : `could not record the ${AUDIT_NAMESPACE} metric: ${(error as Error).message}`,
    );
  }
}
