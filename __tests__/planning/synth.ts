/**
 * Synthesized environments for the planning tests, written to a temporary cdktf.out the way
 * `npm run synth` writes it (stacks, markers, manifests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest, type OpsManifest } from "../../manifest/schema";
import type { EnvironmentConfig } from "../../stacks/config/schema";
import { synthesize } from "../../stacks/synthesize";
import { tmpDir } from "../cli/helpers";
import { config } from "../helpers/config";

export interface Synthesized {
  readonly outdir: string;
  readonly stacksDir: string;
  manifest(environment: string): OpsManifest;
  manifestPath(environment: string): string;
}

export function synthesizeInto(configs: readonly EnvironmentConfig[]): Synthesized {
  const outdir = join(tmpDir("skyline-planning-"), "cdktf.out");
  synthesize(configs, { outdir });
  const manifestPath = (env: string) => join(outdir, "skyline", env, "manifest.json");
  return {
    outdir,
    stacksDir: join(outdir, "stacks"),
    manifestPath,
    manifest: (env) => parseManifest(JSON.parse(readFileSync(manifestPath(env), "utf8")), env),
  };
}

/** A shipped environment with the queue tier on, on ECS or EKS, under its own environment name. */
export function withQueue(
  base: "staging" | "production",
  compute: "ecs" | "eks",
  name: string,
  change: (env: any) => void = () => {},
): EnvironmentConfig {
  return config(base, (e) => {
    e.environment = name;
    e.queue = { enabled: true };
    e.compute = compute;
    e.stateBackend.bucket = `skyline-${name}-tfstate-${e.accountIds[0]}`;
    change(e);
  });
}
