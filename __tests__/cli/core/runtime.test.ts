import { PassThrough } from "node:stream";
import { InterruptedError } from "../../../cli/core/errors";
import { promptOn, signalExitCode } from "../../../cli/core/runtime";

/** A terminal-mode readline on in-memory streams: keys are bytes written to `input`. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d) => (shown += d));
  return { input, output, shown: () => shown };
}

describe("the confirmation prompt", () => {
  it("resolves the typed line", async () => {
    const t = terminal();
    const answer = promptOn(t.input, t.output, "Type yes: ", true);
    t.input.write("yes\r");
    await expect(answer).resolves.toBe("yes");
    expect(t.shown()).toContain("Type yes: ");
  });

  it("Ctrl-C rejects with one clear interruption, not 'input closed'", async () => {
    const t = terminal();
    const answer = promptOn(t.input, t.output, "Type yes: ", true);
    t.input.write("\u0003");
    const error = (await answer.catch((e: unknown) => e)) as InterruptedError;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(error.message).toBe("Interrupted at the prompt (Ctrl-C): nothing was changed.");
  });

  it("Ctrl-D (end of input) resolves null, which callers refuse", async () => {
    const t = terminal();
    const answer = promptOn(t.input, t.output, "Type yes: ", true);
    t.input.write("\u0004");
    await expect(answer).resolves.toBeNull();
    const piped = new PassThrough();
    const closed = promptOn(piped, new PassThrough(), "Type yes: ");
    piped.end();
    await expect(closed).resolves.toBeNull();
  });

  it("exit codes: 130 for SIGINT, 143 for SIGTERM", () => {
    expect(signalExitCode("SIGINT")).toBe(130);
    expect(signalExitCode("SIGTERM")).toBe(143);
  });
});
