import type { EnvironmentInput } from "../schema";

/**
 * Production: active-passive across three regions, as in the product's reference architecture:
 * us-east-1 serves, eu-west-1 and ap-south-1 are warm standbys.
 */
export const production: EnvironmentInput = {
  app: "skyline",
  environment: "production",
  tier: "production",
  accountIds: ["222222222222"],
  primaryRegion: "us-east-1",
  drRegions: ["eu-west-1", "ap-south-1"],
  regions: {
    "us-east-1": { vpcCidr: "10.20.0.0/16", azCount: 3 },
    "eu-west-1": { vpcCidr: "10.21.0.0/16", azCount: 3 },
    "ap-south-1": { vpcCidr: "10.22.0.0/16", azCount: 3 },
  },
  domainName: "skyline.example.com",
  image: {
    repository: "222222222222.dkr.ecr.us-east-1.amazonaws.com/skyline-api",
    tag: "0.1.0",
  },
  service: {
    cpu: 1024,
    memoryMiB: 2048,
    minTasks: 3,
    maxTasks: 30,
    // CANARY by default in production (10 % for 10 minutes, then a 15-minute bake). Green is tested
    // through the test listener first: list the deploy runners' and operators' egress ranges here
    // (203.0.113.0/24 is a documentation range: deploys refuse it until it is replaced).
    deployment: { testListener: { allowedCidrs: ["203.0.113.0/24"] } },
  },
  tags: { owner: "platform-team", costCenter: "cc-1042" },
  stateBackend: { bucket: "skyline-production-tfstate-222222222222", region: "us-east-1" },
};
