/**
 * Where the planning commands get their inputs: the environment's synthesized stacks (next to the
 * manifest), the load targets (the manifest's, or flags), and the per-unit profile (a flag, the
 * benchmark's latest, or the committed default), each reported with where it came from.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { OpsManifest } from "../manifest/schema";
import type { LoadTargets } from "./capacity/model";
import { BENCH_PROFILE_PATH, DEFAULT_PROFILE_PATH, readProfile, type LoadedProfile } from "./profile";
import {
  PlanningInputError,
  readEnvironmentStacks,
  requireStacks,
  resourcesOf,
  type SynthResource,
} from "./terraform";

/** cdktf.out/stacks for a manifest at cdktf.out/skyline/<env>/manifest.json. */
export function defaultStacksDir(manifestPath: string): string {
  return resolve(dirname(manifestPath), "..", "..", "stacks");
}

/** The environment's synthesized resources; every stack the manifest names must be there. */
export function loadResources(manifest: OpsManifest, stacksDir: string): SynthResource[] {
  const stacks = readEnvironmentStacks(stacksDir, manifest.app, manifest.environment);
  requireStacks(
    stacks,
    [
      ...Object.values(manifest.regions).map((r) => r.stack),
      ...(manifest.global ? [manifest.global.stack] : []),
    ],
    stacksDir,
  );
  return resourcesOf(stacks);
}

/** Targets given on the command line; each overrides the manifest's. */
export interface TargetFlags {
  readonly users?: number;
  readonly rps?: number;
  readonly submissionsPerMinute?: number;
  readonly headroom?: number;
}

const FLAG_NAMES: Readonly<Record<keyof LoadTargets, string>> = {
  concurrentUsers: "--users",
  requestsPerSecond: "--rps",
  submissionsPerMinute: "--submissions-per-minute",
  headroomPercent: "--headroom",
};

/** The targets to plan for: each flag given, else the manifest's (the config's `targets`). */
export function resolveTargets(
  manifest: OpsManifest,
  flags: TargetFlags,
): { targets: LoadTargets; targetsFrom: Record<keyof LoadTargets, string> } {
  const given: Partial<LoadTargets> = {
    ...(flags.users !== undefined ? { concurrentUsers: flags.users } : {}),
    ...(flags.rps !== undefined ? { requestsPerSecond: flags.rps } : {}),
    ...(flags.submissionsPerMinute !== undefined ? { submissionsPerMinute: flags.submissionsPerMinute } : {}),
    ...(flags.headroom !== undefined ? { headroomPercent: flags.headroom } : {}),
  };
  const fromManifest = manifest.targets.load;
  const keys = Object.keys(FLAG_NAMES) as (keyof LoadTargets)[];
  const missing = keys.filter((k) => given[k] === undefined && fromManifest?.[k] === undefined);
  if (missing.length > 0) {
    throw new PlanningInputError(
      `The manifest has no load targets (it predates the config's \`targets\` section): re-run \`npm run synth\`, or pass ${missing.map((k) => FLAG_NAMES[k]).join(", ")}.`,
    );
  }
  const targets = { ...fromManifest, ...given } as LoadTargets;
  const source = `${manifest.configFields.file} targets (via the manifest)`;
  const targetsFrom = Object.fromEntries(
    keys.map((k) => [k, given[k] !== undefined ? FLAG_NAMES[k] : source]),
  ) as Record<keyof LoadTargets, string>;
  if (targets.submissionsPerMinute / 60 > targets.requestsPerSecond) {
    throw new PlanningInputError(
      `${targets.submissionsPerMinute} submissions per minute is more than ${targets.requestsPerSecond} requests/s (${targetsFrom.submissionsPerMinute}, ${targetsFrom.requestsPerSecond}): each submission is an API request; raise --rps or lower --submissions-per-minute.`,
    );
  }
  return { targets, targetsFrom };
}

/**
 * The profile to plan with: `--bench-profile` if given, else the benchmark's latest
 * (bench/results/profile.json under `root`) when there is one, else the committed default.
 */
export function chooseProfile(root: string, flag?: string): LoadedProfile & { readonly chosenBy: string } {
  if (flag) return { ...readProfile(resolve(root, flag)), chosenBy: "--bench-profile" };
  const bench = join(root, BENCH_PROFILE_PATH);
  if (existsSync(bench)) return { ...readProfile(bench), chosenBy: "the benchmark's latest run" };
  return { ...readProfile(DEFAULT_PROFILE_PATH), chosenBy: "the committed default" };
}
