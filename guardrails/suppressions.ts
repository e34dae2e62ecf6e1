import type { IConstruct } from "constructs";
import { findRule } from "./rules";
import type { SuppressionRecord } from "./types";

/** A suppression declared for a whole stack (or one construct path in it) through `Guardrails.apply`. */
export interface StackSuppression {
  /** Rule id, e.g. `SKY-S3-004`. */
  readonly ruleId: string;
  /** Why the finding is acceptable here: at least 10 characters, shown in the report. */
  readonly reason: string;
  /**
   * Construct path below the stack (`loadBalancer/logs`) to limit the suppression to that
   * construct and everything under it.
   * @default every resource in the stack
   */
  readonly path?: string;
}

/** Reasons shorter than this are refused: "n/a" and "temp" explain nothing to a reviewer. */
export const MIN_REASON_LENGTH = 10;

/** Rule id used for findings about invalid suppressions themselves. */
export const INVALID_SUPPRESSION_RULE_ID = "SKY-SUPPRESSION";

const METADATA_TYPE = "skyline:guardrails:suppression";

/** Records a suppression on a construct (resource, construct or stack) as construct metadata. */
export function addSuppression(scope: IConstruct, ruleId: string, reason: string): void {
  scope.node.addMetadata(METADATA_TYPE, { ruleId, reason });
}

/** Suppressions attached with `Guardrails.suppress` anywhere in `root`, plus the stack-level ones. */
export function collectSuppressions(
  root: IConstruct,
  stackLevel: readonly StackSuppression[] = [],
): SuppressionRecord[] {
  const fromMetadata = root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === METADATA_TYPE)
      .map((entry) => {
        const data = entry.data as { ruleId: string; reason: string };
        return { ruleId: data.ruleId, reason: data.reason, scope: construct.node.path };
      }),
  );
  const fromOptions = stackLevel.map((s) => ({
    ruleId: s.ruleId,
    reason: s.reason,
    scope: s.path ? `${root.node.path}/${s.path.replace(/^\/+|\/+$/g, "")}` : root.node.path,
  }));
  return [...fromMetadata, ...fromOptions];
}

/** Why a suppression is refused, or undefined when it is valid. */
export function suppressionProblem(suppression: SuppressionRecord): string | undefined {
  if (!findRule(suppression.ruleId)) {
    return `unknown rule id "${suppression.ruleId}"; use an id listed in docs/guardrails.md`;
  }
  const reason = typeof suppression.reason === "string" ? suppression.reason.trim() : "";
  if (reason.length < MIN_REASON_LENGTH) {
    return `the reason "${reason}" is shorter than ${MIN_REASON_LENGTH} characters; say why the finding is acceptable here`;
  }
  return undefined;
}

/** True if the suppression's scope is the resource's construct or one of its ancestors. */
export function coversPath(suppression: SuppressionRecord, constructPath: string): boolean {
  return constructPath === suppression.scope || constructPath.startsWith(`${suppression.scope}/`);
}
