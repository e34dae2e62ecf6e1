import { awsCall, retryPolicyFromEnv } from "../../../cli/core/aws-call";
import { AwsCallError } from "../../../cli/core/aws-errors";
import { awsError } from "../helpers";

function policy(maxAttempts = 4) {
  const sleeps: number[] = [];
  return {
    sleeps,
    policy: {
      maxAttempts,
      baseDelayMs: 100,
      maxDelayMs: 250,
      sleep: async (ms: number) => void sleeps.push(ms),
    },
  };
}

describe("awsCall", () => {
  it("retries throttling with capped exponential back-off and returns the eventual result", async () => {
    const { sleeps, policy: p } = policy();
    const call = jest
      .fn()
      .mockRejectedValueOnce(awsError("ThrottlingException"))
      .mockRejectedValueOnce(awsError("Throttling"))
      .mockRejectedValueOnce(awsError("Throttling"))
      .mockResolvedValue("ok");
    await expect(awsCall(p, "thing", call)).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(4);
    expect(sleeps).toEqual([100, 200, 250]);
  });

  it("gives up after maxAttempts with the throttling sentence", async () => {
    const { policy: p } = policy(3);
    const call = jest.fn().mockRejectedValue(awsError("Throttling"));
    const error = (await awsCall(p, "cache x (eu-west-1)", call).catch((e: unknown) => e)) as AwsCallError;
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.exitCode).toBe(1);
    expect(error.awsName).toBe("Throttling");
    expect(error.message).toContain("cache x (eu-west-1) after 3 attempts");
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("does not retry non-retryable errors", async () => {
    const { sleeps, policy: p } = policy();
    const call = jest.fn().mockRejectedValue(awsError("AccessDenied", "no", 403));
    await expect(awsCall(p, "thing", call)).rejects.toThrow("Access denied for thing");
    expect(call).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it("reads AWS_MAX_ATTEMPTS, defaulting to 5", () => {
    const sleep = async () => undefined;
    expect(retryPolicyFromEnv({}, sleep).maxAttempts).toBe(5);
    expect(retryPolicyFromEnv({ AWS_MAX_ATTEMPTS: "2" }, sleep).maxAttempts).toBe(2);
    expect(retryPolicyFromEnv({ AWS_MAX_ATTEMPTS: "zero" }, sleep).maxAttempts).toBe(5);
  });
});
