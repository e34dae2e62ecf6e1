import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "../../manifest/schema";
import { renderRunbookFiles, renderRunbooks } from "../../runbooks/runbooks";
import {
  FIXTURE_ENVS,
  loadFixture,
  skylineCommands,
  unknownRegions,
  unknownResourceNames,
  variant,
} from "./helpers";

const NAMES = [
  "region-failover",
  "region-failback",
  "game-day",
  "database-failover",
  "dns-failover",
  "cache-failover",
  "snapshot-and-restore",
  "scale-out",
  "deploy-rollback",
];
const SECTIONS = [
  "## When to use it",
  "## Targets",
  "## Pre-checks",
  "## Procedure",
  "## Post-checks",
  "## Follow-ups",
];

function runbook(manifest: ReturnType<typeof loadFixture>, name: string): string {
  const found = renderRunbooks(manifest).find((r) => r.name === name);
  if (!found) throw new Error(`no runbook ${name}`);
  return found.markdown;
}

describe.each(FIXTURE_ENVS)("runbooks for the %s fixture", (env) => {
  const manifest = loadFixture(env);
  const runbooks = renderRunbooks(manifest);

  it("renders every runbook once, named by its file", () => {
    expect(runbooks.map((r) => r.name)).toEqual(NAMES);
    for (const r of runbooks) expect(r.fileName).toBe(`${r.name}.md`);
  });

  it.each(NAMES)("%s: the title is the first heading and every section is present", (name) => {
    const r = runbooks.find((x) => x.name === name)!;
    expect(r.markdown.split("\n")[0]).toBe(`# ${r.title}`);
    expect(r.title).toContain(`(${env})`);
    let at = 0;
    for (const section of SECTIONS) {
      const next = r.markdown.indexOf(`${section}\n`, at);
      expect(next).toBeGreaterThan(at);
      at = next;
    }
  });

  it.each(NAMES)("%s: states the RPO and RTO targets of the manifest", (name) => {
    const markdown = runbook(manifest, name);
    expect(markdown).toContain(`| Recovery point objective (RPO) | ${manifest.targets.rpoSeconds} s`);
    expect(markdown).toContain(`| Recovery time objective (RTO) | ${manifest.targets.rtoMinutes} min |`);
  });

  it.each(NAMES)("%s: mentions no resource name or region that is not in the manifest", (name) => {
    const markdown = runbook(manifest, name);
    expect(unknownResourceNames(markdown, manifest)).toEqual([]);
    expect(unknownRegions(markdown, manifest)).toEqual([]);
  });

  it.each(NAMES)("%s: every skyline command names the environment", (name) => {
    const commands = skylineCommands(runbook(manifest, name));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toMatch(new RegExp(`^skyline --env ${env}( |$)`));
  });

  it("is deterministic: rendering twice gives the same bytes", () => {
    expect(renderRunbookFiles(loadFixture(env))).toEqual(renderRunbookFiles(manifest));
  });

  it("the index lists every runbook with its title and the command that prints it", () => {
    const index = renderRunbookFiles(manifest).find((f) => f.name === "index")!;
    expect(index.markdown.split("\n")[0]).toBe(`# ${index.title}`);
    for (const r of runbooks) {
      expect(index.markdown).toContain(`[${r.name}](${r.fileName}) | ${r.title} |`);
      expect(index.markdown).toContain(`skyline --env ${env} runbook show ${r.name}`);
    }
  });

  it("snapshot-and-restore names the writer, its snapshot commands and the backup vault", () => {
    const markdown = runbook(manifest, "snapshot-and-restore");
    const region = manifest.primaryRegion;
    const primary = manifest.regions[region];
    const writer = primary.database!.instances.find((i) => i.role === "writer")!.id;
    expect(markdown).toContain(
      `skyline --env ${env} --region ${region} snapshot create --wait --reason pre-restore`,
    );
    expect(markdown).toContain(`--source-db-instance-identifier ${writer}`);
    expect(markdown).toContain(`--backup-vault-name ${primary.backup!.vaultName}`);
    expect(markdown).toContain(`The plan \`${primary.backup!.planName}\` keeps`);
  });

  it("scale-out names the service, its autoscaling target and the config fields to change", () => {
    const markdown = runbook(manifest, "scale-out");
    const { service, autoscaling } = manifest.regions[manifest.primaryRegion].service!;
    expect(markdown).toContain(`--resource-id ${autoscaling!.resourceId}`);
    expect(markdown).toContain(`--min ${autoscaling!.minCapacity * 2} --max ${autoscaling!.maxCapacity * 2}`);
    expect(markdown).toContain(service);
    expect(markdown).toContain(manifest.configFields.serviceMinTasks);
    expect(markdown).toContain(manifest.configFields.databaseInstanceClass);
  });

  it("deploy-rollback rolls back every region and warns that migrations stay applied", () => {
    const markdown = runbook(manifest, "deploy-rollback");
    for (const [region, entry] of Object.entries(manifest.regions)) {
      expect(markdown).toContain(`### `);
      expect(markdown).toContain(`Roll back ${entry.service!.service} in ${region}`);
    }
    expect(markdown).toContain("forward-only");
    expect(markdown).toContain('"command":["node","dist/migrate.js"]');
  });
});

