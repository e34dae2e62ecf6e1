import { randomUUID } from "node:crypto";
import { createBackend, type BackendFixture } from "./support/backends";
import { call } from "./support/client";
import { integrationBackends } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(60_000);

/** Statuses of GETs of an unknown test, one per X-Forwarded-For value, in order. */
async function statuses(service: RunningService, addresses: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const ip of addresses)
    out.push((await call(service.url, "GET", `/v1/tests/${randomUUID()}`, { ip })).status);
  return out;
}

describe.each(integrationBackends())("rate limits on %s", (backendName) => {
  describe("X-Forwarded-For is read only from the trusted proxy's addresses", () => {
    let backend: BackendFixture;
    let direct: RunningService;
    let proxied: RunningService;

    beforeAll(async () => {
      backend = await createBackend(backendName, { RATE_LIMIT_IP_MAX: "3", RATE_LIMIT_LOCAL_PERCENT: "0" });
      // Default TRUST_PROXY_FROM (private ranges): these loopback clients reach the service directly.
      direct = await startService({ ...backend.env, TRUST_PROXY_FROM: "" });
      // Its own counters: another key prefix in Redis, its own throw-away database when embedded.
      proxied = await startService({
        ...backend.env,
        ...(backend.name === "embedded"
          ? { PGLITE_DATA_DIR: "memory" }
          : { REDIS_KEY_PREFIX: `${backend.env.REDIS_KEY_PREFIX}p:` }),
      });
    });
    afterAll(async () => {
      await direct?.stop();
      await proxied?.stop();
      await backend?.cleanup();
    });

    test("a client reaching the service directly cannot leave its limit by changing X-Forwarded-For", async () => {
      const spoofed = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"];
      expect(await statuses(direct, spoofed)).toEqual([404, 404, 404, 429, 429]);
    });

    test("behind the trusted proxy each forwarded address has its own limit", async () => {
      expect(await statuses(proxied, ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"])).toEqual([
        404, 404, 404, 404,
      ]);
      expect(await statuses(proxied, ["10.1.0.9", "10.1.0.9", "10.1.0.9", "10.1.0.9"])).toEqual([
        404, 404, 404, 429,
      ]);
    });
  });

  describe("idempotent replays of a submission do not count against the per-user write limit", () => {
    let backend: BackendFixture;
    let service: RunningService;
    let testId: string;
    const api = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
      call(service.url, method, path, options);
    const submit = (user: string, key: string, choice = 1) =>
      api("POST", `/v1/tests/${testId}/attempts`, {
        headers: { ...bearer(user), "idempotency-key": key },
        body: { answers: [{ questionId: "q1", choice }] },
      });

    beforeAll(async () => {
      backend = await createBackend(backendName, {
        RATE_LIMIT_USER_WRITE_MAX: "2",
        RATE_LIMIT_IP_MAX: "10000",
        // Exact counting per hit, so the limit bites at the third write, not up to 10 % later.
        RATE_LIMIT_LOCAL_PERCENT: "0",
      });
      service = await startService(backend.env);
      const created = await api("POST", "/v1/tests", {
        headers: bearer("limits-admin", ["admin"]),
        body: sampleTest,
      });
      expect(created.status).toBe(201);
      testId = created.body.id;
    });
    afterAll(async () => {
      await service?.stop();
      await backend?.cleanup();
    });

    test("a replay is answered 201 once the user is limited; a new submission is 429", async () => {
      const user = `limited-${randomUUID()}`;
      const [a, b] = [randomUUID(), randomUUID()];
      const first = await submit(user, a);
      expect((await submit(user, b)).status).toBe(201);
      const refused = await submit(user, randomUUID());
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);

      const replay = await submit(user, a);
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.id).toBe(first.body.id);
      // Past the limit, the same key with another body is still the client's bug, not a replay.
      expect((await submit(user, a, 0)).status).toBe(422);
    });

    test("a replay gives its hit back, so it never uses up the limit", async () => {
      const user = `replaying-${randomUUID()}`;
      const a = randomUUID();
      expect((await submit(user, a)).status).toBe(201);
      for (let i = 0; i < 3; i++)
        expect((await submit(user, a)).headers.get("idempotent-replayed")).toBe("true");
      // One write counted: a second submission fits the limit of 2, the third does not.
      expect((await submit(user, randomUUID())).status).toBe(201);
      expect((await submit(user, randomUUID())).status).toBe(429);
    });

    test("an Idempotency-Key that is a UUID is case-insensitive", async () => {
      const user = `case-${randomUUID()}`;
      const key = randomUUID();
      const first = await submit(user, key.toUpperCase());
      expect(first.status).toBe(201);
      const again = await submit(user, key);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body.id).toBe(first.body.id);
    });
  });
});
