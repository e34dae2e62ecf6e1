import { blocks, type Attrs, type StackModel, type TerraformResourceView } from "../model";
import type { RuleContext } from "../types";

/**
 * True if some `aws_backup_selection` anywhere in the app selects `resource`: by reference to it
 * (also through a cross-stack output), by a wildcard ARN of its service, or by tags. Conditions
 * (`condition.string_equals` / `string_like` on `aws:ResourceTag/<key>`) must all hold.
 */
export function backupSelectionCovers(resource: TerraformResourceView, context: RuleContext): boolean {
  const stacks = context.appStacks();
  return stacks.some((stack) =>
    stack
      .ofType("aws_backup_selection")
      .some((selection) => selects(selection.attrs, stack, stacks, resource)),
  );
}

function selects(
  attrs: Attrs,
  stack: StackModel,
  stacks: readonly StackModel[],
  resource: TerraformResourceView,
): boolean {
  const listed = (Array.isArray(attrs.resources) ? attrs.resources : []) as unknown[];
  const tagBlocks = blocks(attrs.selection_tag);
  const byReference = listed.some((r) => stack.references(r, resource, stacks));
  const byWildcard = listed.some((r) => typeof r === "string" && matchesWildcardArn(r, resource.type));
  const byTag = tagBlocks.some(
    (t) => String(t.type ?? "").toUpperCase() === "STRINGEQUALS" && tagEquals(resource, t.key, t.value),
  );
  // A selection with conditions only selects every resource the conditions match.
  const hasConditions = blocks(attrs.condition).some((c) =>
    Object.values(c).some((v) => blocks(v).length > 0),
  );
  const byConditionsOnly = listed.length === 0 && tagBlocks.length === 0 && hasConditions;
  if (!(byReference || byWildcard || byTag || byConditionsOnly)) return false;
  if (stack.references(attrs.not_resources, resource, stacks)) return false;
  return conditionsHold(attrs.condition, resource.effectiveTags);
}

function tagEquals(resource: TerraformResourceView, key: unknown, value: unknown): boolean {
  return typeof key === "string" && String(resource.effectiveTags[key]) === String(value);
}

const SERVICE_OF_TYPE: Record<string, string> = { aws_db_instance: "rds", aws_rds_cluster: "rds" };

function matchesWildcardArn(arn: string, type: string): boolean {
  if (arn === "*") return true;
  const service = SERVICE_OF_TYPE[type];
  return service !== undefined && arn.includes("*") && arn.startsWith(`arn:aws:${service}:`);
}

function conditionsHold(condition: unknown, tags: Readonly<Record<string, unknown>>): boolean {
  const tagOf = (key: unknown) =>
    typeof key === "string" && key.startsWith("aws:ResourceTag/") ? tags[key.slice(16)] : undefined;
  return blocks(condition).every((c) => {
    const equals = blocks(c.string_equals).every((e) => String(tagOf(e.key)) === String(e.value));
    const like = blocks(c.string_like).every((e) => globMatch(String(e.value), tagOf(e.key)));
    const notEquals = blocks(c.string_not_equals).every((e) => String(tagOf(e.key)) !== String(e.value));
    const notLike = blocks(c.string_not_like).every((e) => !globMatch(String(e.value), tagOf(e.key)));
    return equals && like && notEquals && notLike;
  });
}

function globMatch(pattern: string, value: unknown): boolean {
  if (value === undefined) return false;
  const regex = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`);
  return regex.test(String(value));
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
