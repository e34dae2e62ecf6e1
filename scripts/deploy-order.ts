/**
 * Prints the stacks of one environment in the order a deploy applies them, one per line, for the
 * deploy workflow (`npx tsx scripts/deploy-order.ts <env> [initial|update] [--json-regions]`).
 *
 * initial: primary region first (it creates the secrets and the writer the DR regions replicate).
 * update:  DR regions first, primary last: in active-passive they take no user traffic, so a bad
 *          change shows there before it reaches users. The global stack is always last.
 * The state stack is never listed: it is bootstrapped once by hand (docs/operations.md).
 */
import { loadEnvironments } from "../stacks/config/load";
import type { EnvironmentConfig } from "../stacks/config/schema";
import { eksAddonsStackName } from "../stacks/eks-addons-stack";
import { eksClusterStackName } from "../stacks/eks-cluster-stack";
import { kubernetesStackName } from "../stacks/kubernetes-stack";
import { environmentRegions, globalStackName, regionalStackName } from "../stacks/naming";

export type DeployPhase = "initial" | "update";

/** Regions in deploy order for the phase. */
export function deployRegions(config: EnvironmentConfig, phase: DeployPhase): string[] {
  return phase === "initial" ? environmentRegions(config) : [...config.drRegions, config.primaryRegion];
}

/**
 * The stacks of one region in apply order: network and data, then (EKS) the cluster, its Helm
 * add-ons (whose CRDs the workload's objects need at plan time), then the workload.
 */
export function regionStacks(config: EnvironmentConfig, region: string): string[] {
  const stacks = [regionalStackName(config, region)];
  if (config.compute === "eks") {
    stacks.push(
      eksClusterStackName(config, region),
      eksAddonsStackName(config, region),
      kubernetesStackName(config, region),
    );
  }
  return stacks;
}

export function deployOrder(config: EnvironmentConfig, phase: DeployPhase): string[] {
  return [...deployRegions(config, phase).flatMap((r) => regionStacks(config, r)), globalStackName(config)];
}

function main(argv: string[]): void {
  const [env, phaseArg = "update", flag] = argv;
  if (!env || (phaseArg !== "initial" && phaseArg !== "update")) {
    process.stderr.write(
      "usage: deploy-order.ts <environment> [initial|update] [--regions|--region-map|--region=<r>]\n",
    );
    process.exit(2);
  }
  const [config] = loadEnvironments([env]);
  const phase = phaseArg as DeployPhase;
  if (flag === "--regions") {
    process.stdout.write(JSON.stringify(deployRegions(config, phase)) + "\n");
  } else if (flag === "--region-map") {
    // { "<region>": "<stack> <stack>" }: what each region's deploy job applies, in order.
    const map = Object.fromEntries(
      deployRegions(config, phase).map((r) => [r, regionStacks(config, r).join(" ")]),
    );
    process.stdout.write(JSON.stringify(map) + "\n");
  } else if (flag?.startsWith("--region=")) {
    const region = flag.slice("--region=".length);
    if (!environmentRegions(config).includes(region)) {
      process.stderr.write(
        `${region} is not a region of ${env}; use one of ${environmentRegions(config).join(", ")}\n`,
      );
      process.exit(2);
    }
    process.stdout.write(regionStacks(config, region).join("\n") + "\n");
  } else {
    process.stdout.write(deployOrder(config, phase).join("\n") + "\n");
  }
}

if (require.main === module) main(process.argv.slice(2));
