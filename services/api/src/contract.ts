/**
 * The contract between this service and the infrastructure that runs it (the FargateService construct,
 * the task definition, the Dockerfile). Plain constants with no runtime imports, so a root test can
 * import this file next to the construct and fail if the two drift. The config loader reads these names.
 */

/** Port the container listens on (`PORT` overrides it; the task definition sets it to this value). */
export const SERVICE_PORT = 8080;
/** Interface the server binds to by default (`HOST` overrides it). */
export const DEFAULT_HOST = "0.0.0.0";

/** Liveness: the process is up. The container health check uses it; it never touches a dependency. */
export const HEALTH_PATH = "/health";
/** Readiness: database and cache reachable; 503 with details when not. Route 53 checks it per region. */
export const READY_PATH = "/ready";
/** Prometheus metrics. */
export const METRICS_PATH = "/metrics";
/**
 * Path the load balancer's target group health check uses: liveness. A database or cache outage
 * must not take every task out of the target group at once (the service degrades instead); losing a
 * whole region is Route 53's call, on READY_PATH.
 */
export const LOAD_BALANCER_HEALTH_CHECK_PATH = HEALTH_PATH;
/** Path the container (Docker / ECS) health check uses: liveness only, so a Redis outage restarts nothing. */
export const CONTAINER_HEALTH_CHECK_PATH = HEALTH_PATH;

/** Environment variable names, one place. */
export const ENV = {
  NODE_ENV: "NODE_ENV",
  PORT: "PORT",
  HOST: "HOST",
  LOG_LEVEL: "LOG_LEVEL",
  DB_HOST: "DB_HOST",
  DB_READER_HOST: "DB_READER_HOST",
  DB_READER_USER: "DB_READER_USER",
  DB_PORT: "DB_PORT",
  DB_NAME: "DB_NAME",
  DB_SSL: "DB_SSL",
  DB_IAM_AUTH: "DB_IAM_AUTH",
  DB_USER: "DB_USER",
  DB_PASSWORD: "DB_PASSWORD",
  AWS_REGION: "AWS_REGION",
  REDIS_HOST: "REDIS_HOST",
  REDIS_PORT: "REDIS_PORT",
  REDIS_TLS: "REDIS_TLS",
  REDIS_AUTH_TOKEN: "REDIS_AUTH_TOKEN",
  CACHE_TTL_SECONDS: "CACHE_TTL_SECONDS",
  JWT_SECRET: "JWT_SECRET",
  JWT_JWKS_URL: "JWT_JWKS_URL",
  JWT_ISSUER: "JWT_ISSUER",
  JWT_AUDIENCE: "JWT_AUDIENCE",
  SHUTDOWN_TIMEOUT_MS: "SHUTDOWN_TIMEOUT_MS",
  SHUTDOWN_DELAY_MS: "SHUTDOWN_DELAY_MS",
  DATABASE_URL: "DATABASE_URL",
  DATABASE_READER_URL: "DATABASE_READER_URL",
  REDIS_URL: "REDIS_URL",
  /** sqs (AWS), local (the PostgreSQL table) or none; sqs when QUEUE_URL is set. */
  QUEUE_DRIVER: "QUEUE_DRIVER",
  /** The SQS submission queue's URL (the worker's task, and the API's when the queue tier is on). */
  QUEUE_URL: "QUEUE_URL",
  /** The queue's maxReceiveCount, so the worker knows a message's last try. */
  QUEUE_MAX_RECEIVES: "QUEUE_MAX_RECEIVES",
  /** Answer every POST /v1/tests/:id/attempts 202 and enqueue it, not only those with Prefer: respond-async. */
  ATTEMPTS_ASYNC: "ATTEMPTS_ASYNC",
  WORKER_BATCH_SIZE: "WORKER_BATCH_SIZE",
  WORKER_VISIBILITY_TIMEOUT_SECONDS: "WORKER_VISIBILITY_TIMEOUT_SECONDS",
  /** Set by the ECS agent: the worker protects its task from scale-in while a batch is in flight. */
  ECS_AGENT_URI: "ECS_AGENT_URI",
} as const;

/** Plain environment variables the task definition sets (values are not secret). */
export const PLAIN_ENV_VARS = [
  ENV.NODE_ENV,
  ENV.PORT,
  ENV.LOG_LEVEL,
  ENV.DB_HOST,
  ENV.DB_READER_HOST,
  ENV.DB_READER_USER,
  ENV.DB_PORT,
  ENV.DB_NAME,
  ENV.DB_SSL,
  ENV.DB_IAM_AUTH,
  ENV.REDIS_HOST,
  ENV.REDIS_PORT,
  ENV.REDIS_TLS,
  ENV.CACHE_TTL_SECONDS,
  ENV.JWT_ISSUER,
  ENV.JWT_AUDIENCE,
  ENV.JWT_JWKS_URL,
  // Where asynchronous submissions go (the queue tier); without it every submission is synchronous.
  ENV.QUEUE_URL,
] as const;

/** Plain variables the service can run without (everything else in PLAIN_ENV_VARS has a default or is optional). */
export const OPTIONAL_PLAIN_ENV_VARS = [
  ENV.DB_READER_HOST,
  ENV.DB_READER_USER,
  ENV.JWT_ISSUER,
  ENV.JWT_AUDIENCE,
  ENV.JWT_JWKS_URL,
  ENV.QUEUE_URL,
] as const;

