// First, so that cdktf and the provider modules imported below load through the V8 compile cache
// (TypeScript emits the requires in source order).
import "./stacks/compile-cache-register";
import { ConfigError } from "./stacks/config/schema";
import { loadEnvironments, selectEnvironmentNames } from "./stacks/config/load";
import { GuardrailsFailure, synthesize } from "./stacks/synthesize";

/**
 * Entry point for `npm run synth` and `cdktf synth`: `--env <name|all>` or SKYLINE_ENV picks the
 * environments; every config is validated before anything is written.
 */
function main(): void {
  try {
    const configs = loadEnvironments(selectEnvironmentNames(process.argv.slice(2), process.env));
    const { summaries } = synthesize(configs, { outdir: process.env.CDKTF_OUTDIR });
    process.stdout.write(`${summaries.join("\n")}\n`);
  } catch (e) {
    if (e instanceof GuardrailsFailure) {
      process.stderr.write(`${e.summaries.join("\n")}\nskyline: synth failed:\n${e.message}\n`);
      process.exit(1);
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`skyline: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

main();
