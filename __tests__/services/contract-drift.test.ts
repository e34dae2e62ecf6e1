import * as contract from "../../services/api/src/contract";
import { API_CONTAINER_DEFAULTS } from "../../constructs/fargate-service/api-container-defaults";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { resources, synthJson } from "../helpers/synth";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The infrastructure and the service it runs must agree on every name; this fails when they drift.
describe("reference API contract vs. the infrastructure that runs it", () => {
  const { environments } = buildApp(loadEnvironments(["production"]), {
    outdir: mkdtempSync(join(tmpdir(), "skyline-contract-")),
  });
  const [primary, dr] = environments[0].regional.map((s) => synthJson(s));
  // The API's task definition (a region may also run the queue workers' task definition).
  const containerOf = (json: ReturnType<typeof synthJson>) =>
    JSON.parse(
      resources(json, "aws_ecs_task_definition").find(([, t]) => String(t.family).endsWith("-api"))![1]
        .container_definitions,
    )[0];

  it("agrees on port, user, stop timeout, probes and the migrate command", () => {
    expect(API_CONTAINER_DEFAULTS).toMatchObject({
      port: contract.SERVICE_PORT,
      healthPath: contract.HEALTH_PATH,
      readyPath: contract.READY_PATH,
      user: contract.CONTAINER_USER,
      stopTimeoutSeconds: contract.STOP_TIMEOUT_SECONDS,
      migrateCommand: [...contract.MIGRATE_COMMAND],
      readerDbUser: contract.READER_DB_USER,
    });
    const container = containerOf(primary);
    expect(container.portMappings[0].containerPort).toBe(contract.SERVICE_PORT);
    expect(container.user).toBe(contract.CONTAINER_USER);
    expect(container.stopTimeout).toBe(contract.STOP_TIMEOUT_SECONDS);
    expect(container.mountPoints.map((m: any) => m.containerPath)).toEqual([...contract.WRITABLE_PATHS]);
  });

  // Blue/green gives the API two target groups; traffic moves between them, so both must agree.
  const targetGroups = resources(primary, "aws_lb_target_group").map(([, g]) => g);

  it("drains within what the load balancer and ECS allow after SIGTERM", () => {
    expect(targetGroups.length).toBeGreaterThan(0);
    const deregistrationMs = Math.min(...targetGroups.map((g) => Number(g.deregistration_delay) * 1000));
    // The readiness window is part of the drain, and in-flight requests need time after it.
    expect(contract.DEFAULT_SHUTDOWN_DELAY_MS).toBeLessThan(contract.DEFAULT_SHUTDOWN_TIMEOUT_MS / 2);
    // The load balancer keeps a draining target's connections this long: the whole drain fits in it.
    expect(contract.DEFAULT_SHUTDOWN_TIMEOUT_MS).toBeLessThanOrEqual(deregistrationMs);
    // ECS kills the task STOP_TIMEOUT_SECONDS after SIGTERM: the drain ends (exit 0 or 1) before that.
    expect(contract.DEFAULT_SHUTDOWN_TIMEOUT_MS).toBeLessThan(contract.STOP_TIMEOUT_SECONDS * 1000);
  });

  it("checks the targets on the path the service says the load balancer should use", () => {
    expect(targetGroups.map((g) => g.health_check.path)).toEqual(
      targetGroups.map(() => contract.LOAD_BALANCER_HEALTH_CHECK_PATH),
    );
    // The endpoint checks; the traffic switches' and calculated checks request nothing.
    const route53 = resources(synthJson(environments[0].global), "aws_route53_health_check")
      .map(([, c]) => c)
      .filter((c) => c.type === "HTTPS");
    expect(route53.length).toBeGreaterThan(0);
    expect(route53.every((c) => c.resource_path === contract.READY_PATH)).toBe(true);
  });

  it.each([
    ["primary", () => primary],
    ["DR", () => dr],
  ])(
    "sets in the %s region only variables the service reads, every required one, and secrets only as secrets",
    (_n, json) => {
      const container = containerOf(json());
      const plain = container.environment.map((e: any) => e.name);
      const secret = container.secrets.map((s: any) => s.name);
      const known = [...contract.PLAIN_ENV_VARS, contract.ENV.AWS_REGION];
      expect(plain.filter((n: string) => !known.includes(n as never))).toEqual([]);
      expect(
        secret.filter((n: string) => !(contract.SECRET_ENV_VARS as readonly string[]).includes(n)),
      ).toEqual([]);
      const required = contract.PLAIN_ENV_VARS.filter(
        (n) => !(contract.OPTIONAL_PLAIN_ENV_VARS as readonly string[]).includes(n),
      );
      expect(required.filter((n) => !plain.includes(n))).toEqual([]);
      expect(secret.sort()).toEqual(["DB_USER", "JWT_SECRET", "REDIS_AUTH_TOKEN"]);
      for (const [name, value] of Object.entries(contract.AWS_ENV_DEFAULTS)) {
        expect({ name, value: container.environment.find((e: any) => e.name === name)?.value }).toEqual({
          name,
          value,
        });
      }
    },
  );
});
