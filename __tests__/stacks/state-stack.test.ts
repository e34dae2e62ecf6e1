import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { STATE_STACK_STATE_FILE } from "../../stacks/state-stack";
import { synthesize } from "../../stacks/synthesize";

/**
 * The state stack's own state must be usable from any machine: a path relative to the folder
 * Terraform runs in, never the absolute path of the machine (or temporary folder) that ran synth.
 */
describe("state stack backend, as synth writes it", () => {
  const outdir = mkdtempSync(join(tmpdir(), "skyline-state-"));
  synthesize(loadEnvironments(["staging", "production"]), { outdir });
  const stacksDir = join(outdir, "stacks");
  const read = (stack: string) => readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8");

  it.each(["skyline-staging-state", "skyline-production-state"])(
    "%s keeps its state in terraform.tfstate next to its cdk.tf.json",
    (stack) => {
      const json = JSON.parse(read(stack));
      expect(json.terraform.backend).toEqual({ local: { path: STATE_STACK_STATE_FILE } });
      expect(STATE_STACK_STATE_FILE).toBe("terraform.tfstate");
    },
  );

  it("no synthesized stack names a path of the machine that ran synth", () => {
    const stacks = readdirSync(stacksDir);
    expect(stacks.length).toBeGreaterThan(4);
    for (const stack of stacks) {
      const text = read(stack);
      // The working directory and the output folder are the two places cdktf would have used.
      expect({ stack, cwd: text.includes(process.cwd()) }).toEqual({ stack, cwd: false });
      expect({ stack, outdir: text.includes(outdir) }).toEqual({ stack, outdir: false });
      const backend = JSON.parse(text).terraform.backend;
      const localPath: unknown = backend.local?.path;
      expect({ stack, absolute: typeof localPath === "string" && isAbsolute(localPath) }).toEqual({
        stack,
        absolute: false,
      });
    }
  });
});
