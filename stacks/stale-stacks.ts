/**
 * Synth removes the stacks it no longer produces. Without this, a region taken out of the config
 * leaves its old `cdktf.out/stacks/<stack>/cdk.tf.json` behind, and a `for s in stacks/*` loop or a
 * CI artifact would apply it again. Only folders skyline wrote are touched: each gets a marker
 * naming its app and environment, and a folder is removed only when its marker says it belongs to
 * an environment this synth rebuilt (or to one the config no longer has) and this synth did not
 * write it. Folders without a marker (another app's, a hand-made one) are never removed. The marker
 * also carries what scripts/apply-stack.sh must know before a deploy (the config's example values).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STACK_MARKER = ".skyline-stack.json";

export interface StackMarker {
  readonly app: string;
  readonly environment: string;
  /**
   * Example values (stacks/config/example-values.ts) in the environment's config: a stack with any
   * is refused by scripts/apply-stack.sh and the deploy workflow, with the field to set.
   */
  readonly exampleValues?: readonly { field: string; value: string; fix: string }[];
}

export function writeStackMarker(stackDir: string, marker: StackMarker): void {
  writeFileSync(join(stackDir, STACK_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

function readMarker(stackDir: string): Pick<StackMarker, "app" | "environment"> | undefined {
  try {
    const value = JSON.parse(readFileSync(join(stackDir, STACK_MARKER), "utf8")) as Partial<StackMarker>;
    return typeof value.app === "string" && typeof value.environment === "string"
      ? { app: value.app, environment: value.environment }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface PruneScope {
  /** The app names this synth built. */
  readonly apps: readonly string[];
  /** The environments this synth built: their stacks not in `written` are stale. */
  readonly rebuilt: readonly string[];
  /** Every environment the config has: a marked stack of any other environment is stale too. */
  readonly configured: readonly string[];
  /** Stack names this synth wrote. */
  readonly written: readonly string[];
}

/** Removes stale stack folders under `<outdir>/stacks`; returns their names, sorted. */
export function pruneStaleStacks(outdir: string, scope: PruneScope): string[] {
  const stacksDir = join(outdir, "stacks");
  if (!existsSync(stacksDir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(stacksDir).sort()) {
    if (scope.written.includes(name)) continue;
    const dir = join(stacksDir, name);
    const marker = readMarker(dir);
    if (!marker || !scope.apps.includes(marker.app)) continue;
    if (scope.rebuilt.includes(marker.environment) || !scope.configured.includes(marker.environment)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
