import * as http from "node:http";

/** One request's outcome: its status and headers, or the error that ended it. */
export interface Outcome {
  readonly status?: number;
  readonly headers?: http.IncomingHttpHeaders;
  readonly body?: string;
  /** e.g. ECONNREFUSED, ECONNRESET */
  readonly error?: string;
  /** True when the request went out on a keep-alive socket that had already carried a request. */
  readonly reusedSocket: boolean;
}

/** A GET through the given agent (keep-alive or not) that never rejects: it reports how it ended. */
export function request(url: string, agent: http.Agent | false): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body, reusedSocket: req.reusedSocket }),
      );
      res.on("error", (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket }),
    );
  });
}

/**
 * A load balancer's traffic to one target: `connections` clients, each sending GETs back to back over one
 * keep-alive agent, until stop() (the load balancer has taken the target out: it sends nothing new, and
 * requests already sent finish). Every outcome is kept, so a test can look for resets and refusals.
 */
export class KeepAliveLoad {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
  readonly outcomes: Outcome[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly connections: number,
  ) {}

  start(): void {
    for (let i = 0; i < this.connections; i++) this.loops.push(this.loop());
  }

  /** Resolves when every client has stopped (after stop(), once its request in flight is answered). */
  async finished(): Promise<void> {
    await Promise.all(this.loops);
    this.agent.destroy();
  }

  stop(): void {
    this.stopped = true;
  }

  get served(): number {
    return this.outcomes.filter((o) => o.status !== undefined).length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const outcome = await request(this.url, this.agent);
      this.outcomes.push(outcome);
      // A failure is what the drain must never produce; keep going (slowly) to see how many there are.
      if (outcome.error !== undefined) await new Promise((r) => setTimeout(r, 5));
    }
  }
}
