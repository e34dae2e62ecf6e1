import { ENVIRONMENTS, DEFAULT_ENVIRONMENT } from "./environments";
import { ConfigError, parseEnvironment, type EnvironmentConfig, type EnvironmentInput } from "./schema";

/**
 * Picks environments by `--env <name|all>` (wins) or `SKYLINE_ENV`, defaulting to staging, and
 * validates every one before anything is synthesized, so a bad config writes nothing.
 */
export function selectEnvironmentNames(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const flagIndex = argv.findIndex((a) => a === "--env" || a.startsWith("--env="));
  let choice: string | undefined;
  if (flagIndex >= 0) {
    const arg = argv[flagIndex];
    choice = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[flagIndex + 1];
    if (!choice || choice.startsWith("-")) {
      throw new ConfigError("--env", [
        `--env needs a value: ${[...Object.keys(ENVIRONMENTS), "all"].join(", ")}`,
      ]);
    }
  } else {
    choice = env.SKYLINE_ENV || DEFAULT_ENVIRONMENT;
  }
  if (choice === "all") return Object.keys(ENVIRONMENTS);
  if (!ENVIRONMENTS[choice]) {
    const source = flagIndex >= 0 ? "--env" : "SKYLINE_ENV";
    throw new ConfigError(source, [
      `unknown environment "${choice}"; choose one of ${[...Object.keys(ENVIRONMENTS), "all"].join(", ")}`,
    ]);
  }
  return [choice];
}

/** Validates the named environments; collects every problem of every environment before throwing. */
export function loadEnvironments(
  names: readonly string[],
  sources: Readonly<Record<string, EnvironmentInput>> = ENVIRONMENTS,
): EnvironmentConfig[] {
  const configs: EnvironmentConfig[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const config = parseEnvironment(sources[name], `stacks/config/environments/${name}.ts`);
      if (config.environment !== name) {
        throw new ConfigError(`stacks/config/environments/${name}.ts`, [
          `environment: is "${config.environment}" but the file is registered as "${name}"`,
        ]);
      }
      configs.push(config);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems.map((p) => `${e.source}: ${p}`));
    }
  }
  if (problems.length) throw new ConfigError("the environment configuration", problems);
  return configs;
}
