import { loadEnvironments, selectEnvironmentNames } from "../../stacks/config/load";
import { ConfigError, parseEnvironment } from "../../stacks/config/schema";
import { fargateMemoryOptions } from "../../stacks/config/fargate-sizes";
import { availabilityZones } from "../../stacks/config/regions";
import { variant } from "../helpers/config";

function problemsOf(input: unknown): string[] {
  try {
    parseEnvironment(input, "test");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("shipped environments", () => {
  it("validate and fill defaults", () => {
    const [staging, production] = loadEnvironments(["staging", "production"]);
    expect(staging.network.interfaceEndpoints).toBe(true);
    expect(staging.edge).toEqual({ behindCloudFront: true, wafRateLimitPer5Min: 2000 });
    expect(staging.service.containerPort).toBe(8080);
    expect(production.primaryRegion).toBe("us-east-1");
    expect(production.drRegions).toEqual(["eu-west-1", "ap-south-1"]);
  });
});

describe("validation names the field and the fix", () => {
  const cases: [string, "staging" | "production", (env: any) => void, RegExp][] = [
    [
      "unknown primary region",
      "staging",
      (e) => (e.primaryRegion = "us-east-9"),
      /^primaryRegion: unknown AWS region "us-east-9"/,
    ],
    [
      "unknown DR region",
      "production",
      (e) => (e.drRegions = ["mars-1"]),
      /^drRegions\.0: unknown AWS region "mars-1"/,
    ],
    [
      "DR region equal to primary",
      "production",
      (e) => (e.drRegions = ["us-east-1", "eu-west-1"]),
      /^drRegions\.0: DR region us-east-1 is the primary region/,
    ],
    [
      "overlapping CIDRs",
      "production",
      (e) => (e.regions["eu-west-1"].vpcCidr = "10.20.128.0/17"),
      /^regions\.eu-west-1\.vpcCidr: 10\.20\.128\.0\/17 overlaps us-east-1's 10\.20\.0\.0\/16/,
    ],
    [
      "malformed CIDR",
      "staging",
      (e) => (e.regions["us-east-1"].vpcCidr = "10.10.0/16"),
      /^regions\.us-east-1\.vpcCidr: .*not an IPv4 CIDR/,
    ],
    [
      "CIDR with host bits",
      "staging",
      (e) => (e.regions["us-east-1"].vpcCidr = "10.10.1.0/16"),
      /host bits set; the network address is 10\.10\.0\.0\/16/,
    ],
    [
      "VPC too large",
      "staging",
      (e) => (e.regions["us-east-1"].vpcCidr = "10.0.0.0/8"),
      /vpcCidr: 10\.0\.0\.0\/8: use a \/16 to \/20/,
    ],
    [
      "AZ count above the region's",
      "production",
      (e) => (e.regions["eu-west-1"].azCount = 4),
      /^regions\.eu-west-1\.azCount: eu-west-1 has 3 availability zones/,
    ],
    [
      "one AZ in production",
      "production",
      (e) => (e.regions["ap-south-1"].azCount = 1),
      /^regions\.ap-south-1\.azCount: production needs at least 2/,
    ],
    [
      "missing region network",
      "production",
      (e) => delete e.regions["ap-south-1"],
      /^regions: missing network settings for ap-south-1/,
    ],
    [
      "region that is not used",
      "staging",
      (e) => (e.regions["eu-west-1"] = { vpcCidr: "10.99.0.0/16", azCount: 2 }),
      /^regions\.eu-west-1: eu-west-1 is neither/,
    ],
    [
      "min tasks above max",
      "staging",
      (e) => (e.service.minTasks = 5),
      /^service\.minTasks: minTasks \(5\) is greater than maxTasks \(4\)/,
    ],
    [
      "one task in production",
      "production",
      (e) => (e.service.minTasks = 1),
      /^service\.minTasks: production needs at least 2 tasks/,
    ],
    [
      "Fargate cpu that does not exist",
      "staging",
      (e) => (e.service.cpu = 300),
      /^service\.cpu: Fargate accepts cpu 256, 512/,
    ],
    [
      "Fargate memory not allowed for the cpu",
      "staging",
      (e) => (e.service.memoryMiB = 512),
      /^service\.memoryMiB: Fargate does not accept 512 MiB with cpu 512; use 1024 to 4096 MiB in steps of 1024/,
    ],
    [
      "malformed account id",
      "staging",
      (e) => (e.accountIds = ["12345"]),
      /^accountIds\.0: an AWS account id is exactly 12 digits/,
    ],
    ["no account id", "staging", (e) => (e.accountIds = []), /^accountIds: list at least one AWS account id/],
    [
      "domain with a scheme",
      "staging",
      (e) => (e.domainName = "https://example.com"),
      /^domainName: domainName must be a lowercase DNS name/,
    ],
    ["domain with a trailing dot", "staging", (e) => (e.domainName = "example.com."), /^domainName: /],
    [
      "mutable image tag",
      "staging",
      (e) => (e.image.tag = "latest"),
      /^image\.tag: pin an immutable image tag/,
    ],
    [
      "unknown field",
      "staging",
      (e) => (e.databse = {}),
      /^databse: unknown field "databse"; did you mean "database"\?/,
    ],
    ["bad app name", "staging", (e) => (e.app = "Sky_Line"), /^app: app must be 3-20 lowercase/],
  ];
  it.each(cases)("%s", (_name, base, change, expected) => {
    const problems = problemsOf(variant(base, change));
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(
      variant("production", (e) => {
        e.service.minTasks = 50;
        e.drRegions = ["us-east-1", "eu-west-1"];
      }),
    );
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});

describe("Fargate sizes", () => {
  it("lists what AWS accepts", () => {
    expect(fargateMemoryOptions(256)).toEqual([512, 1024, 2048]);
    expect(fargateMemoryOptions(4096)).toContain(30720);
    expect(fargateMemoryOptions(8192)).toEqual([
      16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440,
    ]);
    expect(fargateMemoryOptions(300)).toEqual([]);
  });
});

describe("regions", () => {
  it("names AZs by the region's letters, skipping the ones it lacks", () => {
    expect(availabilityZones("ap-northeast-1", 2)).toEqual(["ap-northeast-1a", "ap-northeast-1c"]);
    expect(() => availabilityZones("xx-1", 1)).toThrow(/Unknown AWS region "xx-1"/);
  });
});

describe("environment selection", () => {
  it("defaults to staging, reads SKYLINE_ENV, and --env wins", () => {
    expect(selectEnvironmentNames([], {})).toEqual(["staging"]);
    expect(selectEnvironmentNames([], { SKYLINE_ENV: "production" })).toEqual(["production"]);
    expect(selectEnvironmentNames(["--env", "staging"], { SKYLINE_ENV: "production" })).toEqual(["staging"]);
    expect(selectEnvironmentNames(["--env=all"], {})).toEqual(["staging", "production"]);
  });

  it("refuses an unknown environment, naming the source", () => {
    expect(() => selectEnvironmentNames(["--env", "prod"], {})).toThrow(
      /--env[\s\S]*unknown environment "prod"/,
    );
    expect(() => selectEnvironmentNames([], { SKYLINE_ENV: "qa" })).toThrow(
      /SKYLINE_ENV[\s\S]*unknown environment "qa"/,
    );
    expect(() => selectEnvironmentNames(["--env"], {})).toThrow(/--env needs a value/);
  });

  it("collects the problems of every environment and names the file", () => {
    const sources = {
      staging: variant("staging", (e) => (e.service.cpu = 3)),
      production: variant("production", (e) => (e.accountIds = ["x"])),
    };
    expect(() => loadEnvironments(["staging", "production"], sources)).toThrow(
      /environments\/staging\.ts: service\.cpu[\s\S]*environments\/production\.ts: accountIds\.0/,
    );
  });

  it("refuses a file whose environment name differs from its registration", () => {
    const sources = { staging: variant("staging", (e) => (e.environment = "stage")) };
    expect(() => loadEnvironments(["staging"], sources)).toThrow(
      /is "stage" but the file is registered as "staging"/,
    );
  });
});
