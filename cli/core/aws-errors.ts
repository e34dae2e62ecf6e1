/**
 * Turns an AWS SDK error into one sentence that names the resource (and, for network trouble, the
 * endpoint and the operation) and says what to check. The SDK reports the same condition under
 * several names across services (RDS `DBInstanceNotFound` vs the class name
 * `DBInstanceNotFoundFault`), so names are normalised before lookup.
 */
import { CliError, ExitCode, type ErrorKind } from "./errors";

/** What was being called, for the sentence. Only `resource` is required. */
export interface CallInfo {
  /** e.g. `database skyline-production-use1-db (us-east-1)` */
  readonly resource: string;
  /** SDK operation name, e.g. `PromoteReadReplica`. */
  readonly operation?: string;
  /** Service name as on-call knows it, e.g. `RDS`. */
  readonly service?: string;
  readonly region?: string;
  /** Where the request went, e.g. `https://rds.eu-west-1.amazonaws.com`. */
  readonly endpoint?: string;
  /** Attempts made (named when throttling outlasted the retries). @default 1 */
  readonly attempts?: number;
  readonly connectTimeout?: { readonly seconds: number; readonly from: string };
  readonly requestTimeout?: { readonly seconds: number; readonly from: string };
  /** The profile in use and whether it exists in the shared files (checked after a credentials error). */
  readonly profile?: {
    readonly name: string;
    readonly from: string;
    readonly defined?: boolean;
    readonly files?: readonly string[];
  };
}

