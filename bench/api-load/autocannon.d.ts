// The subset of autocannon's API the load benchmark uses (the package ships no types).
declare module "autocannon" {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    "2xx": number;
  }
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  /** One connection; setupClient receives it before it sends anything. */
  interface Client {
    /** Replaces the connection's requests: it sends them in turn (built once, here), then wraps round. */
    setRequests(requests: Request[]): void;
  }
  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Replace every [<id>] in each request (headers and body) with a new unique id. */
    idReplacement?: boolean;
    requests?: Request[];
    setupClient?: (client: Client) => void;
  }
  function autocannon(options: Options): Promise<Result>;
  namespace autocannon {
    export type { Result, Options, Client, Request };
  }
  export = autocannon;
}
