/**
 * Operations the journal shows as started and never finished: the run died (SIGKILL, a lost
 * laptop, OOM) after announcing a change. `skyline status` lists them first, so the next on-call
 * checks the resource before acting again:
 *
 *   unfinished operation: failover db at 2025-01-15T03:00:00.000Z, check database … (eu-west-1)
 *
 * Read from the end of the audit log (at most TAIL_BYTES), for this app and environment, over the
 * last MAX_AGE_MS. A start is not unfinished when it has an outcome, or when a later run of the same
 * command on the same target finished (on-call re-ran it). A start whose process is still alive on
 * this host is "in progress", not unfinished.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { hostname } from "node:os";

export const TAIL_BYTES = 1024 * 1024;
export const MAX_AGE_MS = 7 * 24 * 60 * 60_000;

export interface UnfinishedOperation {
  readonly command: string;
  /** ISO time of the `started` entry. */
  readonly startedAt: string;
  readonly region: string;
  readonly target: string;
  /** What to check, e.g. `database skyline-production-euw1-db (eu-west-1)`. */
  readonly check: string;
  /** Mutating calls it announced (`sent` entries), in order. */
  readonly sent: readonly string[];
  readonly operator: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  /** The process is still running on this host: in progress, not dead. */
  readonly running: boolean;
}

interface Line {
  time?: string;
  opId?: string;
  phase?: string;
  app?: string;
  environment?: string;
  command?: string;
  region?: string;
  target?: string;
  check?: string;
  operation?: string;
  operator?: string;
  host?: string;
  pid?: number;
}

function tail(path: string): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString("utf8");
    // A cut first line is dropped.
    return length < size ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * @param isRunning whether a pid on this host is alive @default process.kill(pid, 0)
 */
export function unfinishedOperations(
  path: string,
  scope: { readonly app: string; readonly environment: string },
  nowMs: number,
  isRunning: (pid: number) => boolean = alive,
): UnfinishedOperation[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    text = tail(path);
  } catch {
    return [];
  }
  const ops = new Map<string, { start: Line; sent: string[]; done: boolean; order: number }>();
  const finishedAt = new Map<string, number>(); // command|region|target → last order with an outcome
  let order = 0;
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (line.app !== scope.app || line.environment !== scope.environment || !line.opId) continue;
    order++;
    const op = ops.get(line.opId);
    if (line.phase === "started") ops.set(line.opId, { start: line, sent: [], done: false, order });
    else if (line.phase === "sent" && op && line.operation) op.sent.push(line.operation);
    else if (line.phase === "outcome" && op) {
      op.done = true;
      finishedAt.set(`${op.start.command}|${op.start.region}|${op.start.target}`, order);
    }
  }
  const result: UnfinishedOperation[] = [];
  for (const { start, sent, done, order: startedOrder } of ops.values()) {
    if (done) continue;
    const key = `${start.command}|${start.region}|${start.target}`;
    if ((finishedAt.get(key) ?? 0) > startedOrder) continue;
    const time = Date.parse(start.time ?? "");
    if (!Number.isFinite(time) || nowMs - time > MAX_AGE_MS) continue;
    result.push({
      command: start.command ?? "unknown",
      startedAt: start.time as string,
      region: start.region ?? "unknown",
      target: start.target ?? "unknown",
      check: start.check ?? `${start.target} (${start.region})`,
      sent,
      operator: start.operator ?? null,
      host: start.host ?? null,
      pid: start.pid ?? null,
      running: start.host === hostname() && start.pid !== undefined && isRunning(start.pid),
    });
  }
  return result;
}

/** The status line for one, e.g. `unfinished operation: failover db at …, check …`. */
export function describeUnfinished(op: UnfinishedOperation): string {
  const who = [
    op.operator && `by ${op.operator}`,
    op.host && `on ${op.host}`,
    op.pid !== null && `pid ${op.pid}`,
  ]
    .filter(Boolean)
    .join(" ");
  const sent = op.sent.length ? `sent ${op.sent.join(", ")}` : "nothing sent yet";
  return op.running
    ? `operation in progress: ${op.command} since ${op.startedAt}, on ${op.check} (${sent}; ${who})`
    : `unfinished operation: ${op.command} at ${op.startedAt}, check ${op.check} (${sent}; no outcome recorded; ${who})`;
}
