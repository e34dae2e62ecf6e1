/**
 * The one place AWS calls are sent, retried and their errors translated. SDK clients are built with
 * maxAttempts 1 (see aws-clients.ts) so retries are decided here, per operation (call-policy.ts),
 * and tests observe every attempt.
 *
 * A call that is not idempotent (`once`) and fails in a way that leaves it unknown whether AWS acted
 * on it (a 5xx, a dropped connection, a timeout) is never sent again. If the caller gave a
 * `tookEffect` probe, the resource is re-read for a while to learn whether the first call took
 * effect: if it did, the command goes on as if AWS had answered; if not, it fails saying so.
 */
import { policyFor, retrySafe, type OperationPolicy } from "./call-policy";
import {
  AwsCallError,
  awsErrorName,
  classifyFailure,
  errorKind,
  explainAwsError,
  isRetryable,
  whatHappened,
  type CallInfo,
  type FailureClass,
} from "./aws-errors";
import { CliError, FailedError } from "./errors";
import { formatElapsed } from "./output";

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
  return {
    maxAttempts: fromEnv > 0 ? Math.min(fromEnv, 20) : 5,
    baseDelayMs: 250,
    maxDelayMs: 8000,
    sleep,
  };
}

/** How long, and how often, a lost answer of a `once` call is checked by re-reading. */
export const TOOK_EFFECT_WINDOW_MS = 60_000;
export const TOOK_EFFECT_POLL_MS = 10_000;

export interface SendOptions {
  /**
   * Re-reads the resource and says whether the call took effect. Used after a `once` call's
   * answer was lost; without it such a failure is reported as "outcome unknown".
   */
  readonly tookEffect?: () => Promise<boolean>;
}

export interface AwsSendArgs<T> {
  readonly call: () => Promise<T>;
  readonly operation: string;
  /** The request, for token-aware policies. */
  readonly input: object;
  readonly info: CallInfo;
  readonly retry: RetryPolicy;
  readonly now: () => number;
  readonly progress: (message: string) => void;
  readonly options?: SendOptions;
  /** Fills in what is only worth knowing after a failure (e.g. whether the profile exists). */
  readonly enrich?: (info: CallInfo, cls: FailureClass) => CallInfo;
}

/** What `awsSend` resolves with when the answer was lost but the re-read showed the change. */
export const INFERRED = Symbol("skyline.inferred");

function fail(error: unknown, info: CallInfo): AwsCallError {
  const cls = classifyFailure(error);
  return new AwsCallError(
    explainAwsError(error, info),
    awsErrorName(error),
    info.resource,
    errorKind(error),
    ["timeout", "server", "dropped", "not-sent", "throttling"].includes(cls),
    info,
  );
}

async function resolveLostAnswer<T>(args: AwsSendArgs<T>, error: unknown, info: CallInfo): Promise<T> {
  const { operation, progress } = args;
  const what = whatHappened(error, info);
  const subject = `${operation} for ${info.resource}`;
  const probe = args.options?.tookEffect;
  if (!probe) {
    throw new FailedError(
      `${subject} got ${what}; skyline does not send ${operation} twice (it is not idempotent), and whether ` +
        `AWS acted on it is unknown: check ${info.resource} with \`skyline status\` before running it again.`,
      "outcome-unknown",
    );
  }
  progress(
    `${subject}: ${what}. Not sent again (${operation} is not idempotent); re-reading ${info.resource} to learn whether it took effect.`,
  );
  const start = args.now();
  let readError: unknown;
  let readOnce = false;
  for (;;) {
    try {
      if (await probe()) {
        progress(`${info.resource} shows the change: ${operation} took effect; continuing.`);
        return INFERRED as T;
      }
      readOnce = true;
    } catch (e) {
      readError = e;
    }
    if (args.now() - start >= TOOK_EFFECT_WINDOW_MS) break;
    await args.retry.sleep(TOOK_EFFECT_POLL_MS);
  }
  if (!readOnce) {
    const why = readError instanceof Error ? readError.message : String(readError);
    throw new FailedError(
      `${subject} got ${what}, and ${info.resource} could not be re-read (${why}). Whether ${operation} took ` +
        `effect is unknown; it was not sent again. Check ${info.resource} with \`skyline status\` before running it again.`,
      "outcome-unknown",
    );
  }
  throw new FailedError(
    `${subject} got ${what}, and ${info.resource} shows no change after ${formatElapsed(args.now() - start)}: ` +
      `AWS most likely did not apply it. It was not sent again. Check \`skyline status\`, then re-run the command if the change is still needed.`,
    "not-applied",
  );
}

/**
 * Sends one AWS call under its operation's retry policy.
 * @throws AwsCallError with one clear sentence, or FailedError when a `once` call's outcome is lost
 */
export async function awsSend<T>(args: AwsSendArgs<T>): Promise<T> {
  const policy: OperationPolicy = policyFor(args.operation, args.input);
  const { retry } = args;
  for (let attempt = 1; ; attempt++) {
    try {
      return await args.call();
    } catch (error) {
      if (error instanceof CliError) throw error;
      const cls = classifyFailure(error);
      // Throttling and connections that never opened are safe to repeat for any call: AWS did not act.
      const safeAgain = retrySafe(policy) ? isRetryable(error) : cls === "throttling" || cls === "not-sent";
      if (attempt < retry.maxAttempts && safeAgain) {
        await retry.sleep(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      const base = { ...args.info, attempts: attempt };
      const info = args.enrich ? args.enrich(base, cls) : base;
      if (!retrySafe(policy) && ["server", "dropped", "timeout"].includes(cls)) {
        return resolveLostAnswer(args, error, info);
      }
      throw fail(error, info);
    }
  }
}
