import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformOutput } from "../../engine";
import { loadEnvironments } from "../../stacks/config/load";
import { GuardrailsFailure, synthesize } from "../../stacks/synthesize";
import { config } from "../helpers/config";

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
    // CKV_AWS_378: the HTTP hop from the ALB to the tasks is a documented choice, and the report says why.
    const production = JSON.parse(
      readFileSync(join(dir, "skyline", "production", "guardrails.json"), "utf8"),
    );
    const targets = production.suppressions.filter((s: any) => s.ruleId === "SKY-ALB-007");
    // Two target groups per region: production's canary deployments use an alternate group.
    expect(targets).toHaveLength(6);
    expect(targets[0].reason).toMatch(/TLS ends at the ALB/);
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

  it("skips cdktf's cross-stack preparation without changing a byte of any stack", () => {
    const skipped = outdir();
    const prepared = outdir();
    // The shipped environments and production on EKS (its cluster and Kubernetes stacks too).
    const eks = config("production", (env) => {
      env.environment = "production-eks";
      env.stateBackend.bucket = "skyline-production-eks-tfstate";
      env.compute = "eks";
      env.image.repository = env.image.repository.replace(/skyline-api$/, "skyline-api-eks");
    });
    const configs = [...loadEnvironments(["staging", "production"]), eks];
    synthesize(configs, { outdir: skipped });
    // A customize hook forces the full preparing pass.
    synthesize(configs, { outdir: prepared, customize: () => undefined });
    const stacks = readdirSync(join(prepared, "stacks")).sort();
    expect(readdirSync(join(skipped, "stacks")).sort()).toEqual(stacks);
    for (const stack of stacks) {
      const file = join("stacks", stack, "cdk.tf.json");
      expect({ stack, json: readFileSync(join(skipped, file), "utf8") }).toEqual({
        stack,
        json: readFileSync(join(prepared, file), "utf8"),
      });
    }
  });

  it("still turns a cross-stack reference added by a customize hook into a remote-state lookup", () => {
    const dir = outdir();
    synthesize(loadEnvironments(["staging"]), {
      outdir: dir,
      customize: ({ environments }) => {
        const [env] = environments;
        new TerraformOutput(env.global, "primary-vpc", { value: env.regional[0].network.vpcId });
      },
    });
    const global = JSON.parse(
      readFileSync(join(dir, "stacks", "skyline-staging-global", "cdk.tf.json"), "utf8"),
    );
    expect(Object.keys(global.data.terraform_remote_state ?? {})).toHaveLength(1);
  });
});
