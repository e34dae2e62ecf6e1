import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest, type OpsManifest } from "../../manifest/schema";
import { loadEnvironments } from "../../stacks/config/load";
import { synthesize } from "../../stacks/synthesize";

const outdir = join(mkdtempSync(join(tmpdir(), "skyline-manifest-")), "out");
synthesize(loadEnvironments(["staging", "production"]), { outdir });

function stackJson(stack: string): any {
  return JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

/** Every string anywhere in a JSON value. */
function strings(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, into));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => strings(v, into));
  return into;
}

/** The identifiers on-call acts on, as the manifest lists them. */
function manifestNames(m: OpsManifest): string[] {
  const names: string[] = [];
  for (const r of Object.values(m.regions)) {
    names.push(...(r.database?.instances.map((i) => i.id) ?? []));
    if (r.database?.proxy)
      names.push(
        r.database.proxy.name,
        ...(r.database.proxy.readerEndpointName ? [r.database.proxy.readerEndpointName] : []),
      );
    if (r.cache) names.push(r.cache.replicationGroupId);
    names.push(
      r.service!.cluster,
      r.service!.service,
      r.service!.taskFamily,
      r.loadBalancer.name,
      ...r.loadBalancer.targetGroups,
    );
    if (r.backup) names.push(r.backup.vaultName, ...(r.backup.planName ? [r.backup.planName] : []));
    if (r.queue) {
      names.push(r.queue.name, r.queue.deadLetterQueue.name);
      const w = r.queue.workers;
      names.push(...(w.kind === "ecs" ? [w.service, w.taskFamily] : [w.deployment, w.scaledObject]));
    }
    names.push(r.alarms.regionUnhealthy, ...r.alarms.names);
  }
  names.push(...Object.values(m.global?.healthChecks ?? {}).map((c) => c.name));
  names.push(...Object.values(m.global?.trafficSwitch?.regions ?? {}).map((s) => s.alarmName));
  if (m.global) names.push(m.global.publicHostname);
  names.push(...m.secrets.replicated);
  if (m.global?.ecrRepository) names.push(m.global.ecrRepository);
  return names;
}

