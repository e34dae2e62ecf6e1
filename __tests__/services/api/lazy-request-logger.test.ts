import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import pino from "pino";
import {
  LazyRequestLogger,
  lazyChildLoggerFactory,
} from "../../../services/api/src/http/lazy-request-logger";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level }, stream);
  let children = 0;
  const original = root.child;
  // Children inherit this property through their prototype: count, and keep `this` (their bindings).
  root.child = function (this: typeof root, ...args: Parameters<typeof original>) {
    children += 1;
    return original.apply(this, args);
  } as typeof root.child;
  return { root: root as unknown as FastifyBaseLogger, lines, children: () => children };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("LazyRequestLogger", () => {
  test("builds no child logger for a request that logs nothing, or only below the level", () => {
    const { root, children } = capture("warn");
    const log = new LazyRequestLogger(root, { reqId: "r-1" });
    log.info({ a: 1 }, "not written");
    log.debug("not written");
    expect(children()).toBe(0);
    expect(log.materialized).toBe(false);
    expect(log.level).toBe("warn");
  });

  test("an enabled call writes through a real child, with the request id bound", async () => {
    const { root, lines, children } = capture("info");
    const log = lazyChildLoggerFactory(root, { reqId: "r-2" }, {});
    log.info({ a: 1 }, "first");
    log.error("second");
    await flush();
    expect(children()).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ reqId: "r-2", a: 1, msg: "first", level: 30 }),
      expect.objectContaining({ reqId: "r-2", msg: "second", level: 50 }),
    ]);
  });

  test("a route's own log level (Fastify's logLevel option) decides before the child exists", async () => {
    const { root, lines, children } = capture("info");
    const log = new LazyRequestLogger(root, { reqId: "r-4" }, { level: "error" });
    log.info("below the route's level");
    expect(children()).toBe(0);
    log.error("at it");
    await flush();
    expect(lines).toEqual([expect.objectContaining({ reqId: "r-4", msg: "at it" })]);
  });

  test("child() and a level change go to the real child", async () => {
    const { root, lines } = capture("info");
    const log = new LazyRequestLogger(root, { reqId: "r-3" });
    log.level = "error";
    log.warn("dropped");
    expect(log.level).toBe("error");
    log.child({ step: "db" }).error("kept");
    await flush();
    expect(lines).toEqual([expect.objectContaining({ reqId: "r-3", step: "db", msg: "kept" })]);
  });
});
