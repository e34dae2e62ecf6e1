/**
 * Records every executed operation twice: a CloudWatch metric in `Skyline/Operations` (so dashboards
 * and alarms see on-call actions next to their effects) and one JSON line in a local audit log
 * (default `~/.skyline/audit.jsonl`, `SKYLINE_AUDIT_LOG` overrides). A failure to record is a
 * warning, never a reason to report a completed operation as failed.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Context } from "./context";

export const AUDIT_NAMESPACE = "Skyline/Operations";

export interface AuditEvent {
  readonly command: string;
  readonly region: string;
  readonly target: string;
  readonly outcome: "succeeded" | "failed";
  readonly durationMs: number;
  readonly details?: Record<string, unknown>;
  readonly error?: string;
}

export function auditLogPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.SKYLINE_AUDIT_LOG || join(home, ".skyline", "audit.jsonl");
}

function operator(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}

export async function recordAudit(ctx: Context, event: AuditEvent): Promise<void> {
  const manifest = ctx.manifest();
  const line = {
    time: new Date(ctx.rt.now()).toISOString(),
    operator: operator(ctx.rt.env),
    app: manifest.app,
    environment: manifest.environment,
    ...event,
  };
  const path = auditLogPath(ctx.rt.env, ctx.rt.homedir);
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${JSON.stringify(line)}\n`);
  } catch (error) {
    ctx.out.warn(
      `could not write the audit log ${path} (${(error as Error).message}); set SKYLINE_AUDIT_LOG.`,
    );
  }
  const dimensions = [
    { Name: "Environment", Value: manifest.environment },
    { Name: "Command", Value: event.command },
  ];
  try {
    await ctx.call(`metric ${AUDIT_NAMESPACE} (${event.region})`, () =>
      ctx.clients.cloudWatch(event.region).send(
        new PutMetricDataCommand({
          Namespace: AUDIT_NAMESPACE,
          MetricData: [
            {
              MetricName: "Operations",
              Dimensions: [...dimensions, { Name: "Outcome", Value: event.outcome }],
              Value: 1,
              Unit: "Count",
            },
            {
              MetricName: "OperationDuration",
              Dimensions: dimensions,
              Value: event.durationMs / 1000,
              Unit: "Seconds",
            },
          ],
        }),
      ),
    );
  } catch (error) {
    ctx.out.warn(`could not record the ${AUDIT_NAMESPACE} metric: ${(error as Error).message}`);
  }
}
