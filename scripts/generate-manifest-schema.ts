/**
 * Writes schemas/manifest.schema.json from manifest/schema.ts.
 * Run: `npx tsx scripts/generate-manifest-schema.ts`. With `--check [file]` it writes nothing and
 * exits 1 when the committed file (or `file`) is stale; the test suite runs that.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { manifestJsonSchema } from "../manifest/schema";

export const MANIFEST_SCHEMA_PATH = join(__dirname, "..", "schemas", "manifest.schema.json");

/** The exact file content, formatted by the repo's prettier config so `prettier --check` agrees. */
export async function renderManifestJsonSchema(): Promise<string> {
  const options = (await resolveConfig(MANIFEST_SCHEMA_PATH)) ?? {};
  return format(JSON.stringify(manifestJsonSchema(), null, 2), { ...options, parser: "json" });
}

async function main(check: boolean, path: string): Promise<number> {
  const text = await renderManifestJsonSchema();
  if (check) {
    if (readFileSync(path, "utf8") === text) return 0;
    process.stderr.write(`${path} is stale: run npx tsx scripts/generate-manifest-schema.ts\n`);
    return 1;
  }
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
  return 0;
}

if (require.main === module) {
  // `--check [file]`: compare instead of writing (the file defaults to the committed schema).
  const at = process.argv.indexOf("--check");
  const path = at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : MANIFEST_SCHEMA_PATH;
  void main(at >= 0, path).then((code) => (process.exitCode = code));
}
