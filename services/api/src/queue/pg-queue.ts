import type { Queryable } from "../db/database";
import type { ReceivedMessage, ReceiveOptions, SendResult, WorkQueue } from "./work-queue";

export interface PgQueueOptions {
  /** Queue name: several queues share the table. */
  readonly name: string;
  /** Receives after which a message goes to the dead letters instead of being delivered again. @default 5 */
  readonly maxReceives?: number;
  /** Visibility timeout when a receive names none. @default 180 (6 × the 30 s processing budget) */
  readonly visibilitySeconds?: number;
  /** Most messages per send or receive. @default 500 */
  readonly maxBatch?: number;
  /** First pause between polls of an empty queue; doubles up to maxPollIntervalMs. @default 25 */
  readonly pollIntervalMs?: number;
  /** @default 500 */
  readonly maxPollIntervalMs?: number;
}

/**
 * The local driver: a PostgreSQL table (migration 0003) with SQS's semantics, on real PostgreSQL and on
 * the embedded PGlite alike. A receive claims visible rows with FOR UPDATE SKIP LOCKED (concurrent
 * consumers never get the same row and never wait for each other), makes them invisible for the
 * visibility timeout and gives each a new receipt; a row already received maxReceives times is moved to
 * queue_dead_letters in the same statement instead of being delivered again (as SQS's redrive policy
 * does at receive time). Long polling is a poll with backoff rather than LISTEN/NOTIFY: it needs no
 * dedicated connection (PGlite has one) and a busy queue never waits.
 */
export class PgQueue implements WorkQueue {
  readonly name: string;
  readonly maxBatch: number;
  private readonly maxReceives: number;
  private readonly visibilitySeconds: number;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;

  constructor(
    private readonly db: Queryable,
    options: PgQueueOptions,
  ) {
    this.name = options.name;
    this.maxReceives = options.maxReceives ?? 5;
    this.visibilitySeconds = options.visibilitySeconds ?? 180;
    this.maxBatch = options.maxBatch ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    this.maxPollIntervalMs = options.maxPollIntervalMs ?? 500;
  }

  /** One INSERT for the whole list: all stored or, if it fails, none (every result carries the error). */
  async send(bodies: readonly string[]): Promise<SendResult[]> {
    if (bodies.length === 0) return [];
    try {
      await this.db.query("insert into queue_messages (queue, body) select $1, unnest($2::text[])", [
        this.name,
        bodies,
      ]);
      return bodies.map(() => ({ ok: true }));
    } catch (error) {
      return bodies.map(() => ({ ok: false, error: error as Error }));
    }
  }

  async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + options.waitSeconds * 1000;
    let pause = this.pollIntervalMs;
    for (;;) {
      const messages = await this.receiveOnce(options);
      if (messages.length > 0 || options.signal?.aborted) return messages;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await sleep(Math.min(pause, left), options.signal);
      pause = Math.min(pause * 2, this.maxPollIntervalMs);
    }
  }

  private async receiveOnce(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const max = Math.max(1, Math.min(options.max, this.maxBatch));
    const visibility = options.visibilitySeconds ?? this.visibilitySeconds;
    // Data-modifying CTEs run once and to completion whether or not the main query reads them.
    const { rows } = await this.db.query<{
      id: string;
      body: string;
      receiveCount: number;
      receipt: string;
      sentAt: number;
    }>(
      `with picked as (
         select id, receive_count from queue_messages
         where queue = $1 and visible_at <= clock_timestamp()
         order by visible_at, id
         limit $2
         for update skip locked
       ), dead as (
         delete from queue_messages m using picked p
         where m.id = p.id and p.receive_count >= $4
         returning m.id, m.queue, m.body, m.sent_at, m.receive_count
       ), buried as (
         insert into queue_dead_letters (id, queue, body, sent_at, receive_count)
         select id, queue, body, sent_at, receive_count from dead
       )
       update queue_messages m
       set receive_count = m.receive_count + 1,
           visible_at = clock_timestamp() + make_interval(secs => $3),
           receipt = gen_random_uuid()
       from picked p
       where m.id = p.id and p.receive_count < $4
       returning m.id::text as id, m.body, m.receive_count as "receiveCount", m.receipt::text as receipt,
         (extract(epoch from m.sent_at) * 1000)::float8 as "sentAt"`,
      [this.name, max, visibility, this.maxReceives],
    );
    return rows
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((r) => ({
        body: r.body,
        receipt: `${r.id}.${r.receipt}`,
        receiveCount: r.receiveCount,
        sentAt: Number(r.sentAt),
      }));
  }

  async delete(receipts: readonly string[]): Promise<string[]> {
    if (receipts.length === 0) return [];
    const { ids, handles } = parseReceipts(receipts);
    const { rows } = await this.db.query<{ id: string; receipt: string }>(
      `delete from queue_messages where queue = $1
         and (id, receipt) in (select * from unnest($2::bigint[], $3::uuid[]))
       returning id::text as id, receipt::text as receipt`,
      [this.name, ids, handles],
    );
    const deleted = new Set(rows.map((r) => `${r.id}.${r.receipt}`));
    return receipts.filter((r) => !deleted.has(r));
  }

  async changeVisibility(receipts: readonly string[], seconds: number): Promise<void> {
    if (receipts.length === 0) return;
    const { ids, handles } = parseReceipts(receipts);
    await this.db.query(
      `update queue_messages set visible_at = clock_timestamp() + make_interval(secs => $4)
       where queue = $1 and (id, receipt) in (select * from unnest($2::bigint[], $3::uuid[]))`,
      [this.name, ids, handles, seconds],
    );
  }

  /** Messages waiting (visible), being worked on (in flight), and dead letters (tests, the benchmark). */
  async depth(): Promise<{ visible: number; inFlight: number; dead: number }> {
    const { rows } = await this.db.query<{ visible: number; inFlight: number; dead: number }>(
      `select
         (select count(*) from queue_messages where queue = $1 and visible_at <= clock_timestamp())::int as visible,
         (select count(*) from queue_messages where queue = $1 and visible_at > clock_timestamp())::int as "inFlight",
         (select count(*) from queue_dead_letters where queue = $1)::int as dead`,
      [this.name],
    );
    return rows[0];
  }

  async close(): Promise<void> {
    // The database belongs to the caller.
  }
}

function parseReceipts(receipts: readonly string[]): { ids: string[]; handles: string[] } {
  const ids: string[] = [];
  const handles: string[] = [];
  for (const receipt of receipts) {
    const dot = receipt.indexOf(".");
    ids.push(receipt.slice(0, dot));
    handles.push(receipt.slice(dot + 1));
  }
  return { ids, handles };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
