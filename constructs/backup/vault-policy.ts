/**
 * The vault access policy an SRE expects: recovery points leave the vault only by their lifecycle.
 *
 * - Nobody (not even an account administrator or a compromised deploy role) may delete a recovery
 *   point or shorten its lifecycle, except the break-glass principals listed in
 *   `recoveryPointAdminArns`. Expiry by the plan's lifecycle is done by AWS Backup itself and is
 *   not affected.
 * - The policy itself may be replaced or removed only by `policyAdminArns` (the deploy role), and
 *   only when that list is given: denying everyone would leave Terraform unable to ever change the
 *   policy again, so without admins the policy's own changes are left to IAM.
 * Vault lock (compliance mode) is the stronger, immutable guarantee; this policy is the part that
 * can be changed by a reviewed Terraform change.
 */

export interface BackupVaultPolicySettings {
  /**
   * Principals (role ARNs) still allowed to delete recovery points or change their lifecycle, e.g.
   * a break-glass role used with a second person present.
   * @default none: recovery points expire only through their lifecycle
   */
  readonly recoveryPointAdminArns?: readonly string[];
  /**
   * Principals allowed to replace or delete this policy (the deploy role). When given, everyone
   * else is denied `PutBackupVaultAccessPolicy` and `DeleteBackupVaultAccessPolicy`.
   * @default not restricted by the vault policy (IAM decides), so Terraform can keep updating it
   */
  readonly policyAdminArns?: readonly string[];
}

/** Actions that destroy or shorten the life of recovery points already in the vault. */
export const RECOVERY_POINT_DESTRUCTIVE_ACTIONS = [
  "backup:DeleteRecoveryPoint",
  "backup:UpdateRecoveryPointLifecycle",
] as const;

/** Actions that would remove the protection above. */
export const POLICY_CHANGE_ACTIONS = [
  "backup:PutBackupVaultAccessPolicy",
  "backup:DeleteBackupVaultAccessPolicy",
] as const;

export function vaultPolicyDocument(settings: BackupVaultPolicySettings): object {
  const statements: object[] = [
    denyAllBut(
      "DenyRecoveryPointDeletion",
      RECOVERY_POINT_DESTRUCTIVE_ACTIONS,
      settings.recoveryPointAdminArns,
    ),
  ];
  if (settings.policyAdminArns && settings.policyAdminArns.length > 0) {
    statements.push(denyAllBut("DenyVaultPolicyChanges", POLICY_CHANGE_ACTIONS, settings.policyAdminArns));
  }
  return { Version: "2012-10-17", Statement: statements };
}

function denyAllBut(sid: string, actions: readonly string[], exempt: readonly string[] | undefined): object {
  return {
    Sid: sid,
    Effect: "Deny",
    // Principal and Resource must be wildcards for AWS Config's manual-deletion check to pass.
    Principal: { AWS: "*" },
    Action: [...actions],
    Resource: "*",
    ...(exempt && exempt.length > 0
      ? { Condition: { ArnNotLike: { "aws:PrincipalArn": [...exempt] } } }
      : {}),
  };
}