describe("production (with DR regions)", () => {
  const manifest = loadFixture("production");

  it("database-failover promotes the first DR replica with real names and both CLIs", () => {
    const markdown = runbook(manifest, "database-failover");
    expect(markdown).toContain("skyline --env production failover db --to eu-west-1");
    expect(markdown).toContain(
      "aws rds promote-read-replica --db-instance-identifier skyline-production-euw1-db --region eu-west-1",
    );
    expect(markdown).toContain("--confirm-replica-id skyline-production-euw1-db");
    expect(markdown).toContain("Name=DBInstanceIdentifier,Value=skyline-production-euw1-db");
  });

  it("database-failover lists the follow-ups: repoint, fence, rebuild replicas, change the config", () => {
    const markdown = runbook(manifest, "database-failover");
    const followUps = markdown.slice(markdown.indexOf("## Follow-ups"));
    expect(followUps).toContain("Fence the old primary `skyline-production-use1-db` in `us-east-1`");
    expect(followUps).toContain("`skyline-production-aps1-db` (ap-south-1) still replicate from");
    expect(followUps).toContain(
      "--kms-key-id alias/skyline-production-aps1-db --source-region eu-west-1 --region ap-south-1",
    );
    expect(followUps).toContain('`primaryRegion` = `"eu-west-1"`');
    expect(markdown).toContain("already connects to `skyline-production-euw1-db` itself");
    expect(markdown).toContain("skyline --env production failover dns --to eu-west-1");
  });

  it("database-failover lists the other DR regions as alternatives", () => {
    const markdown = runbook(manifest, "database-failover");
    expect(markdown).toContain(
      "| `ap-south-1` | `skyline-production-aps1-db` | `skyline --env production failover db --to ap-south-1` |",
    );
  });

  it("database-failover lists the primary's region-unhealthy and database alarms", () => {
    const markdown = runbook(manifest, "database-failover");
    expect(markdown).toContain(
      "| `us-east-1` | `skyline-production-use1-region-unhealthy` | the whole region (composite) |",
    );
    expect(markdown).toContain("| `us-east-1` | `skyline-production-use1-db-cpu` | database |");
    expect(markdown).not.toContain("| `us-east-1` | `skyline-production-use1-api-5xx` |");
  });

  it("cache-failover has the in-region test failover and the Global Datastore failover", () => {
    const markdown = runbook(manifest, "cache-failover");
    expect(markdown).toContain("skyline --env production --region us-east-1 failover cache");
    expect(markdown).toContain("--replication-group-id skyline-production-use1-cache");
    expect(markdown).toContain("skyline --env production failover cache --to eu-west-1");
    expect(markdown).toContain("--global-replication-group-id ldgnf-skyline-production-cache");
    expect(markdown).toContain("--primary-replication-group-id skyline-production-euw1-cache");
  });

  it("dns-failover shifts to the SECONDARY region and back with the data-plane switches, never Route 53's API", () => {
    const markdown = runbook(manifest, "dns-failover");
    expect(markdown).toContain("skyline --env production failover dns --to eu-west-1");
    expect(markdown).toContain("skyline --env production failover dns --to us-east-1");
    // The third region is reachable through the chain, on its own or on purpose.
    expect(markdown).toContain("fails over through `us-east-1`, then `eu-west-1`, then `ap-south-1`");
    expect(markdown).toContain("If eu-west-1 cannot serve either: ap-south-1");
    expect(markdown).toContain("skyline --env production failover dns --to ap-south-1");
    expect(markdown).toContain("skyline-production-use1-health");
    // Forced out by its switch copies in the other regions: value 1 and ALARM; back with 0 and OK.
    expect(markdown).toContain(
      "'MetricName=ForcedOut,Dimensions=[{Name=Switch,Value=skyline-production-use1}],Value=1'",
    );
    expect(markdown).toContain(
      "--alarm-name skyline-production-use1-traffic-switch \\\n  --state-value ALARM",
    );
    expect(markdown).toMatch(/set-alarm-state[^`]*--state-value OK[^`]*--region eu-west-1/);
    expect(markdown).not.toMatch(/aws route53 /);
    expect(markdown).toContain("read replica until `skyline-production-euw1-db` is promoted");
  });

  it("snapshot-and-restore copies to the DR region with its KMS key", () => {
    const markdown = runbook(manifest, "snapshot-and-restore");
    expect(markdown).toContain("snapshot create --copy-to eu-west-1 --wait --reason pre-restore");
    expect(markdown).toContain("--kms-key-id alias/skyline-production-euw1-db");
    expect(markdown).toContain("copies them to `skyline-production-euw1-vault` (eu-west-1)");
  });

  it("scale-out goes through the Global Datastore for a node type change", () => {
    const markdown = runbook(manifest, "scale-out");
    expect(markdown).toContain("aws elasticache modify-global-replication-group");
    expect(markdown).toContain("--cache-node-type cache.r7g.xlarge");
    expect(markdown).not.toContain("scale cache --node-type");
    expect(markdown).toContain("scale cache --replicas 2");
  });

  it("deploy-rollback names the ECR repository of the global stack", () => {
    expect(runbook(manifest, "deploy-rollback")).toContain(
      "aws ecr describe-images --repository-name skyline-api --region us-east-1",
    );
  });
});

