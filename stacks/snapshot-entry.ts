/**
 * The synth snapshot: `npm run build` bundles this file and runs it once under
 * `node --build-snapshot` (scripts/build-synth-snapshot.js), so the V8 heap with cdktf, the
 * provider bindings, zod and skyline's own modules already loaded is saved to dist/synth.blob.
 * `npm run synth` starts node from that blob and runs the same `runSynth` as dist/main.js: loading
 * ~16 MB of JavaScript was more than half of a synth. The blob belongs to the node that built it;
 * `node dist/main.js` works without it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startupSnapshot } from "node:v8";
import { ENVIRONMENTS } from "./config/environments";
import { loadEnvironments } from "./config/load";
import { runSynth } from "./entry";
import { forgettingTokens } from "./forget-tokens";
import { synthesize } from "./synthesize";
// The EKS and Kubernetes stacks are not imported here: the warm-up below loads them when a configured
// environment has EKS, and otherwise (the shipped environments) every synth would deserialize their
// provider bindings for nothing (~2 MB of the blob, ~40 ms a synth).

/**
 * One throw-away synth of every shipped environment before the heap is saved: V8 compiles a
 * function only when it first runs, and the snapshot keeps what was compiled, so a synth from the
 * blob no longer compiles the constructs, rules and writers it runs (about 0.1 s of CPU). Nothing
 * it leaves behind changes a later synth: skyline's caches are keyed by stack objects (WeakMaps)
 * or are pure (rules by resource type), and CI diffs the snapshot's synth against dist/main.js's.
 */
function warmUp(): void {
  const names = Object.keys(ENVIRONMENTS);
  const outdir = mkdtempSync(join(tmpdir(), "skyline-snapshot-warm-up-"));
  try {
    synthesize(loadEnvironments(names), { outdir, configuredEnvironments: names });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// The warm-up's tokens (and through them its construct trees) are not kept in the blob.
forgettingTokens(warmUp);

startupSnapshot.setDeserializeMainFunction(() => {
  runSynth(process.argv.slice(2)).then((code) => (process.exitCode = code));
});
