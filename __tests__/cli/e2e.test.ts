/**
 * End to end: compiles the CLI (cli/ + the manifest schema) with tsc into a temp directory
 * (support/compiled-cli.ts), then spawns the real binary. AWS calls go to a tiny local HTTP server through --endpoint-url.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from "node:net";
import { join } from "node:path";
import { FIXTURES, STAGING, tmpDir } from "./helpers";
import { compiledCli, ROOT } from "./support/compiled-cli";

let out: string;
let bin: string;
let server: Server;
let endpoint: string;
const actions: string[] = [];
let hang = false;
/** Accepts connections and never answers (a degraded region, a black-holing proxy). */
let silent: TcpServer;
let silentEndpoint: string;
const silentSockets: Socket[] = [];
/** Answers everything with an nginx-style HTML 502 (a failing proxy in front of AWS). */
let html: Server;
let htmlEndpoint: string;
let htmlRequests = 0;

const xml = (action: string, body: string) =>
  `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${body}</${action}Result>` +
  `<ResponseMetadata><RequestId>e2e</RequestId></ResponseMetadata></${action}Response>`;

const RESPONSES: Record<string, string> = {
  DescribeDBSnapshots: xml(
    "DescribeDBSnapshots",
    "<DBSnapshots><DBSnapshot><DBSnapshotIdentifier>skyline-staging-euw1-db-20250114-030000</DBSnapshotIdentifier>" +
      "<DBInstanceIdentifier>skyline-staging-euw1-db</DBInstanceIdentifier><SnapshotType>manual</SnapshotType>" +
      "<Status>available</Status><AllocatedStorage>20</AllocatedStorage><Encrypted>true</Encrypted>" +
      "<SnapshotCreateTime>2025-01-14T03:00:00Z</SnapshotCreateTime></DBSnapshot></DBSnapshots>",
  ),
  DescribeDBInstances: xml(
    "DescribeDBInstances",
    "<DBInstances><DBInstance><DBInstanceIdentifier>skyline-staging-euw1-db</DBInstanceIdentifier>" +
      "<DBInstanceStatus>available</DBInstanceStatus><MultiAZ>true</MultiAZ><AvailabilityZone>eu-west-1a</AvailabilityZone>" +
      "<SecondaryAvailabilityZone>eu-west-1b</SecondaryAvailabilityZone></DBInstance></DBInstances>",
  ),
};

function skyline(args: string[], env: Record<string, string> = {}, onSpawn?: (pid: number) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: tmpDir(),
      env: {
        PATH: process.env.PATH ?? "",
        NODE_PATH: join(ROOT, "node_modules"),
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_EC2_METADATA_DISABLED: "true",
        SKYLINE_AUDIT_LOG: join(tmpDir(), "audit.jsonl"),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (onSpawn && child.pid) onSpawn(child.pid);
  });
}

beforeAll(async () => {
  out = tmpDir("skyline-e2e-");
  bin = compiledCli();

  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const action = new URLSearchParams(body).get("Action") ?? "?";
      actions.push(action);
      if (hang) return; // never answers: the client waits until interrupted
      const response = RESPONSES[action];
      res.writeHead(response ? 200 : 400, { "content-type": "text/xml" });
      res.end(response ?? "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  silent = createTcpServer((socket) => {
    silentSockets.push(socket);
    socket.on("data", () => undefined); // read the request, never write a byte
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;

  html = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      htmlRequests++;
      res.writeHead(502, { "content-type": "text/html" });
      res.end(
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
          "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
      );
    });
  });
  await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
  htmlEndpoint = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  html.closeAllConnections();
  await new Promise((resolve) => html.close(resolve));
});

beforeEach(() => {
  actions.length = 0;
  hang = false;
});

