/**
 * Checks through the public hostname, the way users reach the product (CloudFront in front of
 * the origin; the origin name itself admits only CloudFront and Route 53's checkers): `/ready`
 * answers 200, and a write succeeds and reads back. The write creates a test record titled
 * `skyline <purpose> <environment> <time>` with an admin token (SKYLINE_API_TOKEN): the API has no
 * delete, so these records stay, named so they are easy to find.
 */
import type { OpsManifest } from "../../manifest/schema";
import { FailedError, RefusedError } from "./errors";

/** How long one request may take. */
export const PUBLIC_REQUEST_TIMEOUT_MS = 10_000;

export interface PublicTarget {
  /** `https://<publicHostname>`, or --public-url. */
  readonly baseUrl: string;
  /** An admin bearer token for the write (SKYLINE_API_TOKEN). */
  readonly token?: string;
}

/** The public base URL: `--public-url` when given, else `https://<global.publicHostname>`. */
export function publicTarget(
  manifest: OpsManifest,
  publicUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): PublicTarget | undefined {
  const host = manifest.global?.publicHostname;
  const baseUrl = (publicUrl ?? (host ? `https://${host}` : undefined))?.replace(/\/$/, "");
  if (!baseUrl) return undefined;
  return { baseUrl, token: env.SKYLINE_API_TOKEN || undefined };
}

async function request(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string; ms: number } | { error: string; ms: number }> {
  const started = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(PUBLIC_REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    return { status: response.status, body, ms: Date.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ?? (error as Error).name ?? String(error), ms: Date.now() - started };
  }
}

export interface PublicCheck {
  readonly url: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** `GET <base>/ready` must answer 200. */
export async function checkReady(target: PublicTarget): Promise<PublicCheck> {
  const url = `${target.baseUrl}/ready`;
  const r = await request(url);
  if ("error" in r) return { url, ok: false, detail: `GET ${url} failed (${r.error}) after ${r.ms} ms` };
  return {
    url,
    ok: r.status === 200,
    detail: `GET ${url} answered ${r.status} in ${r.ms} ms`,
  };
}

const markerBody = (title: string) =>
  JSON.stringify({
    title,
    description: "Written by skyline to check writes after a failover; safe to ignore.",
    questions: [{ id: "q1", prompt: "Does the write path work?", choices: ["yes", "no"], answer: 0 }],
  });

/**
 * Writes a record through the public hostname and returns its id.
 * @throws RefusedError without a token (nothing was sent), FailedError when the write fails
 */
export async function writeRecord(target: PublicTarget, title: string): Promise<{ id: string; ms: number }> {
  if (!target.token) {
    throw new RefusedError(
      "A write check needs an admin token in SKYLINE_API_TOKEN (the API's own JWT; see the region-failover runbook for how to mint one from the replicated jwt secret).",
    );
  }
  const url = `${target.baseUrl}/v1/tests`;
  const r = await request(url, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body: markerBody(title),
  });
  if ("error" in r) throw new FailedError(`POST ${url} failed (${r.error}) after ${r.ms} ms.`);
  if (r.status !== 201) throw new FailedError(`POST ${url} answered ${r.status}: ${r.body.slice(0, 200)}`);
  const id = (JSON.parse(r.body) as { id?: string }).id;
  if (!id) throw new FailedError(`POST ${url} answered 201 without an id.`);
  return { id, ms: r.ms };
}

/** Whether the record is there: 200 yes, 404 no; anything else fails. */
export async function readRecord(target: PublicTarget, id: string): Promise<{ found: boolean; ms: number }> {
  const url = `${target.baseUrl}/v1/tests/${id}`;
  const r = await request(url, { headers: target.token ? { authorization: `Bearer ${target.token}` } : {} });
  if ("error" in r) throw new FailedError(`GET ${url} failed (${r.error}) after ${r.ms} ms.`);
  if (r.status === 404) return { found: false, ms: r.ms };
  if (r.status !== 200) throw new FailedError(`GET ${url} answered ${r.status}: ${r.body.slice(0, 200)}`);
  return { found: true, ms: r.ms };
}
