import type { onRequestAsyncHookHandler } from "fastify";
import type { Cache } from "./cache/cache";
import type { ServiceConfig } from "./config";
import type { Database } from "./db/database";
import type { AttemptWriter } from "./domain/attempt-writer";
import type { TestCatalog } from "./domain/test-catalog";
import type { Metrics } from "./http/metrics";
import type { EnqueueBatcher } from "./queue/enqueue-batcher";

/** What route plugins receive: dependencies, not globals. */
export interface AppContext {
  readonly config: ServiceConfig;
  readonly db: Database;
  readonly cache: Cache;
  readonly metrics: Metrics;
  readonly catalog: TestCatalog;
  /** Attempt inserts, grouped while the database is busy (see AttemptWriter). */
  readonly attempts: AttemptWriter;
  /** Asynchronous submissions go to the queue through this; absent when no queue is configured. */
  readonly submissions?: EnqueueBatcher;
  readonly authenticated: onRequestAsyncHookHandler;
  readonly admin: onRequestAsyncHookHandler;
  /** True once SIGTERM arrived: /ready answers 503 so nothing new is routed here. */
  readonly isShuttingDown: () => boolean;
}
