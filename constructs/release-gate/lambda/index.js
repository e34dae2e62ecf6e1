// @ts-check
/**
 * The release gate: an ECS deployment lifecycle hook (stage POST_TEST_TRAFFIC_SHIFT) that holds a
 * blue/green, canary or linear deployment while green answers only on the test listener, until the
 * deploy pipeline (or an operator) records a verdict for this release in one SSM parameter.
 *
 * The parameter's value is `<release> passed` or `<release> failed`, where <release> is the ARN of
 * the service deployment (the hook's `resourceArn`) or of its target service revision. The answer
 * to ECS:
 *   - a `passed` verdict for this release: SUCCEEDED (ECS moves on to PRODUCTION_TRAFFIC_SHIFT);
 *   - a `failed` verdict for this release: FAILED (ECS rolls back; no user saw green);
 *   - no verdict for this release (none yet, or one for another release): IN_PROGRESS, asked again
 *     after CALLBACK_DELAY_SECONDS, until WAIT_SECONDS have passed since the first call: FAILED;
 *   - SSM unreadable: IN_PROGRESS (retried), FAILED once the wait is over. Never SUCCEEDED.
 * When the gate opened is kept in `hookDetails`, which ECS hands back on each call of this hook in
 * this deployment.
 *
 * Plain CommonJS on the Lambda Node.js runtime, whose AWS SDK v3 provides @aws-sdk/client-ssm;
 * nothing else is packaged. Tested by __tests__/constructs/release-gate-handler.test.ts.
 */
"use strict";
const { GetParameterCommand, SSMClient } = require("@aws-sdk/client-ssm");

const DEFAULT_WAIT_SECONDS = 1800;
const DEFAULT_CALLBACK_DELAY_SECONDS = 30;
const VERDICTS = ["passed", "failed"];

/** @type {SSMClient | undefined} */
let client;

/**
 * `<release> passed|failed`, or null for anything else (the parameter's placeholder, a typo).
 * @param {string | undefined} value
 * @returns {{ release: string, verdict: string } | null}
 */
function parseVerdict(value) {
  const parts = String(value ?? "")
    .trim()
    .split(/\s+/);
  if (parts.length !== 2 || !VERDICTS.includes(parts[1])) return null;
  return { release: parts[0], verdict: parts[1] };
}

/**
 * @param {string | undefined} text
 * @param {number} fallback
 */
function seconds(text, fallback) {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * The hook's answer to one invocation.
 * @param {any} event the ECS lifecycle hook payload
 * @param {{ ssm: { send: (command: GetParameterCommand) => Promise<any> }, now: number, env: Record<string, string | undefined>, log?: (entry: object) => void }} deps
 */
async function decide(event, deps) {
  const { ssm, now, env } = deps;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const parameter = env.VERDICT_PARAMETER;
  const waitSeconds = seconds(env.WAIT_SECONDS, DEFAULT_WAIT_SECONDS);
  const delay = seconds(env.CALLBACK_DELAY_SECONDS, DEFAULT_CALLBACK_DELAY_SECONDS);
  const details = (event && event.executionDetails) || {};
  const releases = [event && event.resourceArn, details.targetServiceRevisionArn].filter(Boolean);
  const previous = Number(event && event.hookDetails && event.hookDetails.gateOpenedAt);
  const openedAt = Number.isFinite(previous) && previous > 0 ? previous : now;
  const expired = now - openedAt >= waitSeconds * 1000;
  const base = { gate: "release", parameter, releases, stage: event && event.lifecycleStage, openedAt };

  let found = null;
  if (!parameter) {
    log({ ...base, error: "VERDICT_PARAMETER is not set" });
    return { hookStatus: "FAILED" };
  }
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: parameter }));
    found = parseVerdict(out && out.Parameter && out.Parameter.Value);
  } catch (error) {
    const name = /** @type {any} */ (error)?.name;
    if (name !== "ParameterNotFound") {
      const message = /** @type {any} */ (error)?.message ?? String(error);
      log({ ...base, error: `could not read ${parameter}: ${name}: ${message}`, expired });
      if (expired) return { hookStatus: "FAILED" };
      return { hookStatus: "IN_PROGRESS", callBackDelay: delay, hookDetails: { gateOpenedAt: openedAt } };
    }
  }
  if (found && releases.includes(found.release)) {
    const hookStatus = found.verdict === "passed" ? "SUCCEEDED" : "FAILED";
    log({ ...base, verdict: found.verdict, hookStatus });
    return { hookStatus };
  }
  if (expired) {
    log({ ...base, hookStatus: "FAILED", reason: `no verdict within ${waitSeconds} s` });
    return { hookStatus: "FAILED" };
  }
  log({
    ...base,
    hookStatus: "IN_PROGRESS",
    waiting: found ? `verdict names ${found.release}` : "no verdict",
  });
  return { hookStatus: "IN_PROGRESS", callBackDelay: delay, hookDetails: { gateOpenedAt: openedAt } };
}

/** @param {any} event */
async function handler(event) {
  client = client ?? new SSMClient({});
  return decide(event, { ssm: client, now: Date.now(), env: process.env });
}

module.exports = { handler, decide, parseVerdict };
