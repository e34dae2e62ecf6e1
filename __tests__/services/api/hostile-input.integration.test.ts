import { randomUUID } from "node:crypto";
import { signHs256 } from "../../../services/api/src/auth/jwt";
import { createBackend, TEST_JWT_SECRET, type BackendFixture } from "./support/backends";
import { call, type ApiResponse } from "./support/client";
import { integrationBackends } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(60_000);

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const keyed = (headers: Record<string, string>) => ({ ...headers, "idempotency-key": randomUUID() });

/** Every answer to client input is a 4xx problem document: never a 5xx, never a plain body. */
function expectProblem(res: ApiResponse, status: number, field?: string): void {
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  if (field !== undefined) expect(res.body.errors?.[0]?.field).toBe(field);
}

describe.each(integrationBackends())("hostile input on %s", (backendName) => {
  let backend: BackendFixture;
  let service: RunningService;
  let testId: string;
  const admin = bearer("hostile-admin", ["admin"]);
  const api = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(service.url, method, path, options);

  beforeAll(async () => {
    backend = await createBackend(backendName, {
      RATE_LIMIT_IP_MAX: "10000",
      RATE_LIMIT_USER_WRITE_MAX: "10000",
    });
    service = await startService(backend.env);
    const created = await api("POST", "/v1/tests", { headers: admin, body: sampleTest });
    expect(created.status).toBe(201);
    testId = created.body.id;
  });

  afterAll(async () => {
    await service?.stop();
    await backend?.cleanup();
  });

  describe("cursors are decoded and range-checked before PostgreSQL sees them", () => {
    test.each([
      ["31 February", ["2024-02-31T00:00:00.000000Z", randomUUID()]],
      ["year 0000", ["0000-01-01T00:00:00.000000Z", randomUUID()]],
      ["month 13", ["2024-13-01T00:00:00.000000Z", randomUUID()]],
      ["hour 24", ["2024-01-01T24:00:00.000000Z", randomUUID()]],
      ["29 February in a common year", ["2023-02-29T00:00:00.000000Z", randomUUID()]],
      ["not a UUID", ["2024-01-01T00:00:00.000000Z", "not-a-uuid"]],
      ["three fields", ["2024-01-01T00:00:00.000000Z", randomUUID(), 1]],
    ])("%s: 400 bad-cursor", async (_name, value) => {
      const res = await api("GET", `/v1/me/attempts?cursor=${cursorOf(value)}`, {
        headers: bearer("reader"),
      });
      expectProblem(res, 400, "/cursor");
      expect(res.body.type).toMatch(/bad-cursor$/);
    });

    test("a real date on 29 February of a leap year, and an upper-case UUID, are fine", async () => {
      const cursor = cursorOf(["2024-02-29T23:59:59.999999Z", randomUUID().toUpperCase()]);
      const res = await api("GET", `/v1/me/attempts?cursor=${cursor}`, { headers: bearer("reader") });
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    });
  });

  describe("text PostgreSQL cannot store is a 400 naming the field", () => {
    const nul = "a\u0000b";
    test.each([
      ["title", { ...sampleTest, title: nul }, "/title"],
      ["description", { ...sampleTest, description: nul }, "/description"],
      [
        "prompt",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], prompt: nul }] },
        "/questions/0/prompt",
      ],
      [
        "a choice",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], choices: ["x", nul] }] },
        "/questions/0/choices/1",
      ],
      ["an unpaired surrogate in the title", { ...sampleTest, title: "a\ud800b" }, "/title"],
      [
        "an unpaired surrogate in a prompt",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], prompt: "\udc00" }] },
        "/questions/0/prompt",
      ],
    ])("NUL or broken Unicode in %s", async (_name, body, field) => {
      expectProblem(await api("POST", "/v1/tests", { headers: admin, body }), 400, field);
    });

    test("a NUL in an answer's questionId", async () => {
      const res = await api("POST", `/v1/tests/${testId}/attempts`, {
        headers: keyed(bearer("nul-answer")),
        body: { answers: [{ questionId: "q\u00001", choice: 1 }] },
      });
      expectProblem(res, 400, "/answers/0/questionId");
    });

    test("a body that is not UTF-8 is refused, not decoded with replacement characters", async () => {
      const json = Buffer.from(JSON.stringify({ ...sampleTest, title: "TITLE" }));
      const at = json.indexOf("TITLE");
      json[at] = 0xff; // never valid in UTF-8
      const res = await api("POST", "/v1/tests", {
        headers: { ...admin, "content-type": "application/json" },
        rawBody: json,
      });
      expectProblem(res, 400);
      expect(res.body.type).toMatch(/invalid-utf8$/);
    });

    test("a validly signed token whose sub holds a NUL is a 401, on reads and writes", async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = signHs256({ sub: "evil\u0000user", iat: now, exp: now + 600 }, TEST_JWT_SECRET);
      const headers = { authorization: `Bearer ${token}` };
      expectProblem(
        await api("POST", `/v1/tests/${testId}/attempts`, {
          headers: keyed(headers),
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        }),
        401,
      );
      expectProblem(await api("GET", "/v1/me/attempts", { headers }), 401);
    });
  });

  describe("no type coercion: a value of the wrong type is a 400, never converted", () => {
    const attempt = (choice: unknown) =>
      api("POST", `/v1/tests/${testId}/attempts`, {
        headers: keyed(bearer(`coerce-${randomUUID()}`)),
        body: { answers: [{ questionId: "q1", choice }] },
      });

    test.each([
      ["null", null],
      ["true", true],
      ['"1"', "1"],
      ["1.5", 1.5],
    ])("choice %s", async (_name, choice) => {
      expectProblem(await attempt(choice), 400, "/body/answers/0/choice");
    });

    test.each([
      ["a number as title", { ...sampleTest, title: 123 }, "/body/title"],
      [
        "a string as answer",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], answer: "1" }] },
        "/body/questions/0/answer",
      ],
      [
        "a string as points",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], points: "2" }] },
        "/body/questions/0/points",
      ],
      [
        "a string for the choices",
        { ...sampleTest, questions: [{ ...sampleTest.questions[0], choices: "ab" }] },
        "/body/questions/0/choices",
      ],
    ])("%s", async (_name, body, field) => {
      expectProblem(await api("POST", "/v1/tests", { headers: admin, body }), 400, field);
    });

    test("limit must be digits from 1 to 100; repeated, it is refused", async () => {
      const headers = bearer("limits");
      for (const q of ["limit=abc", "limit=0", "limit=101", "limit=1.5", "limit=%201", "limit=1&limit=2"]) {
        expectProblem(await api("GET", `/v1/me/attempts?${q}`, { headers }), 400);
      }
      expect((await api("GET", "/v1/me/attempts?limit=100", { headers })).status).toBe(200);
    });
  });

  describe("only application/json in UTF-8", () => {
    const withType = (type: string) =>
      api("POST", "/v1/tests", {
        headers: { ...admin, "content-type": type },
        rawBody: JSON.stringify(sampleTest),
      });

    test.each([
      "application/json; charset=utf-16",
      "application/json; charset=iso-8859-1",
      "text/plain",
      "application/x-www-form-urlencoded",
    ])("%s is a 415", async (type) => {
      const res = await withType(type);
      expectProblem(res, 415);
      expect(res.body.type).toMatch(/unsupported-media-type$/);
    });

    test.each(["application/json", "application/json; charset=utf-8", 'application/json; charset="UTF-8"'])(
      "%s is accepted",
      async (type) => {
        expect((await withType(type)).status).toBe(201);
      },
    );
  });

  describe("UUIDs are case-insensitive", () => {
    test("an upper-case test id reads the same test, and a submission to it is the same request", async () => {
      const upper = testId.toUpperCase();
      const read = await api("GET", `/v1/tests/${upper}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(testId);
      const headers = keyed(bearer(`case-${randomUUID()}`));
      const body = { answers: [{ questionId: "q1", choice: 1 }] };
      const first = await api("POST", `/v1/tests/${upper}/attempts`, { headers, body });
      expect(first.status).toBe(201);
      expect(first.body.testId).toBe(testId);
      // The same submission sent again with the lower-case id is a replay, not a different request (422).
      const again = await api("POST", `/v1/tests/${testId}/attempts`, { headers, body });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body.id).toBe(first.body.id);
    });

    test("an update through the upper-case id is what the lower-case id reads (one cache key)", async () => {
      const title = `Renamed ${randomUUID()}`;
      const put = await api("PUT", `/v1/tests/${testId.toUpperCase()}`, {
        headers: admin,
        body: { ...sampleTest, title },
      });
      expect(put.status).toBe(200);
      expect(put.body.id).toBe(testId);
      const read = await api("GET", `/v1/tests/${testId}`);
      expect(read.body.title).toBe(title);
    });
  });
});