describe.each(["staging", "production"])("the %s ops manifest", (env) => {
  const manifest = parseManifest(
    JSON.parse(readFileSync(join(outdir, "skyline", env, "manifest.json"), "utf8")),
    `${env} manifest`,
  );
  const stacks = [...Object.values(manifest.regions).map((r) => r.stack), manifest.global!.stack];
  const synthesized = new Set<string>();
  stacks.forEach((s) => strings(stackJson(s), synthesized));

  it("validates against the schema the CLI uses and names stacks that exist", () => {
    expect(manifest.environment).toBe(env);
    expect(manifest.targets).toEqual({
      rpoSeconds: 300,
      rtoMinutes: 30,
      availabilityPercent: 99.99,
      p95LatencyMs: 100,
      failoverBudgetMinutes: {
        detect: 5,
        fence: 2,
        promoteDatabase: 8,
        repointWriter: 6,
        cache: 3,
        traffic: 3,
        verify: 3,
      },
      // The config's targets (production: the product's goals; staging: 1 % of them).
      load:
        env === "production"
          ? {
              concurrentUsers: 100_000,
              requestsPerSecond: 500_000,
              submissionsPerMinute: 50_000,
              headroomPercent: 30,
            }
          : {
              concurrentUsers: 1000,
              requestsPerSecond: 5000,
              submissionsPerMinute: 500,
              headroomPercent: 30,
            },
    });
    for (const stack of stacks) expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
  });

  it("lists the alarms that gate a failover among the region's alarms, lag never among them", () => {
    for (const region of Object.values(manifest.regions)) {
      expect(region.alarms.names).toEqual(expect.arrayContaining(region.alarms.canServe));
      expect(region.alarms.canServe.filter((n) => /lag|replication/.test(n))).toEqual([]);
      expect(region.alarms.canServe.length).toBeGreaterThanOrEqual(4);
    }
  });

  it("names the state key of every stack as its backend has it, and the replica bucket", () => {
    const keys = Object.entries(manifest.stateBackend.stacks);
    expect(keys.map(([stack]) => stack).sort()).toEqual(stacks.slice().sort());
    for (const [stack, key] of keys) {
      expect(stackJson(stack).terraform.backend.s3).toMatchObject({
        bucket: manifest.stateBackend.bucket,
        region: manifest.stateBackend.region,
        key,
      });
    }
    const stateStack = stackJson(`skyline-${env}-state`);
    const buckets = Object.values(stateStack.resource.aws_s3_bucket).map((b: any) => b.bucket);
    expect(buckets).toContain(manifest.stateBackend.bucket);
    if (manifest.stateBackend.replica) expect(buckets).toContain(manifest.stateBackend.replica.bucket);
    expect(manifest.stateBackend.replica === undefined).toBe(env === "staging");
  });

  it("orders the failover chain as the config does and names the public hostname", () => {
    expect(manifest.global!.failoverOrder).toEqual(Object.keys(manifest.regions));
    expect(manifest.global!.publicHostname).toBe(
      env === "production" ? "skyline.example.com" : "staging.skyline.example.com",
    );
    const switches = manifest.global!.trafficSwitch;
    if (env === "staging") {
      expect(switches).toBeUndefined();
      return;
    }
    expect(Object.keys(switches!.regions)).toEqual(manifest.global!.failoverOrder);
    for (const [region, s] of Object.entries(switches!.regions)) {
      expect(s.hostRegions.slice().sort()).toEqual(
        manifest.global!.failoverOrder.filter((r) => r !== region).sort(),
      );
    }
  });

  it("has its runbooks written beside it", () => {
    const runbooks = readdirSync(join(outdir, "skyline", env, "runbooks")).sort();
    expect(runbooks).toEqual([
      "cache-failover.md",
      "database-failover.md",
      "deploy-rollback.md",
      "dns-failover.md",
      "game-day.md",
      "index.md",
      "queue-backlog.md",
      "region-failback.md",
      "region-failover.md",
      "scale-out.md",
      "snapshot-and-restore.md",
    ]);
  });

  it("names only resources that are in the synthesized JSON", () => {
    const missing = manifestNames(manifest).filter((n) => !synthesized.has(n));
    expect(missing).toEqual([]);
  });

  it("names every database, cache, service, load balancer and alarm the regional stacks create", () => {
    const listed = new Set(manifestNames(manifest));
    const unlisted: string[] = [];
    for (const region of Object.values(manifest.regions)) {
      const json = stackJson(region.stack);
      const attr = (type: string, key: string) =>
        Object.values((json.resource?.[type] ?? {}) as Record<string, any>).map((r) => r[key] as string);
      const created = [
        ...attr("aws_db_instance", "identifier"),
        ...attr("aws_elasticache_replication_group", "replication_group_id"),
        ...attr("aws_ecs_cluster", "name"),
        ...attr("aws_ecs_service", "name"),
        ...attr("aws_sqs_queue", "name"),
        ...attr("aws_lb", "name"),
        ...attr("aws_lb_target_group", "name"),
        ...attr("aws_backup_vault", "name"),
        ...attr("aws_cloudwatch_metric_alarm", "alarm_name"),
        ...attr("aws_cloudwatch_composite_alarm", "alarm_name"),
      ];
      unlisted.push(...created.filter((n) => !listed.has(n)));
    }
    expect(unlisted).toEqual([]);
  });
});

it("writes nothing for an environment whose synth failed its guardrails", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "skyline-refused-")), "out");
  expect(() =>
    synthesize(loadEnvironments(["staging"]), {
      outdir: dir,
      customize: ({ environments }) => {
        environments[0].regional[0].service!.service.addOverride(
          "network_configuration.assign_public_ip",
          true,
        );
      },
    }),
  ).toThrow(/SKY-ECS-/);
  expect(existsSync(join(dir, "skyline", "staging", "manifest.json"))).toBe(false);
  expect(readdirSync(join(dir, "skyline", "staging"))).toEqual(["guardrails.json"]);
});
