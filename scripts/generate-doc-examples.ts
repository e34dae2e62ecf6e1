/**
 * Writes docs/examples/: the production ops manifest and the runbooks generated from it, and what
 * `skyline capacity` and `skyline cost` print for production, so readers see real output.
 *   npx tsx scripts/generate-doc-examples.ts           write the files
 *   npx tsx scripts/generate-doc-examples.ts --check   write nothing; exit 1 if docs/examples is stale
 * The files are written unformatted (.prettierignore skips docs/examples): rendering is already
 * deterministic, and the check must not depend on Prettier.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpsManifest } from "../manifest/schema";
import { buildApp } from "../stacks/app";
import { loadEnvironments } from "../stacks/config/load";
import { buildManifest } from "../manifest/builder";
import { renderRunbookFiles, writeRunbooks } from "../runbooks/runbooks";
import { renderPlanningExamples } from "./planning-examples";

export const EXAMPLES_DIR = join(__dirname, "..", "docs", "examples");

/**
 * The manifest the examples show: the one synth builds for the shipped production environment
 * (built in memory, without writing any stack), so the examples are real output.
 */
export function loadExampleManifest(): OpsManifest {
  const outdir = mkdtempSync(join(tmpdir(), "skyline-examples-"));
  try {
    const { environments } = buildApp(loadEnvironments(["production"]), { outdir });
    return buildManifest(environments[0]);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Every example file by its path relative to the examples directory.
 * @param planning the `skyline capacity`/`cost` examples (scripts/planning-examples.ts) @default none
 */
export function renderExampleFiles(
  manifest: OpsManifest,
  planning: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const files = new Map<string, string>(planning);
  files.set(`manifest.${manifest.environment}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const runbook of renderRunbookFiles(manifest)) {
    files.set(join("runbooks", runbook.fileName), runbook.markdown);
  }
  return files;
}

/** Paths under `dir` that are missing, differ, or are runbooks the generator no longer makes. */
export function staleExampleFiles(
  dir: string,
  manifest: OpsManifest,
  planning: ReadonlyMap<string, string> = new Map(),
): string[] {
  const files = renderExampleFiles(manifest, planning);
  const stale = [...files]
    .filter(([path, text]) => {
      const full = join(dir, path);
      return !existsSync(full) || readFileSync(full, "utf8") !== text;
    })
    .map(([path]) => path);
  const runbooksDir = join(dir, "runbooks");
  const extra = existsSync(runbooksDir)
    ? readdirSync(runbooksDir)
        .filter((f) => f.endsWith(".md"))
        .map((f) => join("runbooks", f))
        .filter((path) => !files.has(path))
    : [];
  return [...stale, ...extra].sort();
}

/** Writes the manifest, the runbooks (removing runbooks the generator no longer makes) and `planning`. */
export function writeExampleFiles(
  dir: string,
  manifest: OpsManifest,
  planning: ReadonlyMap<string, string> = new Map(),
): string[] {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of planning) writeFileSync(join(dir, file), text);
  const manifestPath = join(dir, `manifest.${manifest.environment}.json`);
  writeFileSync(
    manifestPath,
    renderExampleFiles(manifest).get(`manifest.${manifest.environment}.json`) ?? "",
  );
  return [
    manifestPath,
    ...[...planning.keys()].map((file) => join(dir, file)),
    ...writeRunbooks(join(dir, "runbooks"), manifest),
  ];
}

async function main(check: boolean): Promise<number> {
  const manifest = loadExampleManifest();
  const planning = await renderPlanningExamples();
  if (check) {
    const stale = staleExampleFiles(EXAMPLES_DIR, manifest, planning);
    if (stale.length === 0) return 0;
    process.stderr.write(
      `docs/examples is stale (${stale.join(", ")}): run npx tsx scripts/generate-doc-examples.ts\n`,
    );
    return 1;
  }
  for (const path of writeExampleFiles(EXAMPLES_DIR, manifest, planning)) {
    process.stdout.write(`wrote ${path}\n`);
  }
  return 0;
}

if (require.main === module) {
  void main(process.argv.includes("--check")).then((code) => (process.exitCode = code));
}
