import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  DEFAULT_HOST,
  DEFAULT_SHUTDOWN_DELAY_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  ENV,
  SERVICE_PORT,
} from "./contract";
import { parseTrustedRanges } from "./http/trusted-proxy";
import { loadQueueSettings, type QueueSettings } from "./queue/queue-config";

/** How the service reaches one PostgreSQL endpoint. */
export type PgTarget =
  | { readonly kind: "url"; readonly connectionString: string }
  | {
      readonly kind: "host";
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly user: string;
      /** Static password; absent with IAM auth. */
      readonly password?: string;
      /** Generate an RDS IAM auth token per new connection (region from AWS_REGION). */
      readonly iamAuth: boolean;
      readonly region?: string;
    };

export type DbSslMode = "disable" | "require" | "no-verify";

export type DatabaseConfig =
  | {
      readonly kind: "pglite";
      /** Where the embedded database keeps its files between runs; absent: in memory (PGLITE_DATA_DIR=memory). */
      readonly dataDir?: string;
    }
  | {
      readonly kind: "postgres";
      readonly writer: PgTarget;
      /** The in-region read replicas, read round-robin; empty: reads go to the writer. */
      readonly readers: readonly PgTarget[];
      readonly ssl: DbSslMode;
      /** Schema the service's tables live in (search_path). */
      readonly schema?: string;
      readonly poolMax: number;
      readonly connectTimeoutMs: number;
      /** Longest wait for a statement's answer (DB_QUERY_TIMEOUT_MS). @default 15000 */
      readonly queryTimeoutMs?: number;
    };

export type CacheConfig =
  | { readonly kind: "memory" }
  | {
      readonly kind: "redis";
      readonly url?: string;
      readonly host?: string;
      readonly port: number;
      readonly tls: boolean;
      readonly password?: string;
      readonly commandTimeoutMs: number;
      /** Consecutive failed calls that open the circuit breaker (REDIS_BREAKER_FAILURES). @default 3 */
      readonly breakerFailures?: number;
      /** How long the breaker stays open before a probe (REDIS_BREAKER_OPEN_MS). @default 1000 */
      readonly breakerOpenMs?: number;
    };

export interface JwtConfig {
  readonly secret?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly rolesClaim: string;
  /** True when the secret is the built-in development secret (embedded mode only). */
  readonly devSecret: boolean;
}

export interface RateLimitConfig {
  readonly ipMax: number;
  readonly ipWindowMs: number;
  readonly userWriteMax: number;
  readonly userWriteWindowMs: number;
}

/** The in-process tier in front of the shared test cache. */
export interface LocalCacheConfig {
  /** 0 turns the tier off. */
  readonly ttlMs: number;
  readonly maxEntries: number;
}

/** How rate-limit hits are batched before they reach the shared store. */
export interface RateLimitBatchingConfig {
  /** Percent of a limit one instance may count locally between syncs; 0 sends every hit (exact). */
  readonly localPercent: number;
  readonly syncIntervalMs: number;
}

export interface ServiceConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly keyPrefix: string;
  readonly cacheTtlSeconds: number;
  readonly jwt: JwtConfig;
  readonly rateLimit: RateLimitConfig;
  readonly rateLimitBatching: RateLimitBatchingConfig;
  readonly localCache: LocalCacheConfig;
  /** Most attempts written by one INSERT when submissions arrive faster than the database commits. */
  readonly attemptBatchMax: number;
  /**
   * How long an attempt submission may take to reach a known outcome while the database does not answer
   * (DB_WRITE_TIMEOUT_MS); past it, one that may have been stored is answered 202 "outcome unknown".
   */
  readonly writeTimeoutMs: number;
  /** The whole drain after SIGTERM, readiness window included; past it the process exits 1. */
  readonly shutdownTimeoutMs: number;
  /** After SIGTERM: /ready is 503 and the listener still accepts for this long, then it closes. */
  readonly shutdownDelayMs: number;
  readonly bodyLimitBytes: number;
  /** How many X-Forwarded-For entries the load balancer(s) add (TRUST_PROXY_HOPS). */
  readonly trustProxyHops: number;
  /** Peers whose X-Forwarded-For is read at all (TRUST_PROXY_FROM; see http/trusted-proxy.ts). */
  readonly trustProxyFrom: readonly string[];
  /** Registers /__test routes (a slow endpoint for drain tests). Refused in production. */
  readonly enableTestHooks: boolean;
  /** Asynchronous submissions: the queue, whether POSTs are async by default, and the worker's settings. */
  readonly queue: QueueSettings;
}

