/**
 * `skyline deploy status` and `skyline deploy rollback` (issue 17) against mocked ECS deployment
 * sequences: in progress (canary), bake, rolled back by an alarm, succeeded, and a rollback
 * interrupted while waiting; the rollback's plan, confirmation, wait, verification and journal;
 * `status` showing an in-flight deployment; EKS pointing at kubectl rollout undo.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import type { OpsManifest } from "../../../manifest/schema";
import { buildManifest } from "../../../manifest/builder";
import { buildApp } from "../../../stacks/app";
import { runCli } from "../../../cli/program";
import { config } from "../../helpers/config";
import { ecs, healthyRegion, mutatingCommands, resetMocks } from "../aws-mocks";
import { fakeRuntime, run, T0, journalLines } from "../helpers";
import { documentOf } from "../output-document";

/** The production manifest as synth writes it (CANARY 10 % / 10 min, 15-minute bake), without its global entry. */
function manifestFile(compute: "ecs" | "eks"): { path: string; manifest: OpsManifest } {
  const env = config("production", (e) => {
    if (compute === "eks") e.compute = "eks";
  });
  const dir = mkdtempSync(join(tmpdir(), `skyline-deploy-${compute}-`));
  const { environments } = buildApp([env], { outdir: join(dir, "cdktf.out") });
  const { global: _global, ...manifest } = buildManifest(environments[0]);
  const path = join(dir, "manifest.json");
  writeFileSync(path, JSON.stringify(manifest));
  return { path, manifest: manifest as OpsManifest };
}
const { path: MANIFEST, manifest } = manifestFile("ecs");
const EKS = manifestFile("eks").path;

const SERVICE = "skyline-production-use1-api";
const CLUSTER = "skyline-production-use1-cluster";
const ALARMS = ["skyline-production-use1-alb-5xx-rate", "skyline-production-use1-alb-p95-latency"];
const TD = (n: number) => `arn:aws:ecs:us-east-1:222222222222:task-definition/${SERVICE}:${n}`;
const REV = (n: number) => `arn:aws:ecs:us-east-1:222222222222:service-revision/${CLUSTER}/${SERVICE}/${n}`;
const DEP = (n: number) =>
  `arn:aws:ecs:us-east-1:222222222222:service-deployment/${CLUSTER}/${SERVICE}/d${n}`;
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** A CANARY deployment of revision n replacing n-1, in the shape ECS describes it. */
function deployment(n: number, status: string, extra: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: DEP(n),
    status: status as ServiceDeployment["status"],
    createdAt: at(-30 + n),
    startedAt: at(-30 + n),
    updatedAt: at(-5),
    sourceServiceRevisions: [{ arn: REV(n - 1), runningTaskCount: 3 }],
    targetServiceRevision: { arn: REV(n), runningTaskCount: 3, requestedProductionTrafficWeight: 10 },
    deploymentConfiguration: {
      strategy: "CANARY",
      bakeTimeInMinutes: 15,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
    },
    alarms: { status: "MONITORING", alarmNames: ALARMS, triggeredAlarmNames: [] },
    deploymentCircuitBreaker: { status: "MONITORING", failureCount: 0, threshold: 3 },
    ...extra,
  };
}

/**
 * ECS as a sequence: each ListServiceDeployments read moves to the next state of `timeline` (the
 * last one repeats); DescribeServiceDeployments answers from the current state.
 */
function fakeEcs(timeline: ServiceDeployment[][], hangAfterReads = Infinity): { reads: () => number } {
  let index = -1;
  const now = () => timeline[Math.min(index, timeline.length - 1)];
  ecs.on(ListServiceDeploymentsCommand).callsFake(() => {
    index++;
    // ECS stops answering (the interruption test): the read never settles.
    if (index >= hangAfterReads) return new Promise(() => undefined);
    return {
      serviceDeployments: now().map((d) => ({
        serviceDeploymentArn: d.serviceDeploymentArn,
        status: d.status,
        createdAt: d.createdAt,
      })),
    };
  });
  ecs
    .on(DescribeServiceDeploymentsCommand)
    .callsFake(({ serviceDeploymentArns }: { serviceDeploymentArns: string[] }) => ({
      serviceDeployments: now().filter((d) => serviceDeploymentArns.includes(d.serviceDeploymentArn!)),
    }));
  ecs
    .on(DescribeServiceRevisionsCommand)
    .callsFake(({ serviceRevisionArns }: { serviceRevisionArns: string[] }) => ({
      serviceRevisions: serviceRevisionArns.map((arn) => ({
        serviceRevisionArn: arn,
        taskDefinition: TD(Number(arn.split("/").pop())),
      })),
    }));
  return { reads: () => index + 1 };
}

