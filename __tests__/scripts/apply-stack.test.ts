import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { synthesize } from "../../stacks/synthesize";

const script = resolve(__dirname, "../../scripts/apply-stack.sh");
const out = join(mkdtempSync(join(tmpdir(), "skyline-apply-")), "out");
synthesize(loadEnvironments(["production"]), { outdir: out });

/**
 * Runs the script on a copy of a synthesized stack with fake `terraform` and `aws` binaries that
 * record their arguments; `terraform show -json` answers with ids for every resource.
 */
function run(stack: string, migrationExitCode = "0") {
  const work = mkdtempSync(join(tmpdir(), "skyline-apply-run-"));
  const dir = join(work, stack);
  cpSync(join(out, "stacks", stack), dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
  const resources = Object.entries(json.resource as Record<string, Record<string, unknown>>).flatMap(
    ([type, byName]) =>
      Object.keys(byName).map((name) => ({
        address: `${type}.${name}`,
        values: { id: `id-${name}`, arn: `arn-${name}` },
      })),
  );
  writeFileSync(join(work, "state.json"), JSON.stringify({ values: { root_module: { resources } } }));
  const bin = join(work, "bin");
  mkdirSync(bin);
  const fake = (name: string, body: string) => {
    writeFileSync(
      join(bin, name),
      `#!/usr/bin/env bash\necho "${name} $*" >> "${work}/calls.log"\n${body}\n`,
    );
    chmodSync(join(bin, name), 0o755);
  };
  fake("terraform", `if [ "$1" = show ]; then cat "${work}/state.json"; fi`);
  fake(
    "aws",
    `case "$2" in run-task) echo arn:aws:ecs:task/migrate ;; describe-tasks) echo "${migrationExitCode}" ;; esac`,
  );
  const result = spawnSync("bash", [script, dir], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    encoding: "utf8",
  });
  const calls = readFileSync(join(work, "calls.log"), "utf8").trim().split("\n");
  return { result, calls, json };
}

describe("scripts/apply-stack.sh", () => {
  it("in the writer's region: applies the task definition, migrates with it, then applies everything", () => {
    const { result, calls, json } = run("skyline-production-us-east-1");
    expect(result.status).toBe(0);
    const taskdef = `aws_ecs_task_definition.${Object.keys(json.resource.aws_ecs_task_definition)[0]}`;
    expect(calls[0]).toBe("terraform init -input=false");
    expect(calls[1]).toMatch(
      new RegExp(`^terraform apply -input=false -auto-approve -target=${taskdef.replace(/[.]/g, "\\.")} `),
    );
    expect(calls[1]).not.toMatch(/aws_ecs_service\./);
    expect(calls[2]).toBe("terraform show -json");
    const runTask = calls.find((c) => c.startsWith("aws ecs run-task"))!;
    expect(runTask).toContain(`--task-definition arn-${taskdef.split(".")[1]}`);
    expect(runTask).toContain("--cluster skyline-production-use1-cluster");
    expect(runTask).toMatch(
      /subnets=\[id-network_private-us-east-1a_\w+,id-network_private-us-east-1b_\w+,id-network_private-us-east-1c_\w+\]/,
    );
    expect(runTask).toContain('"command":["node","dist/migrate.js"]');
    expect(calls.slice(-2)).toEqual([
      "terraform plan -input=false -out=tfplan",
      "terraform apply -input=false tfplan",
    ]);
  });

  it("stops before the service is updated when the migration fails", () => {
    const { result, calls } = run("skyline-production-us-east-1", "1");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/migration task .* exited with '1'; the service was not updated/);
    expect(calls.some((c) => c.includes("tfplan"))).toBe(false);
  });

  it("in a DR region (a replica, no writer) and in the global stack: only plans and applies", () => {
    for (const stack of ["skyline-production-eu-west-1", "skyline-production-global"]) {
      const { result, calls } = run(stack);
      expect(result.status).toBe(0);
      expect(calls).toEqual([
        "terraform init -input=false",
        "terraform plan -input=false -out=tfplan",
        "terraform apply -input=false tfplan",
      ]);
    }
  });

  it("refuses a directory without a synthesized stack", () => {
    const result = spawnSync("bash", [script, tmpdir()], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cdk\.tf\.json not found: run npm run synth first/);
  });
});
