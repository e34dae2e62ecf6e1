import { randomUUID } from "node:crypto";
import type autocannon from "autocannon";

export interface PostRequestsOptions {
  readonly path: string;
  /** Bearer tokens the requests take in turn (spreads the per-user write limit). */
  readonly tokens: readonly string[];
  readonly body: string;
  /** More headers on every request (e.g. `prefer: respond-async`). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** Requests built for each connection: more than one connection can send in a phase. */
  readonly perConnection: number;
}

/**
 * autocannon's setupClient for the POST phase: each connection gets its own list of requests, each with a
 * new Idempotency-Key, built before the phase starts. autocannon's idReplacement instead rebuilds and
 * re-encodes every request as it sends it, tens of µs of load-generator CPU per request on the same two
 * cores as the service, which the bare phase (one cached request) never pays. A list that runs out would
 * wrap round to keys already used and turn writes into replays: the benchmark checks that every 2xx was
 * a new row (see insertedRows).
 */
export function preBuiltPosts(options: PostRequestsOptions): (client: autocannon.Client) => void {
  const { path, tokens, body, perConnection, headers = {} } = options;
  let next = 0;
  return (client) => {
    client.setRequests(
      Array.from({ length: perConnection }, () => ({
        method: "POST",
        path,
        headers: {
          authorization: `Bearer ${tokens[next++ % tokens.length]}`,
          "content-type": "application/json",
          "idempotency-key": randomUUID(),
          ...headers,
        },
        body,
      })),
    );
  };
}

/** The POST rate pre-built requests are sized for: far above any seen here (1.5–11k/s synchronous or async). */
export const MAX_POST_RPS = 15_000;

/** Requests each connection needs so that none wraps: the phase at `maxRps`. */
export function requestsPerConnection(seconds: number, connections: number, maxRps = MAX_POST_RPS): number {
  return Math.ceil((seconds * maxRps) / connections);
}
