import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Guardrails } from "../../guardrails";
import { securityGroup } from "./fixtures";

function appWith(build: (stack: TerraformStack) => void) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "production-eu-west-1");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  Guardrails.apply(stack, { environment: "production" });
  return { app, stack };
}

function annotations(app: { outdir: string }, stackName: string) {
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8"));
  return manifest.stacks[stackName].annotations as {
    level: string;
    message: string;
    constructPath: string;
  }[];
}

describe("guardrails at synth", () => {
  it("fails app.synth() on an error finding, naming stack, address, rule and fix", () => {
    const { app } = appWith((stack) => new KmsKey(stack, "key", { description: "no rotation" }));
    let message = "";
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('stack "production-eu-west-1"');
    expect(message).toContain("aws_kms_key.key");
    expect(message).toContain("SKY-KMS-001");
    expect(message).toContain("Fix: Set `enable_key_rotation = true`");
  });

  it("passes synth with warnings only and records them as warning annotations", () => {
    const { app, stack } = appWith((s) => {
      const key = new KmsKey(s, "key", { description: "rotating", enableKeyRotation: true });
      // SKY-SM-002 (rotation) is a warning; the secret is otherwise compliant.
      new SecretsmanagerSecret(s, "secret", { name: "app/jwt", kmsKeyId: key.arn });
    });
    expect(() => app.synth()).not.toThrow();
    const warnings = annotations(app, stack.node.id).filter((a) => a.level === "@cdktf/warn");
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining("SKY-SM-002")]);
  });

  it("does not fail synth for a suppressed error finding", () => {
    const { app } = appWith((stack) => {
      const key = new KmsKey(stack, "key", { description: "imported" });
      Guardrails.suppress(key, "SKY-KMS-001", "imported key, rotation managed by the security account");
    });
    expect(() => app.synth()).not.toThrow();
  });

  it("fails synth on an invalid suppression", () => {
    const { app } = appWith((stack) => Guardrails.suppress(stack, "SKY-KMS-001", "todo"));
    expect(() => app.synth()).toThrow(/SKY-SUPPRESSION/);
  });

  it("runs only on stacks it was applied to", () => {
    const app = Testing.app();
    const unchecked = new TerraformStack(app, "unchecked");
    new AwsProvider(unchecked, "aws", { region: "eu-west-1" });
    securityGroup(unchecked, "sg", { description: "Managed by Terraform" });
    expect(() => app.synth()).not.toThrow();
  });
});