describe("skyline binary", () => {
  it("starts with a shebang and --help loads neither zod nor any AWS SDK", async () => {
    const preload = join(out, "report-modules.js");
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));",
    );
    const { code, stdout, stderr } = await skyline(["--help"], { NODE_OPTIONS: `--require ${preload}` });
    expect(code).toBe(0);
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(stdout).toContain("Usage: skyline");
    const loaded: string[] = JSON.parse(stderr.slice(stderr.indexOf("LOADED ") + 7));
    expect(loaded.some((m) => m.includes("commander"))).toBe(true);
    expect(loaded.filter((m) => /[\\/](zod|@aws-sdk|@smithy)[\\/]/.test(m))).toEqual([]);
  });

  it("--version prints the version from the installed package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const { code, stdout } = await skyline(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`skyline ${version}\n`);
  });

  it("--profile nosuch says the profile does not exist, not 'pass --profile'", async () => {
    const home = tmpDir("skyline-home-");
    const { code, stdout, stderr } = await skyline(
      [
        "--manifest",
        STAGING,
        "--endpoint-url",
        endpoint,
        "--profile",
        "nosuch",
        "-o",
        "json",
        "snapshot",
        "list",
      ],
      { HOME: home, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
    );
    expect(code).toBe(1);
    const files = `${join(home, ".aws", "config")} or ${join(home, ".aws", "credentials")}`;
    const sentence =
      `AWS profile "nosuch" (--profile) is not defined in ${files}: ` +
      "check the name with `aws configure list-profiles`, or point AWS_CONFIG_FILE at the file that has it.";
    expect(stderr).toContain(`error: ${sentence}`);
    expect(stderr).not.toContain("pass --profile");
    // -o json: the failure before the plan is a document too.
    expect(JSON.parse(stdout)).toMatchObject({
      command: "snapshot list",
      outcome: "failed",
      exitCode: 1,
      error: { kind: "credentials", message: sentence },
    });
    expect(actions).toEqual([]);
  });

  it("snapshot list talks to --endpoint-url and prints the table", async () => {
    const { code, stdout } = await skyline([
      "--manifest",
      STAGING,
      "--endpoint-url",
      endpoint,
      "snapshot",
      "list",
    ]);
    expect(code).toBe(0);
    expect(actions).toEqual(["DescribeDBSnapshots"]);
    expect(stdout).toMatch(
      /eu-west-1\s+skyline-staging-euw1-db-20250114-030000\s+manual\s+\d+d\s+20 GiB\s+yes\s+available/,
    );
  });

  it("a mutating command without --yes and without a terminal is refused with exit 3 after read calls only", async () => {
    const { code, stdout, stderr } = await skyline([
      "--manifest",
      STAGING,
      "--endpoint-url",
      endpoint,
      "failover",
      "az",
    ]);
    expect(code).toBe(3);
    expect(stdout).toContain("Plan: Fail skyline-staging-euw1-db over from eu-west-1a");
    expect(stderr).toContain("stdin is not a terminal");
    expect(actions).toEqual(["DescribeDBInstances"]);
  });

  it("a bad manifest exits 2", async () => {
    const { code, stderr } = await skyline(["--manifest", join(FIXTURES, "invalid.manifest.json"), "status"]);
    expect(code).toBe(2);
    expect(stderr).toContain("regions.us-east-1.service");
  });

  it("Ctrl-C while waiting on AWS exits 130", async () => {
    hang = true;
    let pid = 0;
    const done = skyline(["--manifest", STAGING, "--endpoint-url", endpoint, "status"], {}, (p) => (pid = p));
    const started = Date.now();
    while (actions.length === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, "SIGINT");
    const { code, stderr } = await done;
    expect(code).toBe(130);
    expect(stderr).toContain(
      "Interrupted (SIGINT) while planning: nothing was sent to AWS, nothing changed.",
    );
  });

  it("an endpoint that accepts the connection and never answers: exit 1 after the request timeout, naming endpoint, operation and what to check", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await skyline([
      "--manifest",
      STAGING,
      "--endpoint-url",
      silentEndpoint,
      "--request-timeout",
      "1",
      "failover",
      "az",
    ]);
    const elapsed = Date.now() - started;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      `error: No answer from ${silentEndpoint} to RDS DescribeDBInstances for database skyline-staging-euw1-db (eu-west-1) ` +
        "within 1 s (request timeout, --request-timeout): the endpoint accepted the connection but did not respond. " +
        "Check the endpoint (--endpoint-url / AWS_ENDPOINT_URL), your network, VPN or proxy, and the AWS Health Dashboard for eu-west-1; " +
        "if it is only slow, raise --request-timeout.",
    );
    // It waited for the timeout, once (a timeout is not retried), and no longer.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(15_000);
  }, 30_000);

  it("SKYLINE_REQUEST_TIMEOUT sets the request timeout without a flag", async () => {
    const { code, stderr } = await skyline(
      ["--manifest", STAGING, "--endpoint-url", silentEndpoint, "snapshot", "list"],
      {
        SKYLINE_REQUEST_TIMEOUT: "1",
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      "to RDS DescribeDBSnapshots for snapshots in eu-west-1 within 1 s (request timeout, SKYLINE_REQUEST_TIMEOUT)",
    );
  }, 30_000);

  it("an endpoint that answers with an HTML 5xx: exit 1 with a sentence, not an XML parse error", async () => {
    htmlRequests = 0;
    const { code, stderr } = await skyline(
      ["--manifest", STAGING, "--endpoint-url", htmlEndpoint, "snapshot", "list"],
      {
        AWS_MAX_ATTEMPTS: "2",
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: ${htmlEndpoint} answered RDS DescribeDBSnapshots for snapshots in eu-west-1 with HTTP 502 and a text/html page, not an AWS response: ` +
        "a proxy, VPN or load balancer between you and AWS is failing, or --endpoint-url points at the wrong server. " +
        "Check --endpoint-url / AWS_ENDPOINT_URL and HTTPS_PROXY, then the AWS Health Dashboard for eu-west-1.",
    );
    expect(stderr).not.toMatch(/XML parse error|mismatched tags/);
    expect(htmlRequests).toBe(2); // a read: retried up to AWS_MAX_ATTEMPTS
  }, 30_000);
});
