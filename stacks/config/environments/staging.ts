import type { EnvironmentInput } from "../schema";

/**
 * Staging: one region, production-shaped but smaller and cheaper (one NAT gateway, 2 AZs). Turn
 * `drillRegion.enabled` on to give it a small DR region in eu-west-1 (one task, a replica of the
 * writer, a regional cache) for `skyline drill`; turn it off again after the drill season: the
 * region costs about as much as staging's primary while it exists.
 */
export const staging: EnvironmentInput = {
  app: "skyline",
  environment: "staging",
  tier: "non-production",
  accountIds: ["111111111111"],
  primaryRegion: "us-east-1",
  drRegions: [],
  regions: {
    "us-east-1": { vpcCidr: "10.10.0.0/16", azCount: 2 },
  },
  domainName: "staging.skyline.example.com",
  image: {
    repository: "111111111111.dkr.ecr.us-east-1.amazonaws.com/skyline-api",
    tag: "0.1.0",
  },
  service: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 4 },
  tags: { owner: "platform-team", costCenter: "cc-1042" },
  stateBackend: { bucket: "skyline-staging-tfstate-111111111111", region: "us-east-1" },
  drillRegion: { enabled: false, region: "eu-west-1", vpcCidr: "10.11.0.0/16" },
};