describe("staging (single region, no DR)", () => {
  const manifest = loadFixture("staging");

  it("database-failover says there is no DR region and offers no failover db command", () => {
    const markdown = runbook(manifest, "database-failover");
    expect(markdown).toContain("staging has no DR region");
    expect(markdown).toContain("DR regions: none (single region)");
    expect(skylineCommands(markdown).filter((c) => c.includes("failover db"))).toEqual([]);
    // Single-AZ: failover az is refused, so the runbook points at restores instead.
    expect(markdown).toContain("is single-AZ");
    expect(markdown).toContain("skyline --env staging runbook show snapshot-and-restore");
  });

  it("database-failover offers failover az when the single region's writer is Multi-AZ", () => {
    const multiAz = variant("staging", (m) => {
      m.regions["eu-west-1"].database!.multiAz = true;
    });
    const markdown = runbook(multiAz, "database-failover");
    expect(markdown).toContain("skyline --env staging --region eu-west-1 failover az");
    expect(markdown).toContain(
      "aws rds reboot-db-instance \\\n  --db-instance-identifier skyline-staging-euw1-db",
    );
    expect(markdown).toContain("  --force-failover \\\n");
  });

  it("dns-failover says the environment has no DNS failover", () => {
    const markdown = runbook(manifest, "dns-failover");
    expect(markdown).toContain("staging runs its API in one region");
    expect(skylineCommands(markdown).filter((c) => c.includes("failover dns"))).toEqual([]);
  });

  it("cache-failover adds a replica first because the cache has none, and has no Global Datastore", () => {
    const markdown = runbook(manifest, "cache-failover");
    expect(markdown).toContain("skyline --env staging --region eu-west-1 scale cache --replicas 1");
    expect(markdown).not.toContain("failover cache --dry-run");
    expect(markdown).toContain("is not a Global Datastore");
    expect(markdown).toContain("staging has no DR region.");
  });

  it("snapshot-and-restore copies nowhere and has no replicas to rebuild", () => {
    const markdown = runbook(manifest, "snapshot-and-restore");
    expect(markdown).not.toContain("--copy-to");
    expect(markdown).toContain("staging has no cross-region replicas to rebuild.");
    expect(markdown).toContain("staging has no DR region with a replica to promote.");
    expect(markdown).not.toContain("--multi-az");
  });

  it("scale-out suggests the next burstable size and no DR replica resize", () => {
    const markdown = runbook(manifest, "scale-out");
    expect(markdown).toContain(
      "skyline --env staging --region eu-west-1 scale cache --node-type cache.t4g.medium",
    );
    expect(markdown).not.toContain("--role cross-region-replica");
    expect(markdown).not.toContain("Standby regions");
  });

  it("deploy-rollback has no ECR line without a global stack", () => {
    expect(runbook(manifest, "deploy-rollback")).not.toContain("aws ecr");
  });
});

