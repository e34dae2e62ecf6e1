import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from "@aws-sdk/client-rds";
import { AwsClients } from "../../cli/core/aws-clients";
import { InterruptedError } from "../../cli/core/errors";
import { mutatingCommands, rds, resetMocks } from "./aws-mocks";
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

  it("--version and -V print the package version and exit 0", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      const { code, out } = await run([flag]);
      expect(code).toBe(0);
      expect(out).toBe(`skyline ${version}\n`);
    }
  });

  it.each([
    [["frobnicate"], "unknown command"],
    [["--output", "yaml", "status"], "Allowed choices are text, json"],
    [["failover", "db"], "required option '--to <region>'"],
    [
      ["snapshot", "prune", "--keep-days", "x", "--keep-last", "1"],
      '--keep-days needs a whole number from 0 to 3650, not "x".',
    ],
    [
      ["snapshot", "prune", "--keep-days", "1", "--keep-last", "0"],
      "--keep-last needs a whole number from 1 to 1000, not 0.",
    ],
    [
      ["scale", "service", "--desired", "99999999999999999999"],
      "--desired 99999999999999999999 is above the limit of 5000 (ECS runs at most 5000 tasks per service).",
    ],
    [
      ["scale", "service", "--min", "1", "--max", "99999999999"],
      "--max 99999999999 is above the limit of 5000",
    ],
    [["scale", "service", "--desired", "2.5"], '--desired needs a whole number from 0 to 5000, not "2.5".'],
    [["scale", "service", "--desired", "1e3"], '--desired needs a whole number from 0 to 5000, not "1e3".'],
    [
      ["scale", "cache", "--replicas", "6"],
      "--replicas 6 is above the limit of 5 (ElastiCache allows at most 5 replicas per shard).",
    ],
    [["--request-timeout", "0", "status"], "--request-timeout needs a whole number from 1 to 900, not 0."],
    [
      ["--connect-timeout", "soon", "status"],
      '--connect-timeout needs a whole number from 1 to 300, not "soon".',
    ],
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

  it("every client gets the connect and request timeouts: flags win over SKYLINE_* variables, which win over the defaults", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    const handlerOf = async () => {
      const client = rds.call(rds.calls().length - 1).thisValue as RDSClient;
      // NodeHttpHandler resolves its options lazily; the mock never sends, so read them here.
      const handler = client.config.requestHandler as unknown as {
        configProvider: Promise<Record<string, unknown>>;
      };
      return handler.configProvider;
    };
    await run(["--manifest", PRODUCTION, "snapshot", "list"]);
    expect(await handlerOf()).toMatchObject({
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
      throwOnRequestTimeout: true,
    });
    await run(["--manifest", PRODUCTION, "snapshot", "list"], {
      env: { SKYLINE_CONNECT_TIMEOUT: "3", SKYLINE_REQUEST_TIMEOUT: "20" },
    });
    expect(await handlerOf()).toMatchObject({ connectionTimeout: 3000, requestTimeout: 20_000 });
    await run(
      ["--manifest", PRODUCTION, "--connect-timeout", "4", "--request-timeout", "9", "snapshot", "list"],
      {
        env: { SKYLINE_CONNECT_TIMEOUT: "3", SKYLINE_REQUEST_TIMEOUT: "20" },
      },
    );
    expect(await handlerOf()).toMatchObject({ connectionTimeout: 4000, requestTimeout: 9000 });
    const bad = await run(["--manifest", PRODUCTION, "snapshot", "list"], {
      env: { SKYLINE_REQUEST_TIMEOUT: "forever" },
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('SKYLINE_REQUEST_TIMEOUT needs a whole number from 1 to 900, not "forever".');
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

  it("Ctrl-D at the prompt (end of input) refuses with exit 3 and changes nothing", async () => {
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
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "az"], {
      tty: true,
      answers: [null],
    });
    expect(code).toBe(3);
    expect(err).toContain("error: No answer (input ended); nothing changed.");
    expect(mutatingCommands()).toEqual([]);
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
      credentials: clients.credentials("ap-south-1"),
      endpoint: "http://127.0.0.1:4566",
      requestHandler: {
        connectionTimeout: 10_000,
        requestTimeout: 60_000,
        throwOnRequestTimeout: true,
        socketTimeout: 60_000,
      },
    });
    expect(clients.info(a)).toEqual({
      service: "RDS",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:4566",
    });
    const plain = new AwsClients({ env: { AWS_ENDPOINT_URL_ROUTE_53: "http://r53.local" } });
    expect(plain.info(plain.elastiCache("eu-west-1")).endpoint).toBe(
      "https://elasticache.eu-west-1.amazonaws.com",
    );
    expect(plain.info(plain.route53()).endpoint).toBe("http://r53.local");
    expect(await clients.route53().config.region()).toBe("us-east-1");
  });
});
