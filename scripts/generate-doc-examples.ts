/**
 * Writes docs/examples/: the production ops manifest and the runbooks generated from it, so readers
 * see real output.
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
import type { OpsManifest } from "../constructs/runbooks/manifest-schema";
import { buildApp } from "../stacks/app";
import { loadEnvironments } from "../stacks/config/load";
import { buildManifest } from "../stacks/manifest";
import { renderRunbookFiles, writeRunbooks } from "../constructs/runbooks/runbooks";

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

/** Every example file by its path relative to the examples directory. */
export function renderExampleFiles(manifest: OpsManifest): Map<string, string> {
  const files = new Map<string, string>();
  files.set(`manifest.${manifest.environment}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const runbook of renderRunbookFiles(manifest)) {
    files.set(join("runbooks", runbook.fileName), runbook.markdown);
  }
  return files;
}

/** Paths under `dir` that are missing, differ, or are runbooks the generator no longer makes. */
export function staleExampleFiles(dir: string, manifest: OpsManifest): string[] {
  const files = renderExampleFiles(manifest);
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

/** Writes the manifest and the runbooks (removing runbooks the generator no longer makes). */
export function writeExampleFiles(dir: string, manifest: OpsManifest): string[] {
  mkdirSync(dir, { recursive: true });
  const manifestPath = join(dir, `manifest.${manifest.environment}.json`);
  writeFileSync(
    manifestPath,
    renderExampleFiles(manifest).get(`manifest.${manifest.environment}.json`) ?? "",
  );
  return [manifestPath, ...writeRunbooks(join(dir, "runbooks"), manifest)];
}

function main(check: boolean): number {
  const manifest = loadExampleManifest();
  if (check) {
    const stale = staleExampleFiles(EXAMPLES_DIR, manifest);
    if (stale.length === 0) return 0;
    process.stderr.write(
      `docs/examples is stale (${stale.join(", ")}): run npx tsx scripts/generate-doc-examples.ts\n`,
    );
    return 1;
  }
  for (const path of writeExampleFiles(EXAMPLES_DIR, manifest)) process.stdout.write(`wrote ${path}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.includes("--check"));
}
