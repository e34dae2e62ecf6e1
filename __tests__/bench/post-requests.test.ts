import type autocannon from "autocannon";
import { MAX_POST_RPS, preBuiltPosts, requestsPerConnection } from "../../bench/api-load/post-requests";

/** What setupClient handed each connection. */
function connections(setup: (client: autocannon.Client) => void, count: number): autocannon.Request[][] {
  return Array.from({ length: count }, () => {
    let requests: autocannon.Request[] = [];
    setup({ setRequests: (r) => (requests = r) });
    return requests;
  });
}

describe("preBuiltPosts", () => {
  const setup = () =>
    preBuiltPosts({
      path: "/v1/tests/t/attempts",
      tokens: ["a", "b", "c"],
      body: '{"answers":[]}',
      perConnection: 4,
    });

  it("gives every request of every connection its own Idempotency-Key", () => {
    const all = connections(setup(), 5).flat();
    expect(all).toHaveLength(20);
    const keys = new Set(all.map((r) => r.headers?.["idempotency-key"]));
    expect(keys.size).toBe(20);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends the attempt with the tokens in turn", () => {
    const [first, second] = connections(setup(), 2);
    expect(first.map((r) => r.headers?.authorization)).toEqual([
      "Bearer a",
      "Bearer b",
      "Bearer c",
      "Bearer a",
    ]);
    expect(second[0].headers?.authorization).toBe("Bearer b");
    expect(first[0]).toMatchObject({
      method: "POST",
      path: "/v1/tests/t/attempts",
      body: '{"answers":[]}',
      headers: { "content-type": "application/json" },
    });
  });
});

describe("preBuiltPosts with more headers", () => {
  it("puts them on every request beside its own key", () => {
    const setup = preBuiltPosts({
      path: "/p",
      tokens: ["a"],
      body: "{}",
      headers: { prefer: "respond-async" },
      perConnection: 2,
    });
    const [requests] = connections(setup, 1);
    expect(requests.map((r) => r.headers?.prefer)).toEqual(["respond-async", "respond-async"]);
    expect(new Set(requests.map((r) => r.headers?.["idempotency-key"])).size).toBe(2);
  });
});

describe("requestsPerConnection", () => {
  it("covers the whole phase at the assumed rate, rounded up", () => {
    expect(requestsPerConnection(5, 100, 15_000)).toBe(750);
    expect(requestsPerConnection(5, 100)).toBe(Math.ceil((5 * MAX_POST_RPS) / 100));
    expect(requestsPerConnection(1, 3, 10)).toBe(4);
  });
});
