import { TokenMap } from "../engine";

/** The engine's token registry; its maps are private to it, hence the cast. */
function tokenMaps(): Map<unknown, unknown>[] {
  const map = TokenMap.instance() as unknown as {
    stringTokenMap: Map<unknown, unknown>;
    numberTokenMap: Map<unknown, unknown>;
  };
  return [map.stringTokenMap, map.numberTokenMap];
}

/**
 * Runs `work`, then forgets every token it registered. The engine keeps each token it creates in a
 * process-wide map for the life of the process, and a token holds on to its construct: after the
 * synth snapshot's warm-up (stacks/snapshot-entry.ts), that map alone keeps both environments'
 * construct trees alive (~5 MB, a sixth of the heap), which the blob would save and every synth
 * deserialize. Keys are never reused (the engine's counter goes on), and tokens registered before
 * `work` stay, so what is synthesized afterwards resolves exactly as without `work`.
 */
export function forgettingTokens(work: () => void): void {
  const before = tokenMaps().map((m) => new Set(m.keys()));
  work();
  tokenMaps().forEach((m, i) => {
    for (const key of [...m.keys()]) if (!before[i].has(key)) m.delete(key);
  });
}