/** An AWS call failed; the message is the operator-facing sentence, `awsName` the SDK error name. */
export class AwsCallError extends CliError {
  constructor(
    message: string,
    readonly awsName: string,
    readonly resource: string,
    kind: ErrorKind,
    /** Worth reading again later (a wait keeps polling through it): timeouts, 5xx, dropped connections. */
    readonly transient: boolean,
    readonly call?: CallInfo,
  ) {
    super(message, ExitCode.Failed, kind);
  }
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/** The SDK error name, falling back to Node's network error codes (ECONNREFUSED, …). */
export function awsErrorName(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  if (e.code && /^E[A-Z_]+$/.test(e.code) && e.name !== "TimeoutError") return e.code;
  return e.name && e.name !== "Error" && e.name !== "SyntaxError"
    ? e.name
    : (e.Code ?? e.code ?? e.name ?? "UnknownError");
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

/** The request never reached the endpoint: no TCP connection was made. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** The connection broke while the request may already have been read by the server. */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/**
 * What kind of failure this is, which decides retries (call-policy.ts) and the sentence.
 * - `throttling`: AWS refused the request before acting on it
 * - `not-sent`: no connection was made (refused, DNS, unreachable, connect timeout)
 * - `timeout`: connected, then no (complete) answer within the request timeout
 * - `server`: HTTP 5xx, from AWS or from something in front of it
 * - `dropped`: the connection broke mid-request
 * - `credentials`: no usable credentials
 * - `client`: any other error AWS answered (4xx: not found, access denied, bad state …)
 */
export type FailureClass =
  "throttling" | "not-sent" | "timeout" | "server" | "dropped" | "credentials" | "client";

export function httpStatus(error: unknown): number | undefined {
  const e = error as SdkErrorShape;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

function isConnectTimeout(error: unknown): boolean {
  return /did not establish a connection/.test((error as SdkErrorShape)?.message ?? "");
}

export function classifyFailure(error: unknown): FailureClass {
  const name = awsErrorName(error);
  if (isThrottling(error) || httpStatus(error) === 429) return "throttling";
  if (normalise(name) === "CredentialsProvider") return "credentials";
  if (NOT_SENT.has(name) || isConnectTimeout(error)) return "not-sent";
  if (["TimeoutError", "ETIMEDOUT", "RequestTimeout", "ESOCKETTIMEDOUT"].includes(name)) return "timeout";
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return "server";
  if (DROPPED.has(name) || /socket hang up/.test((error as SdkErrorShape)?.message ?? "")) return "dropped";
  return "client";
}

/** Worth another attempt for a retry-safe call: throttling, 5xx, no connection or a dropped one. Timeouts are not. */
export function isRetryable(error: unknown): boolean {
  return ["throttling", "server", "not-sent", "dropped"].includes(classifyFailure(error));
}

/** The answer did not come from AWS: an HTML (or other) page the SDK could not parse. */
export function foreignAnswer(error: unknown): { status?: number; contentType: string } | undefined {
  const e = error as SdkErrorShape;
  const deserialization = /Deserialization error|XML parse error|is not valid JSON|Unexpected token/.test(
    e?.message ?? "",
  );
  if (!deserialization) return undefined;
  const headers = e.$response?.headers ?? {};
  const contentType =
    Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "unknown content type";
  return { status: httpStatus(error), contentType: contentType.split(";")[0] as string };
}

/** A short phrase for what came back, used where the sentence is built around the operation. */
export function whatHappened(error: unknown, info: CallInfo): string {
  const cls = classifyFailure(error);
  const foreign = foreignAnswer(error);
  if (foreign)
    return `HTTP ${foreign.status ?? "?"} with a ${foreign.contentType} page that is not an AWS answer`;
  if (cls === "timeout") return `no answer within ${info.requestTimeout?.seconds ?? "?"} s`;
  if (cls === "server") return `HTTP ${httpStatus(error)} (${awsErrorName(error)})`;
  if (cls === "dropped") return `the connection dropped (${awsErrorName(error)})`;
  return awsErrorName(error);
}

type Explain = (resource: string, detail: string) => string;

const notFound: Explain = (r) =>
  `${r} was not found: check --env/--region and that the manifest matches what is deployed (run synth and apply).`;
const invalidState: Explain = (r, d) =>
  `${r} is not in a state that allows this operation (${d}); run \`skyline status\` and retry once it is available.`;

/** AWS error names that mean "the resource is not there". */
export const NOT_FOUND_NAMES = new Set([
  "DBInstanceNotFound",
  "DBSnapshotNotFound",
  "DBClusterNotFound",
  "ReplicationGroupNotFound",
  "GlobalReplicationGroupNotFound",
  "ServiceNotFound",
  "ClusterNotFound",
  "ObjectNotFound",
  "TargetGroupNotFound",
  "LoadBalancerNotFound",
  "NoSuchHostedZone",
  "NoSuchHealthCheck",
  "ResourceNotFound",
  // SQS (the SDK's name for AWS.SimpleQueueService.NonExistentQueue)
  "QueueDoesNotExist",
]);

export function isNotFound(error: unknown): boolean {
  return NOT_FOUND_NAMES.has(normalise(awsErrorName(error)));
}

const EXPLANATIONS: Record<string, Explain> = {
  ...Object.fromEntries([...NOT_FOUND_NAMES].map((n) => [n, notFound])),
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
  InvalidParameterValue: (r, d) =>
    `AWS rejected a parameter for ${r} (${d}): check the flag values and retry.`,
  InvalidParameterCombination: (r, d) =>
    `AWS rejected the parameters for ${r} (${d}): check the flag values.`,
};

function credentialsSentence(info: CallInfo): string {
  const r = info.resource;
  const p = info.profile;
  if (p && p.defined === false) {
    return (
      `AWS profile "${p.name}" (${p.from}) is not defined in ${(p.files ?? []).join(" or ")}: ` +
      "check the name with `aws configure list-profiles`, or point AWS_CONFIG_FILE at the file that has it."
    );
  }
  if (p) {
    return (
      `AWS profile "${p.name}" (${p.from}) gave no credentials to act on ${r}: ` +
      `for SSO run \`aws sso login --profile ${p.name}\`; otherwise check its keys or role in the shared config.`
    );
  }
  return (
    `No AWS credentials found to act on ${r}: pass --profile <name>, set AWS_PROFILE, ` +
    "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
  );
}

const where = (info: CallInfo) => info.endpoint ?? "the AWS endpoint";
const op = (info: CallInfo) =>
  info.operation ? `${info.service ? `${info.service} ` : ""}${info.operation}` : "the call";
const health = (info: CallInfo) => `the AWS Health Dashboard${info.region ? ` for ${info.region}` : ""}`;

/**
 * One sentence naming the resource and the fix; for network trouble also the endpoint, the
 * operation and what to check.
 */
export function explainAwsError(error: unknown, info: CallInfo): string {
  const r = info.resource;
  const name = normalise(awsErrorName(error));
  const detail = (error as SdkErrorShape)?.message?.split("\n")[0] ?? name;
  const cls = classifyFailure(error);
  const attempts = info.attempts ?? 1;
  const foreign = foreignAnswer(error);
  if (cls === "throttling") {
    return (
      `AWS kept throttling requests for ${r} after ${attempts} attempts: ` +
      "wait a minute and retry (or raise AWS_MAX_ATTEMPTS)."
    );
  }
  if (cls === "credentials") return credentialsSentence(info);
  if (foreign) {
    return (
      `${where(info)} answered ${op(info)} for ${r} with HTTP ${foreign.status ?? "?"} and a ${foreign.contentType} page, ` +
      "not an AWS response: a proxy, VPN or load balancer between you and AWS is failing, or --endpoint-url points at the wrong server. " +
      `Check --endpoint-url / AWS_ENDPOINT_URL and HTTPS_PROXY, then ${health(info)}.`
    );
  }
  if (cls === "timeout") {
    const t = info.requestTimeout;
    return (
      `No answer from ${where(info)} to ${op(info)} for ${r} within ${t?.seconds ?? "?"} s` +
      `${t ? ` (request timeout, ${t.from})` : ""}: the endpoint accepted the connection but did not respond. ` +
      `Check the endpoint (--endpoint-url / AWS_ENDPOINT_URL), your network, VPN or proxy, and ${health(info)}; ` +
      "if it is only slow, raise --request-timeout."
    );
  }
  if (cls === "not-sent") {
    if (/did not establish a connection/.test(detail)) {
      const t = info.connectTimeout;
      return (
        `Could not connect to ${where(info)} within ${t?.seconds ?? "?"} s${t ? ` (connect timeout, ${t.from})` : ""} ` +
        `for ${op(info)} on ${r}: check the endpoint (--endpoint-url / AWS_ENDPOINT_URL), your network, VPN or proxy, and ${health(info)}.`
      );
    }
    const how = name === "ECONNREFUSED" ? "connect to" : "resolve";
    return (
      `Could not ${how} ${where(info)} for ${op(info)} on ${r} (${awsErrorName(error)}): ` +
      "check --endpoint-url / AWS_ENDPOINT_URL and your network."
    );
  }
  if (cls === "dropped") {
    return (
      `The connection to ${where(info)} dropped during ${op(info)} for ${r} (${awsErrorName(error)}): ` +
      `check your network, VPN or proxy, and ${health(info)}.`
    );
  }
  const explain = EXPLANATIONS[name];
  if (explain) return explain(r, detail);
  if (cls === "server") {
    return (
      `AWS answered ${op(info)} for ${r} with HTTP ${httpStatus(error)} (${awsErrorName(error)}: ${detail}) ` +
      `after ${attempts} attempt${attempts === 1 ? "" : "s"}: AWS is having trouble; check ${health(info)} and retry in a few minutes.`
    );
  }
  return `AWS call for ${r} failed with ${awsErrorName(error)}: ${detail}.`;
}

/** The JSON `error.kind` of an AWS failure. */
export function errorKind(error: unknown): ErrorKind {
  const cls = classifyFailure(error);
  if (cls === "timeout") return "timeout";
  if (cls === "credentials") return "credentials";
  if (isNotFound(error)) return "not-found";
  return "aws";
}
