/**
 * `skyline drill` on staging with its optional drill region (the manifest synth writes for it),
 * against the stateful fake: failover and fail-back measured step by step, marker rows written and
 * read back through the public hostname, a JSON and Markdown report that `skyline status` shows.
 * Production is refused.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildManifest } from "../../../manifest/builder";
import { buildApp } from "../../../stacks/app";
import { runCli } from "../../../cli/program";
import { config } from "../../helpers/config";
import { fakeRuntime, PRODUCTION, tmpDir } from "../helpers";
import { API_TOKEN, dnsServer, FakeCloud, publicEndpoint } from "../support/fake-cloud";

const staging = config("staging", (c) => {
  c.drillRegion.enabled = true;
});
const manifest = buildManifest(
  buildApp([staging], { outdir: mkdtempSync(join(tmpdir(), "skyline-drill-app-")) }).environments[0],
);
const manifestPath = join(tmpDir(), "manifest.json");
writeFileSync(manifestPath, JSON.stringify(manifest));

let cloud: FakeCloud;
let dns: { address: string; close: () => Promise<void> };
let endpoint: { url: string; close: () => Promise<void> };
let reports: string;

beforeEach(async () => {
  cloud = new FakeCloud(manifest);
  cloud.install();
  dns = await dnsServer(cloud);
  endpoint = await publicEndpoint(cloud);
  reports = tmpDir("skyline-drills-");
});

afterEach(async () => {
  await dns.close();
  await endpoint.close();
});

async function skyline(args: string[], path = manifestPath) {
  const rt = fakeRuntime({
    env: { SKYLINE_API_TOKEN: API_TOKEN, SKYLINE_DNS_SERVER: dns.address, SKYLINE_DRILL_DIR: reports },
  });
  cloud.useClock(() => rt.clock);
  const code = await runCli(["--manifest", path, ...args], rt);
  return { code, out: rt.out, err: rt.err };
}

describe("skyline drill", () => {
  it("fails staging over to its drill region and back, measures every step, and writes the report status shows", async () => {
    const { code, out, err } = await skyline(["drill", "--public-url", endpoint.url, "--yes"]);
    expect({ code, err: code ? err : "" }).toEqual({ code: 0, err: "" });
    expect(out).toContain(
      "Plan: Drill: fail staging over us-east-1 → eu-west-1, verify, fail back, measure RTO and RPO",
    );
    // Both phases ran their steps, in order.
    const ops = cloud.mutations();
    expect(ops.indexOf("PromoteReadReplica eu-west-1")).toBeGreaterThan(
      ops.indexOf("UpdateService us-east-1"),
    );
    expect(ops.indexOf("CreateDBInstanceReadReplica us-east-1")).toBeGreaterThan(
      ops.indexOf("PromoteReadReplica eu-west-1"),
    );
    expect(ops.indexOf("PromoteReadReplica us-east-1")).toBeGreaterThan(
      ops.indexOf("CreateDBInstanceReadReplica us-east-1"),
    );
    expect(ops).toContain("CreateDBInstanceReadReplica eu-west-1");
    expect(cloud.serving()).toBe("us-east-1");
    expect(cloud.db("us-east-1").replicaOf).toBeUndefined();
    expect(cloud.db("eu-west-1").replicaOf).toBe(
      "arn:aws:rds:us-east-1:222222222222:db:skyline-staging-use1-db",
    );

    expect(out).toMatch(
      /Drill: measured RTO \d\d:\d\d \(RTO 30 min, detection not included\), measured RPO 0 s \(RPO 300 s; 2 marker rows, 2 found\)/,
    );
    const files = readdirSync(reports).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^skyline-staging-\d{8}T\d{6}Z\.json$/);
    const report = JSON.parse(readFileSync(join(reports, files[0]), "utf8"));
    expect(report).toMatchObject({
      app: "skyline",
      environment: "staging",
      outcome: "succeeded",
      measuredRpoSeconds: 0,
      targets: { rtoMinutes: 30, rpoSeconds: 300 },
    });
    expect(report.phases.map((p: any) => [p.mode, p.from, p.to])).toEqual([
      ["failover", "us-east-1", "eu-west-1"],
      ["failback", "eu-west-1", "us-east-1"],
    ]);
    expect(report.phases[0].steps.map((s: any) => [s.id, s.outcome, s.budgetMinutes])).toEqual([
      ["fence", "done", 2],
      ["promoteDatabase", "done", 8],
      ["repointWriter", "done", 6],
      ["cache", "skipped", 3],
      ["traffic", "done", 3],
      ["verify", "done", 3],
    ]);
    expect(report.measuredRtoMs).toBe(report.phases[0].measuredMs);
    expect(
      report.markers.map((m: any) => [m.region, m.foundAfterFailover ?? null, m.foundAfterFailback]),
    ).toEqual([
      ["us-east-1", true, true],
      ["eu-west-1", null, true],
    ]);
    const markdown = readFileSync(join(reports, files[1]), "utf8");
    expect(markdown).toContain("| RPO (writes lost, by marker rows) | 0 s | 300 s |");
    expect(markdown).toContain("## Fail-back: eu-west-1 → us-east-1");

    const status = await skyline(["status"]);
    expect(status.out).toMatch(
      new RegExp(
        `drills    last drill ${report.startedAt.replace(/[.]/g, "\\.")} to eu-west-1: succeeded, measured RTO \\d\\d:\\d\\d \\(target 30 min\\), measured RPO 0 s \\(target 300 s\\)`,
      ),
    );
  });

  it("measures lost writes: a marker row that does not survive the promotion sets the measured RPO", async () => {
    // Replication is silently stopped: the marker written before the failover never reaches eu-west-1.
    const stop = cloud.db("eu-west-1");
    const origin = stop.replicaOf;
    stop.replicaOf = "arn:aws:rds:us-east-1:222222222222:db:nowhere";
    const original = cloud.write.bind(cloud);
    let first = true;
    cloud.write = (title: string) => {
      const r = original(title);
      if (first) {
        first = false;
        stop.replicaOf = origin;
      }
      return r;
    };
    const { code, out } = await skyline(["drill", "--public-url", endpoint.url, "--yes"]);
    expect(code).toBe(0);
    expect(out).toMatch(/measured RPO \d+ s \(RPO 300 s; 2 marker rows, 1 found\)/);
    const json = readdirSync(reports).find((f) => f.endsWith(".json"))!;
    const report = JSON.parse(readFileSync(join(reports, json), "utf8"));
    expect(report.markers[0].foundAfterFailover).toBe(false);
    expect(report.measuredRpoSeconds).toBeGreaterThan(0);
  });

  it("refuses production (exit 3): production is rehearsed with the game-day runbook", async () => {
    const { code, out, err } = await skyline(["drill", "--yes"], PRODUCTION);
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL drillable environment: production is production: drills run on non-production environments",
    );
    expect(err).toContain("game-day");
    expect(readdirSync(reports)).toEqual([]);
  });
});
