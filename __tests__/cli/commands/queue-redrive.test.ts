/**
 * `skyline queue redrive` (issue 16): dead letters back to the queue with an SQS message move task.
 * Plan (depths, a running task refuses), no-op, dry run, confirmation, the wait with progress,
 * verification, the journal, an interruption while waiting, and StartMessageMoveTask after a lost
 * answer: sent once, then ListMessageMoveTasks re-read.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
} from "@aws-sdk/client-sqs";
import { policyFor } from "../../../cli/core/call-policy";
import { redriveDeadlineMs } from "../../../cli/commands/queue-redrive";
import { runCli } from "../../../cli/program";
import { mutatingCommands, resetMocks, sentCommands, sqs } from "../aws-mocks";
import { awsError, fakeRuntime, PRODUCTION, run, T0, journalLines } from "../helpers";
import { documentOf } from "../output-document";
import { queueManifest } from "../queue-manifests";

const ECS = queueManifest("ecs").path;
const QUEUE = "skyline-production-use1-submissions";
const DLQ = `${QUEUE}-dlq`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:222222222222:${QUEUE}`;
const DLQ_ARN = `${QUEUE_ARN}-dlq`;

/** GetQueueAttributes by URL: the queue (with its redrive policy) and the dead-letter queue. */
function depths(queue: number, deadLetters: number[] | number, deadInFlight = 0): void {
  const dead = Array.isArray(deadLetters) ? [...deadLetters] : [deadLetters];
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
    const isDlq = QueueUrl.endsWith("-dlq");
    const visible = isDlq ? (dead.length > 1 ? dead.shift() : dead[0]) : queue;
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(isDlq ? deadInFlight : 0),
        ApproximateNumberOfMessagesDelayed: "0",
        QueueArn: isDlq ? DLQ_ARN : QUEUE_ARN,
        ...(isDlq
          ? {}
          : { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }) }),
      },
    };
  });
}

const EARLIER: ListMessageMoveTasksResultEntry = {
  Status: "COMPLETED",
  StartedTimestamp: T0 - 86_400_000,
  SourceArn: DLQ_ARN,
  DestinationArn: QUEUE_ARN,
  ApproximateNumberOfMessagesMoved: 12,
  ApproximateNumberOfMessagesToMove: 12,
};
const task = (status: string, moved: number, extra: Partial<ListMessageMoveTasksResultEntry> = {}) => ({
  Status: status,
  StartedTimestamp: T0 + 1000,
  SourceArn: DLQ_ARN,
  DestinationArn: QUEUE_ARN,
  ApproximateNumberOfMessagesMoved: moved,
  ApproximateNumberOfMessagesToMove: 400,
  ...(status === "RUNNING" ? { TaskHandle: "handle-1" } : {}),
  ...extra,
});

beforeEach(() => {
  resetMocks();
  depths(30, 400);
});

const Y = ["--manifest", ECS, "queue", "redrive", "--yes"];

