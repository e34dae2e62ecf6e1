/**
 * Every pre-check of `failover db`, `failover dns` and `failover region` in the outage case of
 * issue 13: us-east-1 is lost (every call to it fails with a network error, and the replicas it
 * fed publish no ReplicaLag). Hard checks stay hard; the target's serving alarms and service give
 * way only to a declared outage typed back; lag only to --accept-data-loss with the replica id; and
 * nothing is sent to the declared region.
 */
import { readFileSync } from "node:fs";
import { runCli } from "../../../cli/program";
import { parseManifest } from "../../../manifest/schema";
import { fakeRuntime, PRODUCTION } from "../helpers";
import { API_TOKEN, dnsServer, FakeCloud, publicEndpoint } from "../support/fake-cloud";

const manifest = parseManifest(JSON.parse(readFileSync(PRODUCTION, "utf8")), PRODUCTION);
const REPLICA = "skyline-production-euw1-db";
const OUTAGE = ["--declare-outage", "us-east-1", "--confirm-outage", "us-east-1"];
const DATA_LOSS = ["--accept-data-loss", "--confirm-replica-id", REPLICA];

let cloud: FakeCloud;
let dns: { address: string; close: () => Promise<void> };
let endpoint: { url: string; close: () => Promise<void> };

beforeEach(async () => {
  cloud = new FakeCloud(manifest);
  cloud.install();
  cloud.down.add("us-east-1");
  dns = await dnsServer(cloud);
  endpoint = await publicEndpoint(cloud);
});

afterEach(async () => {
  await dns.close();
  await endpoint.close();
});

async function skyline(args: string[]) {
  const rt = fakeRuntime({ env: { SKYLINE_API_TOKEN: API_TOKEN, SKYLINE_DNS_SERVER: dns.address } });
  cloud.useClock(() => rt.clock);
  const code = await runCli(["--manifest", PRODUCTION, ...args], rt);
  return { code, out: rt.out, err: rt.err };
}

/** Route 53 sent the traffic to eu-west-1 by itself; its replica refuses writes: the API's 5xx alarm fires. */
function servingAlarmFires(): void {
  cloud.firing.set("eu-west-1", [
    "skyline-production-euw1-api-5xx",
    // The lag alarm is about us-east-1: it must never gate a failover to eu-west-1.
    "skyline-production-euw1-db-replica-lag",
  ]);
}

describe("failover db, us-east-1 lost", () => {
  const db = (...extra: string[]) => ["failover", "db", "--to", "eu-west-1", "--yes", ...extra];

  it("reports the missing lag as 'source region unreachable', not a breach, and refuses without --accept-data-loss", async () => {
    const { code, out } = await skyline(db());
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL replica lag within RPO: source region us-east-1 unreachable: no ReplicaLag data in 5 minutes, which is a fact about us-east-1, not a breach in this region",
    );
    expect(out).toContain("ok   eu-west-1 can serve (no serving alarm in ALARM)");
    expect(cloud.mutations()).toEqual([]);
    expect(cloud.callsTo("us-east-1")).toEqual([]);
  });

  it("reports ReplicaLag -1 as replication stopped", async () => {
    cloud.down.delete("us-east-1");
    cloud.lag.set(`eu-west-1/${REPLICA}`, [3, -1, -1]);
    const { code, out } = await skyline(db());
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica lag within RPO: replication stopped (ReplicaLag -1)");
  });

  it("gates on the alarms that say eu-west-1 can serve (never the lag alarm), overridable only in a declared outage", async () => {
    servingAlarmFires();
    const refused = await skyline(db(...DATA_LOSS));
    expect(refused.code).toBe(3);
    expect(refused.out).toContain(
      "FAIL eu-west-1 can serve (no serving alarm in ALARM): skyline-production-euw1-api-5xx; overridable during a declared outage: --declare-outage <failed-region>",
    );
    expect(refused.out).not.toContain("euw1-db-replica-lag;");
    expect(cloud.mutations()).toEqual([]);

    const promoted = await skyline(db(...DATA_LOSS, ...OUTAGE));
    expect({ code: promoted.code, err: promoted.code ? promoted.err : "" }).toEqual({ code: 0, err: "" });
    expect(promoted.out).toContain(
      "OVERRIDDEN eu-west-1 can serve (no serving alarm in ALARM): skyline-production-euw1-api-5xx; overridden by the declared outage of us-east-1",
    );
    expect(promoted.out).toContain("OVERRIDDEN replica lag within RPO: source region us-east-1 unreachable");
    expect(cloud.mutations()).toEqual(["PromoteReadReplica eu-west-1"]);
    expect(cloud.callsTo("us-east-1")).toEqual([]);
  });

  it("a declared outage does not override the lag check: that needs --accept-data-loss", async () => {
    const { code, out } = await skyline(db(...OUTAGE));
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica lag within RPO: source region us-east-1 unreachable");
    expect(cloud.mutations()).toEqual([]);
  });

  it("the acknowledgement must name the declared region", async () => {
    servingAlarmFires();
    const { code, err } = await skyline(
      db(...DATA_LOSS, "--declare-outage", "us-east-1", "--confirm-outage", "eu-west-1"),
    );
    expect(code).toBe(3);
    expect(err).toContain('--confirm-outage "eu-west-1" does not match "us-east-1"');
    expect(cloud.mutations()).toEqual([]);
  });

  it("never overrides a replica that is not available", async () => {
    cloud.db("eu-west-1").status = "incompatible-parameters";
    const { code, out } = await skyline(db(...DATA_LOSS, ...OUTAGE));
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica available: status incompatible-parameters");
    expect(cloud.mutations()).toEqual([]);
  });

  it("a replica AWS does not have is a failed pre-check with the plan shown (exit 3), not exit 1", async () => {
    cloud.dbs.delete(`eu-west-1/${REPLICA}`);
    const { code, out, err } = await skyline(db(...DATA_LOSS, ...OUTAGE));
    expect(code).toBe(3);
    expect(out).toMatch(/^Plan: Promote skyline-production-euw1-db in eu-west-1/);
    expect(out).toContain(`FAIL replica available: ${REPLICA} was not found`);
    expect(err).toContain("Refused: replica available");
  });
});

