import { parseArgs } from "node:util";
import { ConfigError } from "./config/schema";
import { loadEnvironments, selectEnvironmentNames } from "./config/load";
import { ENVIRONMENTS } from "./config/environments";

const USAGE = `Usage: node dist/main.js [--env <name|all>]   (npm run synth, cdktf synth)

Synthesizes skyline: Terraform JSON for every stack of the chosen environments into
cdktf.out/stacks/, and per environment the guardrails report, the ops manifest and the
runbooks into cdktf.out/skyline/<env>/. Every config is validated before anything is written;
stacks that earlier synths wrote and the config no longer produces are removed.

Options:
  --env <name|all>  ${[...Object.keys(ENVIRONMENTS), "all"].join(", ")} (default: $SKYLINE_ENV, else staging)
  -h, --help        print this help

Environment: CDKTF_OUTDIR (output folder, default cdktf.out), SKYLINE_ENV,
SKYLINE_TOKEN_STACK_TRACES=1 (keep cdktf's per-token stack traces when debugging a token).

Exit codes: 0 written, 1 refused by the guardrails, 2 invalid configuration or usage.
`;

/**
 * What `node dist/main.js` (and the synth snapshot, stacks/snapshot-entry.ts) runs: `npm run synth`
 * and `cdktf synth`: `--env <name|all>` or SKYLINE_ENV picks the
 * environments; every config is validated before anything is written. The engine and the stacks
 * load only after the arguments and the config passed, so `--help` and bad input answer at once.
 */
export async function runSynth(argv: readonly string[]): Promise<number> {
  let help: boolean | undefined;
  try {
    ({
      values: { help },
    } = parseArgs({
      args: argv,
      options: { env: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    process.stderr.write(`skyline: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const configs = loadEnvironments(selectEnvironmentNames(argv, process.env));
    const { GuardrailsFailure, synthesize } = await import("./synthesize");
    try {
      const { summaries, removedStacks } = synthesize(configs, {
        outdir: process.env.CDKTF_OUTDIR,
        configuredEnvironments: Object.keys(ENVIRONMENTS),
      });
      const removed = removedStacks.map((s) => `Removed stale stack ${s} (no longer in the config)`);
      process.stdout.write(`${[...summaries, ...removed].join("\n")}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof GuardrailsFailure)) throw e;
      process.stderr.write(`${e.summaries.join("\n")}\nskyline: synth failed:\n${e.message}\n`);
      return 1;
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`skyline: ${e.message}\n`);
    return 2;
  }
}
