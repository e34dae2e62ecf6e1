/**
 * Guardrails: the policy engine that checks every stack at synth.
 *
 * ```ts
 * // once per stack, after the stack is fully built (aspects on the App do not run in cdktf)
 * Guardrails.apply(stack, { environment: "staging", suppressions: [
 *   { ruleId: "SKY-RDS-004", reason: "staging runs single-AZ to save cost" },
 * ] });
 * Guardrails.suppress(logBucket, "SKY-S3-004", "ALB access logs only support SSE-S3 encryption");
 *
 * try {
 *   app.synth();                                   // throws on any unsuppressed error finding
 * } finally {
 *   for (const env of environments) {              // every stack is reported, even after a throw
 *     const { summary } = writeGuardrailsReport(app.outdir, env.name, env.stacks);
 *     console.log(summary);                        // errors, warnings and suppressions
 *   }
 * }
 * ```
 *
 * - Each stack is synthesized to JSON once and every rule runs over every resource of it; rules
 *   follow references (`${aws_vpc.x.id}`, and cross-stack outputs) for relations such as "this VPC
 *   has a flow log" or "this database is in a backup selection".
 * - Error findings become error annotations, which make `app.synth()` throw (so `npm run synth`
 *   exits non-zero) with a message naming the stack, the resource address, the rule and the fix.
 *   Warning findings become warning annotations and appear in the report summary.
 * - Results are computed once per stack and cached: the report and the annotations always agree.
 *   Writing the report after `app.synth()` reuses synth's preparation of the stacks; before it,
 *   the stacks are prepared an extra time (same result, slower).
 * - The aspect visits the stack node, i.e. before other aspects visit the resources under it:
 *   changes made by other aspects are not seen. Set tags with provider `default_tags` (which the
 *   engine merges) or in constructs.
 */
import type { TerraformStack } from "../engine";
import { Aspects } from "../engine";
import type { IConstruct } from "constructs";
import { GuardrailsAspect } from "./aspect";
import { evaluateStack, setStackOptions, type GuardrailsOptions } from "./engine";
import { addSuppression } from "./suppressions";
import type { StackResult } from "./types";

export class Guardrails {
  /** Adds the guardrails aspect to one stack. Call it for every stack of the app. */
  static apply(stack: TerraformStack, options: GuardrailsOptions = {}): void {
    setStackOptions(stack, options);
    Aspects.of(stack).add(new GuardrailsAspect(stack));
  }

  /**
   * Suppresses one rule on a resource, on any construct (covering every resource under it) or on a
   * stack. The reason (10+ characters) goes into the report; a short reason or an unknown rule id is
   * itself an error finding.
   */
  static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    addSuppression(scope, ruleId, reason);
  }

  /** Findings of one stack (evaluated once and cached), for tests and tooling. */
  static check(stack: TerraformStack): StackResult {
    return evaluateStack(stack);
  }
}

export { GuardrailsAspect } from "./aspect";
export type { GuardrailsOptions } from "./engine";
export { renderGuardrailDocs } from "./docs";
export { StackModel } from "./model";
export type { TerraformResourceView } from "./model";
export { buildGuardrailsReport, formatGuardrailsSummary, writeGuardrailsReport } from "./report";
export type { GuardrailsReport, WrittenGuardrailsReport } from "./report";
export { ALL_RULES, findRule } from "./rules";
export { INVALID_SUPPRESSION_RULE_ID, MIN_REASON_LENGTH } from "./suppressions";
export type { StackSuppression } from "./suppressions";
export type {
  Finding,
  Rule,
  RuleContext,
  RuleMappings,
  Severity,
  StackResult,
  SuppressionRecord,
} from "./types";
