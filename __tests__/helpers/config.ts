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

/**
 * A shipped environment with its example values (stacks/config/example-values.ts) replaced by
 * values of a made-up real account, as a team would before its first deploy.
 */
export function deployable(base: "staging" | "production"): EnvironmentConfig {
  return config(base, (env) => {
    const account = base === "staging" ? "480327191564" : "715243980116";
    env.accountIds = [account];
    env.domainName = base === "staging" ? "staging.quizly.io" : "quizly.io";
    env.image.repository = `${account}.dkr.ecr.us-east-1.amazonaws.com/skyline-api`;
    env.stateBackend.bucket = `quizly-${base}-tfstate`;
    if (base === "production") env.service.deployment.testListener.allowedCidrs = ["100.64.10.0/24"];
  });
}
