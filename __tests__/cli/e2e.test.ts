/**
 * End to end: compiles the CLI (cli/ + the manifest schema) with tsc into a temp directory, then
 * spawns the real binary. AWS calls go to a tiny local HTTP server through --endpoint-url.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { FIXTURES, STAGING, tmpDir } from "./helpers";

const ROOT = join(__dirname, "..", "..");
let out: string;
let bin: string;
let server: Server;
let endpoint: string;
const actions: string[] = [];
let hang = false;

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
  const tsconfig = join(out, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.base.json"),
      compilerOptions: {
        rootDir: ROOT,
        outDir: join(out, "dist"),
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
        incremental: false,
        sourceMap: false,
      },
      include: [join(ROOT, "cli", "**", "*.ts"), join(ROOT, "constructs", "runbooks", "manifest-schema.ts")],
    }),
  );
  const build = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", tsconfig], {
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  bin = join(out, "dist", "cli", "index.js");

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
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
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
    expect(stderr).toContain("Interrupted.");
  });
});
