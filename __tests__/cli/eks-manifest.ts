/**
 * The production fixture as it reads for compute "eks": every region's `service` replaced by the
 * `kubernetes` block synth writes (manifest/builder.ts), named the way the EKS stacks name things.
 */
import { readFileSync } from "node:fs";
import { PRODUCTION } from "./helpers";

export function eksManifestJson(): any {
  const m = JSON.parse(readFileSync(PRODUCTION, "utf8"));
  for (const [region, entry] of Object.entries<any>(m.regions)) {
    delete entry.service;
    entry.kubernetes = {
      cluster: `${m.app}-${m.environment}-${entry.regionCode}-eks`,
      namespace: "skyline",
      deployment: "skyline-api",
      horizontalPodAutoscaler: "skyline-api",
      minReplicas: region === m.primaryRegion ? 10 : 4,
      maxReplicas: 100,
    };
  }
  m.configFields.serviceMinTasks = "eks.minReplicas";
  m.configFields.serviceMaxTasks = "eks.maxReplicas";
  m.configFields.serviceDesiredTasks = "eks.minReplicas";
  return m;
}
