import { production } from "../../stacks/config/environments/production";
import { staging } from "../../stacks/config/environments/staging";
import { parseEnvironment, type EnvironmentConfig, type EnvironmentInput } from "../../stacks/config/schema";

/** A deep copy of a shipped environment with `change` applied, for one-field-wrong tests. */
export function variant(base: "staging" | "production", change: (env: any) => void): EnvironmentInput {
  const copy = structuredClone(base === "staging" ? staging : production);
  change(copy);
  return copy;
}

export function config(
  base: "staging" | "production",
  change: (env: any) => void = () => {},
): EnvironmentConfig {
  return parseEnvironment(variant(base, change), `${base} (test)`);
}
