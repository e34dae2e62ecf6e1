import { Token } from "../../engine";
import type { KubernetesWorkloadProps } from "./kubernetes-workload";
import { KUBERNETES_WORKLOAD_DEFAULTS as D } from "./workload-defaults";

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Values under these names belong in `secrets`, never in the Deployment spec (and so in state). */
const SECRET_LOOKING = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/i;

const known = (value: unknown) => !Token.isUnresolved(value);

/**
 * Checks the props before anything is created; every message names the prop and the fix. Values
 * that are tokens (resolved at apply time) are skipped.
 */
export function validateWorkload(props: KubernetesWorkloadProps): void {
  const where = `KubernetesWorkload ${props.name}`;
  const fail = (message: string): never => {
    throw new Error(`${where}: ${message}`);
  };

  for (const [prop, value] of [
    ["name", props.name],
    ["namespace", props.namespace],
  ] as const) {
    if (known(value) && !DNS_LABEL.test(value)) {
      fail(
        `${prop} "${value}" must be a DNS label: lowercase letters, digits and '-', starting with a letter`,
      );
    }
  }
  if (known(props.image.tag) && props.image.tag === "latest") {
    fail("image.tag is `latest`; pin an immutable tag or digest so a rollout is reproducible");
  }
  if (
    known(props.serviceAccountRoleArn) &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(props.serviceAccountRoleArn)
  ) {
    fail(
      `serviceAccountRoleArn "${props.serviceAccountRoleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }

  const tg = props.targetGroupArn;
  if (
    tg !== undefined &&
    known(tg) &&
    !/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/.test(tg)
  ) {
    fail(
      `targetGroupArn "${tg}" is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>); pass the lookup's arn`,
    );
  }

  const num = (prop: keyof typeof D, min = 1, max = Number.MAX_SAFE_INTEGER): number => {
    const value = (props[prop as keyof KubernetesWorkloadProps] as number | undefined) ?? D[prop];
    if (known(value) && (!Number.isInteger(value) || value < min || value > max)) {
      fail(
        `${prop} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? "up" : max}; got ${value}`,
      );
    }
    return value;
  };
  const replicas = num("replicas");
  const maxSurge = num("maxSurge", 0);
  const maxUnavailable = num("maxUnavailable", 0);
  const cpuRequest = num("cpuRequestMillicores");
  const cpuLimit = num("cpuLimitMillicores");
  const memRequest = num("memoryRequestMiB");
  const memLimit = num("memoryLimitMiB");
  for (const p of ["livenessInitialDelaySeconds", "readinessInitialDelaySeconds"] as const) num(p, 0);
  for (const p of ["livenessPeriodSeconds", "readinessPeriodSeconds", "servicePort", "tmpSizeMiB"] as const)
    num(p);
  const minReplicas = num("minReplicas");
  const maxReplicas = num("maxReplicas");
  num("cpuTargetPercent", 1, 100);
  num("memoryTargetPercent", 1, 100);
  const disruption = num("disruptionMaxUnavailable");
  num("zoneMaxSkew");

  const allKnown = (...values: number[]) => values.every(known);
  if (allKnown(maxSurge, maxUnavailable) && maxSurge === 0 && maxUnavailable === 0) {
    fail("maxSurge and maxUnavailable are both 0, so a rollout can never progress; raise one of them");
  }
  if (allKnown(maxUnavailable, replicas) && maxUnavailable >= replicas) {
    fail(
      `maxUnavailable (${maxUnavailable}) must be less than replicas (${replicas}) or a rollout takes every pod down`,
    );
  }
  if (allKnown(cpuRequest, cpuLimit) && cpuRequest > cpuLimit) {
    fail(
      `cpuRequestMillicores (${cpuRequest}) is above cpuLimitMillicores (${cpuLimit}); lower the request or raise the limit`,
    );
  }
  if (allKnown(memRequest, memLimit) && memRequest > memLimit) {
    fail(
      `memoryRequestMiB (${memRequest}) is above memoryLimitMiB (${memLimit}); lower the request or raise the limit`,
    );
  }
  if (allKnown(minReplicas, maxReplicas) && minReplicas > maxReplicas) {
    fail(`minReplicas (${minReplicas}) is greater than maxReplicas (${maxReplicas})`);
  }
  if (allKnown(replicas, minReplicas, maxReplicas) && (replicas < minReplicas || replicas > maxReplicas)) {
    fail(
      `replicas (${replicas}) must be between minReplicas (${minReplicas}) and maxReplicas (${maxReplicas}), or the autoscaler overrides it at once`,
    );
  }
  if (allKnown(disruption, minReplicas) && disruption >= minReplicas) {
    fail(
      `disruptionMaxUnavailable (${disruption}) must be less than minReplicas (${minReplicas}) so a node drain keeps the API up`,
    );
  }

  const plain = Object.keys(props.environment ?? {});
  const secret = secretVariables(props);
  for (const variable of [...plain, ...secret]) {
    if (!ENV_NAME.test(variable))
      fail(`environment variable "${variable}" is not a valid name (letters, digits, _)`);
  }
  for (const variable of plain) {
    if (SECRET_LOOKING.test(variable)) {
      fail(
        `environment.${variable} looks like a secret; pass it through \`secrets\` so its value stays out of the spec and state`,
      );
    }
    if (secret.includes(variable))
      fail(`${variable} is both in environment and in secrets; keep it in secrets only`);
  }
  const s = props.secrets;
  if (s && secret.length === 0)
    fail("secrets lists no variables; remove `secrets` or add at least one variable");
  if (s?.source === "external-secret" && !s.store && !s.awsRegion) {
    fail(
      "secrets (external-secret) needs `awsRegion` (to create a SecretStore) or `store` (an existing one)",
    );
  }
  if (
    s?.source === "kubernetes-secret" &&
    known(s.secretName) &&
    !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(s.secretName)
  ) {
    fail(`secrets.secretName "${s.secretName}" is not a valid Kubernetes object name`);
  }
}

function secretVariables(props: KubernetesWorkloadProps): string[] {
  const s = props.secrets;
  if (!s) return [];
  return Object.keys(s.source === "kubernetes-secret" ? s.keys : s.data);
}
