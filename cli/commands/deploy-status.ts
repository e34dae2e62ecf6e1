/**
 * `skyline deploy status`: for --region (default: every region), the API service's newest ECS
 * deployment: strategy, lifecycle stage, share of production traffic on the new revision, bake time
 * left, the alarms watched (and any that fired), and the outcome; with the one before it, so a
 * rollback shows what it went back to. Read-only (ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions). A deployment held by the release gate (at
 * POST_TEST_TRAFFIC_SHIFT, green on the test listener only) is said to wait on it, with the
 * commands that record its verdict. On EKS it names the kubectl lines instead:
 * skyline reads no Kubernetes API. The deploy pipeline polls it with -o json.
 */
import type { DeploymentManifest, RegionManifest } from "../../manifest/schema";
import type { Context } from "../core/context";
import {
  describeDeployment,
  IN_FLIGHT_STATUSES,
  recentDeployments,
  type DeploymentView,
} from "../core/deployments";
import { FailedError } from "../core/errors";
import { rolloutHint } from "../core/health";
import { errorDocument } from "../core/report";

export interface RegionDeployment {
  readonly region: string;
  readonly compute: "ecs" | "eks";
  /** ECS: the service; EKS: the Deployment. */
  readonly service: string;
  /** The strategy the config sets (the manifest's). */
  readonly strategy: string;
  readonly current: DeploymentView | null;
  readonly previous: DeploymentView | null;
  /** The release gate (blue/green strategies): whether the current deployment waits on it, and how to record its verdict. */
  readonly gate?: ReleaseGateState;
  /** EKS: the kubectl lines that show and undo a rollout. */
  readonly kubectl?: readonly string[];
  readonly error?: string;
}

export interface ReleaseGateState {
  readonly functionName: string;
  readonly verdictParameter: string;
  readonly waitMinutes: number;
  /** True while the current deployment is held at the gate's stage. */
  readonly waiting: boolean;
  /** While waiting: the commands that record `passed` (ECS shifts production traffic) or `failed` (ECS rolls back). */
  readonly record?: { readonly passed: string; readonly failed: string };
}

/** The gate's state for a region's current deployment (the manifest names the gate). */
export function gateState(
  region: string,
  gate: NonNullable<DeploymentManifest["releaseGate"]>,
  current: DeploymentView | null,
): ReleaseGateState {
  const waiting =
    current !== null && IN_FLIGHT_STATUSES.has(current.status) && current.stage === gate.lifecycleStage;
  const command = (verdict: string) =>
    `aws ssm put-parameter --region ${region} --name ${gate.verdictParameter} --type String --overwrite --value "${current?.arn} ${verdict}"`;
  return {
    functionName: gate.functionName,
    verdictParameter: gate.verdictParameter,
    waitMinutes: gate.waitMinutes,
    waiting,
    ...(waiting ? { record: { passed: command("passed"), failed: command("failed") } } : {}),
  };
}

async function regionDeployment(
  ctx: Context,
  region: string,
  entry: RegionManifest,
): Promise<RegionDeployment> {
  if (!entry.service) {
    const k = entry.kubernetes;
    return {
      region,
      compute: "eks",
      service: k ? `${k.namespace}/${k.deployment}` : "?",
      strategy: "ROLLING",
      current: null,
      previous: null,
      kubectl: k ? rolloutHint(k) : [],
    };
  }
  const { cluster, service, deployment } = entry.service;
  const base = { region, compute: "ecs" as const, service, strategy: deployment?.strategy ?? "ROLLING" };
  try {
    const [current, previous] = await recentDeployments(ctx, region, cluster, service, deployment);
    const gate = deployment?.releaseGate
      ? gateState(region, deployment.releaseGate, current ?? null)
      : undefined;
    return { ...base, current: current ?? null, previous: previous ?? null, ...(gate ? { gate } : {}) };
  } catch (error) {
    return { ...base, current: null, previous: null, error: (error as Error).message };
  }
}

export async function run(ctx: Context): Promise<void> {
  const manifest = ctx.manifest();
  const regions = ctx.opts.region ? [ctx.region()] : Object.keys(manifest.regions);
  const results = await Promise.all(
    regions.map((region) => regionDeployment(ctx, region, ctx.regionManifest(region, "--region"))),
  );
  const { out } = ctx;
  for (const r of results) {
    out.text(
      out.paint(
        "bold",
        `${r.region}  ${r.service} (${r.compute === "ecs" ? r.strategy : "EKS rolling update"})`,
      ),
    );
    if (r.error) {
      out.text(`  ERROR ${r.error}`);
    } else if (r.compute === "eks") {
      for (const line of r.kubectl ?? []) out.text(`  ${line}`);
    } else if (!r.current) {
      out.text("  no deployment recorded");
    } else {
      const colour =
        r.current.outcome === "succeeded"
          ? "green"
          : r.current.outcome === "rolled back" || r.current.outcome === "rollback failed"
            ? "red"
            : "yellow";
      out.text(`  current   ${out.paint(colour, describeDeployment(r.current))}`);
      if (r.current.reason) out.text(`            ${r.current.reason}`);
      if (r.gate?.record) {
        out.text(
          out.paint(
            "yellow",
            `  gate      waits on the release gate at POST_TEST_TRAFFIC_SHIFT: green is on the test listener only; no verdict within ${r.gate.waitMinutes} min rolls it back`,
          ),
        );
        out.text(`            go on:     ${r.gate.record.passed}`);
        out.text(`            roll back: ${r.gate.record.failed}`);
      }
      if (r.previous) out.text(`  previous  ${describeDeployment(r.previous)}`);
    }
  }
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) {
    const error = new FailedError(
      `Could not read the deployments of ${failed.map((r) => r.region).join(", ")}.`,
    );
    ctx.report.emit({ outcome: "failed", exitCode: 1, deployments: results, error: errorDocument(error) });
    throw error;
  }
  ctx.report.succeeded({ deployments: results });
}
