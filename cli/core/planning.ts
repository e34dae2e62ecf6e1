/**
 * What `skyline capacity` and `skyline cost` share: their inputs (the manifest, the synthesized
 * stacks beside it, the load targets and the measured profile, each from planning/sources.ts) and
 * the mapping of planning's errors onto the CLI's exit codes. Both commands are read-only: no AWS
 * call, no journal.
 */
import { relative, resolve } from "node:path";
import type { OpsManifest } from "../../manifest/schema";
import type { LoadTargets } from "../../planning/capacity/model";
import { PriceTableError } from "../../planning/cost/price-table";
import { describeProfile, ProfileError, type Profile } from "../../planning/profile";
import { chooseProfile, defaultStacksDir, loadResources, resolveTargets } from "../../planning/sources";
import { PlanningInputError, type SynthResource } from "../../planning/terraform";
import type { Context } from "./context";
import { FailedError, UsageError } from "./errors";

/** The flags both commands take. */
export interface PlanningOptions {
  readonly users?: number;
  readonly rps?: number;
  readonly submissionsPerMinute?: number;
  readonly headroom?: number;
  /** A profile file instead of the benchmark's latest or the committed default. */
  readonly benchProfile?: string;
  /** The synthesized stacks. @default cdktf.out/stacks beside the manifest */
  readonly stacks?: string;
}

export interface PlanningSources {
  readonly manifest: OpsManifest;
  readonly resources: readonly SynthResource[];
  readonly targets: LoadTargets;
  readonly targetsFrom: Record<keyof LoadTargets, string>;
  readonly profile: Profile;
  /** The profile file and how it was chosen, as the report names it. */
  readonly profileLine: string;
  readonly profileDocument: { readonly path: string; readonly chosenBy: string; readonly measuredAt: string };
}

/** planning/'s errors as the CLI's: bad inputs are exit 2 naming what to fix; a broken price table exit 1. */
export function asCliError(error: unknown): unknown {
  if (error instanceof PlanningInputError) return new UsageError(error.message);
  if (error instanceof ProfileError) {
    return new UsageError(
      `${error.message}\nPass --bench-profile <file>, or re-run the benchmark (npx tsx bench/api-load.ts).`,
    );
  }
  if (error instanceof PriceTableError) return new FailedError(error.message);
  return error;
}

export function planningSources(ctx: Context, options: PlanningOptions): PlanningSources {
  const manifest = ctx.manifest();
  try {
    const stacksDir = options.stacks
      ? resolve(ctx.rt.cwd, options.stacks)
      : defaultStacksDir(ctx.location().path);
    const resources = loadResources(manifest, stacksDir);
    const { targets, targetsFrom } = resolveTargets(manifest, {
      users: options.users,
      rps: options.rps,
      submissionsPerMinute: options.submissionsPerMinute,
      headroom: options.headroom,
    });
    const chosen = chooseProfile(ctx.rt.cwd, options.benchProfile);
    const shown = { ...chosen, path: relativeTo(ctx.rt.cwd, chosen.path) };
    return {
      manifest,
      resources,
      targets,
      targetsFrom,
      profile: chosen.profile,
      profileLine: `${describeProfile(shown)}; ${chosen.chosenBy}`,
      profileDocument: { path: shown.path, chosenBy: chosen.chosenBy, measuredAt: chosen.profile.measuredAt },
    };
  } catch (error) {
    throw asCliError(error);
  }
}

/** A path under `cwd` relative to it (how the reports name files); others as they are. */
export function relativeTo(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}
