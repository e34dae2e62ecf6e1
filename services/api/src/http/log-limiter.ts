type Level = "warn" | "error";

/** The two pino methods this needs (a FastifyBaseLogger or a pino Logger). */
export interface LevelLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface KeyState {
  lastLoggedAt: number;
  /** Occurrences since the last line that did not get a line of their own. */
  suppressed: number;
  level: Level;
  fields: object;
  message: string;
}

/** An error as a log field: message and code only. A dependency outage needs no stack per request. */
export function errorFields(error: unknown): { message: string; code?: string } {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    message: typeof message === "string" ? message : String(error),
    code: typeof code === "string" ? code : undefined,
  };
}

/**
 * Logs a repeated event (a dependency error) at most once per interval per key, with the number of
 * occurrences the line stands for (`repeated`): an outage at a thousand requests a second writes one
 * line per interval, not a thousand lines with a stack each. The first occurrence is logged at once;
 * occurrences after it are counted, and written out when the interval has passed (on the next
 * occurrence, or by a timer if none comes).
 */
export class RateLimitedLog {
  private readonly keys = new Map<string, KeyState>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: LevelLogger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  warn(key: string, fields: object, message: string): void {
    this.record("warn", key, fields, message);
  }

  error(key: string, fields: object, message: string): void {
    this.record("error", key, fields, message);
  }

  /** Writes the counts of keys whose interval has passed; forgets quiet ones. */
  flush(): void {
    const now = this.now();
    for (const [key, state] of this.keys) {
      if (now - state.lastLoggedAt < this.intervalMs) continue;
      if (state.suppressed === 0) this.keys.delete(key);
      else this.write(state, now);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private record(level: Level, key: string, fields: object, message: string): void {
    const now = this.now();
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { lastLoggedAt: Number.NEGATIVE_INFINITY, suppressed: 0, level, fields, message };
      this.keys.set(key, state);
    }
    state.suppressed += 1;
    state.level = level;
    state.fields = fields;
    state.message = message;
    if (now - state.lastLoggedAt >= this.intervalMs) this.write(state, now);
  }

  private write(state: KeyState, now: number): void {
    this.log[state.level](
      { ...state.fields, repeated: state.suppressed, intervalMs: this.intervalMs },
      state.message,
    );
    state.suppressed = 0;
    state.lastLoggedAt = now;
  }
}
