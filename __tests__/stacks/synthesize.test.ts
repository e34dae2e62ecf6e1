import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { GuardrailsFailure, synthesize } from "../../stacks/synthesize";

function outdir(): string {
  return join(mkdtempSync(join(tmpdir(), "skyline-synth-")), "out");
}

describe("synthesize", () => {
  it("writes every stack and a guardrails report per environment with no errors or unjustified warnings", () => {
    const dir = outdir();
    const { summaries } = synthesize(loadEnvironments(["staging", "production"]), { outdir: dir });
    for (const env of ["staging", "production"]) {
      const report = JSON.parse(readFileSync(join(dir, "skyline", env, "guardrails.json"), "utf8"));
      expect(report.totals.errors).toBe(0);
      expect(report.totals.warnings).toBe(0);
      expect(report.suppressions.every((s: any) => s.reason.length >= 10)).toBe(true);
    }
    expect(existsSync(join(dir, "stacks", "skyline-production-global", "cdk.tf.json"))).toBe(true);
    expect(summaries.join("\n")).toMatch(/Guardrails \(production\): \d+ rules, 5 stacks/);
  });

  it("fails on a guardrail error, naming the stack, resource and rule, and still writes the report", () => {
    const dir = outdir();
    let thrown: unknown;
    try {
      synthesize(loadEnvironments(["production"]), {
        outdir: dir,
        customize: ({ environments }) => {
          environments[0].regional[0].loadBalancer.alb.enableDeletionProtection = false;
        },
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GuardrailsFailure);
    expect((thrown as Error).message).toMatch(
      /SKY-ALB-001 in stack "skyline-production-us-east-1" on aws_lb\./,
    );
    const report = JSON.parse(readFileSync(join(dir, "skyline", "production", "guardrails.json"), "utf8"));
    expect(report.totals.errors).toBe(1);
  });
});
