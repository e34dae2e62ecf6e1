/**
 * The operation journal: a record that is written before anything changes, not only after.
 *
 * One JSON line per event in the audit log (default `~/.skyline/audit.jsonl`, SKYLINE_AUDIT_LOG):
 * - `started`  before the first mutating call (command, region, target, what to check);
 * - `sent`     as each mutating call goes out (operation, resource), so a run killed mid-call
 *              still says what may have happened;
 * - `outcome`  at the end: succeeded, failed or interrupted (SIGINT/SIGTERM), with every mutating
 *              call sent and what came of it.
 * A `started` with no `outcome` is a run that died (SIGKILL, power, OOM): `skyline status` shows it
 * as "unfinished operation: <command> at <time>, check <resource>" (unfinished.ts).
 *
 * Each line is one synchronous append (it must be on disk before the call it announces; a local
 * append takes microseconds). The `Skyline/Operations` metric for `started` and the outcome is
 * best-effort and never awaited on the way to AWS. Writing the journal never fails the operation:
 * a write error is one warning on stderr.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

export type JournalOutcome = "succeeded" | "failed" | "interrupted";

/** One mutating call, as recorded. */
export interface SentCall {
  readonly operation: string;
  readonly resource: string;
  /** ISO time it was sent. */
  readonly at: string;
  /** `awaiting answer` until AWS answers; `took effect` when the answer was lost but a re-read showed the change. */
  status: "awaiting answer" | "accepted" | "took effect" | "failed";
  error?: string;
  /** The client token the call carried (call-policy.ts `token` operations). */
  readonly clientToken?: string;
}

export interface OperationStart {
  /** `failover db`, `scale service`, … (also the metric's Command dimension). */
  readonly command: string;
  readonly region: string;
  /** The resource acted on, named as in the manifest. */
  readonly target: string;
  /** What on-call should look at if this run dies, e.g. `database skyline-production-euw1-db (eu-west-1)`. */
  readonly check: string;
}

export interface JournalDeps {
  readonly path: string;
  now(): number;
  warn(message: string): void;
  /** Who and where: app and environment from the manifest, operator, argv. */
  identity(): { app: string; environment: string; operator: string; argv: readonly string[] };
  /** Puts the `Skyline/Operations` metric; failures are the metric's own business (warned there). */
  metric(
    region: string,
    command: string,
    outcome: "started" | JournalOutcome,
    durationMs?: number,
  ): Promise<void>;
}

interface OpenOperation extends OperationStart {
  readonly opId: string;
  readonly startedAt: number;
  readonly sent: SentCall[];
}

export class Journal {
  private current?: OpenOperation;
  private readonly pending = new Set<Promise<void>>();
  private warned = false;
  private finished = false;

  constructor(private readonly deps: JournalDeps) {}

  /** Whether an operation was started and has no outcome yet. */
  get open(): boolean {
    return this.current !== undefined && !this.finished;
  }

  /** The mutating calls sent so far in this run. */
  get sent(): readonly SentCall[] {
    return this.current?.sent ?? [];
  }

  get path(): string {
    return this.deps.path;
  }

  /** The id of this run's operation (in every line), once started. */
  get opId(): string | undefined {
    return this.current?.opId;
  }

  /** Writes `started` (once per run; later calls are no-ops) and fires the started metric. */
  begin(op: OperationStart): void {
    if (this.current) return;
    const startedAt = this.deps.now();
    this.current = {
      ...op,
      opId: `${startedAt.toString(36)}-${randomUUID().slice(0, 8)}`,
      startedAt,
      sent: [],
    };
    this.write({ phase: "started", argv: this.deps.identity().argv });
    this.track(this.deps.metric(op.region, op.command, "started"));
  }

  /** Records a mutating call about to go out; update its status with `settle`. */
  sending(operation: string, resource: string, clientToken?: string): SentCall {
    const call: SentCall = {
      operation,
      resource,
      at: new Date(this.deps.now()).toISOString(),
      status: "awaiting answer",
      ...(clientToken ? { clientToken } : {}),
    };
    this.current?.sent.push(call);
    this.write({ phase: "sent", operation, resource, ...(clientToken ? { clientToken } : {}) });
    return call;
  }

  settle(call: SentCall, status: SentCall["status"], error?: string): void {
    call.status = status;
    if (error) call.error = error;
  }

  /**
   * Writes the outcome (once) and fires the outcome metric.
   * @param extra error sentence, result details, the signal and the phase it arrived `during`
   */
  finish(
    outcome: JournalOutcome,
    extra: { error?: string; details?: Record<string, unknown>; signal?: string; during?: string } = {},
  ): void {
    if (!this.current || this.finished) return;
    this.finished = true;
    const durationMs = this.deps.now() - this.current.startedAt;
    this.write({ phase: "outcome", outcome, durationMs, sent: this.current.sent, ...extra });
    this.track(this.deps.metric(this.current.region, this.current.command, outcome, durationMs));
  }

  /** Waits for the metrics in flight, at most `maxMs` (real time): never holds the exit up for long. */
  async flush(maxMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs))),
    ]);
    if (timer) clearTimeout(timer);
  }

  private track(promise: Promise<void>): void {
    const p = promise.catch(() => undefined).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private write(fields: Record<string, unknown>): void {
    const op = this.current as OpenOperation;
    try {
      const who = this.deps.identity();
      const line = {
        time: new Date(this.deps.now()).toISOString(),
        operator: who.operator,
        host: hostname(),
        pid: process.pid,
        opId: op.opId,
        app: who.app,
        environment: who.environment,
        command: op.command,
        region: op.region,
        target: op.target,
        check: op.check,
        ...fields,
      };
      mkdirSync(dirname(this.deps.path), { recursive: true });
      appendFileSync(this.deps.path, `${JSON.stringify(line)}\n`);
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.deps.warn(
        `could not write the journal ${this.deps.path} (${(error as Error).message}); the operation goes on unrecorded. Set SKYLINE_AUDIT_LOG to a writable file.`,
      );
    }
  }
}
