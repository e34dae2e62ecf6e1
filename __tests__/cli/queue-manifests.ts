/**
 * Ops manifests with the queue tier on, built the way synth builds them (buildApp and buildManifest
 * on the shipped production config with `queue.enabled`, as __tests__/stacks/queue-tier*.test.ts
 * enable it), for compute "ecs" (an ECS worker service per region) and "eks" (a KEDA-scaled
 * Deployment). Written once per test file to a temporary directory for `--manifest`, without the
 * global stack's entry: the queue commands never read it, and `status`'s traffic line (Route 53) is
 * tested with the fixtures' DNS chain (aws-mocks.ts), not this synthesized one.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpsManifest } from "../../manifest/schema";
import { buildManifest } from "../../manifest/builder";
import { buildApp } from "../../stacks/app";
import { config } from "../helpers/config";

const built = new Map<string, { manifest: OpsManifest; path: string }>();

export function queueManifest(compute: "ecs" | "eks"): { manifest: OpsManifest; path: string } {
  const cached = built.get(compute);
  if (cached) return cached;
  const env = config("production", (e) => {
    e.queue = { enabled: true };
    if (compute === "eks") e.compute = "eks";
  });
  const dir = mkdtempSync(join(tmpdir(), `skyline-queue-${compute}-`));
  const { environments } = buildApp([env], { outdir: join(dir, "cdktf.out") });
  const { global: _global, ...manifest } = buildManifest(environments[0]);
  const path = join(dir, "manifest.json");
  writeFileSync(path, JSON.stringify(manifest));
  const result = { manifest, path };
  built.set(compute, result);
  return result;
}
