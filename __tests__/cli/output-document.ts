/**
 * The `-o json` document of a run, validated against the documented schema
 * (schemas/cli-output.schema.json): shared by the tests that check each command's JSON.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";

export const OUTPUT_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "schemas", "cli-output.schema.json"), "utf8"),
);
const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false, strictTypes: false });
// The only format the schema uses; the CLI writes Date#toISOString().
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const validate = ajv.compile(OUTPUT_SCHEMA);

/** The one document on stdout, validated against the schema. */
export function documentOf(stdout: string): Record<string, any> {
  const doc: Record<string, any> = JSON.parse(stdout); // throws unless stdout is exactly one JSON value
  if (!validate(doc))
    throw new Error(`not valid against the schema: ${ajv.errorsText(validate.errors)}\n${stdout}`);
  return doc;
}
