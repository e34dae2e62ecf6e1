import { App } from "../engine";
import type { EnvironmentConfig } from "./config/schema";
import type { EksAddonsStack } from "./eks-addons-stack";
import type { EksClusterStack } from "./eks-cluster-stack";
import { GlobalStack } from "./global-stack";
import type { KubernetesStack } from "./kubernetes-stack";
import { environmentRegions } from "./naming";
import { RegionalStack } from "./regional-stack";
import { StateStack } from "./state-stack";
import { withoutTokenStackTraces } from "./token-stack-traces";

export interface BuildAppOptions {
  /** Where synth writes. @default "cdktf.out" */
  readonly outdir?: string;
  /**
   * Escape hatch: runs after every stack is built and before synth, e.g. to `addOverride` an
   * attribute no prop covers. Guardrails still check the result. @default none
   */
  readonly customize?: (app: SkylineApp) => void;
}

export interface EnvironmentStacks {
  readonly config: EnvironmentConfig;
  readonly state: StateStack;
  /** Primary first, then DR regions: the apply order. */
  readonly regional: readonly RegionalStack[];
  /** Edge, DNS failover and registry; applied after every regional stack. */
  readonly global: GlobalStack;
  /**
   * compute "eks": per region, after the regional stack, the cluster stack, the add-ons stack (Helm
   * charts whose CRDs the Kubernetes stack uses), then the Kubernetes stack.
   */
  readonly eks?: readonly EksClusterStack[];
  readonly eksAddons?: readonly EksAddonsStack[];
  readonly kubernetes?: readonly KubernetesStack[];
}

export interface SkylineApp {
  readonly app: App;
  readonly environments: readonly EnvironmentStacks[];
}

/** Composes every stack of the given (already validated) environments into one cdktf App. */
export function buildApp(configs: readonly EnvironmentConfig[], options: BuildAppOptions = {}): SkylineApp {
  // Stack traces on every token are for debugging cdktf itself; they cost a tenth of synth.
  const app = new App({ outdir: options.outdir ?? "cdktf.out", skipValidation: false, stackTraces: false });
  const environments = withoutTokenStackTraces(() =>
    configs.map((config) => ({
      config,
      state: new StateStack(app, config),
      regional: environmentRegions(config).map((region) => new RegionalStack(app, config, region)),
      global: new GlobalStack(app, config),
      ...(config.compute === "eks" ? eksStacks(app, config) : {}),
    })),
  );
  const built = { app, environments };
  options.customize?.(built);
  return built;
}

/**
 * The EKS path's stacks. Loaded only when an environment asks for them: the Kubernetes provider's
 * modules would otherwise add a tenth to every ECS synth.
 */
function eksStacks(
  app: App,
  config: EnvironmentConfig,
): Pick<EnvironmentStacks, "eks" | "eksAddons" | "kubernetes"> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { EksClusterStack: Cluster } = require("./eks-cluster-stack") as typeof import("./eks-cluster-stack");
  const { EksAddonsStack: Addons } = require("./eks-addons-stack") as typeof import("./eks-addons-stack");
  const { KubernetesStack: Workloads } = require("./kubernetes-stack") as typeof import("./kubernetes-stack");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const regions = environmentRegions(config);
  return {
    eks: regions.map((region) => new Cluster(app, config, region)),
    eksAddons: regions.map((region) => new Addons(app, config, region)),
    kubernetes: regions.map((region) => new Workloads(app, config, region)),
  };
}
