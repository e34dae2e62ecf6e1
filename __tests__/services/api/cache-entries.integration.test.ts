import Redis from "ioredis";
import { createBackend, type BackendFixture } from "./support/backends";
import { call } from "./support/client";
import { realServersAvailable, TEST_REDIS_URL } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(60_000);

// The shared Redis is the real one (always present under CI, where its absence fails the run).
const suite = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

suite("a cache entry the service cannot use (not JSON, or not a test)", () => {
  let backend: BackendFixture;
  let service: RunningService;
  let redis: Redis;
  beforeAll(async () => {
    backend = await createBackend("postgres+redis");
    // No in-process tier: every read goes to Redis first.
    service = await startService({ ...backend.env, CACHE_LOCAL_TTL_MS: "0" });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await backend?.cleanup();
  });

  test.each([
    ["not JSON", "{truncated"],
    ["JSON that is not a test", '{"hello":"world"}'],
    ["another test's entry", '{"id":"00000000-0000-4000-8000-000000000000","questions":[]}'],
  ])(
    "%s: read from PostgreSQL as a miss (200), and the entry replaced with the test",
    async (_name, value) => {
      const created = await call(service.url, "POST", "/v1/tests", {
        headers: bearer("admin", ["admin"]),
        body: sampleTest,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const key = `${backend.env.REDIS_KEY_PREFIX}test:${id}`;
      await redis.set(key, value, "EX", 600);

      const read = await call(service.url, "GET", `/v1/tests/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id, title: sampleTest.title });
      expect(read.headers.get("x-cache")).toBe("miss");
      // Replaced after the answer, off the request's path.
      const storedId = async () => {
        try {
          return (JSON.parse((await redis.get(key)) ?? "null") as { id?: string } | null)?.id;
        } catch {
          return undefined;
        }
      };
      for (let i = 0; i < 50 && (await storedId()) !== id; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await storedId()).toBe(id);
      expect((await call(service.url, "GET", `/v1/tests/${id}`)).headers.get("x-cache")).toBe("hit");
    },
  );
});
