import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { ALL_RULES, Guardrails, writeGuardrailsReport } from "../../guardrails";

/** Two stacks: one with an error (no rotation), one with a warning and a suppressed finding. */
function build() {
  const app = Testing.app();
  const broken = new TerraformStack(app, "staging-eu-west-1");
  new AwsProvider(broken, "aws", { region: "eu-west-1" });
  new KmsKey(broken, "key", { description: "no rotation" });
  const fine = new TerraformStack(app, "staging-global");
  new AwsProvider(fine, "aws", { region: "us-east-1" });
  const key = new KmsKey(fine, "key", { description: "imported" });
  Guardrails.suppress(key, "SKY-KMS-001", "imported key, rotation managed by the security account");
  new SecretsmanagerSecret(fine, "secret", { name: "app/jwt", kmsKeyId: key.arn });
  for (const stack of [broken, fine]) Guardrails.apply(stack, { environment: "staging" });
  return { app, stacks: [fine, broken] };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "guardrails-report-"));

describe("writeGuardrailsReport", () => {
  it("writes <outdir>/skyline/<env>/guardrails.json with rules, resources, findings and suppressions", () => {
    const { stacks } = build();
    const outdir = tmp();
    const { file, report, errors } = writeGuardrailsReport(outdir, "staging", stacks);
    expect(file).toBe(path.join(outdir, "skyline", "staging", "guardrails.json"));
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(report);
    expect(report.totals).toEqual({
      rules: ALL_RULES.length,
      stacks: 2,
      resourcesChecked: 3,
      errors: 1,
      warnings: 1,
      suppressed: 1,
    });
    expect(errors).toBe(1);
    expect(report.rulesRun.map((r) => r.id)).toEqual(ALL_RULES.map((r) => r.id));
    // Stacks sorted by name, whatever order they were passed in.
    expect(report.stacks.map((s) => s.stack)).toEqual(["staging-eu-west-1", "staging-global"]);
    expect(report.stacks[0].findings[0]).toMatchObject({ ruleId: "SKY-KMS-001", address: "aws_kms_key.key" });
    expect(report.suppressions).toEqual([
      {
        stack: "staging-global",
        ruleId: "SKY-KMS-001",
        reason: "imported key, rotation managed by the security account",
        scope: "staging-global/key",
        valid: true,
        used: 1,
      },
    ]);
  });

  it("is deterministic: the same app gives byte-identical files", () => {
    const first = tmp();
    const second = tmp();
    writeGuardrailsReport(first, "staging", build().stacks);
    writeGuardrailsReport(second, "staging", build().stacks);
    const read = (dir: string) =>
      fs.readFileSync(path.join(dir, "skyline", "staging", "guardrails.json"), "utf8");
    expect(read(first)).toBe(read(second));
  });

  it("returns a readable summary with totals, each unsuppressed finding and each suppression", () => {
    const { summary } = writeGuardrailsReport(tmp(), "staging", build().stacks);
    const lines = summary.split("\n");
    expect(lines[0]).toBe(
      `Guardrails (staging): ${ALL_RULES.length} rules, 2 stacks, 3 resources checked: 1 errors, 1 warnings, 1 suppressed`,
    );
    expect(summary).toContain("ERROR Guardrail error SKY-KMS-001");
    expect(summary).toContain("WARNING Guardrail warning SKY-SM-002");
    expect(summary).toContain(
      "suppressed SKY-KMS-001 on staging-global/key (covers 1 finding): imported key, rotation managed by the security account",
    );
  });

  it("gives the same findings before and after synth, and synth still fails afterwards", () => {
    const { app, stacks } = build();
    const before = writeGuardrailsReport(tmp(), "staging", stacks).report;
    expect(() => app.synth()).toThrow(/SKY-KMS-001/);
    expect(writeGuardrailsReport(tmp(), "staging", stacks).report).toEqual(before);
  });

  it("reports every stack even when synth stopped at the first failing one", () => {
    const { app, stacks } = build();
    expect(() => app.synth()).toThrow();
    expect(writeGuardrailsReport(tmp(), "staging", stacks).report.totals.stacks).toBe(2);
  });
});
