import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../../../../services/api/src/db/database";
import { PgQueue, type PgQueueOptions } from "../../../../../services/api/src/queue/pg-queue";

/**
 * The local driver's semantics as plain async functions with node:assert, so the same scenarios run in
 * jest on real PostgreSQL and in a child process on PGlite (which cannot load inside jest).
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function queue(db: Queryable, options: Partial<PgQueueOptions> = {}): PgQueue {
  return new PgQueue(db, { name: `q_${randomBytes(5).toString("hex")}`, pollIntervalMs: 10, ...options });
}

export const scenarios: Record<string, (db: Queryable) => Promise<void>> = {
  "send then receive: each message once, in order, with receive count 1 and a receipt": async (db) => {
    const q = queue(db);
    assert.deepEqual(await q.send(["a", "b", "c"]), [{ ok: true }, { ok: true }, { ok: true }]);
    const first = await q.receive({ max: 2, waitSeconds: 0 });
    assert.deepEqual(
      first.map((m) => [m.body, m.receiveCount]),
      [
        ["a", 1],
        ["b", 1],
      ],
    );
    assert.ok(first[0].sentAt > Date.now() - 60_000 && first[0].sentAt <= Date.now() + 1000);
    assert.deepEqual(
      (await q.receive({ max: 10, waitSeconds: 0 })).map((m) => m.body),
      ["c"],
    );
    assert.deepEqual(await q.receive({ max: 10, waitSeconds: 0 }), []);
    assert.deepEqual(await q.depth(), { visible: 0, inFlight: 3, dead: 0 });
  },

  "a message not deleted within its visibility timeout is delivered again, with a new receipt": async (
    db,
  ) => {
    const q = queue(db);
    await q.send(["m"]);
    const [first] = await q.receive({ max: 1, waitSeconds: 0, visibilitySeconds: 1 });
    assert.deepEqual(await q.receive({ max: 1, waitSeconds: 0 }), []);
    const [again] = await q.receive({ max: 1, waitSeconds: 3 });
    assert.equal(again.body, "m");
    assert.equal(again.receiveCount, 2);
    assert.notEqual(again.receipt, first.receipt);
    // The first consumer's receipt is stale: its delete removes nothing.
    assert.deepEqual(await q.delete([first.receipt]), [first.receipt]);
    assert.deepEqual(await q.delete([again.receipt]), []);
    assert.deepEqual(await q.depth(), { visible: 0, inFlight: 0, dead: 0 });
  },

  "changeVisibility extends a message's invisibility, and 0 releases it at once": async (db) => {
    const q = queue(db);
    await q.send(["x"]);
    const [m] = await q.receive({ max: 1, waitSeconds: 0, visibilitySeconds: 1 });
    await q.changeVisibility([m.receipt], 30);
    await sleep(1200);
    assert.deepEqual(await q.receive({ max: 1, waitSeconds: 0 }), []);
    await q.changeVisibility([m.receipt], 0);
    const [back] = await q.receive({ max: 1, waitSeconds: 0 });
    assert.equal(back.body, "x");
  },

  "after maxReceives receives a message moves to the dead letters instead of a new delivery": async (db) => {
    const q = queue(db, { maxReceives: 2 });
    await q.send(["poison", "fine"]);
    for (let i = 1; i <= 2; i++) {
      const got = await q.receive({ max: 10, waitSeconds: 0 });
      const poison = got.find((m) => m.body === "poison")!;
      assert.equal(poison.receiveCount, i);
      const fine = got.find((m) => m.body === "fine");
      if (fine) await q.delete([fine.receipt]);
      await q.changeVisibility([poison.receipt], 0);
    }
    assert.deepEqual(await q.receive({ max: 10, waitSeconds: 0 }), []);
    assert.deepEqual(await q.depth(), { visible: 0, inFlight: 0, dead: 1 });
    const { rows } = await db.query<{ body: string; receive_count: number }>(
      "select body, receive_count from queue_dead_letters where queue = $1",
      [q.name],
    );
    assert.deepEqual(rows, [{ body: "poison", receive_count: 2 }]);
  },

  "long polling returns as soon as a message arrives, and an abort ends the wait": async (db) => {
    const q = queue(db);
    const started = Date.now();
    const waiting = q.receive({ max: 1, waitSeconds: 10 });
    await sleep(200);
    await q.send(["late"]);
    assert.deepEqual(
      (await waiting).map((m) => m.body),
      ["late"],
    );
    assert.ok(Date.now() - started < 5000, "the long poll returned with the message, not at its end");
    const controller = new AbortController();
    const idleStart = Date.now();
    const idle = q.receive({ max: 1, waitSeconds: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    assert.deepEqual(await idle, []);
    assert.ok(Date.now() - idleStart < 5000, "the abort ended the wait");
  },

  "queues sharing the table are separate": async (db) => {
    const a = queue(db);
    const b = queue(db);
    await a.send(["for-a"]);
    assert.deepEqual(await b.receive({ max: 10, waitSeconds: 0 }), []);
    assert.deepEqual(
      (await a.receive({ max: 10, waitSeconds: 0 })).map((m) => m.body),
      ["for-a"],
    );
  },
};
