import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { ManifestError, parseManifest } from "../../manifest/schema";
import { eksManifestJson } from "../cli/eks-manifest";
import { PRODUCTION, STAGING, tmpDir } from "../cli/helpers";

const ROOT = join(__dirname, "..", "..");
const SCHEMA = join(ROOT, "schemas", "manifest.schema.json");
const load = (path: string) => JSON.parse(readFileSync(path, "utf8"));

function issues(json: unknown): readonly string[] {
  try {
    parseManifest(json, "test.json");
  } catch (error) {
    if (error instanceof ManifestError) return error.issues;
    throw error;
  }
  throw new Error("expected the manifest to be rejected");
}

describe("ops manifest schema", () => {
  it("accepts the staging and production fixtures", () => {
    expect(parseManifest(load(STAGING), STAGING).regions["eu-west-1"]?.role).toBe("primary");
    const production = parseManifest(load(PRODUCTION), PRODUCTION);
    expect(Object.keys(production.regions)).toEqual(["us-east-1", "eu-west-1", "ap-south-1"]);
  });

  it("lists every bad field path in one error", () => {
    const m = load(PRODUCTION);
    m.schemaVersion = 2;
    m.targets.rpoSeconds = -1;
    m.regions["eu-west-1"].service.autoscaling.resourceId = "cluster/x";
    m.regions["ap-south-1"].database.instances[0].id = "Bad_Name";
    delete m.configFields.cacheNodeType;
    expect(issues(m)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^schemaVersion: /),
        expect.stringMatching(/^targets\.rpoSeconds: /),
        "regions.eu-west-1.service.autoscaling.resourceId: must be service/<cluster>/<service>",
        "regions.ap-south-1.database.instances[0].id: must be lowercase letters, digits and single hyphens",
        expect.stringMatching(/^configFields\.cacheNodeType: /),
      ]),
    );
    expect(() => parseManifest(m, "prod.json")).toThrow(/^Invalid ops manifest prod\.json:\n {2}- /);
  });

  it("requires sourceRegion on a cross-region replica, and that it is a manifest region", () => {
    const m = load(PRODUCTION);
    delete m.regions["eu-west-1"].database.instances[0].sourceRegion;
    m.regions["ap-south-1"].database.instances[0].sourceRegion = "us-west-2";
    expect(issues(m)).toEqual([
      "regions.eu-west-1.database.instances[0].sourceRegion: a cross-region-replica needs sourceRegion",
      'regions.ap-south-1.database.instances[0].sourceRegion: "us-west-2" is not a key of regions',
    ]);
  });

  it("requires primaryRegion to be a region with role primary, and only one primary", () => {
    const missing = load(PRODUCTION);
    missing.primaryRegion = "us-west-2";
    expect(issues(missing)).toContain('primaryRegion: "us-west-2" is not a key of regions');
    const two = load(PRODUCTION);
    two.regions["eu-west-1"].role = "primary";
    expect(issues(two)).toEqual(["regions.eu-west-1.role: only primaryRegion may be primary"]);
    const none = load(PRODUCTION);
    none.regions["us-east-1"].role = "secondary";
    expect(issues(none)).toEqual(["regions.us-east-1.role: must be primary"]);
  });

  it("rejects autoscaling min above max, bad KMS aliases, health checks for unknown regions", () => {
    const m = load(PRODUCTION);
    m.regions["us-east-1"].service.autoscaling.minCapacity = 20;
    m.regions["us-east-1"].database.kmsKeyAlias = "key/123";
    m.global.healthChecks["us-west-2"] = { name: "x", resourcePath: "/ready" };
    expect(issues(m)).toEqual(
      expect.arrayContaining([
        "regions.us-east-1.service.autoscaling.minCapacity: minCapacity must not exceed maxCapacity",
        expect.stringMatching(/^regions\.us-east-1\.database\.kmsKeyAlias: must be a KMS alias/),
        "global.healthChecks.us-west-2: not a key of regions",
      ]),
    );
  });

  it("accepts a region that runs the API on EKS (kubernetes instead of service)", () => {
    const eks = parseManifest(eksManifestJson(), "eks.json");
    expect(eks.regions["us-east-1"].service).toBeUndefined();
    expect(eks.regions["us-east-1"].kubernetes).toEqual({
      cluster: "skyline-production-use1-eks",
      namespace: "skyline",
      deployment: "skyline-api",
      horizontalPodAutoscaler: "skyline-api",
      minReplicas: 10,
      maxReplicas: 100,
    });
  });

  it("requires exactly one of service and kubernetes per region, naming the field", () => {
    const neither = load(PRODUCTION);
    delete neither.regions["eu-west-1"].service;
    expect(issues(neither)).toEqual([
      "regions.eu-west-1.service: missing: give the region's API as service (ECS) or kubernetes (EKS)",
    ]);
    const both = load(PRODUCTION);
    both.regions["eu-west-1"].kubernetes = eksManifestJson().regions["eu-west-1"].kubernetes;
    expect(issues(both)).toEqual([
      "regions.eu-west-1.kubernetes: a region runs the API on ECS (service) or EKS (kubernetes), not both; remove one",
    ]);
  });

  it("rejects an EKS block with min above max replicas or a name that is not a Kubernetes name", () => {
    const m = eksManifestJson();
    m.regions["us-east-1"].kubernetes.minReplicas = 200;
    m.regions["eu-west-1"].kubernetes.namespace = "Skyline";
    expect(issues(m)).toEqual(
      expect.arrayContaining([
        "regions.us-east-1.kubernetes.minReplicas: minReplicas must not exceed maxReplicas",
        "regions.eu-west-1.kubernetes.namespace: must be lowercase letters, digits and single hyphens",
      ]),
    );
  });

  it("names the root when the manifest is not an object", () => {
    expect(issues("nope")[0]).toMatch(/^\(root\): /);
  });

  // Prettier (which formats the file) cannot load inside jest's VM, so the check runs in a child.
  const generator = (...file: string[]) =>
    spawnSync(
      process.execPath,
      [require.resolve("tsx/cli"), join(ROOT, "scripts", "generate-manifest-schema.ts"), "--check", ...file],
      { encoding: "utf8" },
    );

  it("schemas/manifest.schema.json is up to date (run: npx tsx scripts/generate-manifest-schema.ts)", () => {
    const result = generator();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("the staleness check fails when the committed file differs", () => {
    const stale = join(tmpDir(), "schema.json");
    writeFileSync(stale, readFileSync(SCHEMA, "utf8").replace("Manifest format version.", "old text"));
    const result = generator(stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${stale} is stale`);
  });

  it("the committed JSON Schema accepts both fixtures and rejects a broken one", () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(load(SCHEMA));
    expect(validate(load(PRODUCTION))).toBe(true);
    expect(validate(load(STAGING))).toBe(true);
    const broken = load(STAGING);
    delete broken.regions["eu-west-1"].service;
    expect(validate(broken)).toBe(false);
  });

  it("the committed JSON Schema accepts an EKS region and refuses one with both or neither compute", () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(load(SCHEMA));
    expect(validate(eksManifestJson())).toBe(true);
    const both = load(PRODUCTION);
    both.regions["eu-west-1"].kubernetes = eksManifestJson().regions["eu-west-1"].kubernetes;
    expect(validate(both)).toBe(false);
  });
});
