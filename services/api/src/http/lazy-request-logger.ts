import type { FastifyBaseLogger } from "fastify";

type Bindings = Parameters<FastifyBaseLogger["child"]>[0];
type ChildOptions = Parameters<FastifyBaseLogger["child"]>[1];
type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

// pino's numeric levels: a call logs when its level's value is at least the logger's.
const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * request.log, created only when something is logged through it. Fastify makes a child logger (with the
 * request id bound) for every request; with pino that costs as much as routing the request. Most
 * requests never log through it (the access line is written by the root logger with the id as a field),
 * so this stands in, and builds the real child on the first call at an enabled level.
 */
export class LazyRequestLogger {
  private real?: FastifyBaseLogger;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options?: ChildOptions,
  ) {}

  /** The child's level: its own once built, else the route's logLevel option, else the parent's. */
  get level(): string {
    return this.real?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.materialize().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write("fatal", args);
  }
  error(...args: unknown[]): void {
    this.write("error", args);
  }
  warn(...args: unknown[]): void {
    this.write("warn", args);
  }
  info(...args: unknown[]): void {
    this.write("info", args);
  }
  debug(...args: unknown[]): void {
    this.write("debug", args);
  }
  trace(...args: unknown[]): void {
    this.write("trace", args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.materialize().child(bindings, options);
  }

  /** True once a call needed the real child (tests). */
  get materialized(): boolean {
    return this.real !== undefined;
  }

  private write(level: Level, args: unknown[]): void {
    if (LEVEL_VALUES[level] < (LEVEL_VALUES[this.level] ?? 0)) return;
    const logger = this.materialize();
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }

  private materialize(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }
}

/** Fastify's childLoggerFactory option: a LazyRequestLogger per request. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
