/** What a rule file needs, in one import. */
export type { Rule, RuleContext, Severity } from "../types";
export type { StackModel, TerraformResourceView } from "../model";
import { collectStrings, type StackModel, type TerraformResourceView } from "../model";

/**
 * True if one of these resource policies (a bucket's, a queue's) denies requests without TLS: the
 * policy text (a JSON literal or jsonencode() expression) or the policy document data source it
 * references mentions aws:SecureTransport in a Deny.
 */
export function deniesInsecureTransport(
  policies: readonly TerraformResourceView[],
  stack: StackModel,
): boolean {
  return policies.some((policy) => {
    const documents = [policy.attrs.policy, ...stack.referencedBy(policy.attrs.policy).map((d) => d.attrs)];
    let text = "";
    collectStrings(documents, (t) => (text += `${t}\n`));
    return text.includes("aws:SecureTransport") && /deny/i.test(text);
  });
}
