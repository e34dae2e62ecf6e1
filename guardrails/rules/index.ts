import type { Rule } from "../types";
import { backupRules } from "./backup";
import { cloudfrontRules } from "./cloudfront";
import { ecsRules } from "./ecs";
import { eksRules } from "./eks";
import { elasticacheRules } from "./elasticache";
import { iamRules } from "./iam";
import { kmsRules } from "./kms";
import { lambdaRules } from "./lambda";
import { literalSecretRules } from "./literal-secrets";
import { loadBalancerRules } from "./load-balancer";
import { logRules } from "./logs";
import { networkRules } from "./network";
import { rdsRules } from "./rds";
import { s3Rules } from "./s3";
import { secretsManagerRules } from "./secretsmanager";
import { snsRules } from "./sns";
import { sqsRules } from "./sqs";
import { wafRules } from "./waf";

/** Every guardrail, in the order the docs list them. */
export const ALL_RULES: readonly Rule[] = [
  ...networkRules,
  ...loadBalancerRules,
  ...wafRules,
  ...ecsRules,
  ...lambdaRules,
  ...eksRules,
  ...rdsRules,
  ...elasticacheRules,
  ...s3Rules,
  ...kmsRules,
  ...logRules,
  ...snsRules,
  ...sqsRules,
  ...secretsManagerRules,
  ...backupRules,
  ...cloudfrontRules,
  ...iamRules,
  ...literalSecretRules,
];

const BY_ID = new Map(ALL_RULES.map((rule) => [rule.id, rule]));

/** The rule with this id, or undefined (suppressions for unknown ids are errors). */
export function findRule(id: string): Rule | undefined {
  return BY_ID.get(id);
}