/** The service as DescribeServices shows it: running `revision`, 3/3 tasks. */
function serviceRuns(revision: number): void {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        status: "ACTIVE",
        runningCount: 3,
        desiredCount: 3,
        pendingCount: 0,
        deployments: [{}],
        taskDefinition: TD(revision),
      },
    ],
  });
}

const SUCCEEDED_41 = deployment(41, "SUCCESSFUL", {
  finishedAt: at(-20),
  targetServiceRevision: { arn: REV(41), requestedProductionTrafficWeight: 100 },
});

beforeEach(() => {
  resetMocks();
  healthyRegion();
});

describe("deploy status", () => {
  const status = (...extra: string[]) =>
    run(["--manifest", MANIFEST, "--region", "us-east-1", ...extra, "deploy", "status"]);

  it("in progress: the canary's stage, the share of traffic on green and the alarms watched", async () => {
    fakeEcs([[deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), SUCCEEDED_41]]);
    const { code, out } = await status();
    expect(code).toBe(0);
    expect(out).toContain(`us-east-1  ${SERVICE} (CANARY)`);
    expect(out).toContain(
      `current   CANARY ${SERVICE}:42: in progress; stage PRODUCTION_TRAFFIC_SHIFT; 10 % of production traffic on it; watching 2 alarms; started 2025-01-15T03:12:00.000Z`,
    );
    expect(out).toContain(`previous  CANARY ${SERVICE}:41: succeeded`);
    expect(mutatingCommands()).toEqual([]);
  });

  it("held by the release gate: says it waits there and prints the commands that record a verdict (JSON too)", async () => {
    const held = deployment(42, "IN_PROGRESS", {
      lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
      targetServiceRevision: {
        arn: REV(42),
        requestedProductionTrafficWeight: 0,
        requestedTestTrafficWeight: 100,
      },
    });
    fakeEcs([[held, SUCCEEDED_41]]);
    const PARAMETER = "/skyline-production-use1/api/release-verdict";
    const record = (verdict: string) =>
      `aws ssm put-parameter --region us-east-1 --name ${PARAMETER} --type String --overwrite --value "${DEP(42)} ${verdict}"`;
    const { code, out } = await status();
    expect(code).toBe(0);
    expect(out).toContain(
      "gate      waits on the release gate at POST_TEST_TRAFFIC_SHIFT: green is on the test listener only; no verdict within 30 min rolls it back",
    );
    expect(out).toContain(`go on:     ${record("passed")}`);
    expect(out).toContain(`roll back: ${record("failed")}`);

    fakeEcs([[held, SUCCEEDED_41]]);
    const json = await status("-o", "json");
    expect(documentOf(json.out).deployments[0].gate).toEqual({
      functionName: "skyline-production-use1-api-release-gate",
      verdictParameter: PARAMETER,
      waitMinutes: 30,
      waiting: true,
      record: { passed: record("passed"), failed: record("failed") },
    });
    expect(mutatingCommands()).toEqual([]);
  });

  it("past the gate (production shift) nothing waits on it", async () => {
    fakeEcs([[deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), SUCCEEDED_41]]);
    const { out } = await status("-o", "json");
    expect(documentOf(out).deployments[0].gate).toMatchObject({ waiting: false });
    expect(documentOf(out).deployments[0].gate.record).toBeUndefined();
    fakeEcs([[deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), SUCCEEDED_41]]);
    expect((await status()).out).not.toContain("release gate");
  });

  it("bake: all traffic on green and the minutes left of the 15-minute bake (JSON valid against the schema)", async () => {
    fakeEcs([
      [
        deployment(42, "IN_PROGRESS", {
          lifecycleStage: "BAKE_TIME",
          updatedAt: at(-6),
          targetServiceRevision: { arn: REV(42), requestedProductionTrafficWeight: 100 },
        }),
        SUCCEEDED_41,
      ],
    ]);
    const { code, out } = await status("-o", "json");
    expect(code).toBe(0);
    const doc = documentOf(out);
    expect(doc).toMatchObject({ command: "deploy status", outcome: "succeeded" });
    expect(doc.deployments[0]).toMatchObject({
      region: "us-east-1",
      compute: "ecs",
      strategy: "CANARY",
      current: {
        outcome: "baking",
        stage: "BAKE_TIME",
        percentShifted: 100,
        bakeTimeMinutes: 15,
        bakeMinutesLeft: 9,
        taskDefinition: TD(42),
        previousTaskDefinitions: [TD(41)],
        alarms: { watched: ALARMS, status: "MONITORING", triggered: [] },
      },
      previous: { outcome: "succeeded", taskDefinition: TD(41) },
    });
  });

  it("rolled back: the alarm that fired and ECS's reason", async () => {
    fakeEcs([
      [
        deployment(42, "ROLLBACK_SUCCESSFUL", {
          statusReason: "Alarm skyline-production-use1-alb-5xx-rate triggered a rollback",
          alarms: { status: "TRIGGERED", alarmNames: ALARMS, triggeredAlarmNames: [ALARMS[0]] },
          rollback: { reason: "alarm", startedAt: at(-3) },
        }),
        SUCCEEDED_41,
      ],
    ]);
    const { code, out } = await status();
    expect(code).toBe(0);
    expect(out).toContain(`CANARY ${SERVICE}:42: rolled back; alarm ${ALARMS[0]} fired; rollback: alarm`);
    expect(out).toContain("Alarm skyline-production-use1-alb-5xx-rate triggered a rollback");
  });

  it("succeeded: no stage, no bake left", async () => {
    fakeEcs([[deployment(42, "SUCCESSFUL", { lifecycleStage: "CLEAN_UP" }), SUCCEEDED_41]]);
    const { out } = await status("-o", "json");
    expect(documentOf(out).deployments[0].current).toMatchObject({
      outcome: "succeeded",
      stage: null,
      bakeMinutesLeft: null,
    });
  });

  it("a region whose deployments cannot be read exits 1 naming it", async () => {
    ecs.on(ListServiceDeploymentsCommand).rejects(
      Object.assign(new Error("not allowed"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const { code, out } = await status("-o", "json");
    expect(code).toBe(1);
    expect(documentOf(out)).toMatchObject({
      outcome: "failed",
      error: { message: expect.stringContaining("us-east-1") },
    });
  });

  it("on EKS names the kubectl rollout lines", async () => {
    const { code, out } = await run(["--manifest", EKS, "--region", "us-east-1", "deploy", "status"]);
    expect(code).toBe(0);
    expect(out).toContain("EKS rolling update");
    expect(out).toContain("kubectl -n skyline rollout undo deployment/");
  });
});

describe("deploy rollback", () => {
  const Y = ["--manifest", MANIFEST, "deploy", "rollback", "--yes"];

  it("in flight: stops the deployment with ROLLBACK, waits for ROLLBACK_SUCCESSFUL, verifies the revision and journals", async () => {
    const inFlight = deployment(42, "IN_PROGRESS", { lifecycleStage: "BAKE_TIME" });
    fakeEcs([
      [inFlight, SUCCEEDED_41], // plan
      [{ ...inFlight, status: "ROLLBACK_IN_PROGRESS" }],
      [{ ...inFlight, status: "ROLLBACK_SUCCESSFUL", lifecycleStage: undefined }],
    ]);
    ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: DEP(42) });
    serviceRuns(41);
    const { code, out, err, rt } = await run(Y);
    expect(code).toBe(0);
    expect(out).toContain(
      `Plan: Stop the CANARY deployment of ${SERVICE}:42 and roll ${SERVICE} back to ${SERVICE}:41`,
    );
    expect(out).toContain(`ok   a release to go back to: ${SERVICE}:42 replaced ${SERVICE}:41`);
    expect(out).toContain(
      `Blue (${SERVICE}:41) still runs: ECS points the production listener rule back at it`,
    );
    expect(ecs.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArn: DEP(42), stopType: "ROLLBACK" },
    ]);
    expect(err).toContain("change observed");
    expect(out).toContain(`${SERVICE} runs ${SERVICE}:41 again (ROLLBACK_SUCCESSFUL); 3/3 tasks running.`);
    const journal = journalLines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(journal.map((l) => l.phase)).toEqual(["started", "sent", "outcome"]);
    expect(journal[1]).toMatchObject({
      operation: "StopServiceDeployment",
      command: "deploy rollback",
      target: SERVICE,
    });
    expect(journal[2]).toMatchObject({
      outcome: "succeeded",
      details: {
        method: "stop-deployment",
        taskDefinition: TD(41),
        rolledBack: TD(42),
        status: "ROLLBACK_SUCCESSFUL",
      },
    });
  });

  it("finished: releases the previous task definition again through the strategy and waits for SUCCESSFUL", async () => {
    const done42 = deployment(42, "SUCCESSFUL", { finishedAt: at(-1) });
    const redeploy = deployment(43, "IN_PROGRESS", {
      lifecycleStage: "TEST_TRAFFIC_SHIFT",
      sourceServiceRevisions: [{ arn: REV(42) }],
      targetServiceRevision: { arn: REV(41), requestedProductionTrafficWeight: 0 },
    });
    fakeEcs([[done42, SUCCEEDED_41], [redeploy], [{ ...redeploy, status: "SUCCESSFUL" }]]);
    ecs.on(UpdateServiceCommand).resolves({});
    serviceRuns(41);
    const { code, out } = await run(["--manifest", MANIFEST, "-o", "json", "deploy", "rollback", "--yes"]);
    expect(code).toBe(0);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: CLUSTER, service: SERVICE, taskDefinition: TD(41) },
    ]);
    expect(documentOf(out)).toMatchObject({
      outcome: "succeeded",
      plan: { action: `Release ${SERVICE}:41 again on ${SERVICE} (undoing ${SERVICE}:42)` },
      result: {
        method: "redeploy-previous",
        taskDefinition: TD(41),
        status: "SUCCESSFUL",
        deployment: DEP(43),
      },
      sent: [{ operation: "UpdateService", status: "accepted" }],
    });
  });

  it("fails (exit 1) when ECS reports the rollback failed", async () => {
    const inFlight = deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" });
    fakeEcs([
      [inFlight, SUCCEEDED_41],
      [{ ...inFlight, status: "ROLLBACK_FAILED", statusReason: "tasks failed to start" }],
    ]);
    ecs.on(StopServiceDeploymentCommand).resolves({});
    serviceRuns(42);
    const { code, out } = await run(["--manifest", MANIFEST, "-o", "json", "deploy", "rollback", "--yes"]);
    expect(code).toBe(1);
    expect(documentOf(out).error.message).toContain(
      "ended ROLLBACK_FAILED (tasks failed to start), not ROLLBACK_SUCCESSFUL",
    );
  });

  it("fails verification when the service does not run the previous revision", async () => {
    const inFlight = deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" });
    fakeEcs([[inFlight, SUCCEEDED_41], [{ ...inFlight, status: "ROLLBACK_SUCCESSFUL" }]]);
    ecs.on(StopServiceDeploymentCommand).resolves({});
    serviceRuns(42);
    const { code, out } = await run(Y);
    expect(code).toBe(1);
    expect(out + "").not.toContain("runs again");
  });

  it("already rolled back, or being rolled back: a no-op with nothing sent", async () => {
    fakeEcs([[deployment(42, "ROLLBACK_SUCCESSFUL"), SUCCEEDED_41]]);
    const rolledBack = await run(Y);
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.out).toContain(
      `Nothing to do: the newest deployment already ended ROLLBACK_SUCCESSFUL; the service runs ${SERVICE}:41 again`,
    );
    fakeEcs([[deployment(42, "ROLLBACK_IN_PROGRESS"), SUCCEEDED_41]]);
    const unwinding = await run(Y);
    expect(unwinding.code).toBe(0);
    expect(unwinding.out).toContain("already being rolled back (ROLLBACK_IN_PROGRESS)");
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses without a previous release (exit 3), without --yes when not a terminal, and plans only with --dry-run", async () => {
    fakeEcs([[deployment(1, "SUCCESSFUL", { sourceServiceRevisions: [] })]]);
    const first = await run(Y);
    expect(first.code).toBe(3);
    expect(first.out).toContain("FAIL a release to go back to");
    fakeEcs([[deployment(42, "IN_PROGRESS"), SUCCEEDED_41]]);
    const piped = await run(["--manifest", MANIFEST, "deploy", "rollback"]);
    expect(piped.code).toBe(3);
    expect(piped.err).toContain("Refusing to deploy rollback without confirmation");
    fakeEcs([[deployment(42, "IN_PROGRESS"), SUCCEEDED_41]]);
    const dry = await run(["--manifest", MANIFEST, "--dry-run", "deploy", "rollback"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`1. StopServiceDeployment ${DEP(42)} stopType=ROLLBACK`);
    expect(mutatingCommands()).toEqual([]);
  });

  it("interrupted while waiting: records the interruption with what was sent; a re-run sees the rollback in progress", async () => {
    const inFlight = deployment(42, "IN_PROGRESS", { lifecycleStage: "BAKE_TIME" });
    ecs.on(StopServiceDeploymentCommand).resolves({});
    // The plan's read answers; the first read of the wait never does.
    const fake = fakeEcs([[inFlight, SUCCEEDED_41]], 2);
    const rt = fakeRuntime();
    void runCli(["--manifest", MANIFEST, "-o", "json", "deploy", "rollback", "--yes"], rt);
    while (fake.reads() < 3) await new Promise((r) => setTimeout(r, 5));
    await rt.interrupt("SIGINT");
    expect(documentOf(rt.out)).toMatchObject({
      command: "deploy rollback",
      outcome: "interrupted",
      exitCode: 130,
      sent: [{ operation: "StopServiceDeployment", status: "accepted" }],
    });
    fakeEcs([[{ ...inFlight, status: "ROLLBACK_IN_PROGRESS" }, SUCCEEDED_41]]);
    const again = await run(Y);
    expect(again.code).toBe(0);
    expect(again.out).toContain("already being rolled back");
  });

  it("on EKS exits 2 with the kubectl rollout undo lines", async () => {
    const { code, err } = await run(["--manifest", EKS, "deploy", "rollback", "--yes"]);
    expect(code).toBe(2);
    expect(err).toContain("kubectl -n skyline rollout undo deployment/");
    expect(mutatingCommands()).toEqual([]);
  });
});

describe("status shows an in-flight deployment", () => {
  it("prints the stage, the traffic shifted and the bake left on the region's deploy line", async () => {
    fakeEcs([[deployment(42, "IN_PROGRESS", { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), SUCCEEDED_41]]);
    const { out } = await run(["--manifest", MANIFEST, "--region", "us-east-1", "status"]);
    expect(out).toContain(
      `  deploy    CANARY ${SERVICE}:42: in progress; stage PRODUCTION_TRAFFIC_SHIFT; 10 % of production traffic on it`,
    );
  });

  it("manifest carries what the commands read", () => {
    expect(manifest.regions["us-east-1"].service?.deployment).toEqual({
      strategy: "CANARY",
      bakeTimeMinutes: 15,
      canary: { percent: 10, intervalMinutes: 10 },
      alarms: ALARMS,
      alternateTargetGroup: "skyline-production-use1-alt",
      testListener: { port: 9443, allowedCidrs: ["203.0.113.0/24"] },
      releaseGate: {
        functionName: "skyline-production-use1-api-release-gate",
        lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
        verdictParameter: "/skyline-production-use1/api/release-verdict",
        waitMinutes: 30,
      },
    });
  });
});
