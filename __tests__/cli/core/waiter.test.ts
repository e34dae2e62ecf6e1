import { FailedError } from "../../../cli/core/errors";
import { waitForChangeThenSettle, type WaitClock } from "../../../cli/core/waiter";

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
});
