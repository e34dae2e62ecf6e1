/**
 * Finds and validates the ops manifest. Default location: `cdktf.out/skyline/<env>/manifest.json`
 * under the current directory, where synth writes it. Every problem is a UsageError (exit 2) that
 * says which flag or field to fix.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ManifestError, parseManifest, type OpsManifest } from "../../manifest/schema";
import { UsageError } from "./errors";

export const MANIFEST_ROOT = join("cdktf.out", "skyline");

export interface ManifestLocation {
  /** Absolute path of manifest.json. */
  readonly path: string;
  /** Directory of the generated runbooks next to it. */
  readonly runbooksDir: string;
}

/**
 * Resolves which manifest to read.
 * @param manifestFlag `--manifest`, wins when given
 * @param env `--env`, else SKYLINE_ENV, else the only environment synthesized
 * @param envFrom where `env` came from, for the message: `--env` or `SKYLINE_ENV` @default "--env"
 */
export function locateManifest(
  cwd: string,
  manifestFlag: string | undefined,
  env: string | undefined,
  envFrom = "--env",
): ManifestLocation {
  if (manifestFlag) {
    const path = resolve(cwd, manifestFlag);
    return { path, runbooksDir: join(dirname(path), "runbooks") };
  }
  const root = resolve(cwd, MANIFEST_ROOT);
  const envs = existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "manifest.json")))
        .map((d) => d.name)
        .sort()
    : [];
  let chosen = env;
  if (chosen && !envs.includes(chosen)) {
    throw new UsageError(
      envs.length
        ? `${envFrom} ${chosen}: no such synthesized environment under ${root}; the environments there are: ${envs.join(", ")}. ` +
            `Use one of them, or run \`npm run synth\` if ${chosen} is new.`
        : `${envFrom} ${chosen}: no environment is synthesized under ${root}: run \`npm run synth\` first or pass --manifest <path>.`,
    );
  }
  if (!chosen) {
    if (envs.length === 0) {
      throw new UsageError(
        `No synthesized manifest under ${root}: run \`npm run synth\` first or pass --manifest <path>.`,
      );
    }
    if (envs.length > 1) {
      throw new UsageError(
        `Several environments are synthesized (${envs.join(", ")}): pass --env <name> or set SKYLINE_ENV.`,
      );
    }
    chosen = envs[0];
  }
  const dir = join(root, chosen as string);
  return { path: join(dir, "manifest.json"), runbooksDir: join(dir, "runbooks") };
}

/** Reads, parses and validates; checks that `--env` (if given) matches the manifest's environment. */
export function loadManifest(location: ManifestLocation, env: string | undefined): OpsManifest {
  if (!existsSync(location.path)) {
    throw new UsageError(
      `Manifest not found at ${location.path}: run \`npm run synth\`, or pass --env/--manifest to point at one.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(location.path, "utf8"));
  } catch (error) {
    throw new UsageError(
      `Manifest ${location.path} is not valid JSON (${(error as Error).message}): re-run synth to regenerate it.`,
    );
  }
  let manifest: OpsManifest;
  try {
    manifest = parseManifest(json, location.path);
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new UsageError(`${error.message}\nRe-run synth, or fix the file passed to --manifest.`);
    }
    throw error;
  }
  if (env && manifest.environment !== env) {
    throw new UsageError(
      `--env ${env} does not match the manifest's environment "${manifest.environment}" (${location.path}).`,
    );
  }
  return manifest;
}
