import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  rmSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { synthesize } from "../../stacks/synthesize";
import { deployable } from "../helpers/config";

const script = resolve(__dirname, "../../scripts/apply-stack.sh");
const out = join(mkdtempSync(join(tmpdir(), "skyline-apply-")), "out");
synthesize([deployable("production")], { outdir: out });
/** With the queue tier on: a second ECS service (the workers) and task definition in the stack. */
const withQueue = join(mkdtempSync(join(tmpdir(), "skyline-apply-queue-")), "out");
{
  const queueOn = deployable("production");
  synthesize([{ ...queueOn, queue: { ...queueOn.queue, enabled: true } }], { outdir: withQueue });
}
/** The environment as shipped, with its example account ids, domain and bucket names. */
const shipped = join(mkdtempSync(join(tmpdir(), "skyline-apply-shipped-")), "out");
synthesize(loadEnvironments(["staging"]), { outdir: shipped });

/**
 * Runs the script on a copy of a synthesized stack with fake `terraform` and `aws` binaries that
 * record their arguments; `terraform show -json` answers with ids for every resource.
 */
function run(stack: string, migrationExitCode = "0", from = out, edit?: (text: string) => string) {
  const work = mkdtempSync(join(tmpdir(), "skyline-apply-run-"));
  const dir = join(work, stack);
  cpSync(join(from, "stacks", stack), dir, { recursive: true });
  if (edit) writeFileSync(join(dir, "cdk.tf.json"), edit(readFileSync(join(dir, "cdk.tf.json"), "utf8")));
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
  const log = join(work, "calls.log");
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
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

  it("with queue workers in the stack: migrates with the API's task definition, the one behind the load balancer", () => {
    // Order the workers first, as Terraform JSON may: the script must not take whichever comes first.
    const workersFirst = (text: string) => {
      const doc = JSON.parse(text.replace(/worker_task_/g, "a_worker_task_"));
      for (const type of ["aws_ecs_service", "aws_ecs_task_definition"]) {
        const entries = Object.entries(doc.resource[type] as Record<string, any>);
        doc.resource[type] = Object.fromEntries(entries.sort(([a]) => (a.includes("worker") ? -1 : 1)));
      }
      return JSON.stringify(doc);
    };
    const { result, calls, json } = run("skyline-production-us-east-1", "0", withQueue, workersFirst);
    expect(result.status).toBe(0);
    expect(Object.keys(json.resource.aws_ecs_service)[0]).toMatch(/worker/);
    const families = Object.entries(json.resource.aws_ecs_task_definition as Record<string, any>);
    expect(families.map(([, t]) => t.family).sort()).toEqual([
      "skyline-production-use1-api",
      "skyline-production-use1-worker",
    ]);
    const [apiId] = families.find(([, t]) => t.family === "skyline-production-use1-api")!;
    const [workerId] = families.find(([, t]) => t.family === "skyline-production-use1-worker")!;
    expect(calls[1]).toContain(`-target=aws_ecs_task_definition.${apiId} `);
    expect(calls[1]).not.toContain(workerId);
    expect(calls.find((c) => c.includes("run-task"))).toContain(`--task-definition arn-${apiId}`);
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

  it("refuses the shipped example values before terraform runs, naming each field to set", () => {
    const { result, calls } = run("skyline-staging-us-east-1", "0", shipped);
    expect(result.status).toBe(3);
    expect(calls).toEqual([]);
    expect(result.stderr).toMatch(
      /refusing to deploy skyline-staging-us-east-1: set these fields in stacks\/config\/environments\/staging\.ts/,
    );
    for (const field of ["accountIds[0]", "domainName", "image.repository", "stateBackend.bucket"]) {
      expect(result.stderr).toContain(`  - ${field} = "`);
    }
    expect(result.stderr).toContain("111111111111 is an example AWS account id");
  });

  it("refuses a stack that skyline's synth did not mark", () => {
    const dir = mkdtempSync(join(tmpdir(), "skyline-apply-unmarked-"));
    cpSync(join(out, "stacks", "skyline-production-global"), dir, { recursive: true });
    rmSync(join(dir, ".skyline-stack.json"));
    const result = spawnSync("bash", [script, dir], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/has no \.skyline-stack\.json: it was not written by skyline's synth/);
  });

  it("refuses a directory without a synthesized stack", () => {
    const result = spawnSync("bash", [script, tmpdir()], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cdk\.tf\.json not found: run npm run synth first/);
  });
});
