/**
 * "Did you mean …?" for an unknown key in an environment file. The schema's own field names are the
 * candidates, so the hint is the same whichever entry point validated the file (`npm run synth`,
 * `cdktf synth`, `node dist/main.js`, the tests): zod reports the unknown key, this finds its
 * nearest known neighbour at the same place.
 */
import { z } from "zod";

/** Edit distance (insert, delete, substitute, swap two neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[s.length][t.length];
}

/**
 * The closest candidate, if it is close enough to be a typo (a third of the word, at least 1), or
 * else the one candidate that contains the word (`replicas` → `readReplicas`).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const key of candidates) {
    const distance = editDistance(word, key);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  if (best) return best.key;
  const containing = candidates.filter(
    (key) => word.length >= 4 && key.toLowerCase().includes(word.toLowerCase()),
  );
  return containing.length === 1 ? containing[0] : undefined;
}

/** Looks through wrappers (defaults, optionals, refinements) to the schema that holds the shape. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodEffects) current = current.innerType();
    else if (current instanceof z.ZodDefault) current = current.removeDefault();
    else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap();
    else return current;
  }
}

/** The keys an object at `path` may have, or [] when the path does not lead to an object. */
export function knownKeysAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): string[] {
  let current = unwrap(schema);
  for (const step of path) {
    if (current instanceof z.ZodObject) current = unwrap(current.shape[step as string] ?? z.never());
    else if (current instanceof z.ZodRecord) current = unwrap(current.valueSchema);
    else if (current instanceof z.ZodArray) current = unwrap(current.element);
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** One line per unknown key: where it is, and the field it probably meant (or the fields there are). */
export function describeUnknownKeys(
  schema: z.ZodTypeAny,
  path: readonly (string | number)[],
  keys: readonly string[],
): string[] {
  const known = knownKeysAt(schema, path);
  return keys.map((key) => {
    const where = [...path, key].join(".");
    const guess = closest(key, known);
    if (guess) return `${where}: unknown field "${key}"; did you mean "${guess}"?`;
    return known.length
      ? `${where}: unknown field "${key}"; the fields here are ${known.join(", ")}`
      : `${where}: unknown field "${key}"`;
  });
}
