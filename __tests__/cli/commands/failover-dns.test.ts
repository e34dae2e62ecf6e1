/**
 * `skyline failover dns` moves traffic with the data-plane switches (core/dns.ts): CloudWatch calls
 * in regions that are up, never Route 53's API. Checked against the stateful fake (its Route 53
 * view decides where the DNS server on a real socket answers, as Route 53's checkers would).
 */
import { readFileSync } from "node:fs";
import { runCli } from "../../../cli/program";
import { parseManifest, type OpsManifest } from "../../../manifest/schema";
import { fakeRuntime, PRODUCTION, tmpDir } from "../helpers";
import { dnsServer, FakeCloud } from "../support/fake-cloud";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

const production = parseManifest(JSON.parse(readFileSync(PRODUCTION, "utf8")), PRODUCTION);

let cloud: FakeCloud;
let dns: { address: string; close: () => Promise<void> };

async function setUp(manifest: OpsManifest): Promise<string> {
  cloud = new FakeCloud(manifest);
  cloud.install();
  dns = await dnsServer(cloud);
  const path = join(tmpDir(), "manifest.json");
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

afterEach(async () => dns?.close());

async function skyline(manifestPath: string, args: string[]) {
  const rt = fakeRuntime({ env: { SKYLINE_DNS_SERVER: dns.address } });
  cloud.useClock(() => rt.clock);
  const code = await runCli(["--manifest", manifestPath, ...args], rt);
  return { code, out: rt.out, err: rt.err };
}

const switchCalls = () =>
  cloud.calls
    .filter((c) => c.operation === "SetAlarmState")
    .map((c) => `${c.input.AlarmName} ${c.input.StateValue} in ${c.region}`);

describe("failover dns", () => {
  it("forces the primary out in every region that keeps its switch; the DNS answer follows; Route 53's API untouched", async () => {
    const m = await setUp(production);
    const { code, out } = await skyline(m, ["failover", "dns", "--to", "eu-west-1", "--yes"]);
    expect(code).toBe(0);
    expect(switchCalls()).toEqual([
      "skyline-production-use1-traffic-switch ALARM in eu-west-1",
      "skyline-production-use1-traffic-switch ALARM in ap-south-1",
    ]);
    const put = cloud.calls.find(
      (c) => c.operation === "PutMetricData" && c.input.Namespace === "Skyline/TrafficSwitch",
    )!;
    expect(put.input.MetricData).toEqual([
      {
        MetricName: "ForcedOut",
        Dimensions: [{ Name: "Switch", Value: "skyline-production-use1" }],
        Value: 1,
        Unit: "Count",
      },
    ]);
    expect(cloud.serving()).toBe("eu-west-1");
    expect(out).toContain("api.skyline.example.com now answers with eu-west-1.");
    expect(out).toContain("Fail back later with: skyline failover dns --to us-east-1");
    expect(cloud.route53Calls()).toBe(0);
  });

  it("reaches the third region forcing out the regions ahead of it, nearest first", async () => {
    const m = await setUp(production);
    expect((await skyline(m, ["failover", "dns", "--to", "ap-south-1", "--yes"])).code).toBe(0);
    expect(switchCalls()).toEqual([
      "skyline-production-euw1-traffic-switch ALARM in us-east-1",
      "skyline-production-euw1-traffic-switch ALARM in ap-south-1",
      "skyline-production-use1-traffic-switch ALARM in eu-west-1",
      "skyline-production-use1-traffic-switch ALARM in ap-south-1",
    ]);
    expect(cloud.serving()).toBe("ap-south-1");
  });

  it("fails back by clearing the primary's switch where it was set, and is a no-op once there", async () => {
    const m = await setUp(production);
    await skyline(m, ["failover", "dns", "--to", "eu-west-1", "--yes"]);
    cloud.calls.length = 0;
    const back = await skyline(m, ["failover", "dns", "--to", "us-east-1", "--yes"]);
    expect(back.code).toBe(0);
    expect(switchCalls()).toEqual([
      "skyline-production-use1-traffic-switch OK in eu-west-1",
      "skyline-production-use1-traffic-switch OK in ap-south-1",
    ]);
    expect(cloud.serving()).toBe("us-east-1");
    expect(back.out).toContain("Every region is judged by its real health again.");
    cloud.calls.length = 0;
    const again = await skyline(m, ["failover", "dns", "--to", "us-east-1", "--yes"]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("Nothing to do: traffic already goes to us-east-1");
    expect(cloud.mutations()).toEqual([]);
  });

  it("moves back one region by clearing only that region's switch", async () => {
    const m = await setUp(production);
    await skyline(m, ["failover", "dns", "--to", "ap-south-1", "--yes"]);
    cloud.calls.length = 0;
    expect((await skyline(m, ["failover", "dns", "--to", "eu-west-1", "--yes"])).code).toBe(0);
    expect(switchCalls()).toEqual([
      "skyline-production-euw1-traffic-switch OK in us-east-1",
      "skyline-production-euw1-traffic-switch OK in ap-south-1",
    ]);
    expect(cloud.serving()).toBe("eu-west-1");
  });

  it("fails over between a plain pair of two regions as well", async () => {
    const pair = structuredClone(production);
    delete pair.regions["ap-south-1"];
    pair.global!.failoverOrder = ["us-east-1", "eu-west-1"];
    delete pair.global!.healthChecks["ap-south-1"];
    const regions = pair.global!.trafficSwitch!.regions;
    delete regions["ap-south-1"];
    regions["us-east-1"].hostRegions = ["eu-west-1"];
    regions["eu-west-1"].hostRegions = ["us-east-1"];
    const m = await setUp(parseManifest(pair, "pair"));
    expect((await skyline(m, ["failover", "dns", "--to", "eu-west-1", "--yes"])).code).toBe(0);
    expect(switchCalls()).toEqual(["skyline-production-use1-traffic-switch ALARM in eu-west-1"]);
    expect(cloud.serving()).toBe("eu-west-1");
  });

  it("says where the switches send traffic when DNS cannot be read from here", async () => {
    const m = await setUp(production);
    const rt = fakeRuntime({ env: { SKYLINE_DNS_SERVER: "127.0.0.1:9" } });
    cloud.useClock(() => rt.clock);
    expect(await runCli(["--manifest", m, "failover", "dns", "--to", "eu-west-1", "--yes"], rt)).toBe(0);
    expect(rt.out).toMatch(
      /The switches send api\.skyline\.example\.com to eu-west-1; DNS cannot be read from here \(E[A-Z]+\)/,
    );
  });
});
