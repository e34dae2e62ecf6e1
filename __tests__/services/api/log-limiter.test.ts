import { errorFields, RateLimitedLog } from "../../../services/api/src/http/log-limiter";

function logger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    warn: (obj: object, msg: string) =>
      lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
    error: (obj: object, msg: string) =>
      lines.push({ level: "error", obj: obj as Record<string, unknown>, msg }),
  };
}

describe("RateLimitedLog", () => {
  test("a thousand occurrences in an interval are one line, then one line with the count of the rest", () => {
    let now = 0;
    const log = logger();
    const limited = new RateLimitedLog(log, 10_000, () => now);
    for (let i = 0; i < 1000; i++)
      limited.warn("cache-read", { error: { message: "timed out" } }, "cache read failed");
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0].obj).toMatchObject({ repeated: 1 });
    now = 10_000;
    limited.warn("cache-read", { error: { message: "timed out" } }, "cache read failed");
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1].obj).toMatchObject({ repeated: 1000, intervalMs: 10_000 });
    limited.close();
  });

  test("occurrences left uncounted are written by the flush once the interval is over; keys are separate", () => {
    let now = 0;
    const log = logger();
    const limited = new RateLimitedLog(log, 1000, () => now);
    limited.error("a", {}, "A failed");
    limited.error("a", {}, "A failed");
    limited.warn("b", {}, "B failed");
    expect(log.lines.map((l) => l.msg)).toEqual(["A failed", "B failed"]);
    limited.flush();
    expect(log.lines).toHaveLength(2);
    now = 1000;
    limited.flush();
    expect(log.lines[2]).toMatchObject({ level: "error", msg: "A failed", obj: { repeated: 1 } });
    limited.flush();
    expect(log.lines).toHaveLength(3);
    limited.close();
  });

  test("errors are logged as message and code: no stack", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(errorFields(error)).toEqual({ message: "connect ECONNREFUSED", code: "ECONNREFUSED" });
    expect(JSON.stringify(errorFields(error))).not.toMatch(/stack|at /);
  });
});
