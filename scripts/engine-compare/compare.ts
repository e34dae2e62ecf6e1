/**
 * Compares two synth outputs of the same configuration (cdktf and cdktn) file by file and value by
 * value. Only the differences listed in ALLOWED are expected; every other one is reported with its
 * stack, file and JSON path. Pure: reads the two folders, writes nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** A difference the two engines are known and documented to produce (docs/operations.md). */
export interface AllowedDifference {
  /** Matches the JSON path inside a stack's cdk.tf.json, e.g. `//.metadata.version`. */
  readonly path: RegExp;
  readonly why: string;
}

export const ALLOWED: readonly AllowedDifference[] = [
  { path: /^\/\/\.metadata\.version$/, why: "the engine writes its own version into the stack metadata" },
  {
    path: /^terraform\.required_providers\.[a-z0-9_-]+\.version$/,
    why: "each engine's provider bindings pin the provider version they were generated from",
  },
  {
    path: /^terraform\.required_providers\.[a-z0-9_-]+\.source$/,
    why: 'cdktf writes "aws", cdktn "hashicorp/aws": both mean registry.terraform.io/hashicorp/aws',
  },
];

export interface Difference {
  /** Relative file path inside the output folder. */
  readonly file: string;
  /** JSON path inside the file ("" for the whole file). */
  readonly path: string;
  readonly left: unknown;
  readonly right: unknown;
  /** Why it is expected, or undefined when it is not. */
  readonly allowedBecause?: string;
}

/** Every file under `root` (relative paths, sorted), skipping what neither engine decides. */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Key paths as Terraform users read them: dots between keys, [i] for list items. */
function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

export function diffJson(
  left: unknown,
  right: unknown,
  path = "",
): { path: string; left: unknown; right: unknown }[] {
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((k) => diffJson(left[k], right[k], child(path, k)));
  }
  if (Array.isArray(left) && Array.isArray(right) && left.length === right.length) {
    return left.flatMap((item, i) => diffJson(item, right[i], child(path, i)));
  }
  return JSON.stringify(left) === JSON.stringify(right) ? [] : [{ path, left, right }];
}

function allowance(file: string, path: string): string | undefined {
  if (!file.endsWith("cdk.tf.json")) return undefined;
  return ALLOWED.find((a) => a.path.test(path))?.why;
}

/** Compares the stacks/ and skyline/ trees of two synth output folders. */
export function compareOutputs(leftDir: string, rightDir: string): Difference[] {
  const differences: Difference[] = [];
  for (const tree of ["stacks", "skyline"]) {
    const l = join(leftDir, tree);
    const r = join(rightDir, tree);
    const lf = existsSync(l) ? files(l) : [];
    const rf = existsSync(r) ? files(r) : [];
    for (const file of [...new Set([...lf, ...rf])].sort()) {
      const name = join(tree, file);
      if (!lf.includes(file) || !rf.includes(file)) {
        differences.push({ file: name, path: "", left: lf.includes(file), right: rf.includes(file) });
        continue;
      }
      const a = readFileSync(join(l, file), "utf8");
      const b = readFileSync(join(r, file), "utf8");
      if (a === b) continue;
      if (!file.endsWith(".json")) {
        differences.push({ file: name, path: "", left: "(text)", right: "(text differs)" });
        continue;
      }
      for (const d of diffJson(JSON.parse(a), JSON.parse(b))) {
        differences.push({ file: name, ...d, allowedBecause: allowance(file, d.path) });
      }
    }
  }
  return differences;
}
