import { classifyFailure, explainAwsError, isRetryable, isThrottling } from "../../../cli/core/aws-errors";
import { awsError } from "../helpers";

const R = "database skyline-production-use1-db (us-east-1)";
const info = { resource: R };

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
    const sentence = explainAwsError(awsError(name, `${name}: detail`), info);
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
    expect(explainAwsError(awsError(name), { resource: R, attempts: 5 })).toBe(
      `AWS kept throttling requests for ${R} after 5 attempts: wait a minute and retry (or raise AWS_MAX_ATTEMPTS).`,
    );
    expect(isThrottling(awsError(name))).toBe(true);
  });

  it("maps a refused connection to the endpoint flag", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(explainAwsError(error, info)).toContain("--endpoint-url");
  });

  it("falls back to the error name and first message line for unknown errors", () => {
    expect(explainAwsError(awsError("WeirdFault", "first line\nsecond"), info)).toBe(
      `AWS call for ${R} failed with WeirdFault: first line.`,
    );
  });
});

describe("network failures name the endpoint, the operation and what to check", () => {
  const call = {
    resource: R,
    operation: "DescribeDBInstances",
    service: "RDS",
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4566",
    connectTimeout: { seconds: 10, from: "--connect-timeout" },
    requestTimeout: { seconds: 2, from: "SKYLINE_REQUEST_TIMEOUT" },
  };

  it("a connect timeout", () => {
    const error = Object.assign(
      new Error(
        "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 10000 ms.",
      ),
      { name: "TimeoutError" },
    );
    expect(classifyFailure(error)).toBe("not-sent");
    expect(explainAwsError(error, call)).toBe(
      `Could not connect to http://127.0.0.1:4566 within 10 s (connect timeout, --connect-timeout) for RDS DescribeDBInstances on ${R}: ` +
        "check the endpoint (--endpoint-url / AWS_ENDPOINT_URL), your network, VPN or proxy, and the AWS Health Dashboard for us-east-1.",
    );
  });

  it("an HTML page instead of an AWS answer", () => {
    const error = Object.assign(
      new Error(
        "@aws-sdk XML parse error: mismatched tags <hr> and </body>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
      ),
      {
        $metadata: { httpStatusCode: 502 },
        $response: { statusCode: 502, headers: { "content-type": "text/html; charset=utf-8" } },
      },
    );
    expect(classifyFailure(error)).toBe("server");
    const sentence = explainAwsError(error, call);
    expect(sentence).toBe(
      `http://127.0.0.1:4566 answered RDS DescribeDBInstances for ${R} with HTTP 502 and a text/html page, not an AWS response: ` +
        "a proxy, VPN or load balancer between you and AWS is failing, or --endpoint-url points at the wrong server. " +
        "Check --endpoint-url / AWS_ENDPOINT_URL and HTTPS_PROXY, then the AWS Health Dashboard for us-east-1.",
    );
    expect(sentence).not.toContain("XML parse error");
  });

  it("a 5xx from AWS itself", () => {
    expect(explainAwsError(awsError("InternalFailure", "oops", 500), { ...call, attempts: 5 })).toBe(
      `AWS answered RDS DescribeDBInstances for ${R} with HTTP 500 (InternalFailure: oops) after 5 attempts: ` +
        "AWS is having trouble; check the AWS Health Dashboard for us-east-1 and retry in a few minutes.",
    );
  });

  it("a profile that does not exist, one that gives no credentials, and none at all", () => {
    const error = awsError("CredentialsProviderError", "Could not load credentials from any providers");
    expect(
      explainAwsError(error, {
        ...call,
        profile: {
          name: "nosuch",
          from: "--profile",
          defined: false,
          files: ["/h/.aws/config", "/h/.aws/credentials"],
        },
      }),
    ).toBe(
      'AWS profile "nosuch" (--profile) is not defined in /h/.aws/config or /h/.aws/credentials: ' +
        "check the name with `aws configure list-profiles`, or point AWS_CONFIG_FILE at the file that has it.",
    );
    expect(
      explainAwsError(error, { ...call, profile: { name: "oncall", from: "AWS_PROFILE", defined: true } }),
    ).toContain("aws sso login --profile oncall");
    expect(explainAwsError(error, call)).toContain("No AWS credentials found to act on");
  });
});

describe("isRetryable", () => {
  it("retries throttling, 5xx and dropped connections but not client errors", () => {
    expect(isRetryable(awsError("Throttling"))).toBe(true);
    expect(isRetryable(awsError("InternalFailure", "x", 500))).toBe(true);
    expect(isRetryable(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(awsError("AccessDenied", "x", 403))).toBe(false);
    expect(isRetryable(awsError("DBInstanceNotFound", "x", 404))).toBe(false);
    expect(isRetryable(Object.assign(new Error("t"), { name: "TimeoutError", code: "ETIMEDOUT" }))).toBe(
      false,
    );
  });
});
