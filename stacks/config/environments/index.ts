import type { EnvironmentInput } from "../schema";
import { production } from "./production";
import { staging } from "./staging";

/** Every environment, by name. A new environment is one file and one line here. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentInput>> = { staging, production };

/** What `npm run synth`'s sibling, the README's main job, synthesizes when nothing is chosen. */
export const DEFAULT_ENVIRONMENT = "staging";
