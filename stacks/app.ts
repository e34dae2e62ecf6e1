import { App } from "cdktf";
import type { EnvironmentConfig } from "./config/schema";
import { GlobalStack } from "./global-stack";
import { environmentRegions } from "./naming";
import { RegionalStack } from "./regional-stack";
import { StateStack } from "./state-stack";

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
}

export interface SkylineApp {
  readonly app: App;
  readonly environments: readonly EnvironmentStacks[];
}

/** Composes every stack of the given (already validated) environments into one cdktf App. */
export function buildApp(configs: readonly EnvironmentConfig[], options: BuildAppOptions = {}): SkylineApp {
  const app = new App({ outdir: options.outdir ?? "cdktf.out", skipValidation: false });
  const environments = configs.map((config) => ({
    config,
    state: new StateStack(app, config),
    regional: environmentRegions(config).map((region) => new RegionalStack(app, config, region)),
    global: new GlobalStack(app, config),
  }));
  const built = { app, environments };
  options.customize?.(built);
  return built;
}
