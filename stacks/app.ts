import { App } from "cdktf";
import type { EnvironmentConfig } from "./config/schema";
import { environmentRegions } from "./naming";
import { RegionalStack } from "./regional-stack";
import { StateStack } from "./state-stack";

export interface BuildAppOptions {
  /** Where synth writes. @default "cdktf.out" */
  readonly outdir?: string;
}

export interface EnvironmentStacks {
  readonly config: EnvironmentConfig;
  readonly state: StateStack;
  /** Primary first, then DR regions: the apply order. */
  readonly regional: readonly RegionalStack[];
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
  }));
  return { app, environments };
}
