import { collectStrings, isExpression } from "../model";
import type { Rule } from "./rule-kit";

/** Attribute names whose value is a credential. */
const SECRET_KEY =
  /(^|_)(password|passwd|secret|secret_string|token|auth_token|api_key|private_key|secret_key|access_key)(_wo)?$/i;
/** Values that are credentials whatever attribute holds them. */
const SECRET_VALUE = [
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bgh[pousr]_[A-Za-z0-9]{36}\b/, // GitHub token
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/, // Slack token
];

export const literalSecretRules: Rule[] = [
  {
    id: "SKY-SECRET-001",
    severity: "error",
    description: "No attribute holds a literal secret.",
    why: "A literal lands in the synthesized JSON, the Terraform state and git history, where it can never be revoked by rotation alone.",
    fix: "Generate the secret at apply time (e.g. `manage_master_user_password = true`, an ephemeral/random resource) or reference Secrets Manager; never write the value in code.",
    resourceTypes: ["*"],
    // Scanners cover this with secret detectors that have no per-attribute rule id.
    mappings: {},
    check: ({ attrs }) => {
      const problems = new Set<string>();
      collectStrings(attrs, (text, key) => {
        if (isExpression(text) || text.length === 0) return;
        if (key && SECRET_KEY.test(key)) problems.add(`${key} is a literal value`);
        else if (SECRET_VALUE.some((p) => p.test(text)))
          problems.add(`${key ?? "a value"} contains a credential`);
      });
      return [...problems];
    },
  },
];