/**
 * Where the embedded database lives when PGLITE_DATA_DIR is not set: a directory kept between runs, so only
 * the first start creates and migrates it (seconds); later starts open it (see README, start time). Under
 * the temporary directory (the one writable path in the container) and per user.
 */
export function defaultPgliteDataDir(): string {
  return path.join(tmpdir(), `skyline-api-pglite-${process.getuid?.() ?? "user"}`);
}

/** Development-only HS256 secret used when nothing is configured outside production. */
export const DEV_JWT_SECRET = "skyline-local-development-secret-do-not-use-in-production";

/** Thrown with every problem found, each naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration from the environment; throws ConfigError listing every problem. */
export function loadConfig(
  env: Env = process.env,
  /** The queue worker verifies no token: it runs without JWT_SECRET/JWT_JWKS_URL. @default "api" */
  role: "api" | "worker" = "api",
): ServiceConfig {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}="${raw}" is not an integer from ${min} to ${max}; set it to one or unset it.`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    problems.push(`${name}="${raw}" must be "true" or "false".`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(" or ")} (got ${parsed.protocol}).`);
      }
    } catch {
      problems.push(`${name} is not a valid URL; use e.g. ${protocols[0]}//host:port/...`);
    }
    return raw;
  };

  const nodeEnv = str(ENV.NODE_ENV) ?? "development";
  const production = nodeEnv === "production";
  const logLevel = str(ENV.LOG_LEVEL) ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`${ENV.LOG_LEVEL}="${logLevel}" is not one of ${LOG_LEVELS.join(", ")}.`);
  }

  const database = loadDatabase();
  const cache = loadCache();
  const jwt = loadJwt();

  const keyPrefix = str("REDIS_KEY_PREFIX") ?? "skyline:api:";
  const config: ServiceConfig = {
    nodeEnv,
    port: int(ENV.PORT, SERVICE_PORT, 0, 65535),
    host: str(ENV.HOST) ?? DEFAULT_HOST,
    logLevel,
    database,
    cache,
    keyPrefix,
    cacheTtlSeconds: int(ENV.CACHE_TTL_SECONDS, 60, 1, 86_400),
    jwt,
    rateLimit: {
      ipMax: int("RATE_LIMIT_IP_MAX", 100, 1, 10_000_000),
      ipWindowMs: int("RATE_LIMIT_IP_WINDOW_SECONDS", 900, 1, 86_400) * 1000,
      userWriteMax: int("RATE_LIMIT_USER_WRITE_MAX", 30, 1, 10_000_000),
      userWriteWindowMs: int("RATE_LIMIT_USER_WRITE_WINDOW_SECONDS", 60, 1, 86_400) * 1000,
    },
    rateLimitBatching: {
      localPercent: int("RATE_LIMIT_LOCAL_PERCENT", 10, 0, 50),
      syncIntervalMs: int("RATE_LIMIT_SYNC_MS", 100, 5, 10_000),
    },
    localCache: {
      ttlMs: int("CACHE_LOCAL_TTL_MS", 5000, 0, 60_000),
      maxEntries: int("CACHE_LOCAL_MAX_ENTRIES", 1000, 1, 1_000_000),
    },
    attemptBatchMax: int("DB_ATTEMPT_BATCH_MAX", 64, 1, 1000),
    writeTimeoutMs: int("DB_WRITE_TIMEOUT_MS", 25_000, 100, 600_000),
    shutdownTimeoutMs: int(ENV.SHUTDOWN_TIMEOUT_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600_000),
    shutdownDelayMs: int(ENV.SHUTDOWN_DELAY_MS, DEFAULT_SHUTDOWN_DELAY_MS, 0, 600_000),
    bodyLimitBytes: int("BODY_LIMIT_BYTES", 64 * 1024, 1024, 10 * 1024 * 1024),
    trustProxyHops: int("TRUST_PROXY_HOPS", 1, 0, 10),
    trustProxyFrom: parseTrustedRanges(str("TRUST_PROXY_FROM"), problems),
    enableTestHooks: bool("ENABLE_TEST_HOOKS", false),
    queue: loadQueueSettings({ str, int, bool, problems }),
  };
  if (config.shutdownDelayMs > 0 && config.shutdownDelayMs >= config.shutdownTimeoutMs) {
    problems.push(
      `${ENV.SHUTDOWN_DELAY_MS}=${config.shutdownDelayMs} must be less than ${ENV.SHUTDOWN_TIMEOUT_MS}=${config.shutdownTimeoutMs}: the readiness window is part of the drain and in-flight requests need time after it.`,
    );
  }
  if (config.enableTestHooks && production) {
    problems.push(`ENABLE_TEST_HOOKS must not be true when ${ENV.NODE_ENV}=production; unset it.`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;

  function loadDatabase(): DatabaseConfig {
    const databaseUrl = url(ENV.DATABASE_URL, ["postgres:", "postgresql:"]);
    const readerUrl = url(ENV.DATABASE_READER_URL, ["postgres:", "postgresql:"]);
    const host = str(ENV.DB_HOST);
    const sslRaw = str(ENV.DB_SSL) ?? "disable";
    if (!["disable", "require", "no-verify"].includes(sslRaw)) {
      problems.push(`${ENV.DB_SSL}="${sslRaw}" must be disable, require or no-verify.`);
    }
    const schema = str("DB_SCHEMA");
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      problems.push(`DB_SCHEMA="${schema}" must be a lower-case identifier ([a-z_][a-z0-9_]*).`);
    }
    const common = {
      ssl: sslRaw as DbSslMode,
      schema,
      poolMax: int("DB_POOL_MAX", 10, 1, 1000),
      connectTimeoutMs: int("DB_CONNECT_TIMEOUT_MS", 2000, 100, 60_000),
      queryTimeoutMs: int("DB_QUERY_TIMEOUT_MS", 15_000, 100, 600_000),
    };
    if (databaseUrl !== undefined && host !== undefined) {
      problems.push(`Set either ${ENV.DATABASE_URL} (local) or ${ENV.DB_HOST} (AWS), not both.`);
    }
    if (databaseUrl !== undefined) {
      return {
        kind: "postgres",
        writer: { kind: "url", connectionString: databaseUrl },
        readers: readerUrl === undefined ? [] : [{ kind: "url", connectionString: readerUrl }],
        ...common,
      };
    }
    if (readerUrl !== undefined) {
      problems.push(`${ENV.DATABASE_READER_URL} needs ${ENV.DATABASE_URL} (the writer) as well.`);
    }
    if (host === undefined) {
      if (str(ENV.DB_READER_HOST) !== undefined) {
        problems.push(`${ENV.DB_READER_HOST} needs ${ENV.DB_HOST} (the writer endpoint) as well.`);
      }
      const dataDir = str("PGLITE_DATA_DIR") ?? defaultPgliteDataDir();
      return { kind: "pglite", dataDir: dataDir === "memory" ? undefined : dataDir };
    }
    const iamAuth = bool(ENV.DB_IAM_AUTH, false);
    const user = str(ENV.DB_USER);
    const password = env[ENV.DB_PASSWORD] === "" ? undefined : env[ENV.DB_PASSWORD];
    const region = str(ENV.AWS_REGION);
    const database = str(ENV.DB_NAME);
    if (user === undefined) problems.push(`${ENV.DB_USER} is required with ${ENV.DB_HOST}; ECS injects it.`);
    if (database === undefined) problems.push(`${ENV.DB_NAME} is required with ${ENV.DB_HOST}.`);
    if (iamAuth && region === undefined) {
      problems.push(
        `${ENV.AWS_REGION} is required when ${ENV.DB_IAM_AUTH}=true (the token is signed for it).`,
      );
    }
    if (iamAuth && password !== undefined) {
      problems.push(`${ENV.DB_PASSWORD} must not be set when ${ENV.DB_IAM_AUTH}=true; remove the secret.`);
    }
    if (!iamAuth && password === undefined) {
      problems.push(`${ENV.DB_PASSWORD} is required unless ${ENV.DB_IAM_AUTH}=true.`);
    }
    const port = int(ENV.DB_PORT, 5432, 1, 65535);
    const target = (endpoint: string, login = user): PgTarget => ({
      kind: "host",
      host: endpoint,
      port,
      database: database ?? "",
      user: login ?? "",
      password: iamAuth ? undefined : password,
      iamAuth,
      region,
    });
    // The replicas' read-only login when set (the writer's login keeps password auth for RDS Proxy).
    const readerUser = str(ENV.DB_READER_USER) ?? user;
    return {
      kind: "postgres",
      writer: target(host),
      readers: readerHosts().map((readerHost) => target(readerHost, readerUser)),
      ...common,
    };
  }

  /** DB_READER_HOST: one host or a comma-separated list, each named once. */
  function readerHosts(): string[] {
    const raw = str(ENV.DB_READER_HOST);
    if (raw === undefined) return [];
    const hosts = raw.split(",").map((h) => h.trim());
    if (hosts.some((h) => h === "")) {
      problems.push(
        `${ENV.DB_READER_HOST}="${raw}" has an empty entry; list the reader hosts separated by single commas, with no leading or trailing comma.`,
      );
    }
    const unique = new Map<string, string>();
    const repeated = new Set<string>();
    for (const h of hosts.filter((e) => e !== "")) {
      // Host names are case-insensitive: "A.example" and "a.example" are the same replica.
      const key = h.toLowerCase();
      if (unique.has(key)) repeated.add(h);
      else unique.set(key, h);
    }
    for (const h of repeated) {
      problems.push(`${ENV.DB_READER_HOST} lists "${h}" more than once; name each reader host once.`);
    }
    return [...unique.values()];
  }

  function loadCache(): CacheConfig {
    const redisUrl = url(ENV.REDIS_URL, ["redis:", "rediss:"]);
    const host = str(ENV.REDIS_HOST);
    const commandTimeoutMs = int("REDIS_COMMAND_TIMEOUT_MS", 250, 10, 60_000);
    const breaker = {
      breakerFailures: int("REDIS_BREAKER_FAILURES", 3, 1, 1000),
      breakerOpenMs: int("REDIS_BREAKER_OPEN_MS", 1000, 10, 600_000),
    };
    if (redisUrl !== undefined && host !== undefined) {
      problems.push(`Set either ${ENV.REDIS_URL} (local) or ${ENV.REDIS_HOST} (AWS), not both.`);
    }
    const port = int(ENV.REDIS_PORT, 6379, 1, 65535);
    const tls = bool(ENV.REDIS_TLS, false);
    const password = str(ENV.REDIS_AUTH_TOKEN);
    if (redisUrl !== undefined)
      return { kind: "redis", url: redisUrl, port, tls, password, commandTimeoutMs, ...breaker };
    if (host !== undefined) return { kind: "redis", host, port, tls, password, commandTimeoutMs, ...breaker };
    return { kind: "memory" };
  }

  function loadJwt(): JwtConfig {
    const jwksUrl = url(ENV.JWT_JWKS_URL, production ? ["https:"] : ["https:", "http:"]);
    let secret = env[ENV.JWT_SECRET] === "" ? undefined : env[ENV.JWT_SECRET];
    let devSecret = false;
    if (secret !== undefined && Buffer.byteLength(secret) < 32) {
      problems.push(
        `${ENV.JWT_SECRET} must be at least 32 bytes for HS256; generate one with: openssl rand -hex 32`,
      );
    }
    // The worker verifies no token: it needs neither a secret nor the development one.
    if (secret === undefined && jwksUrl === undefined && role === "api") {
      if (production) {
        problems.push(`Set ${ENV.JWT_SECRET} (HS256) or ${ENV.JWT_JWKS_URL} (RS256/ES256); neither is set.`);
      } else {
        secret = DEV_JWT_SECRET;
        devSecret = true;
      }
    }
    return {
      secret,
      jwksUrl,
      issuer: str(ENV.JWT_ISSUER),
      audience: str(ENV.JWT_AUDIENCE),
      rolesClaim: str("JWT_ROLES_CLAIM") ?? "roles",
      devSecret,
    };
  }
}

