import { explainAwsError, isRetryable, isThrottling } from "../../../cli/core/aws-errors";
import { awsError } from "../helpers";

const R = "database skyline-production-use1-db (us-east-1)";

describe("explainAwsError", () => {
  it.each([
    ["DBInstanceNotFoundFault", "was not found: check --env/--region"],
    ["DBInstanceNotFound", "was not found"],
    ["DBSnapshotNotFoundFault", "was not found"],
    ["ReplicationGroupNotFoundFault", "was not found"],
    ["ServiceNotFoundException", "was not found"],
    ["ClusterNotFoundException", "was not found"],
    ["NoSuchHealthCheck", "was not found"],
    ["InvalidDBInstanceStateFault", "is not in a state that allows this operation"],
    ["InvalidDBInstanceState", "run `skyline status` and retry once it is available"],
    ["InvalidReplicationGroupStateFault", "is not in a state"],
    ["AccessDenied", "Access denied for"],
    ["AccessDeniedException", "use a profile/role allowed to do this (--profile)"],
    ["UnauthorizedOperation", "Not authorised"],
    ["ExpiredToken", "credentials expired"],
    ["ExpiredTokenException", "aws sso login"],
    ["RequestExpired", "credentials expired"],
    ["InvalidClientTokenId", "did not recognise your access key"],
    ["UnrecognizedClientException", "did not recognise your access key"],
    ["CredentialsProviderError", "No AWS credentials found"],
    ["SnapshotQuotaExceeded", "skyline snapshot prune"],
    ["DBSnapshotAlreadyExists", "already exists"],
    ["KMSKeyNotAccessibleFault", "KMS key"],
    ["InsufficientDBInstanceCapacity", "no capacity"],
  ])("%s names the resource and the fix", (name, fix) => {
    const sentence = explainAwsError(awsError(name, `${name}: detail`), R);
    expect(sentence).toContain(R);
    expect(sentence).toContain(fix);
    expect(sentence.split("\n")).toHaveLength(1);
  });

  it.each([
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "PriorRequestNotComplete",
  ])("%s after retries says how many attempts were made", (name) => {
    expect(explainAwsError(awsError(name), R, 5)).toBe(
      `AWS kept throttling requests for ${R} after 5 attempts: wait a minute and retry (or raise AWS_MAX_ATTEMPTS).`,
    );
    expect(isThrottling(awsError(name))).toBe(true);
  });

  it("maps a refused connection to the endpoint flag", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(explainAwsError(error, R)).toContain("--endpoint-url");
  });

  it("falls back to the error name and first message line for unknown errors", () => {
    expect(explainAwsError(awsError("WeirdFault", "first line\nsecond"), R)).toBe(
      `AWS call for ${R} failed with WeirdFault: first line.`,
    );
  });
});

describe("isRetryable", () => {
  it("retries throttling, 5xx and dropped connections but not client errors", () => {
    expect(isRetryable(awsError("Throttling"))).toBe(true);
    expect(isRetryable(awsError("InternalFailure", "x", 500))).toBe(true);
    expect(isRetryable(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(awsError("AccessDenied", "x", 403))).toBe(false);
    expect(isRetryable(awsError("DBInstanceNotFound", "x", 404))).toBe(false);
  });
});