describe("queue redrive", () => {
  it("plans, starts the move task from the DLQ to the queue, waits with progress, verifies and journals", async () => {
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [EARLIER] }) // plan
      .resolvesOnce({ Results: [task("RUNNING", 0), EARLIER] })
      .resolvesOnce({ Results: [task("RUNNING", 150), EARLIER] })
      .resolves({ Results: [task("COMPLETED", 400), EARLIER] });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "handle-1" });
    depths(30, [400, 0]); // the dead-letter queue when planning, then after the move
    const { code, out, err, rt } = await run([...Y, "--max-per-second", "20"]);
    expect(code).toBe(0);
    expect(out).toContain(`Plan: Move 400 messages from ${DLQ} back to ${QUEUE}`);
    expect(out).toContain(
      "ok   no message move task running: none running (last: COMPLETED since 2025-01-14T03:00:00.000Z, 12 of 12 moved)",
    );
    expect(out).toContain(
      `ok   the dead-letter queue is the queue's: ${QUEUE}'s redrive policy sends to ${DLQ_ARN}`,
    );
    expect(out).toContain("At most 20 messages a second (--max-per-second): about 20 s.");
    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
      { SourceArn: DLQ_ARN, DestinationArn: QUEUE_ARN, MaxNumberOfMessagesPerSecond: 20 },
    ]);
    expect(err).toContain("RUNNING since 2025-01-15T03:00:01.000Z, 150 of 400 moved");
    expect(err).toContain("change observed");
    expect(out).toContain(`Moved 400 messages from ${DLQ} back to ${QUEUE} (task COMPLETED).`);
    expect(out).toContain(`${DLQ} now holds 0 visible messages.`);
    const journal = journalLines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(journal.map((l) => l.phase)).toEqual(["started", "sent", "outcome"]);
    expect(journal[1]).toMatchObject({
      operation: "StartMessageMoveTask",
      command: "queue redrive",
      target: DLQ,
    });
    expect(journal[2]).toMatchObject({
      outcome: "succeeded",
      details: { moved: 400, status: "COMPLETED", maxPerSecond: 20, deadLettersAfter: 0 },
    });
  });

  it("prints one JSON document for the success, valid against the schema", async () => {
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({ Results: [task("COMPLETED", 400)] });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "handle-1" });
    const { code, out } = await run(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"]);
    expect(code).toBe(0);
    expect(documentOf(out)).toMatchObject({
      command: "queue redrive",
      outcome: "succeeded",
      plan: { target: DLQ, region: "us-east-1" },
      result: { queue: QUEUE, deadLetterQueue: DLQ, moved: 400, toMove: 400, maxPerSecond: null },
      sent: [{ operation: "StartMessageMoveTask", status: "accepted" }],
    });
    // Without --max-per-second SQS picks the rate: the request carries none.
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
    });
  });

  it("refuses while a move task runs (exit 3, plan shown, nothing sent)", async () => {
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolves({ Results: [task("RUNNING", 10, { StartedTimestamp: T0 - 60_000 })] });
    const { code, out } = await run(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"]);
    expect(code).toBe(3);
    const doc = documentOf(out);
    expect(doc).toMatchObject({ outcome: "refused", error: { kind: "refused" } });
    expect(doc.plan.checks[0]).toEqual({
      name: "no message move task running",
      ok: false,
      detail:
        "RUNNING since 2025-01-15T02:59:00.000Z, 10 of 400 moved: SQS runs one per queue; wait for it (skyline status) or cancel it",
    });
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses a dead-letter queue that is not the queue's (the manifest does not match what is deployed)", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => ({
      Attributes: {
        ApproximateNumberOfMessages: "4",
        QueueArn: QueueUrl.endsWith("-dlq") ? DLQ_ARN : QUEUE_ARN,
      },
    }));
    const { code, out } = await run(Y);
    expect(code).toBe(3);
    expect(out).toContain(
      `FAIL the dead-letter queue is the queue's: ${QUEUE}'s redrive policy sends to no dead-letter queue`,
    );
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses without --yes when stdin is not a terminal, and on a terminal asks", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    const piped = await run(["--manifest", ECS, "queue", "redrive"]);
    expect(piped.code).toBe(3);
    expect(piped.err).toContain("Refusing to queue redrive without confirmation");
    const declined = await run(["--manifest", ECS, "queue", "redrive"], { tty: true, answers: ["no"] });
    expect(declined.code).toBe(3);
    expect(declined.rt.prompts).toEqual([`Proceed with queue redrive on ${DLQ}? Type yes: `]);
    expect(mutatingCommands()).toEqual([]);
  });

  it("an empty dead-letter queue is a no-op; --dry-run plans and sends nothing", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    depths(30, 0, 2);
    const empty = await run(Y);
    expect(empty.code).toBe(0);
    expect(empty.out).toContain(
      `Nothing to do: ${DLQ} holds no visible message (2 in flight: someone received them; they are visible again after their visibility timeout). No change made.`,
    );
    depths(30, 400);
    const dry = await run(["--manifest", ECS, "--dry-run", "queue", "redrive"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      "1. StartMessageMoveTask SourceArn=" + DLQ_ARN + " DestinationArn=" + QUEUE_ARN,
    );
    expect(dry.out).toContain("Dry run: no changes made.");
    expect(mutatingCommands()).toEqual([]);
  });

  it("a task that ends FAILED fails the run (exit 1) with SQS's reason", async () => {
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({
        Results: [task("FAILED", 120, { FailureReason: "AWS.SimpleQueueService.NonExistentQueue" })],
      });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "handle-1" });
    const { code, err } = await run(Y);
    expect(code).toBe(1);
    expect(err).toContain(
      `error: The message move task from ${DLQ} ended FAILED (AWS.SimpleQueueService.NonExistentQueue) after moving 120 of 400 messages; ` +
        `the rest are still in ${DLQ}.`,
    );
  });
});

