import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as contract from "../../services/api/src/contract";
import { loadConfig } from "../../services/api/src/config";
import { WORKER_DEFAULTS, WORKER_METRICS } from "../../constructs/worker-service/worker-defaults";
import { buildApp } from "../../stacks/app";
import { config } from "../helpers/config";
import { resources, synthJson, type StackJson } from "../helpers/synth";

// The queue tier and the worker it runs (services/api src/worker.ts) must agree on every name.
describe("queue worker contract vs. the infrastructure that runs it (queue tier on, compute ecs)", () => {
  const production = config("production", (e) => {
    e.queue = { enabled: true };
  });
  const { environments } = buildApp([production], {
    outdir: mkdtempSync(join(tmpdir(), "skyline-qcontract-")),
  });
  const primary = synthJson(environments[0].regional[0]);
  const container = (json: StackJson, suffix: string) =>
    JSON.parse(
      resources(json, "aws_ecs_task_definition").find(([, t]) => String(t.family).endsWith(suffix))![1]
        .container_definitions,
    )[0];
  const envOf = (c: { environment: { name: string; value: string }[] }) =>
    Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

  it("runs the worker's command and probes its port", () => {
    expect(WORKER_DEFAULTS.command).toEqual(contract.WORKER_COMMAND);
    expect(WORKER_DEFAULTS.port).toBe(contract.SERVICE_PORT);
    const worker = container(primary, "-worker");
    expect(worker.command).toEqual([...contract.WORKER_COMMAND]);
    expect(worker.healthCheck.command.join(" ")).toContain(
      `127.0.0.1:${WORKER_DEFAULTS.port}${contract.HEALTH_PATH}`,
    );
  });

  it("gives the worker every variable it reads, and the service accepts the values", () => {
    const env = envOf(container(primary, "-worker"));
    for (const name of contract.WORKER_ENV_VARS) expect(Object.keys(env)).toContain(name);
    expect(env.QUEUE_DRIVER).toBe("sqs");
    // The values as synthesized load (secrets and the database login aside).
    const loaded = loadConfig(
      {
        ...env,
        QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        DB_USER: "u",
      },
      "worker",
    );
    expect(loaded.queue.queue).toMatchObject({ kind: "sqs", maxReceives: Number(env.QUEUE_MAX_RECEIVES) });
    expect(loaded.queue.worker).toMatchObject({
      batchSize: Number(env.WORKER_BATCH_SIZE),
      visibilitySeconds: Number(env.WORKER_VISIBILITY_TIMEOUT_SECONDS),
    });
    const queue = resources(primary, "aws_sqs_queue").find(([, q]) =>
      String(q.name).endsWith("-submissions"),
    )![1];
    expect(Number(env.WORKER_VISIBILITY_TIMEOUT_SECONDS)).toBe(queue.visibility_timeout_seconds);
    expect(Number(env.QUEUE_MAX_RECEIVES)).toBe(JSON.parse(queue.redrive_policy).maxReceiveCount);
  });

  it("gives the API the queue's URL (asynchronous submissions) and lets its task role send", () => {
    const env = envOf(container(primary, "-api"));
    expect(env.QUEUE_URL).toBe(
      `https://sqs.us-east-1.amazonaws.com/${production.accountIds[0]}/skyline-production-use1-submissions`,
    );
    const sendPolicy = resources(primary, "aws_iam_role_policy").some(
      ([, p]) => String(p.policy).includes("sqs:SendMessage") && String(p.role).includes("api"),
    );
    expect(sendPolicy).toBe(true);
  });

  it("publishes the metrics the queue alarms read", () => {
    expect(WORKER_METRICS).toEqual(contract.WORKER_CLOUDWATCH);
  });
});