/** One line for the start-up log: which backends this process uses (no secrets). */
export function describeMode(config: ServiceConfig): string {
  const db =
    config.database.kind === "pglite"
      ? `embedded PGlite (${config.database.dataDir === undefined ? "in memory" : `${config.database.dataDir}, kept between runs`})`
      : `PostgreSQL ${describeTarget(config.database.writer)}${describeReaders(config.database.readers)}`;
  const cache =
    config.cache.kind === "memory"
      ? "in-process cache and rate limits"
      : `Redis ${config.cache.url ? redactUrl(config.cache.url) : `${config.cache.host}:${config.cache.port}`}${config.cache.tls ? " (TLS)" : ""}`;
  return `mode: ${db}; ${cache}`;
}

function describeReaders(readers: readonly PgTarget[]): string {
  if (readers.length === 0) return "";
  if (readers.length === 1) return ` + reader ${describeTarget(readers[0])}`;
  return ` + ${readers.length} readers ${readers.map(describeTarget).join(", ")}`;
}

/** One endpoint for a log line: host, port and database, or the URL with its password redacted. */
export function describeTarget(target: PgTarget): string {
  if (target.kind === "url") return redactUrl(target.connectionString);
  return `${target.host}:${target.port}/${target.database}${target.iamAuth ? " (IAM auth)" : ""}`;
}

function redactUrl(raw: string): string {
  const parsed = new URL(raw);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
