import type { StackModel, TerraformResourceView } from "./model";

/** How a finding affects synth: errors fail it, warnings are printed and reported. */
export type Severity = "error" | "warning";

/** Equivalent public rule ids, so security reviewers can map a skyline rule to the scanner they know. */
export interface RuleMappings {
  /** checkov check id, e.g. `CKV_AWS_16`. */
  readonly checkov?: string;
  /** trivy (formerly tfsec) AVD id, e.g. `AVD-AWS-0080`. */
  readonly trivy?: string;
  /** cdk-nag AwsSolutions rule id, e.g. `AwsSolutions-RDS2`. */
  readonly cdkNag?: string;
}

/** What a rule may look at besides the resource itself. */
export interface RuleContext {
  /** Every resource of the stack under check, with references between them resolved. */
  readonly stack: StackModel;
  /**
   * Every stack of the app (including this one). Only for rules whose evidence may live in
   * another stack, such as backup selections in a global stack.
   */
  readonly appStacks: () => readonly StackModel[];
}

/**
 * One guardrail. `check` returns nothing when the resource complies, or one sentence per
 * violation saying what is wrong with this resource (the engine adds the rule, stack, address and fix).
 */
export interface Rule {
  /** Stable id, `SKY-<SERVICE>-<NNN>`; suppressions and the report use it. */
  readonly id: string;
  readonly severity: Severity;
  /** One line: what the rule requires. */
  readonly description: string;
  /** Why it matters (for the generated docs). */
  readonly why: string;
  /** How to fix a finding, naming the Terraform attribute or the construct prop. */
  readonly fix: string;
  /**
   * Terraform resource types the rule applies to. Data sources are named `data.<type>` (a data
   * source of a checked type is not the resource itself); `*` means every resource.
   */
  readonly resourceTypes: readonly string[];
  readonly mappings: RuleMappings;
  check(resource: TerraformResourceView, context: RuleContext): string | readonly string[] | undefined;
}

/** A suppression as recorded in the report. */
export interface SuppressionRecord {
  readonly ruleId: string;
  readonly reason: string;
  /** Construct path the suppression was attached to (a resource, a construct or the stack). */
  readonly scope: string;
}

/** A rule violated by one resource. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly stack: string;
  /** Terraform address, `<type>.<name>`. */
  readonly address: string;
  readonly constructPath: string;
  /** Full human message: stack, address, rule, what is wrong and the fix. */
  readonly message: string;
  /** Set when a valid suppression covers the finding; such findings neither fail synth nor print. */
  readonly suppressedBy?: SuppressionRecord;
}

/** Everything the engine learned about one stack. */
export interface StackResult {
  readonly stack: string;
  readonly environment?: string;
  readonly rulesRun: readonly string[];
  readonly resourcesChecked: number;
  /** Unsuppressed and suppressed findings, ordered by address then rule id. */
  readonly findings: readonly Finding[];
  /** Every suppression declared in the stack, valid or not. */
  readonly suppressions: readonly (SuppressionRecord & { readonly valid: boolean; readonly used: number })[];
}
