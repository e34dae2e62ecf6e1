/**
 * Every EKS control-plane log type: API calls, audit trail, authenticator, controller manager,
 * scheduler. A module without provider imports: the guardrails check clusters against it on every
 * synth, ECS included.
 */
export const CONTROL_PLANE_LOG_TYPES: readonly string[] = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
];
