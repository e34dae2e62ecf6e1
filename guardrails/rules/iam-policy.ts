import { blocks, collectStrings, isExpression, type TerraformResourceView } from "../model";

/** One Allow statement's actions, as far as they can be read at synth. */
export interface AllowStatement {
  readonly actions: readonly string[];
  /** Where the statement came from, for messages (`policy`, `inline_policy[0]`, `statement[1]`). */
  readonly source: string;
}

/** Policy documents held by IAM resources, by attribute. */
const POLICY_ATTRIBUTES: Record<string, string> = {
  aws_iam_policy: "policy",
  aws_iam_role_policy: "policy",
};

/**
 * Allow statements of an IAM resource. JSON literals are parsed; documents built with Terraform's
 * jsonencode() are scanned for `Action = "..."` pairs, which is enough to spot wildcards.
 */
export function allowStatements(resource: TerraformResourceView): AllowStatement[] {
  const { type, attrs } = resource;
  if (type === "aws_iam_policy_document") {
    return blocks(attrs.statement)
      .filter((s) => (s.effect ?? "Allow") === "Allow")
      .map((s, i) => ({ actions: stringList(s.actions), source: `statement[${i}]` }));
  }
  if (type === "aws_iam_role") {
    return blocks(attrs.inline_policy).flatMap((p, i) => fromDocument(p.policy, `inline_policy[${i}]`));
  }
  const attribute = POLICY_ATTRIBUTES[type];
  return attribute ? fromDocument(attrs[attribute], attribute) : [];
}

function fromDocument(document: unknown, source: string): AllowStatement[] {
  if (typeof document !== "string") return [];
  if (!isExpression(document)) {
    try {
      const parsed = JSON.parse(document) as { Statement?: unknown };
      return blocks(parsed.Statement)
        .filter((s) => (s.Effect ?? "Allow") === "Allow")
        .map((s) => ({ actions: stringList(s.Action), source }));
    } catch {
      return [];
    }
  }
  const actions: string[] = [];
  const pattern = /"?Action"?\s*[:=]\s*(\[[^\]]*\]|"[^"]*")/g;
  for (const match of document.matchAll(pattern)) {
    collectStrings(match[1].match(/"[^"]*"/g) ?? [], (text) => actions.push(text.slice(1, -1)));
  }
  return actions.length > 0 ? [{ actions, source }] : [];
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.map(String) : [];
}
