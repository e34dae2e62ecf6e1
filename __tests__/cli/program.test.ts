import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from "@aws-sdk/client-rds";
import { AwsClients } from "../../cli/core/aws-clients";
import { InterruptedError } from "../../cli/core/errors";
import { rds, resetMocks } from "./aws-mocks";
import { PRODUCTION, run, STAGING, tmpDir } from "./helpers";

beforeEach(() => resetMocks());

describe("skyline program", () => {
  it("--help prints usage with every global flag and exits 0", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--env",
      "--region",
      "--manifest",
      "--profile",
      "--endpoint-url",
      "--output",
      "--yes",
      "--dry-run",
      "--no-color",
    ]) {
      expect(out).toContain(flag);
    }
    for (const command of ["snapshot", "failover", "scale", "status", "runbook"])
      expect(out).toContain(command);
  });

  it.each([
    [["frobnicate"], "unknown command"],
    [["--output", "yaml", "status"], "Allowed choices are text, json"],
    [["failover", "db"], "required option '--to <region>'"],
    [["snapshot", "prune", "--keep-days", "x", "--keep-last", "1"], "--keep-days needs an integer"],
    [["snapshot", "prune", "--keep-days", "1", "--keep-last", "0"], "--keep-last needs an integer ≥ 1"],
    [["status", "--bogus"], "unknown option '--bogus'"],
  ])("bad usage %j exits 2", async (argv, message) => {
    const { code, err } = await run(["--manifest", PRODUCTION, ...argv]);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it("a bad manifest exits 2 naming the field", async () => {
    const { code, err } = await run([
      "--manifest",
      join(__dirname, "fixtures", "invalid.manifest.json"),
      "status",
    ]);
    expect(code).toBe(2);
    expect(err).toContain("error: Invalid ops manifest");
    expect(err).toContain("regions.us-east-1.service: ");
  });

  it("an unknown --region exits 2 listing the regions", async () => {
    const { code, err } = await run(["--manifest", PRODUCTION, "--region", "us-west-2", "failover", "az"]);
    expect(code).toBe(2);
    expect(err).toContain(
      "--region us-west-2 is not a region of production; use one of: us-east-1, eu-west-1, ap-south-1.",
    );
  });

  it("--env picks cdktf.out/skyline/<env>/manifest.json under cwd; SKYLINE_ENV is the default", async () => {
    const cwd = tmpDir();
    for (const [env, fixture] of [
      ["staging", STAGING],
      ["production", PRODUCTION],
    ] as const) {
      mkdirSync(join(cwd, "cdktf.out", "skyline", env), { recursive: true });
      copyFileSync(fixture, join(cwd, "cdktf.out", "skyline", env, "manifest.json"));
    }
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "stopped" }] });
    const byFlag = await run(["--env", "staging", "failover", "az", "--yes"], { cwd });
    expect(byFlag.out).toContain("skyline-staging-euw1-db in eu-west-1 (staging)");
    const byEnv = await run(["failover", "az", "--yes"], { cwd, env: { SKYLINE_ENV: "production" } });
    expect(byEnv.out).toContain("skyline-production-use1-db in us-east-1 (production)");
    const ambiguous = await run(["failover", "az"], { cwd });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toContain("pass --env <name> or set SKYLINE_ENV");
  });

  it("--endpoint-url, --profile and the region go into the clients the command uses", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    await run([
      "--manifest",
      PRODUCTION,
      "--endpoint-url",
      "http://localhost:4566",
      "--profile",
      "oncall",
      "--region",
      "eu-west-1",
      "snapshot",
      "list",
    ]);
    const client = rds.call(0).thisValue as RDSClient;
    expect(await client.config.region()).toBe("eu-west-1");
    const endpoint = await (client.config.endpoint as () => Promise<{ hostname: string; port?: number }>)();
    expect([endpoint.hostname, endpoint.port]).toEqual(["localhost", 4566]);
    expect((client.config as unknown as { profile?: string }).profile).toBe("oncall");
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it("--no-color and NO_COLOR keep output plain", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "stopped" }] });
    const rtOptions = { env: {} };
    const { out } = await run(["--manifest", PRODUCTION, "--no-color", "failover", "az", "--yes"], rtOptions);
    expect(out).not.toContain("\u001b[");
  });

  it("Ctrl-C at the prompt exits 130", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceStatus: "available",
          MultiAZ: true,
          SecondaryAvailabilityZone: "us-east-1b",
          AvailabilityZone: "us-east-1a",
        },
      ],
    });
    const { runCli } = await import("../../cli/program");
    const { fakeRuntime } = await import("./helpers");
    const rt = fakeRuntime({ tty: true });
    rt.prompt = async () => {
      throw new InterruptedError();
    };
    expect(await runCli(["--manifest", PRODUCTION, "failover", "az"], rt)).toBe(130);
    expect(rt.err).toContain("error: Interrupted.");
  });

  it("an unexpected exception exits 1 as an internal error", async () => {
    rds.on(DescribeDBInstancesCommand).callsFake(() => {
      throw new TypeError("boom");
    });
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "az"]);
    expect(code).toBe(1);
    expect(err).toContain("boom");
  });
});

describe("AwsClients", () => {
  it("builds one client per service and region with the shared config", async () => {
    const clients = new AwsClients({ endpointUrl: "http://127.0.0.1:4566" });
    const a = clients.rds("eu-west-1");
    expect(clients.rds("eu-west-1")).toBe(a);
    expect(clients.rds("us-east-1")).not.toBe(a);
    expect(a).toBeInstanceOf(RDSClient);
    expect(await a.config.region()).toBe("eu-west-1");
    const endpoint = await (a.config.endpoint as () => Promise<{ hostname: string; port?: number }>)();
    expect(endpoint.hostname).toBe("127.0.0.1");
    expect(endpoint.port).toBe(4566);
    expect(clients.config("ap-south-1")).toEqual({
      region: "ap-south-1",
      maxAttempts: 1,
      endpoint: "http://127.0.0.1:4566",
    });
    expect(await clients.route53().config.region()).toBe("us-east-1");
  });
});
