import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformOutput, TerraformStack, Token, Tokenization } from "../../engine";
import { loadEnvironments } from "../../stacks/config/load";
import { forgettingTokens } from "../../stacks/forget-tokens";
import { synthesize } from "../../stacks/synthesize";

const resolvable = (value: string) => ({ resolve: () => value, creationStack: [] as string[] });
/** Whether the engine still knows the token behind an encoded string (it throws for a key it does not). */
const known = (reverse: () => unknown) => {
  try {
    return reverse() !== undefined;
  } catch {
    return false;
  }
};
const resolves = (encoded: string) => known(() => Tokenization.reverseString(encoded).firstToken);
const resolvesNumber = (encoded: number) => known(() => Tokenization.reverseNumber(encoded));

describe("forgettingTokens", () => {
  it("forgets the string and number tokens registered during the work, and keeps the ones from before", () => {
    const kept = Token.asString(resolvable("kept"));
    const keptNumber = Token.asNumber(resolvable("1"));
    let during = "";
    let duringNumber = 0;
    forgettingTokens(() => {
      during = Token.asString(resolvable("during"));
      duringNumber = Token.asNumber(resolvable("2"));
      expect(resolves(during)).toBe(true);
    });
    expect(resolves(during)).toBe(false);
    expect(resolvesNumber(duringNumber)).toBe(false);
    expect(resolves(kept)).toBe(true);
    expect(resolvesNumber(keptNumber)).toBe(true);
    // New tokens get new keys: nothing registered later is confused with a forgotten one.
    const after = Token.asString(resolvable("after"));
    expect(after).not.toBe(during);
    expect(resolves(after)).toBe(true);
  });

  it("a synth after a forgotten one writes exactly what a synth without it writes", () => {
    const stackJson = (outdir: string) =>
      readFileSync(join(outdir, "stacks", "skyline-production-us-east-1", "cdk.tf.json"), "utf8");
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), "skyline-forget-tokens-")));
    try {
      synthesize(loadEnvironments(["production"]), { outdir: dirs[0] });
      forgettingTokens(() => synthesize(loadEnvironments(["production"]), { outdir: dirs[1] }));
      synthesize(loadEnvironments(["production"]), { outdir: dirs[2] });
      expect(stackJson(dirs[2])).toBe(stackJson(dirs[0]));
    } finally {
      dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    }
  });

  it("an app built before the work still resolves its tokens after it", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "skyline-forget-tokens-app-")) });
    const stack = new TerraformStack(app, "s");
    new TerraformOutput(stack, "o", { value: Token.asString(resolvable("before")) });
    forgettingTokens(() => Token.asString(resolvable("during")));
    expect(JSON.stringify(stack.toTerraform())).toContain('"value":"before"');
    rmSync(app.outdir, { recursive: true, force: true });
  });
});
