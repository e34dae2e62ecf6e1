import { join } from "node:path";
import { writeGuardrailsReport } from "../guardrails";
import { writeRunbooks } from "../runbooks/runbooks";
import { buildApp, type BuildAppOptions, type EnvironmentStacks } from "./app";
import { findExampleValues } from "./config/example-values";
import type { EnvironmentConfig } from "./config/schema";
import { buildManifest, writeManifest } from "../manifest/builder";
import { renderEachStackOnce, type SkylineStack } from "./skyline-stack";
import { pruneStaleStacks, writeStackMarker } from "./stale-stacks";
import { withoutTokenStackTraces } from "./token-stack-traces";

export interface SynthResult {
  readonly outdir: string;
  /** Ops manifest paths, one per environment. */
  readonly manifests: readonly string[];
  /** Readable guardrails summaries, one per environment. */
  readonly summaries: readonly string[];
  /** Stack folders of earlier synths that this config no longer produces, now removed. */
  readonly removedStacks: readonly string[];
}

export interface SynthesizeOptions extends BuildAppOptions {
  /**
   * Every environment the configuration has. Marked stacks of an environment not listed here are
   * stale and removed, as are the stacks a rebuilt environment no longer produces.
   * @default the environments being synthesized
   */
  readonly configuredEnvironments?: readonly string[];
}

export class GuardrailsFailure extends Error {
  constructor(
    message: string,
    readonly summaries: readonly string[],
  ) {
    super(message);
    this.name = "GuardrailsFailure";
  }
}

export function stacksOf(env: EnvironmentStacks): SkylineStack[] {
  return [
    env.state,
    ...env.regional,
    env.global,
    ...(env.eks ?? []),
    ...(env.eksAddons ?? []),
    ...(env.kubernetes ?? []),
  ];
}

/**
 * Synthesizes the given (validated) environments: Terraform JSON for every stack, then per
 * environment the guardrails report, the ops manifest and the runbooks written from it. Guardrail errors fail synth (GuardrailsFailure) after the
 * reports are written, so the reason is on disk and on screen.
 */
export function synthesize(
  configs: readonly EnvironmentConfig[],
  options: SynthesizeOptions = {},
): SynthResult {
  const { app, environments } = buildApp(configs, options);
  let failure: unknown;
  try {
    // Rendering creates tokens too (references, functions): no stack trace for each, as in build.
    withoutTokenStackTraces(() =>
      renderEachStackOnce(
        environments.flatMap((env) => stacksOf(env)),
        () => app.synth(),
        // A customize hook may reference one stack's resources from another: prepare for it.
        { skipCrossStackPreparation: !options.customize },
      ),
    );
  } catch (e) {
    failure = e;
  }
  const summaries = environments.map(
    (env) => writeGuardrailsReport(app.outdir, env.config.environment, stacksOf(env)).summary,
  );
  if (failure) {
    throw new GuardrailsFailure(failure instanceof Error ? failure.message : String(failure), summaries);
  }
  // Only a synth that passed its guardrails gets a manifest: on-call never acts on a refused one.
  const manifests = environments.map((env) => {
    const manifest = buildManifest(env);
    writeRunbooks(join(app.outdir, "skyline", env.config.environment, "runbooks"), manifest);
    return writeManifest(app.outdir, manifest);
  });
  const written: string[] = [];
  for (const env of environments) {
    const exampleValues = findExampleValues(env.config);
    for (const stack of stacksOf(env)) {
      writeStackMarker(join(app.outdir, "stacks", stack.node.id), {
        app: env.config.app,
        environment: env.config.environment,
        exampleValues,
      });
      written.push(stack.node.id);
    }
  }
  const rebuilt = configs.map((c) => c.environment);
  const removedStacks = pruneStaleStacks(app.outdir, {
    apps: [...new Set(configs.map((c) => c.app))],
    rebuilt,
    configured: options.configuredEnvironments ?? rebuilt,
    written,
  });
  return { outdir: app.outdir, summaries, manifests, removedStacks };
}