describe("failover dns, us-east-1 lost", () => {
  it("refuses while eu-west-1's serving alarm fires; in a declared outage sets the switches in the surviving regions only", async () => {
    servingAlarmFires();
    const refused = await skyline(["failover", "dns", "--to", "eu-west-1", "--yes"]);
    expect(refused.code).toBe(3);
    expect(cloud.mutations()).toEqual([]);
    // Undeclared, us-east-1's copies are tried (and time out); declared, nothing goes there.
    cloud.calls.length = 0;

    const moved = await skyline(["failover", "dns", "--to", "eu-west-1", "--yes", ...OUTAGE]);
    expect({ code: moved.code, err: moved.code ? moved.err : "" }).toEqual({ code: 0, err: "" });
    expect(cloud.mutations()).toEqual([
      "PutMetricData eu-west-1",
      "SetAlarmState eu-west-1",
      "PutMetricData ap-south-1",
      "SetAlarmState ap-south-1",
    ]);
    expect(cloud.callsTo("us-east-1")).toEqual([]);
    expect(cloud.route53Calls()).toBe(0);
    expect(moved.out).toContain("api.skyline.example.com now answers with eu-west-1.");
  });
});

describe("failover region, us-east-1 lost", () => {
  const region = (...extra: string[]) => [
    "failover",
    "region",
    "--to",
    "eu-west-1",
    "--public-url",
    endpoint.url,
    "--yes",
    ...extra,
  ];

  it("without the outage declared, a dead region is a refusal that says to declare it", async () => {
    const { code, err } = await skyline(region());
    expect(code).toBe(3);
    expect(err).toContain("If us-east-1 is down, declare it: re-run with --declare-outage us-east-1");
    expect(cloud.mutations()).toEqual([]);
  });

  it("never overrides a replica that is not available, even in a declared outage with data loss accepted", async () => {
    cloud.db("eu-west-1").status = "storage-full";
    const { code, out } = await skyline(region(...OUTAGE, ...DATA_LOSS));
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica available: status storage-full");
    expect(cloud.mutations()).toEqual([]);
    expect(cloud.callsTo("us-east-1")).toEqual([]);
  });

  it("refuses without an API token: the last step must prove a write works", async () => {
    const rt = fakeRuntime({ env: { SKYLINE_DNS_SERVER: dns.address } });
    const code = await runCli(["--manifest", PRODUCTION, ...region(...OUTAGE, ...DATA_LOSS)], rt);
    expect(code).toBe(3);
    expect(rt.out).toContain("FAIL public write check possible: set SKYLINE_API_TOKEN");
    expect(cloud.mutations()).toEqual([]);
  });
});
