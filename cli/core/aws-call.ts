/**
 * The one place AWS calls are retried and their errors translated. SDK clients are built with
 * maxAttempts 1 (see aws-clients.ts) so retries are counted once, here, and tests observe them.
 */
import { AwsCallError, awsErrorName, explainAwsError, isRetryable } from "./aws-errors";

export interface RetryPolicy {
  /** Total attempts including the first. @default 5 (or AWS_MAX_ATTEMPTS) */
  readonly maxAttempts: number;
  /** First back-off in ms, doubled per attempt. @default 250 */
  readonly baseDelayMs: number;
  /** Back-off ceiling in ms. @default 8000 */
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export function retryPolicyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  sleep: (ms: number) => Promise<void>,
): RetryPolicy {
  const fromEnv = Number.parseInt(env.AWS_MAX_ATTEMPTS ?? "", 10);
  return { maxAttempts: fromEnv > 0 ? fromEnv : 5, baseDelayMs: 250, maxDelayMs: 8000, sleep };
}

/**
 * Runs one AWS call, retrying throttling and transient failures with exponential back-off.
 * @param resource named in the error sentence, e.g. `database skyline-production-use1-db (us-east-1)`
 * @throws AwsCallError with one clear sentence
 */
export async function awsCall<T>(policy: RetryPolicy, resource: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AwsCallError) throw error;
      if (attempt < policy.maxAttempts && isRetryable(error)) {
        await policy.sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      throw new AwsCallError(explainAwsError(error, resource, attempt), awsErrorName(error), resource);
    }
  }
}
