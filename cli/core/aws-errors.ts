/**
 * Turns an AWS SDK error into one sentence that names the resource and says what to do. The SDK
 * reports the same condition under several names across services (RDS `DBInstanceNotFound` vs the
 * class name `DBInstanceNotFoundFault`), so names are normalised before lookup.
 */
import { CliError, ExitCode } from "./errors";

/** An AWS call failed; the message is the operator-facing sentence, `awsName` the SDK error name. */
export class AwsCallError extends CliError {
  constructor(
    message: string,
    readonly awsName: string,
    readonly resource: string,
  ) {
    super(message, ExitCode.Failed);
  }
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The SDK error name, falling back to Node's network error codes (ECONNREFUSED, …). */
export function awsErrorName(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  return e.name && e.name !== "Error" ? e.name : (e.Code ?? e.code ?? e.name ?? "UnknownError");
}

function normalise(name: string): string {
  return name.replace(/(Fault|Exception|Error)$/, "");
}

const THROTTLING = new Set([
  "Throttling",
  "TooManyRequests",
  "RequestLimitExceeded",
  "RequestThrottled",
  "ProvisionedThroughputExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
  "Rate exceeded",
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(normalise(awsErrorName(error)));
}

/** Worth another attempt: throttling, a 5xx from AWS, or a dropped connection. */
export function isRetryable(error: unknown): boolean {
  if (isThrottling(error)) return true;
  const status = (error as SdkErrorShape)?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return ["ECONNRESET", "ETIMEDOUT", "EPIPE", "TimeoutError", "RequestTimeout"].includes(awsErrorName(error));
}

type Explain = (resource: string, detail: string) => string;

const notFound: Explain = (r) =>
  `${r} was not found: check --env/--region and that the manifest matches what is deployed (run synth and apply).`;
const invalidState: Explain = (r, d) =>
  `${r} is not in a state that allows this operation (${d}); run \`skyline status\` and retry once it is available.`;

const EXPLANATIONS: Record<string, Explain> = {
  DBInstanceNotFound: notFound,
  DBSnapshotNotFound: notFound,
  DBClusterNotFound: notFound,
  ReplicationGroupNotFound: notFound,
  GlobalReplicationGroupNotFound: notFound,
  ServiceNotFound: notFound,
  ClusterNotFound: notFound,
  ObjectNotFound: notFound,
  TargetGroupNotFound: notFound,
  LoadBalancerNotFound: notFound,
  NoSuchHostedZone: notFound,
  NoSuchHealthCheck: notFound,
  ResourceNotFound: notFound,
  InvalidDBInstanceState: invalidState,
  InvalidDBSnapshotState: invalidState,
  InvalidReplicationGroupState: invalidState,
  InvalidGlobalReplicationGroupState: invalidState,
  InvalidCacheClusterState: invalidState,
  ServiceNotActive: invalidState,
  ConcurrentUpdate: invalidState,
  DBSnapshotAlreadyExists: (r) =>
    `${r} already exists: snapshot names include the second they were taken, so wait a second and retry.`,
  SnapshotQuotaExceeded: (r) =>
    `The manual snapshot quota is reached while creating ${r}: run \`skyline snapshot prune\` or request a quota increase.`,
  StorageQuotaExceeded: (r) =>
    `The storage quota is reached for ${r}: request a quota increase in Service Quotas.`,
  InsufficientDBInstanceCapacity: (r) =>
    `AWS has no capacity for the requested class of ${r} in this AZ: try another instance class or retry later.`,
  KMSKeyNotAccessible: (r) =>
    `The KMS key for ${r} is not usable by your role: check the key policy and that the alias exists in that region.`,
  AccessDenied: (r, d) =>
    `Access denied for ${r} (${d}): use a profile/role allowed to do this (--profile) or ask for the permission.`,
  UnauthorizedOperation: (r, d) =>
    `Not authorised for ${r} (${d}): use a profile/role allowed to do this (--profile) or ask for the permission.`,
  ExpiredToken: (r) =>
    `Your AWS credentials expired while acting on ${r}: refresh them (e.g. \`aws sso login --profile <name>\`) and retry.`,
  RequestExpired: (r) =>
    `Your AWS credentials expired while acting on ${r}: refresh them (e.g. \`aws sso login --profile <name>\`) and retry.`,
  InvalidClientTokenId: (r) =>
    `AWS did not recognise your access key while acting on ${r}: check --profile and AWS_ACCESS_KEY_ID, then retry.`,
  UnrecognizedClient: (r) =>
    `AWS did not recognise your access key while acting on ${r}: check --profile and AWS_ACCESS_KEY_ID, then retry.`,
  SignatureDoesNotMatch: (r) =>
    `AWS rejected the request signature for ${r}: check AWS_SECRET_ACCESS_KEY and the system clock, then retry.`,
  CredentialsProvider: (r) =>
    `No AWS credentials found to act on ${r}: pass --profile, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.`,
  ECONNREFUSED: (r) =>
    `Could not connect to the AWS endpoint for ${r}: check --endpoint-url / AWS_ENDPOINT_URL and your network.`,
  ENOTFOUND: (r) =>
    `Could not resolve the AWS endpoint for ${r}: check --endpoint-url / AWS_ENDPOINT_URL and your network.`,
  InvalidParameterValue: (r, d) =>
    `AWS rejected a parameter for ${r} (${d}): check the flag values and retry.`,
  InvalidParameterCombination: (r, d) =>
    `AWS rejected the parameters for ${r} (${d}): check the flag values.`,
};

/**
 * One sentence naming the resource and the fix.
 * @param attempts how many attempts were made (named when throttling outlasted the retries)
 */
export function explainAwsError(error: unknown, resource: string, attempts = 1): string {
  const name = normalise(awsErrorName(error));
  const detail = (error as SdkErrorShape)?.message?.split("\n")[0] ?? name;
  if (THROTTLING.has(name)) {
    return (
      `AWS kept throttling requests for ${resource} after ${attempts} attempts: ` +
      "wait a minute and retry (or raise AWS_MAX_ATTEMPTS)."
    );
  }
  const explain = EXPLANATIONS[name];
  if (explain) return explain(resource, detail);
  return `AWS call for ${resource} failed with ${awsErrorName(error)}: ${detail}.`;
}
