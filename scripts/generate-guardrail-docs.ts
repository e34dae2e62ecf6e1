/**
 * Regenerates docs/guardrails.md from the rule definitions:
 *   npx tsx scripts/generate-guardrail-docs.ts           write the file
 *   npx tsx scripts/generate-guardrail-docs.ts --check   exit 1 if the committed file is stale
 * The output is formatted with the repo's Prettier settings so `prettier --check .` accepts it.
 */
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { renderGuardrailDocs } from "../guardrails/docs";

export const GUARDRAIL_DOCS_PATH = path.join(__dirname, "..", "docs", "guardrails.md");

/** The docs exactly as they should be committed. */
export async function formattedGuardrailDocs(): Promise<string> {
  const config = (await prettier.resolveConfig(GUARDRAIL_DOCS_PATH)) ?? {};
  return prettier.format(renderGuardrailDocs(), { ...config, parser: "markdown" });
}

async function main(check: boolean): Promise<void> {
  const expected = await formattedGuardrailDocs();
  const relative = path.relative(process.cwd(), GUARDRAIL_DOCS_PATH);
  if (!check) {
    fs.writeFileSync(GUARDRAIL_DOCS_PATH, expected);
    console.log(`wrote ${relative}`);
    return;
  }
  const current = fs.existsSync(GUARDRAIL_DOCS_PATH) ? fs.readFileSync(GUARDRAIL_DOCS_PATH, "utf8") : "";
  if (current !== expected) {
    console.error(`${relative} is stale: run npx tsx scripts/generate-guardrail-docs.ts`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main(process.argv.includes("--check")).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
