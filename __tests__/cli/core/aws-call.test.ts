import {
  awsSend,
  retryPolicyFromEnv,
  TOOK_EFFECT_WINDOW_MS,
  type AwsSendArgs,
} from "../../../cli/core/aws-call";
import { AwsCallError } from "../../../cli/core/aws-errors";
import { FailedError } from "../../../cli/core/errors";
import { awsError } from "../helpers";

const timeout = () =>
  Object.assign(
    new Error(
      "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 60000 ms requestTimeout.",
    ),
    {
      name: "TimeoutError",
      code: "ETIMEDOUT",
    },
  );
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

function harness(operation: string, call: jest.Mock, extra: Partial<AwsSendArgs<unknown>> = {}) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  let t = 0;
  const args: AwsSendArgs<unknown> = {
    call,
    operation,
    input: {},
    info: {
      resource: "cache c (eu-west-1)",
      operation,
      service: "ElastiCache",
      region: "eu-west-1",
      endpoint: "https://elasticache.eu-west-1.amazonaws.com",
      requestTimeout: { seconds: 60, from: "default" },
    },
    retry: {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
    },
    now: () => t,
    progress: (m) => lines.push(m),
    ...extra,
  };
  return { args, sleeps, lines };
}

describe("awsSend: reads", () => {
  it("retries throttling with capped exponential back-off and returns the eventual result", async () => {
    const call = jest
      .fn()
      .mockRejectedValueOnce(awsError("ThrottlingException"))
      .mockRejectedValueOnce(awsError("Throttling"))
      .mockRejectedValueOnce(awsError("Throttling"))
      .mockResolvedValue("ok");
    const { args, sleeps } = harness("DescribeReplicationGroups", call);
    await expect(awsSend(args)).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(4);
    expect(sleeps).toEqual([100, 200, 250]);
  });

  it("retries 5xx, dropped and refused connections", async () => {
    const call = jest
      .fn()
      .mockRejectedValueOnce(awsError("InternalFailure", "x", 500))
      .mockRejectedValueOnce(reset())
      .mockRejectedValueOnce(refused())
      .mockResolvedValue("ok");
    const { args } = harness("DescribeReplicationGroups", call);
    await expect(awsSend(args)).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(4);
  });

  it("gives up after maxAttempts with the throttling sentence", async () => {
    const call = jest.fn().mockRejectedValue(awsError("Throttling"));
    const { args } = harness("DescribeReplicationGroups", call);
    const error = (await awsSend({ ...args, retry: { ...args.retry, maxAttempts: 3 } }).catch(
      (e: unknown) => e,
    )) as AwsCallError;
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.exitCode).toBe(1);
    expect(error.awsName).toBe("Throttling");
    expect(error.message).toContain("cache c (eu-west-1) after 3 attempts");
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("does not retry a timeout: a silent endpoint would multiply the wait", async () => {
    const call = jest.fn().mockRejectedValue(timeout());
    const { args, sleeps } = harness("DescribeReplicationGroups", call);
    const error = (await awsSend(args).catch((e: unknown) => e)) as AwsCallError;
    expect(call).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
    expect(error.kind).toBe("timeout");
    expect(error.transient).toBe(true);
    expect(error.message).toBe(
      "No answer from https://elasticache.eu-west-1.amazonaws.com to ElastiCache DescribeReplicationGroups for cache c (eu-west-1) " +
        "within 60 s (request timeout, default): the endpoint accepted the connection but did not respond. " +
        "Check the endpoint (--endpoint-url / AWS_ENDPOINT_URL), your network, VPN or proxy, and the AWS Health Dashboard for eu-west-1; " +
        "if it is only slow, raise --request-timeout.",
    );
  });

  it("does not retry non-retryable errors", async () => {
    const call = jest.fn().mockRejectedValue(awsError("AccessDenied", "no", 403));
    const { args, sleeps } = harness("DescribeReplicationGroups", call);
    await expect(awsSend(args)).rejects.toThrow("Access denied for cache c");
    expect(call).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it("reads AWS_MAX_ATTEMPTS, defaulting to 5 and capped at 20", () => {
    const sleep = async () => undefined;
    expect(retryPolicyFromEnv({}, sleep).maxAttempts).toBe(5);
    expect(retryPolicyFromEnv({ AWS_MAX_ATTEMPTS: "2" }, sleep).maxAttempts).toBe(2);
    expect(retryPolicyFromEnv({ AWS_MAX_ATTEMPTS: "zero" }, sleep).maxAttempts).toBe(5);
    expect(retryPolicyFromEnv({ AWS_MAX_ATTEMPTS: "9999" }, sleep).maxAttempts).toBe(20);
  });
});

describe("awsSend: calls that are not idempotent", () => {
  it.each([
    ["HTTP 500", () => awsError("InternalFailure", "boom", 500), "HTTP 500 (InternalFailure)"],
    ["a dropped connection", reset, "the connection dropped (ECONNRESET)"],
    ["a timeout", timeout, "no answer within 60 s"],
  ])("after %s: sent once, the state re-read, and continues when it took effect", async (_, error, what) => {
    const call = jest.fn().mockRejectedValue(error());
    const probe = jest.fn().mockResolvedValueOnce(false).mockResolvedValue(true);
    const { args, lines } = harness("TestFailover", call, { options: { tookEffect: probe } });
    const result = await awsSend(args);
    expect(typeof result).toBe("symbol");
    expect(call).toHaveBeenCalledTimes(1);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(lines[0]).toBe(
      `TestFailover for cache c (eu-west-1): ${what}. Not sent again (TestFailover is not idempotent); re-reading cache c (eu-west-1) to learn whether it took effect.`,
    );
    expect(lines[1]).toBe("cache c (eu-west-1) shows the change: TestFailover took effect; continuing.");
  });

  it("fails as not applied when the re-read shows no change for the whole window", async () => {
    const call = jest.fn().mockRejectedValue(awsError("ServiceUnavailable", "down", 503));
    const probe = jest.fn().mockResolvedValue(false);
    const { args } = harness("IncreaseReplicaCount", call, { options: { tookEffect: probe } });
    const error = (await awsSend(args).catch((e: unknown) => e)) as FailedError;
    expect(error).toBeInstanceOf(FailedError);
    expect(error.kind).toBe("not-applied");
    expect(error.exitCode).toBe(1);
    expect(call).toHaveBeenCalledTimes(1);
    expect(probe.mock.calls.length).toBeGreaterThan(1);
    expect(error.message).toBe(
      "IncreaseReplicaCount for cache c (eu-west-1) got HTTP 503 (ServiceUnavailable), and cache c (eu-west-1) shows no change " +
        `after 0${TOOK_EFFECT_WINDOW_MS / 60_000}:00: AWS most likely did not apply it. It was not sent again. ` +
        "Check `skyline status`, then re-run the command if the change is still needed.",
    );
  });

  it("says the outcome is unknown when the state cannot be re-read, or there is no way to re-read it", async () => {
    const call = jest.fn().mockRejectedValue(awsError("InternalFailure", "boom", 500));
    const probe = jest.fn().mockRejectedValue(new Error("still down"));
    const { args } = harness("ModifyReplicationGroup", call, { options: { tookEffect: probe } });
    const unreadable = (await awsSend(args).catch((e: unknown) => e)) as FailedError;
    expect(unreadable.kind).toBe("outcome-unknown");
    expect(unreadable.message).toContain("could not be re-read (still down)");
    const { args: bare } = harness("ModifyReplicationGroup", call);
    const blind = (await awsSend(bare).catch((e: unknown) => e)) as FailedError;
    expect(blind.kind).toBe("outcome-unknown");
    expect(blind.message).toContain("skyline does not send ModifyReplicationGroup twice");
    expect(call).toHaveBeenCalledTimes(2);
  });

  it("still retries throttling and connections that never opened: AWS did not act on those", async () => {
    const call = jest
      .fn()
      .mockRejectedValueOnce(awsError("Throttling"))
      .mockRejectedValueOnce(refused())
      .mockResolvedValue("ok");
    const { args } = harness("PromoteReadReplica", call);
    await expect(awsSend(args)).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("an AWS 4xx answer is reported as is, without re-reading", async () => {
    const call = jest.fn().mockRejectedValue(awsError("InvalidReplicationGroupStateFault", "modifying", 400));
    const probe = jest.fn();
    const { args } = harness("TestFailover", call, { options: { tookEffect: probe } });
    await expect(awsSend(args)).rejects.toThrow("is not in a state that allows this operation");
    expect(probe).not.toHaveBeenCalled();
  });
});

describe("awsSend: client tokens", () => {
  it("retries a token operation on 5xx only when the token is set", async () => {
    const withToken = jest
      .fn()
      .mockRejectedValueOnce(awsError("InternalFailure", "x", 500))
      .mockResolvedValue("ok");
    const { args } = harness("StartCopyJob", withToken, { input: { IdempotencyToken: "skyline-op-1" } });
    await expect(awsSend(args)).resolves.toBe("ok");
    expect(withToken).toHaveBeenCalledTimes(2);

    const without = jest.fn().mockRejectedValue(awsError("InternalFailure", "x", 500));
    const { args: bare } = harness("StartCopyJob", without, { input: {} });
    await expect(awsSend(bare)).rejects.toThrow("skyline does not send StartCopyJob twice");
    expect(without).toHaveBeenCalledTimes(1);
  });
});
