import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Token } from "../../engine";
import { loadEnvironments } from "../../stacks/config/load";
import { synthesize } from "../../stacks/synthesize";
import { withoutTokenStackTraces } from "../../stacks/token-stack-traces";

describe("withoutTokenStackTraces", () => {
  const traced = () => {
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder);
    return holder.stack;
  };

  it("skips stack capture while building and restores it afterwards, even when building throws", () => {
    const original = Error.captureStackTrace;
    expect(withoutTokenStackTraces(traced, {})).toBeUndefined();
    expect(() =>
      withoutTokenStackTraces(() => {
        throw new Error("boom");
      }, {}),
    ).toThrow("boom");
    expect(Error.captureStackTrace).toBe(original);
    expect(traced()).toMatch(/at /);
  });

  it("keeps traces when SKYLINE_TOKEN_STACK_TRACES=1", () => {
    expect(withoutTokenStackTraces(traced, { SKYLINE_TOKEN_STACK_TRACES: "1" })).toMatch(/at /);
  });

  it("still lets cdktf create tokens", () => {
    const token = withoutTokenStackTraces(() => Token.asString({ resolve: () => "x" }), {});
    expect(Token.isUnresolved(token)).toBe(true);
  });
});

describe("synthesize", () => {
  it("records no token stack trace while building or rendering any stack", () => {
    const spy = jest.spyOn(Error, "captureStackTrace");
    try {
      synthesize(loadEnvironments(["staging"]), { outdir: mkdtempSync(join(tmpdir(), "skyline-traces-")) });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
