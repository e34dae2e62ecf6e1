import { AwsCallError } from "../../../cli/core/aws-errors";
import { FailedError } from "../../../cli/core/errors";
import { HEARTBEAT_MS, tookEffect, waitForChangeThenSettle, type WaitClock } from "../../../cli/core/waiter";

function clock(): WaitClock & { t: number; lines: string[] } {
  const c = {
    t: 0,
    lines: [] as string[],
    now: () => c.t,
    sleep: async (ms: number) => void (c.t += ms),
    progress: (m: string) => void c.lines.push(m),
  };
  return c;
}

function sequence(states: string[]): () => Promise<string> {
  let i = 0;
  return async () => states[Math.min(i++, states.length - 1)] as string;
}

const spec = {
  resource: "db x",
  describe: (s: string) => s,
  changed: (s: string) => s !== "available",
  settled: (s: string) => s === "available",
  settledText: "available",
  pollMs: 1000,
  changeTimeoutMs: 5000,
  timeoutMs: 20_000,
};

describe("waitForChangeThenSettle", () => {
  it("does not accept the stale settled state before the change was observed", async () => {
    const c = clock();
    const result = await waitForChangeThenSettle(
      { ...spec, read: sequence(["available", "available", "modifying", "modifying", "available"]) },
      c,
    );
    expect(result.state).toBe("available");
    expect(result.elapsedMs).toBe(4000);
    expect(c.lines).toEqual([
      "db x: available",
      "db x: modifying",
      "db x: change observed after 00:02; waiting for available",
      "db x: available",
    ]);
  });

  it("times out when the state never changes, naming the resource and last state", async () => {
    const c = clock();
    const error = await waitForChangeThenSettle({ ...spec, read: sequence(["available"]) }, c).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(FailedError);
    expect(error.message).toBe(
      'Timed out after 00:05: db x never showed the change (still "available"). ' +
        "AWS may have rejected it silently: check the resource's events in the console, then retry.",
    );
    expect(c.t).toBe(5000);
  });

  it("times out when the change never settles", async () => {
    const c = clock();
    const error = await waitForChangeThenSettle(
      { ...spec, read: sequence(["available", "modifying"]) },
      c,
    ).catch((e) => e);
    expect(error.message).toContain(
      'Timed out after 00:20 waiting for db x to be available (last state "modifying")',
    );
  });

  it("polls at the given interval", async () => {
    const c = clock();
    const sleeps: number[] = [];
    await waitForChangeThenSettle(
      { ...spec, pollMs: 7000, read: sequence(["modifying", "available"]) },
      { ...c, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(sleeps).toEqual([7000]);
  });

  it("says every 20 s what it has seen and what it waits for, even when nothing changes", async () => {
    const c = clock();
    const stamps: number[] = [];
    const read = sequence([...Array(12).fill("modifying"), "available"]);
    await waitForChangeThenSettle(
      { ...spec, pollMs: 10_000, timeoutMs: 10 * 60_000, changeTimeoutMs: 10 * 60_000, read },
      { ...c, progress: (m) => (stamps.push(c.t), c.lines.push(m)) },
    );
    expect(c.lines[2]).toBe("db x: still modifying after 00:20; waiting for available (deadline 10 min)");
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(HEARTBEAT_MS).toBeGreaterThanOrEqual(15_000);
    expect(HEARTBEAT_MS).toBeLessThanOrEqual(30_000);
  });

  it("keeps waiting through a read that timed out, and fails on one that cannot succeed", async () => {
    const c = clock();
    const transient = new AwsCallError(
      "No answer from x within 60 s.",
      "TimeoutError",
      "db x",
      "timeout",
      true,
    );
    let i = 0;
    const states = ["modifying", "ERR", "available"];
    const result = await waitForChangeThenSettle(
      {
        ...spec,
        read: async () => {
          const s = states[Math.min(i++, states.length - 1)];
          if (s === "ERR") throw transient;
          return s as string;
        },
      },
      c,
    );
    expect(result.state).toBe("available");
    expect(c.lines).toContain(
      "db x: could not read the state (No answer from x within 60 s.) Trying again until the deadline.",
    );
    const fatal = new AwsCallError("Access denied for db x.", "AccessDenied", "db x", "aws", false);
    await expect(
      waitForChangeThenSettle({ ...spec, read: async () => Promise.reject(fatal) }, clock()),
    ).rejects.toBe(fatal);
  });

  it("never sleeps past the overall deadline", async () => {
    const c = clock();
    const sleeps: number[] = [];
    const error = await waitForChangeThenSettle(
      { ...spec, pollMs: 7000, changeTimeoutMs: 60_000, timeoutMs: 10_000, read: sequence(["modifying"]) },
      { ...c, sleep: async (ms) => void (sleeps.push(ms), (c.t += ms)) },
    ).catch((e) => e);
    expect(sleeps).toEqual([7000, 3000]);
    expect(error.message).toContain("Timed out after 00:10");
  });

  it("tookEffect re-reads and applies the change test", async () => {
    expect(await tookEffect({ read: async () => "modifying", changed: spec.changed })()).toBe(true);
    expect(await tookEffect({ read: async () => "available", changed: spec.changed })()).toBe(false);
  });
});
