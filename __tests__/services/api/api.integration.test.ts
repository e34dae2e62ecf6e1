import { randomUUID } from "node:crypto";
import { createBackend, type BackendFixture } from "./support/backends";
import { call, randomIp } from "./support/client";
import { integrationBackends } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest, token } from "./support/tokens";

jest.setTimeout(60_000);

/** The headers with a new Idempotency-Key: each call is a new submission. */
const keyed = (headers: Record<string, string>) => ({ ...headers, "idempotency-key": randomUUID() });

const LIMITS = {
  RATE_LIMIT_IP_MAX: "20",
  RATE_LIMIT_USER_WRITE_MAX: "5",
  CACHE_TTL_SECONDS: "60",
  BODY_LIMIT_BYTES: "4096",
};

describe.each(integrationBackends())("reference API on %s", (backendName) => {
  let backend: BackendFixture;
  let service: RunningService;
  let seq = 0;
  const admin = () => bearer(`admin-${++seq}`, ["admin"]);
  const user = () => `user-${++seq}-${Date.now()}`;
  const api = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(service.url, method, path, options);
  const createTest = async (body: unknown = sampleTest) => {
    const res = await api("POST", "/v1/tests", { headers: admin(), body });
    expect(res.status).toBe(201);
    return res.body as { id: string; version: number };
  };

  beforeAll(async () => {
    backend = await createBackend(backendName, LIMITS);
    service = await startService(backend.env);
  });

  afterAll(async () => {
    await service?.stop();
    await backend?.cleanup();
  });

  test("logs which mode it runs in, once", () => {
    const modes = service.logs.filter(
      (l) => typeof l.msg === "string" && (l.msg as string).startsWith("mode: "),
    );
    expect(modes).toHaveLength(1);
    expect(modes[0].msg).toMatch(
      backendName === "embedded" ? /embedded PGlite.*in-process cache/ : /PostgreSQL .*Redis/,
    );
  });

  describe("ops routes", () => {
    test("/health answers 200 without touching dependencies", async () => {
      const res = await api("GET", "/health");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
    });

    test("/ready reports both checks ok", async () => {
      const res = await api("GET", "/ready");
      expect(res.status).toBe(200);
      expect(res.body.status).toBe("ready");
      expect(res.body.checks.database.status).toBe("ok");
      expect(res.body.checks.cache.status).toBe("ok");
    });

    test("/metrics exposes request, latency, error, pool and cache metrics", async () => {
      await api("GET", "/v1/tests/00000000-0000-4000-8000-000000000000");
      const res = await api("GET", "/metrics");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/text\/plain/);
      for (const name of [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_errors_total",
        "cache_requests_total",
        "rate_limit_fail_open_total",
        "process_cpu_user_seconds_total",
      ]) {
        expect(res.text).toContain(name);
      }
      expect(res.text).toMatch(
        /http_requests_total\{method="GET",route="\/v1\/tests\/:id",status="404"\} \d+/,
      );
      if (backendName === "postgres+redis")
        expect(res.text).toMatch(/db_pool_connections\{pool="writer"\} \d+/);
    });

    test("ops routes are never rate limited", async () => {
      const ip = randomIp();
      for (let i = 0; i < 25; i++) expect((await api("GET", "/health", { ip })).status).toBe(200);
    });
  });

  describe("tests", () => {
    test("admin creates a test; GET hides the answers; second GET is a cache hit", async () => {
      const created = await api("POST", "/v1/tests", { headers: admin(), body: sampleTest });
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toBe(`/v1/tests/${created.body.id}`);
      expect(created.body).toMatchObject({ title: "Arithmetic", version: 1 });
      expect(created.body.questions[0].answer).toBe(1);

      await api("PUT", `/v1/tests/${created.body.id}`, { headers: admin(), body: sampleTest }); // write-through
      const first = await api("GET", `/v1/tests/${created.body.id}`);
      expect(first.status).toBe(200);
      expect(first.headers.get("x-cache")).toBe("hit");
      expect(first.body.questions[0]).toEqual({
        id: "q1",
        prompt: "2 + 2",
        choices: ["3", "4", "5"],
        points: 1,
      });
      expect(first.body.questions[1].points).toBe(2);
      // Served again (from this instance's memory on the Redis backend): the same public body, no answers.
      const again = await api("GET", `/v1/tests/${created.body.id}`);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get("content-type")).toMatch(/^application\/json/);
    });

    test("a cold read misses, fills the cache, and the next read hits", async () => {
      const { id } = await createTest();
      if (backendName === "postgres+redis") {
        const Redis = (await import("ioredis")).default;
        const redis = new Redis(backend.env.REDIS_URL!);
        await redis.del(`${backend.env.REDIS_KEY_PREFIX}test:${id}`);
        await redis.quit();
        const miss = await api("GET", `/v1/tests/${id}`);
        expect(miss.headers.get("x-cache")).toBe("miss");
        await new Promise((r) => setTimeout(r, 50));
        const hit = await api("GET", `/v1/tests/${id}`);
        expect(hit.headers.get("x-cache")).toBe("hit");
        expect(hit.body).toEqual(miss.body);
      } else {
        expect((await api("GET", `/v1/tests/${id}`)).headers.get("x-cache")).toBe("hit");
      }
    });

    test("PUT replaces the test, bumps the version and the cache serves the new content", async () => {
      const { id } = await createTest();
      expect((await api("GET", `/v1/tests/${id}`)).body.title).toBe("Arithmetic");
      const updated = await api("PUT", `/v1/tests/${id}`, {
        headers: admin(),
        body: { ...sampleTest, title: "Renamed" },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.version).toBe(2);
      const read = await api("GET", `/v1/tests/${id}`);
      expect(read.body.title).toBe("Renamed");
      expect(read.body.version).toBe(2);
    });

    test("PUT and GET of an unknown test are 404 problems", async () => {
      const missing = "00000000-0000-4000-8000-000000000001";
      const put = await api("PUT", `/v1/tests/${missing}`, { headers: admin(), body: sampleTest });
      expect(put.status).toBe(404);
      const get = await api("GET", `/v1/tests/${missing}`);
      expect(get.status).toBe(404);
      expect(get.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(get.body).toMatchObject({ status: 404, title: "Not Found", instance: `/v1/tests/${missing}` });
      expect(get.body.requestId).toBe(get.headers.get("x-request-id"));
    });

    test("a non-admin cannot create or update tests (403), an anonymous caller gets 401", async () => {
      const forbidden = await api("POST", "/v1/tests", { headers: bearer(user()), body: sampleTest });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.detail).toMatch(/admin/);
      const anonymous = await api("POST", "/v1/tests", { body: sampleTest });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });
  });

  describe("validation errors are 4xx problems, never 5xx", () => {
    const post = (body: unknown) => api("POST", "/v1/tests", { headers: admin(), body });

    test("unknown fields are rejected and named", async () => {
      const res = await post({ ...sampleTest, extra: true });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: "/body/extra", message: "unknown field; remove it" }]);
    });

    test("missing and out-of-range fields", async () => {
      expect((await post({ questions: sampleTest.questions })).status).toBe(400);
      const badAnswer = await post({
        title: "x",
        questions: [{ id: "a", prompt: "p", choices: ["1", "2"], answer: 2 }],
      });
      expect(badAnswer.status).toBe(400);
      expect(badAnswer.body.errors[0].field).toBe("/questions/0/answer");
      const dup = await post({ title: "x", questions: [sampleTest.questions[0], sampleTest.questions[0]] });
      expect(dup.status).toBe(400);
      expect(dup.body.errors[0].message).toMatch(/duplicate/);
    });

    test("malformed JSON, empty body, wrong content type and oversized bodies", async () => {
      const headers = { ...admin(), "content-type": "application/json" };
      const bad = await api("POST", "/v1/tests", { headers, rawBody: "{not json" });
      expect(bad.status).toBe(400);
      expect(bad.body.type).toMatch(/invalid-json$/);
      expect((await api("POST", "/v1/tests", { headers, rawBody: "" })).status).toBe(400);
      const text = await api("POST", "/v1/tests", {
        headers: { ...admin(), "content-type": "text/plain" },
        rawBody: "hi",
      });
      expect(text.status).toBe(415);
      const big = await post({ ...sampleTest, description: "x".repeat(5000) });
      expect(big.status).toBe(413);
      expect(big.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    });

    test("bad ids and unknown routes", async () => {
      const res = await api("GET", "/v1/tests/not-a-uuid");
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe("/params/id");
      expect((await api("GET", "/v1/nothing")).status).toBe(404);
    });

    test("problem responses carry no stack traces or SQL", async () => {
      const res = await api("GET", "/v1/tests/not-a-uuid");
      expect(res.text).not.toMatch(/at .*\.ts:\d+|select |insert |node_modules/i);
      expect(Object.keys(res.body).sort()).toEqual([
        "detail",
        "errors",
        "instance",
        "requestId",
        "status",
        "title",
        "type",
      ]);
    });

    test("a caller's sane x-request-id is echoed; an unsafe one is replaced", async () => {
      const mine = await api("GET", "/health", { headers: { "x-request-id": "abc-123" } });
      expect(mine.headers.get("x-request-id")).toBe("abc-123");
      const unsafe = await api("GET", "/health", { headers: { "x-request-id": "a b\tc" } });
      expect(unsafe.headers.get("x-request-id")).not.toBe("a b\tc");
      // Generated: a per-process prefix and a counter, so distinct for every request.
      const generated = await Promise.all([api("GET", "/health"), api("GET", "/health")]);
      const ids = generated.map((r) => r.headers.get("x-request-id"));
      expect(ids[0]).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(ids[0]).not.toBe(ids[1]);
    });

    test("every request gets one access line at LOG_LEVEL=info, with its id, route and status", async () => {
      await api("GET", "/health", { headers: { "x-request-id": "access-line-1" } });
      await new Promise((resolve) => setTimeout(resolve, 100)); // the line crosses a pipe
      const lines = service.logs.filter((l) => l.msg === "request" && l.reqId === "access-line-1");
      expect(lines).toEqual([
        expect.objectContaining({
          level: 30,
          method: "GET",
          url: "/health",
          status: 200,
          ms: expect.any(Number),
        }),
      ]);
    });
  });

  describe("auth", () => {
    const path = "/v1/me/attempts";
    test.each([
      ["no header", {}],
      ["not bearer", { authorization: "Basic dXNlcjpwYXNz" }],
      ["garbage token", { authorization: "Bearer a.b.c" }],
      ["wrong secret", { authorization: `Bearer ${token("u").slice(0, -4)}AAAA` }],
      [
        "expired",
        { authorization: `Bearer ${token("u", [], { exp: Math.floor(Date.now() / 1000) - 120 })}` },
      ],
    ])("%s is 401", async (_name, headers) => {
      const res = await api("GET", path, { headers: headers as Record<string, string> });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    });
  });

  describe("attempts", () => {
    test("scores an attempt and stores it", async () => {
      const { id } = await createTest();
      const who = user();
      const res = await api("POST", `/v1/tests/${id}/attempts`, {
        headers: keyed(bearer(who)),
        body: {
          answers: [
            { questionId: "q1", choice: 1 },
            { questionId: "q2", choice: 1 },
          ],
        },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ testId: id, testVersion: 1, score: 1, maxScore: 3 });
      expect(res.body.answers).toEqual([
        { questionId: "q1", choice: 1, correct: true },
        { questionId: "q2", choice: 1, correct: false },
      ]);
      const list = await api("GET", "/v1/me/attempts", { headers: bearer(who) });
      expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([res.body.id]);
    });

    test("answers that do not fit the test are 400, an unknown test 404", async () => {
      const { id } = await createTest();
      const headers = keyed(bearer(user()));
      const unknownQ = await api("POST", `/v1/tests/${id}/attempts`, {
        headers,
        body: { answers: [{ questionId: "zz", choice: 0 }] },
      });
      expect(unknownQ.status).toBe(400);
      expect(unknownQ.body.errors[0].field).toBe("/answers/0/questionId");
      const badChoice = await api("POST", `/v1/tests/${id}/attempts`, {
        headers,
        body: { answers: [{ questionId: "q2", choice: 5 }] },
      });
      expect(badChoice.status).toBe(400);
      const missing = await api("POST", "/v1/tests/00000000-0000-4000-8000-000000000002/attempts", {
        headers,
        body: { answers: [{ questionId: "q1", choice: 0 }] },
      });
      expect(missing.status).toBe(404);
    });

    test("Idempotency-Key: a retry returns the first result and stores nothing twice", async () => {
      const { id } = await createTest();
      const who = user();
      const headers = { ...bearer(who), "idempotency-key": "submit-1" };
      const body = { answers: [{ questionId: "q1", choice: 1 }] };
      const [a, b] = await Promise.all([
        api("POST", `/v1/tests/${id}/attempts`, { headers, body }),
        api("POST", `/v1/tests/${id}/attempts`, { headers, body }),
      ]);
      const c = await api("POST", `/v1/tests/${id}/attempts`, { headers, body });
      expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
      expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
      expect(c.headers.get("idempotent-replayed")).toBe("true");
      expect(c.body).toEqual(a.body);
      const list = await api("GET", "/v1/me/attempts", { headers: bearer(who) });
      expect(list.body.items).toHaveLength(1);
    });

    test("a retry is answered with the stored result even after its test changed", async () => {
      const { id } = await createTest();
      const headers = { ...bearer(user()), "idempotency-key": "before-change" };
      const body = { answers: [{ questionId: "q2", choice: 0 }] };
      const first = await api("POST", `/v1/tests/${id}/attempts`, { headers, body });
      expect(first.status).toBe(201);
      const changed = await api("PUT", `/v1/tests/${id}`, {
        headers: admin(),
        body: { ...sampleTest, questions: [sampleTest.questions[0]] }, // q2 is gone
      });
      expect(changed.status).toBe(200);
      const retry = await api("POST", `/v1/tests/${id}/attempts`, { headers, body });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect(retry.body).toEqual(first.body);
      // A new submission of the same answers is judged against the test as it is now.
      const fresh = await api("POST", `/v1/tests/${id}/attempts`, { headers: keyed(bearer(user())), body });
      expect(fresh.status).toBe(400);
    });

    test("the same key with a different request is 422; another user's same key is independent", async () => {
      const { id } = await createTest();
      const who = user();
      const send = (sub: string, choice: number) =>
        api("POST", `/v1/tests/${id}/attempts`, {
          headers: { ...bearer(sub), "idempotency-key": "k-1" },
          body: { answers: [{ questionId: "q1", choice }] },
        });
      expect((await send(who, 1)).status).toBe(201);
      const reused = await send(who, 0);
      expect(reused.status).toBe(422);
      expect(reused.body.detail).toMatch(/Idempotency-Key/);
      expect((await send(user(), 0)).status).toBe(201);
    });

    test("Idempotency-Key is required: without it, 400 saying how to send one", async () => {
      const { id } = await createTest();
      const res = await api("POST", `/v1/tests/${id}/attempts`, {
        headers: bearer(user()),
        body: { answers: [{ questionId: "q1", choice: 1 }] },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toMatch(/idempotency-key-required$/);
      expect(res.body.errors).toEqual([{ field: "/headers/idempotency-key", message: "is required" }]);
    });

    test("an invalid Idempotency-Key header is a 400", async () => {
      const { id } = await createTest();
      const res = await api("POST", `/v1/tests/${id}/attempts`, {
        headers: { ...bearer(user()), "idempotency-key": "x".repeat(201) },
        body: { answers: [{ questionId: "q1", choice: 1 }] },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toMatch(/idempotency-key/);
    });
  });

  describe("GET /v1/me/attempts pagination", () => {
    test("keyset pages, newest first, no duplicates or gaps, only the caller's attempts", async () => {
      const { id } = await createTest();
      const who = user();
      const headers = { ...bearer(who) };
      const ids: string[] = [];
      // Under the per-user write limit (5 per window): use two users' worth by raising nothing, just 5 writes.
      for (let i = 0; i < 5; i++) {
        const res = await api("POST", `/v1/tests/${id}/attempts`, {
          headers: keyed(headers),
          body: { answers: [{ questionId: "q1", choice: i % 2 }] },
        });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      await api("POST", `/v1/tests/${id}/attempts`, {
        headers: keyed(bearer(user())),
        body: { answers: [{ questionId: "q1", choice: 1 }] },
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
        const page = await api("GET", `/v1/me/attempts${q}`, { headers });
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((a: { id: string }) => a.id));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    });

    test("bad cursors and limits are 400", async () => {
      const headers = bearer(user());
      for (const cursor of ["nope", Buffer.from('["2020-01-01","x"]').toString("base64url"), "%%%"]) {
        const res = await api("GET", `/v1/me/attempts?cursor=${encodeURIComponent(cursor)}`, { headers });
        expect(res.status).toBe(400);
      }
      const bad = await api("GET", "/v1/me/attempts?cursor=nope", { headers });
      expect(bad.body.type).toMatch(/bad-cursor$/);
      expect((await api("GET", "/v1/me/attempts?limit=0", { headers })).status).toBe(400);
      expect((await api("GET", "/v1/me/attempts?limit=101", { headers })).status).toBe(400);
      expect((await api("GET", "/v1/me/attempts?other=1", { headers })).status).toBe(400);
    });
  });

  describe("rate limits", () => {
    test("per IP: standard headers, then 429 with Retry-After", async () => {
      const ip = randomIp();
      const first = await api("GET", "/v1/tests/00000000-0000-4000-8000-000000000003", { ip });
      expect(first.headers.get("x-ratelimit-limit")).toBe("20");
      expect(first.headers.get("x-ratelimit-remaining")).toBe("19");
      expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);
      let last = first;
      for (let i = 0; i < 20; i++)
        last = await api("GET", "/v1/tests/00000000-0000-4000-8000-000000000003", { ip });
      expect(last.status).toBe(429);
      expect(last.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(last.headers.get("x-ratelimit-remaining")).toBe("0");
      // Another address is unaffected.
      expect((await api("GET", "/health")).status).toBe(200);
      expect((await api("GET", "/v1/tests/00000000-0000-4000-8000-000000000003")).status).toBe(404);
    });

    test("per user on writes, across client addresses", async () => {
      const { id } = await createTest();
      const headers = bearer(user());
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await api("POST", `/v1/tests/${id}/attempts`, {
          headers: keyed(headers),
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.headers.get("retry-after")).not.toBeNull();
          expect(res.body.detail).toMatch(/per user/);
        }
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
      // Reads by the same user are not write-limited.
      expect((await api("GET", "/v1/me/attempts", { headers })).status).toBe(200);
    });
  });
});
