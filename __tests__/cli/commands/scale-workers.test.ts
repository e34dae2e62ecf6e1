/**
 * `skyline scale workers` (issue 16): the queue workers' ECS service, scaled like `scale service`
 * (the same core, core/scale-ecs.ts), including `--min 0 --max 0`, which a failed-over region's
 * workers need; on EKS a usage error with the kubectl/KEDA lines.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { aas, ecsService, ecs, mutatingCommands, resetMocks, sentCommands } from "../aws-mocks";
import { PRODUCTION, run, journalLines } from "../helpers";
import { documentOf } from "../output-document";
import { queueManifest } from "../queue-manifests";

const ECS = queueManifest("ecs").path;
const EKS = queueManifest("eks").path;
const WORKER_TARGET = "service/skyline-production-use1-cluster/skyline-production-use1-worker";

beforeEach(() => {
  resetMocks();
  aas
    .on(DescribeScalableTargetsCommand)
    .resolves({ ScalableTargets: [{ MinCapacity: 2, MaxCapacity: 20 } as never] });
});

describe("scale workers (ECS)", () => {
  it("--min/--max registers the worker service's autoscaling target, waits until stable, names the queue config fields", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 8))
      .resolves(ecsService(8, 8));
    aas.on(RegisterScalableTargetCommand).resolves({});
    const { code, out, err } = await run([
      "--manifest",
      ECS,
      "scale",
      "workers",
      "--min",
      "8",
      "--max",
      "40",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(ecs.commandCalls(DescribeServicesCommand)[0].args[0].input).toEqual({
      cluster: "skyline-production-use1-cluster",
      services: ["skyline-production-use1-worker"],
    });
    expect(aas.commandCalls(RegisterScalableTargetCommand)[0].args[0].input).toEqual({
      ServiceNamespace: "ecs",
      ResourceId: WORKER_TARGET,
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: 8,
      MaxCapacity: 40,
    });
    expect(out).toContain("Plan: Set skyline-production-use1-worker autoscaling range to 8-40 (now 2-20)");
    expect(out).toContain(
      "A worker in the middle of a batch is protected from scale-in until the batch commits; its messages stay in flight " +
        "at most the visibility timeout (180 s) and then return to skyline-production-use1-submissions.",
    );
    expect(out).toContain(
      "note: The next deploy reverts this change unless the config changes too: " +
        "stacks/config/environments/production.ts → queue.worker.minTasks / queue.worker.maxTasks.",
    );
    expect(err).toContain("2 running / 8 desired");
    expect(out).toContain("skyline-production-use1-worker is stable: 8 running / 8 desired.");
  });

  it("--min 0 --max 0 holds the workers at zero (scale service still needs --max of at least 1)", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 0))
      .resolves(ecsService(0, 0));
    aas.on(RegisterScalableTargetCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      ECS,
      "--region",
      "eu-west-1",
      "-o",
      "json",
      "scale",
      "workers",
      "--min",
      "0",
      "--max",
      "0",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(aas.commandCalls(RegisterScalableTargetCommand)[0].args[0].input).toMatchObject({
      ResourceId: "service/skyline-production-euw1-cluster/skyline-production-euw1-worker",
      MinCapacity: 0,
      MaxCapacity: 0,
    });
    expect(documentOf(out)).toMatchObject({
      command: "scale workers",
      outcome: "succeeded",
      plan: { target: "skyline-production-euw1-worker", region: "eu-west-1" },
      result: { service: "skyline-production-euw1-worker", running: 0, desired: 0, min: 0, max: 0 },
      sent: [{ operation: "RegisterScalableTarget", status: "accepted" }],
    });
    const api = await run(["--manifest", PRODUCTION, "scale", "service", "--min", "0", "--max", "0"]);
    expect(api.code).toBe(2);
    expect(api.err).toContain("--max needs a whole number from 1 to 5000, not 0.");
  });

  it("--desired updates the worker service; the range it already has is a no-op; outside the range is refused", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 5, 2))
      .resolves(ecsService(5, 5));
    ecs.on(UpdateServiceCommand).resolves({});
    const desired = await run(["--manifest", ECS, "scale", "workers", "--desired", "5", "--yes"]);
    expect(desired.code).toBe(0);
    expect(ecs.commandCalls(UpdateServiceCommand)[0].args[0].input).toEqual({
      cluster: "skyline-production-use1-cluster",
      service: "skyline-production-use1-worker",
      desiredCount: 5,
    });
    expect(desired.out).toContain("→ queue.worker.minTasks.");

    resetMocks();
    aas
      .on(DescribeScalableTargetsCommand)
      .resolves({ ScalableTargets: [{ MinCapacity: 2, MaxCapacity: 20 } as never] });
    ecs.on(DescribeServicesCommand).resolves(ecsService(2, 2));
    const same = await run([
      "--manifest",
      ECS,
      "-o",
      "json",
      "scale",
      "workers",
      "--min",
      "2",
      "--max",
      "20",
    ]);
    expect(same.code).toBe(0);
    expect(documentOf(same.out)).toMatchObject({
      outcome: "no-op",
      result: { noop: "the autoscaling range of skyline-production-use1-worker already is 2-20" },
    });
    const outside = await run([
      "--manifest",
      ECS,
      "-o",
      "json",
      "scale",
      "workers",
      "--desired",
      "50",
      "--yes",
    ]);
    expect(outside.code).toBe(3);
    expect(documentOf(outside.out)).toMatchObject({
      outcome: "refused",
      plan: {
        checks: expect.arrayContaining([
          expect.objectContaining({ name: "desired within the autoscaling range", ok: false }),
        ]),
      },
    });
    expect(mutatingCommands()).toEqual([]);
  });

  it("journals the change like every mutating command", async () => {
    ecs.on(DescribeServicesCommand).resolvesOnce(ecsService(2, 2)).resolves(ecsService(4, 4));
    aas.on(RegisterScalableTargetCommand).resolves({});
    const { code, rt } = await run([
      "--manifest",
      ECS,
      "scale",
      "workers",
      "--min",
      "4",
      "--max",
      "20",
      "--yes",
    ]);
    expect(code).toBe(0);
    const lines = journalLines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(lines.map((l) => [l.phase, l.command, l.target])).toEqual([
      ["started", "scale workers", "skyline-production-use1-worker"],
      ["sent", "scale workers", "skyline-production-use1-worker"],
      ["outcome", "scale workers", "skyline-production-use1-worker"],
    ]);
    expect(lines[2]).toMatchObject({ outcome: "succeeded", sent: [{ operation: "RegisterScalableTarget" }] });
  });
});

describe("scale workers: usage errors (exit 2, before any AWS call)", () => {
  it("on EKS names the KEDA ScaledObject and the kubectl lines", async () => {
    const { code, err } = await run([
      "--manifest",
      EKS,
      "--region",
      "eu-west-1",
      "scale",
      "workers",
      "--min",
      "0",
      "--max",
      "0",
    ]);
    expect(code).toBe(2);
    expect(err).toContain(
      "eu-west-1 runs the queue workers on EKS (Deployment skyline/skyline-worker in skyline-production-euw1-eks): " +
        "KEDA's ScaledObject skyline-worker owns their replicas",
    );
    expect(err).toContain(
      "kubectl --context skyline-production-euw1-eks -n skyline annotate scaledobject skyline-worker autoscaling.keda.sh/paused-replicas=0 --overwrite",
    );
    expect(sentCommands()).toEqual([]);
  });

  it("refuses a region without a queue, and mixing --desired with --min", async () => {
    const none = await run(["--manifest", PRODUCTION, "scale", "workers", "--desired", "2"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("us-east-1 has no submission queue in the manifest");
    expect(none.err).toContain("queue.enabled");
    const mixed = await run(["--manifest", ECS, "scale", "workers", "--min", "1", "--desired", "3"]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain("Pass either --min and --max");
    expect(sentCommands()).toEqual([]);
  });
});
