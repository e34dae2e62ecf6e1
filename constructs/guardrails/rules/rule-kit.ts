/** What a rule file needs, in one import. */
export type { Rule, RuleContext, Severity } from "../types";
export type { StackModel, TerraformResourceView } from "../model";
