import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as contract from "../../../services/api/src/contract";

const API_DIR = path.resolve(__dirname, "../../../services/api");
const dockerfile = readFileSync(path.join(API_DIR, "Dockerfile"), "utf8");
const compose = readFileSync(path.resolve(API_DIR, "../../docker-compose.yml"), "utf8");

describe("service contract", () => {
  test("the exported names and values the FargateService construct reads", () => {
    expect(contract.SERVICE_PORT).toBe(8080);
    expect([contract.HEALTH_PATH, contract.READY_PATH, contract.METRICS_PATH]).toEqual([
      "/health",
      "/ready",
      "/metrics",
    ]);
    expect(contract.MIGRATE_COMMAND).toEqual(["node", "dist/migrate.js"]);
    expect(contract.STOP_TIMEOUT_SECONDS).toBe(30);
    expect(contract.DEFAULT_SHUTDOWN_TIMEOUT_MS).toBeLessThan(contract.STOP_TIMEOUT_SECONDS * 1000);
    expect(contract.CONTAINER_USER).toBe("10001:10001");
    expect(contract.SECRET_ENV_VARS).toEqual(["DB_USER", "DB_PASSWORD", "REDIS_AUTH_TOKEN", "JWT_SECRET"]);
    expect(Object.keys(contract.SECRET_SOURCES).sort()).toEqual([...contract.SECRET_ENV_VARS].sort());
  });

  test("plain and secret variables never overlap, and every name is one the config loader knows", () => {
    const plain = new Set<string>(contract.PLAIN_ENV_VARS);
    for (const secret of contract.SECRET_ENV_VARS) expect(plain.has(secret)).toBe(false);
    const known = new Set<string>(Object.values(contract.ENV));
    for (const name of [
      ...contract.PLAIN_ENV_VARS,
      ...contract.SECRET_ENV_VARS,
      ...contract.LOCAL_ENV_VARS,
    ]) {
      expect(known.has(name)).toBe(true);
    }
    for (const name of Object.keys(contract.AWS_ENV_DEFAULTS)) expect(plain.has(name)).toBe(true);
  });

  test("the config loader reads every contract variable by its contract name", () => {
    // config.ts, the queue section it delegates to, and the worker's entry point (ECS_AGENT_URI).
    const source = ["src/config.ts", "src/queue/queue-config.ts", "src/worker.ts"]
      .map((file) => readFileSync(path.join(API_DIR, file), "utf8"))
      .join("\n");
    for (const key of Object.keys(contract.ENV)) expect(source).toContain(`ENV.${key}`);
  });

  test("the Dockerfile matches the contract: user, port, command, liveness path", () => {
    expect(dockerfile).toContain(`USER ${contract.CONTAINER_USER}`);
    const [uid, gid] = contract.CONTAINER_USER.split(":");
    expect(dockerfile).toContain(`--uid ${uid} --gid ${gid}`);
    expect(dockerfile).toContain(`EXPOSE ${contract.SERVICE_PORT}`);
    expect(dockerfile).toContain(`CMD ${JSON.stringify(contract.START_COMMAND).replace(/,/g, ", ")}`);
    expect(dockerfile).toContain(`/health'`);
    expect(dockerfile).toContain("COPY --chown=root:root services/api/migrations ./migrations");
    // Only the service workspace is installed and copied: no cdktf, stacks or constructs in the image.
    expect(dockerfile).toContain("--workspace services/api --include-workspace-root=false --omit=dev");
    expect(dockerfile).not.toMatch(/COPY [^\n]*(cdktf|constructs|stacks)/);
  });

  test("npm start runs the same command as the image", () => {
    const pkg = JSON.parse(readFileSync(path.join(API_DIR, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe(contract.START_COMMAND.join(" "));
  });

  test("docker compose runs the migrate command once before the API, read-only with /tmp writable", () => {
    expect(compose).toContain(`command: ${JSON.stringify(contract.MIGRATE_COMMAND).replace(/,/g, ", ")}`);
    expect(compose).toContain("condition: service_completed_successfully");
    expect(compose).toMatch(/read_only: true\n\s+tmpfs: \["\/tmp"\]/);
    expect(compose).toContain(`"${contract.SERVICE_PORT}:${contract.SERVICE_PORT}"`);
  });
});