describe("manifest variants", () => {
  it("without a database: snapshot-and-restore says there is nothing to snapshot", () => {
    const manifest = variant("staging", (m) => {
      delete m.regions["eu-west-1"].database;
    });
    const markdown = runbook(manifest, "snapshot-and-restore");
    expect(markdown).toContain("staging has no database in its primary region eu-west-1");
    expect(unknownResourceNames(markdown, manifest)).toEqual([]);
  });

  it("without a cache: cache-failover says there is nothing to fail over, scale-out skips the cache", () => {
    const manifest = variant("staging", (m) => {
      delete m.regions["eu-west-1"].cache;
    });
    expect(runbook(manifest, "cache-failover")).toContain("staging has no cache in the manifest");
    expect(runbook(manifest, "scale-out")).not.toContain("scale cache");
  });

  it("without autoscaling: scale-out sets the desired count directly", () => {
    const manifest = variant("staging", (m) => {
      delete m.regions["eu-west-1"].service!.autoscaling;
    });
    const markdown = runbook(manifest, "scale-out");
    expect(markdown).toContain("has no autoscaling target");
    expect(markdown).toContain("`scale service --desired <tasks>`");
    expect(markdown).toContain("--desired-count <tasks>");
    expect(markdown).toContain("`service.desiredTasks`");
    expect(markdown).not.toContain("--min");
  });

  it("without AWS Backup: snapshot-and-restore points at automated backups and snapshots", () => {
    const manifest = variant("staging", (m) => {
      delete m.regions["eu-west-1"].backup;
    });
    const markdown = runbook(manifest, "snapshot-and-restore");
    expect(markdown).toContain("names no AWS Backup vault");
    expect(markdown).not.toContain("aws backup");
  });

  it("with a copy-only vault (no plan): snapshot-and-restore names the vault without a plan", () => {
    const manifest = variant("staging", (m) => {
      delete m.regions["eu-west-1"].backup!.planName;
    });
    const markdown = runbook(manifest, "snapshot-and-restore");
    expect(markdown).toContain("AWS Backup keeps recovery points in `skyline-staging-euw1-vault`");
    expect(markdown).not.toContain("The plan");
  });

  it("with the largest node size: scale-out asks for a bigger family instead of inventing a size", () => {
    const manifest = variant("staging", (m) => {
      m.regions["eu-west-1"].cache!.nodeType = "cache.t4g.medium";
    });
    const markdown = runbook(manifest, "scale-out");
    expect(markdown).toContain("is the largest size of its family");
    expect(markdown).toContain("scale cache --node-type <cache-node-type>");
  });

  it("without a cache Global Datastore: database-failover does not fail the cache over", () => {
    const manifest = variant("production", (m) => {
      for (const region of Object.values(m.regions)) delete region.cache!.globalDatastoreId;
    });
    const markdown = runbook(manifest, "database-failover");
    expect(markdown).toContain("The cache is regional (no Global Datastore)");
    expect(markdown).not.toContain("failover cache --to");
  });

  it("an alarm whose name matches no category is not listed", () => {
    const manifest = variant("staging", (m) => {
      m.regions["eu-west-1"].alarms.names = ["skyline-staging-euw1-weekly-report"];
    });
    expect(runbook(manifest, "scale-out")).not.toContain("weekly-report");
    expect(runbook(manifest, "cache-failover")).toContain("No cache alarm in the manifest for eu-west-1");
  });
});

describe("deploy-rollback and the release gate", () => {
  const synthesized = parseManifest(
    JSON.parse(readFileSync(join(__dirname, "../../docs/examples/manifest.production.json"), "utf8")),
    "docs/examples/manifest.production.json",
  );

  it("says how to roll back a release the gate holds: record `failed` in its verdict parameter", () => {
    const markdown = runbook(synthesized, "deploy-rollback");
    expect(markdown).toContain(
      'record `failed` for it instead: `aws ssm put-parameter --name /skyline-production-use1/api/release-verdict --type String --overwrite --value "<deployment-arn> failed" --region us-east-1`',
    );
    expect(markdown).toContain("it rolls back by itself after 30 min");
  });

  it("says nothing of a gate where the service has none (ROLLING)", () => {
    expect(runbook(loadFixture("staging"), "deploy-rollback")).not.toContain("release gate");
  });
});