/** Secrets ECS injects from Secrets Manager; never plain environment in AWS. */
export const SECRET_ENV_VARS = [ENV.DB_USER, ENV.DB_PASSWORD, ENV.REDIS_AUTH_TOKEN, ENV.JWT_SECRET] as const;

/** Which key of which secret each secret variable comes from. */
export const SECRET_SOURCES = {
  /** The `username` key of the RDS-managed master user secret. */
  DB_USER: { secret: "database-master", jsonKey: "username" },
  /** Only when DB_IAM_AUTH is not true: the `password` key of the same secret. */
  DB_PASSWORD: { secret: "database-master", jsonKey: "password" },
  /** The ElastiCache AUTH token secret (whole value). */
  REDIS_AUTH_TOKEN: { secret: "cache-auth-token", jsonKey: undefined },
  /** HS256 signing secret (whole value); not needed when JWT_JWKS_URL is set. */
  JWT_SECRET: { secret: "jwt-secret", jsonKey: undefined },
} as const;

/** Local and development alternatives to the DB_* / REDIS_* variables. */
export const LOCAL_ENV_VARS = [ENV.DATABASE_URL, ENV.DATABASE_READER_URL, ENV.REDIS_URL] as const;

/** Values the task definition sets in AWS. */
export const AWS_ENV_DEFAULTS = {
  NODE_ENV: "production",
  PORT: String(SERVICE_PORT),
  DB_PORT: "5432",
  DB_SSL: "require",
  DB_IAM_AUTH: "true",
  REDIS_PORT: "6379",
  REDIS_TLS: "true",
} as const;

/** The read-only database login of the reader pool, created by migration 0002 (IAM auth on RDS). */
export const READER_DB_USER = "skyline_reader";

/** The container's user (uid:gid); the Dockerfile creates it with these ids. */
export const CONTAINER_USER = "10001:10001";
/** The only writable path in the read-only root filesystem. */
export const WRITABLE_PATHS = ["/tmp"] as const;

/** The one-off ECS task runs this once per deploy, before the new service tasks start. */
export const MIGRATE_COMMAND = ["node", "dist/migrate.js"] as const;
/**
 * V8 flags the service runs with. A larger young generation (semi-space 32 MB, V8's default is 16): a
 * POST allocates a few KB (body, validation, the insert document, the answer), and with fewer scavenges
 * the service spent 5–22 % less CPU per POST in each of six paired runs of bench/api-load.ts (cached
 * GET, which allocates little, unchanged). Costs at most 32 MB more resident memory under load.
 */
export const NODE_FLAGS = ["--max-semi-space-size=32"] as const;
/** The service container's command (the image's CMD and `npm start`). */
export const START_COMMAND = ["node", ...NODE_FLAGS, "dist/server.js"] as const;
/**
 * The queue worker's command (same image); it serves /health, /ready and /metrics on PORT. No V8 flags:
 * NODE_FLAGS' larger semi-space made no consistent difference to the worker's CPU per submission in two
 * paired runs of bench/queue-worker.ts (116 and 127 µs without it, 127 and 107 µs with it).
 */
export const WORKER_COMMAND = ["node", "dist/worker.js"] as const;
/** Plain variables the worker's task sets besides the database ones. */
export const WORKER_ENV_VARS = [
  ENV.QUEUE_DRIVER,
  ENV.QUEUE_URL,
  ENV.WORKER_BATCH_SIZE,
  ENV.WORKER_VISIBILITY_TIMEOUT_SECONDS,
  ENV.QUEUE_MAX_RECEIVES,
] as const;
/**
 * The worker's CloudWatch metrics (embedded metric format lines on stdout), as the queue alarms read
 * them (constructs/worker-service/worker-defaults.ts WORKER_METRICS).
 */
export const WORKER_CLOUDWATCH = {
  namespace: "Skyline/Worker",
  queueDimension: "QueueName",
  processed: "MessagesProcessed",
  failed: "MessagesFailed",
  batchLatency: "BatchLatencyMs",
} as const;

/** ECS stopTimeout: SIGTERM then SIGKILL after this many seconds. */
export const STOP_TIMEOUT_SECONDS = 30;
/** Default drain budget after SIGTERM (`SHUTDOWN_TIMEOUT_MS`); well inside STOP_TIMEOUT_SECONDS. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;
/**
 * After SIGTERM, how long `/ready` answers 503 while the listener still accepts (`SHUTDOWN_DELAY_MS`):
 * the time a load balancer needs to stop routing new requests here before connections are refused.
 * Every response in this window carries `Connection: close`. Sized to the deregistration: on EKS the pod
 * leaves the endpoints at SIGTERM and the AWS Load Balancer Controller deregisters its target, which the
 * ALB applies within seconds; the readiness probe (every 5 s) sees the 503 within one period. On ECS the
 * target is deregistered (and drained for the target group's deregistration delay) before SIGTERM, so the
 * window only covers what is still propagating. It counts against DEFAULT_SHUTDOWN_TIMEOUT_MS.
 */
export const DEFAULT_SHUTDOWN_DELAY_MS = 5_000;
