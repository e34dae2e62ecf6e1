/**
 * How long one AWS request may take. Every client gets a connect timeout (TCP/TLS to the endpoint)
 * and a request timeout (from sending the request to the last byte of the answer), so an endpoint
 * that accepts the connection and never answers fails the call instead of hanging the CLI.
 *
 * Defaults: connect 10 s, request 60 s. The AWS CLI uses 60 s for both; a connection AWS has not
 * accepted within 10 s is not coming (SDKs for Java and Go use 2 and 30 s), and at 3 a.m. on-call
 * should learn that in seconds, not minutes. Override with --connect-timeout / --request-timeout
 * or SKYLINE_CONNECT_TIMEOUT / SKYLINE_REQUEST_TIMEOUT (whole seconds; the flag wins).
 */
import { parseBounded, type LimitName } from "./bounds";
import { UsageError } from "./errors";

export const DEFAULT_CONNECT_TIMEOUT_S = 10;
export const DEFAULT_REQUEST_TIMEOUT_S = 60;

export interface Timeouts {
  readonly connectMs: number;
  readonly requestMs: number;
  /** Where each value came from, named in timeout messages: a flag, an env var, or "default". */
  readonly connectFrom: string;
  readonly requestFrom: string;
}

function pick(
  flagValue: number | undefined,
  flag: string,
  envName: string,
  env: Readonly<Record<string, string | undefined>>,
  limit: LimitName,
  fallback: number,
): { seconds: number; from: string } {
  if (flagValue !== undefined) return { seconds: flagValue, from: flag };
  const raw = env[envName];
  if (raw === undefined || raw === "") return { seconds: fallback, from: "default" };
  const parsed = parseBounded(envName, raw, limit);
  if (typeof parsed === "string") throw new UsageError(parsed);
  return { seconds: parsed, from: envName };
}

/** The timeouts of this run. @throws UsageError naming a bad environment variable */
export function resolveTimeouts(
  flags: { readonly connectTimeout?: number; readonly requestTimeout?: number },
  env: Readonly<Record<string, string | undefined>>,
): Timeouts {
  const connect = pick(
    flags.connectTimeout,
    "--connect-timeout",
    "SKYLINE_CONNECT_TIMEOUT",
    env,
    "connectTimeout",
    DEFAULT_CONNECT_TIMEOUT_S,
  );
  const request = pick(
    flags.requestTimeout,
    "--request-timeout",
    "SKYLINE_REQUEST_TIMEOUT",
    env,
    "requestTimeout",
    DEFAULT_REQUEST_TIMEOUT_S,
  );
  return {
    connectMs: connect.seconds * 1000,
    requestMs: request.seconds * 1000,
    connectFrom: connect.from,
    requestFrom: request.from,
  };
}
