import { formatElapsed, Output, table } from "../../../cli/core/output";
import { fakeRuntime } from "../helpers";

describe("output", () => {
  it("formats elapsed time as mm:ss and h:mm:ss", () => {
    expect(formatElapsed(0)).toBe("00:00");
    expect(formatElapsed(65_400)).toBe("01:05");
    expect(formatElapsed(3_600_000 + 61_000)).toBe("1:01:01");
  });

  it("aligns table columns", () => {
    expect(
      table([
        ["a", "bb", "c"],
        ["ccc", "d", "e"],
      ]),
    ).toEqual(["a    bb  c", "ccc  d   e"]);
  });

  it("writes text results to stdout and progress with elapsed time to stderr", () => {
    const rt = fakeRuntime();
    const out = new Output(rt, "text", false);
    out.text("result");
    rt.clock += 61_000;
    out.progress("waiting");
    out.document({ ignored: true });
    expect(rt.out).toBe("result\n");
    expect(rt.err).toBe("[01:01] waiting\n");
  });

  it("in JSON mode writes only the document to stdout", () => {
    const rt = fakeRuntime();
    const out = new Output(rt, "json", false);
    out.text("hidden");
    out.document({ a: 1 });
    expect(JSON.parse(rt.out)).toEqual({ a: 1 });
  });

  it("colours only when enabled", () => {
    expect(new Output(fakeRuntime(), "text", true).paint("red", "x")).toBe("\u001b[31mx\u001b[0m");
    expect(new Output(fakeRuntime(), "text", false).paint("red", "x")).toBe("x");
  });
});