describe("StartMessageMoveTask is not idempotent: never sent twice", () => {
  it("is a `once` operation in the call policy", () => {
    expect(policyFor("StartMessageMoveTask").kind).toBe("once");
  });

  it("a 5xx: sent once; ListMessageMoveTasks shows the new task, so it waits and verifies", async () => {
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [EARLIER] }) // plan
      .resolvesOnce({ Results: [task("RUNNING", 5), EARLIER] }) // re-read after the 500
      .resolves({ Results: [task("COMPLETED", 400), EARLIER] });
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(awsError("InternalError", "We encountered an internal error.", 500));
    const { code, out, err } = await run(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"]);
    expect(code).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
    const order = sqs.calls().map((c) => c.args[0].constructor.name);
    expect(order[order.indexOf("StartMessageMoveTaskCommand") + 1]).toBe("ListMessageMoveTasksCommand");
    expect(err).toContain("Not sent again (StartMessageMoveTask is not idempotent)");
    expect(err).toContain("shows the change: StartMessageMoveTask took effect; continuing.");
    expect(documentOf(out)).toMatchObject({
      outcome: "succeeded",
      sent: [{ operation: "StartMessageMoveTask", status: "took effect" }],
      result: { moved: 400 },
    });
  });

  it("a 5xx and no new task after a minute: exit 1 saying it was not applied, still sent once", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [EARLIER] });
    sqs.on(StartMessageMoveTaskCommand).rejects(awsError("ServiceUnavailable", "Service unavailable", 503));
    const { code, out } = await run(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"]);
    expect(code).toBe(1);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
    expect(documentOf(out)).toMatchObject({
      outcome: "failed",
      error: {
        kind: "not-applied",
        message: expect.stringContaining(
          "shows no change after 01:00: AWS most likely did not apply it. It was not sent again.",
        ),
      },
    });
  });
});

describe("interrupted while waiting for the move task", () => {
  it("records the interruption with what was sent; the task keeps running in AWS", async () => {
    let reads = 0;
    sqs.on(ListMessageMoveTasksCommand).callsFake(() => {
      reads++;
      if (reads === 1) return { Results: [] };
      if (reads === 2) return { Results: [task("RUNNING", 10)] };
      return new Promise(() => undefined); // the next poll never answers
    });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "handle-1" });
    const rt = fakeRuntime();
    void runCli(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"], rt);
    while (reads < 3) await new Promise((r) => setTimeout(r, 5));
    await rt.interrupt("SIGINT");
    expect(documentOf(rt.out)).toMatchObject({
      outcome: "interrupted",
      exitCode: 130,
      phase: "waiting",
      sent: [{ operation: "StartMessageMoveTask", status: "accepted" }],
      error: { message: expect.stringContaining("The operation keeps running in AWS.") },
    });
    const last = journalLines(rt.env.SKYLINE_AUDIT_LOG as string).at(-1)!;
    expect(last).toMatchObject({
      phase: "outcome",
      outcome: "interrupted",
      during: "waiting",
      command: "queue redrive",
    });
  });
});

describe("queue redrive: usage (exit 2, before any AWS call)", () => {
  it("--max is refused with why: a move task cannot stop at a count", async () => {
    const { code, err } = await run(["--manifest", ECS, "queue", "redrive", "--max", "100"]);
    expect(code).toBe(2);
    expect(err).toContain(
      "--max 100: an SQS message move task moves every message in the dead-letter queue and cannot stop at a count. " +
        "Pass --max-per-second <n> (1-500)",
    );
    expect(sentCommands()).toEqual([]);
  });

  it("--max-per-second is bounded by SQS's 500; a region without a queue is bad usage", async () => {
    const fast = await run(["--manifest", ECS, "queue", "redrive", "--max-per-second", "501"]);
    expect(fast.code).toBe(2);
    expect(fast.err).toContain(
      "--max-per-second 501 is above the limit of 500 (an SQS message move task moves at most 500 messages per second)",
    );
    const none = await run(["--manifest", PRODUCTION, "queue", "redrive"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("us-east-1 has no submission queue in the manifest");
    expect(sentCommands()).toEqual([]);
  });

  it("a dead-letter queue AWS does not know stops planning: exit 3 with the failed exists check", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(awsError("QueueDoesNotExist", "The specified queue does not exist."));
    const { code, out } = await run(["--manifest", ECS, "-o", "json", "queue", "redrive", "--yes"]);
    expect(code).toBe(3);
    expect(documentOf(out).plan.checks[0]).toMatchObject({
      ok: false,
      name: expect.stringMatching(/ exists$/),
    });
    expect(mutatingCommands()).toEqual([]);
  });

  it("the wait's deadline: at least an hour, else twice the depth at the rate", () => {
    expect(redriveDeadlineMs(400, 20)).toBe(60 * 60_000);
    expect(redriveDeadlineMs(1_000_000, 100)).toBe(20_000 * 1000);
    expect(redriveDeadlineMs(1_000_000)).toBe(40_000 * 1000);
  });
});
