import {
  ConfigError,
  DEV_JWT_SECRET,
  defaultPgliteDataDir,
  describeMode,
  loadConfig,
} from "../../../services/api/src/config";
import {
  DEFAULT_SHUTDOWN_DELAY_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  ENV,
  PLAIN_ENV_VARS,
  SECRET_ENV_VARS,
  SERVICE_PORT,
} from "../../../services/api/src/contract";

const SECRET = "s".repeat(32);
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
};

const aws = {
  NODE_ENV: "production",
  DB_HOST: "writer.proxy",
  DB_READER_HOST: "reader.proxy",
  DB_NAME: "app",
  DB_USER: "app_user",
  DB_SSL: "require",
  DB_IAM_AUTH: "true",
  AWS_REGION: "eu-west-1",
  REDIS_HOST: "cache.local",
  REDIS_TLS: "true",
  REDIS_AUTH_TOKEN: "tok",
  JWT_SECRET: SECRET,
};

describe("loadConfig", () => {
  test("no environment: embedded PGlite, in-process cache, contract defaults, dev JWT secret", () => {
    const config = loadConfig({});
    expect(config.port).toBe(SERVICE_PORT);
    expect(config.host).toBe("0.0.0.0");
    expect(config.database).toEqual({ kind: "pglite", dataDir: defaultPgliteDataDir() });
    expect(defaultPgliteDataDir()).toMatch(/skyline-api-pglite-/);
    expect(config.cache).toEqual({ kind: "memory" });
    expect(config.shutdownTimeoutMs).toBe(DEFAULT_SHUTDOWN_TIMEOUT_MS);
    expect(config.shutdownDelayMs).toBe(DEFAULT_SHUTDOWN_DELAY_MS);
    expect(config.rateLimit).toEqual({
      ipMax: 100,
      ipWindowMs: 900_000,
      userWriteMax: 30,
      userWriteWindowMs: 60_000,
    });
    expect(config.jwt).toMatchObject({ secret: DEV_JWT_SECRET, devSecret: true });
    expect(describeMode(config)).toBe(
      `mode: embedded PGlite (${defaultPgliteDataDir()}, kept between runs); in-process cache and rate limits`,
    );
  });

  test("PGLITE_DATA_DIR names the embedded database's directory, or memory for a throw-away one", () => {
    expect(loadConfig({ PGLITE_DATA_DIR: "/var/tmp/db" }).database).toEqual({
      kind: "pglite",
      dataDir: "/var/tmp/db",
    });
    const memory = loadConfig({ PGLITE_DATA_DIR: "memory" });
    expect(memory.database).toEqual({ kind: "pglite", dataDir: undefined });
    expect(describeMode(memory)).toBe("mode: embedded PGlite (in memory); in-process cache and rate limits");
  });

  test("throughput settings: batched rate-limit counts, in-process test cache, attempt groups", () => {
    const defaults = loadConfig({});
    expect(defaults.rateLimitBatching).toEqual({ localPercent: 10, syncIntervalMs: 100 });
    expect(defaults.localCache).toEqual({ ttlMs: 5000, maxEntries: 1000 });
    expect(defaults.attemptBatchMax).toBe(64);
    const tuned = loadConfig({
      RATE_LIMIT_LOCAL_PERCENT: "0",
      RATE_LIMIT_SYNC_MS: "250",
      CACHE_LOCAL_TTL_MS: "0",
      CACHE_LOCAL_MAX_ENTRIES: "50",
      DB_ATTEMPT_BATCH_MAX: "1",
    });
    expect(tuned.rateLimitBatching).toEqual({ localPercent: 0, syncIntervalMs: 250 });
    expect(tuned.localCache).toEqual({ ttlMs: 0, maxEntries: 50 });
    expect(tuned.attemptBatchMax).toBe(1);
  });

  test("the AWS task definition's variables: IAM auth, reader endpoint, Redis TLS", () => {
    const config = loadConfig(aws);
    expect(config.database).toMatchObject({
      kind: "postgres",
      ssl: "require",
      writer: {
        kind: "host",
        host: "writer.proxy",
        port: 5432,
        database: "app",
        user: "app_user",
        iamAuth: true,
        region: "eu-west-1",
      },
      // Without DB_READER_USER the reader pool logs in as the writer's user.
      readers: [{ kind: "host", host: "reader.proxy", user: "app_user" }],
    });
    if (config.database.kind === "postgres") expect(config.database.readers).toHaveLength(1);
    expect(config.cache).toMatchObject({
      kind: "redis",
      host: "cache.local",
      port: 6379,
      tls: true,
      password: "tok",
    });
    expect(describeMode(config)).toBe(
      "mode: PostgreSQL writer.proxy:5432/app (IAM auth) + reader reader.proxy:5432/app (IAM auth); Redis cache.local:6379 (TLS)",
    );
  });

  test("the reader pool uses DB_READER_USER, the replicas' own IAM login, when set", () => {
    const config = loadConfig({ ...aws, DB_READER_USER: "skyline_reader" });
    expect(config.database).toMatchObject({
      writer: { user: "app_user" },
      readers: [{ host: "reader.proxy", user: "skyline_reader", iamAuth: true }],
    });
  });

  test("DB_READER_HOST lists every in-region replica: one reader each, same port, database, TLS, IAM and login", () => {
    const config = loadConfig({
      ...aws,
      DB_PORT: "6543",
      DB_READER_USER: "skyline_reader",
      DB_READER_HOST: " replica-1.rds , replica-2.rds,replica-3.rds ",
    });
    if (config.database.kind !== "postgres") throw new Error("expected postgres");
    const same = {
      kind: "host",
      port: 6543,
      database: "app",
      user: "skyline_reader",
      password: undefined,
      iamAuth: true,
      region: "eu-west-1",
    };
    expect(config.database.readers).toEqual([
      { ...same, host: "replica-1.rds" },
      { ...same, host: "replica-2.rds" },
      { ...same, host: "replica-3.rds" },
    ]);
    expect(config.database).toMatchObject({
      ssl: "require",
      writer: { host: "writer.proxy", user: "app_user" },
    });
    expect(describeMode(config)).toContain(
      "+ 3 readers replica-1.rds:6543/app (IAM auth), replica-2.rds:6543/app (IAM auth), replica-3.rds:6543/app (IAM auth);",
    );
  });

  test("without DB_READER_HOST there is no reader: reads go to the writer", () => {
    const { DB_READER_HOST: _unused, ...writerOnly } = aws;
    const config = loadConfig(writerOnly);
    expect(config.database).toMatchObject({ kind: "postgres", readers: [] });
    expect(describeMode(config)).not.toContain("reader");
    expect(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).database).toMatchObject({ readers: [] });
  });

  test("DATABASE_READER_URL stays one reader URL", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u@h/db",
      DATABASE_READER_URL: "postgres://u@r/db",
    });
    expect(config.database).toMatchObject({
      readers: [{ kind: "url", connectionString: "postgres://u@r/db" }],
    });
  });

  test.each([
    [
      "a.rds,,b.rds",
      /^DB_READER_HOST="a\.rds,,b\.rds" has an empty entry; list the reader hosts separated by single commas/,
    ],
    ["a.rds,b.rds,", /^DB_READER_HOST=.* has an empty entry/],
    [",a.rds", /^DB_READER_HOST=.* has an empty entry/],
    ["a.rds, b.rds ,a.rds", /^DB_READER_HOST lists "a\.rds" more than once; name each reader host once\./],
    ["a.rds,A.RDS", /^DB_READER_HOST lists "A\.RDS" more than once/],
  ])("DB_READER_HOST=%p is rejected, naming the variable and the fix", (value, message) => {
    const problems = problemsOf({ ...aws, DB_READER_HOST: value });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  test("local URLs, with the password redacted from the mode line", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u:pw@db:5432/x", REDIS_URL: "redis://:pw@r:6379" });
    expect(config.database).toMatchObject({ kind: "postgres", writer: { kind: "url" } });
    expect(describeMode(config)).not.toContain("pw@");
  });

  test("every variable the config reads that the task definition sets is named in the contract", () => {
    for (const name of [
      ...Object.keys(aws),
      "PORT",
      "LOG_LEVEL",
      "DB_PORT",
      "REDIS_PORT",
      "CACHE_TTL_SECONDS",
    ]) {
      if (name === "AWS_REGION") continue; // set by ECS itself
      expect([...PLAIN_ENV_VARS, ...SECRET_ENV_VARS]).toContain(name);
    }
    expect(ENV.DB_USER).toBe("DB_USER");
  });

  test.each([
    [{ PORT: "80a" }, /^PORT="80a" is not an integer/],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL="loud"/],
    [{ DB_SSL: "on" }, /^DB_SSL="on" must be/],
    [{ DB_SCHEMA: "Bad-Name" }, /^DB_SCHEMA/],
    [{ DATABASE_URL: "mysql://x" }, /^DATABASE_URL must use postgres:/],
    [{ DATABASE_URL: "not a url" }, /^DATABASE_URL is not a valid URL/],
    [
      { DATABASE_URL: "postgres://a/b", DB_HOST: "h", DB_NAME: "n", DB_USER: "u", DB_PASSWORD: "p" },
      /either DATABASE_URL .* or DB_HOST/,
    ],
    [{ DATABASE_READER_URL: "postgres://a/b" }, /DATABASE_READER_URL needs DATABASE_URL/],
    [{ DB_READER_HOST: "r" }, /DB_READER_HOST needs DB_HOST/],
    [{ REDIS_URL: "redis://a", REDIS_HOST: "b" }, /either REDIS_URL .* or REDIS_HOST/],
    [{ REDIS_TLS: "yes" }, /^REDIS_TLS="yes" must be "true" or "false"/],
    [{ JWT_SECRET: "short" }, /JWT_SECRET must be at least 32 bytes/],
    [{ NODE_ENV: "production" }, /Set JWT_SECRET \(HS256\) or JWT_JWKS_URL/],
    [{ NODE_ENV: "production", JWT_JWKS_URL: "http://idp/jwks" }, /JWT_JWKS_URL must use https:/],
    [
      { ENABLE_TEST_HOOKS: "true", NODE_ENV: "production", JWT_SECRET: SECRET },
      /ENABLE_TEST_HOOKS must not be true/,
    ],
    [{ SHUTDOWN_TIMEOUT_MS: "-1" }, /^SHUTDOWN_TIMEOUT_MS/],
    [{ SHUTDOWN_DELAY_MS: "soon" }, /^SHUTDOWN_DELAY_MS="soon"/],
    [
      { SHUTDOWN_DELAY_MS: "20000", SHUTDOWN_TIMEOUT_MS: "20000" },
      /^SHUTDOWN_DELAY_MS=20000 must be less than SHUTDOWN_TIMEOUT_MS=20000/,
    ],
    [{ RATE_LIMIT_LOCAL_PERCENT: "60" }, /^RATE_LIMIT_LOCAL_PERCENT="60" is not an integer from 0 to 50/],
    [{ RATE_LIMIT_SYNC_MS: "1" }, /^RATE_LIMIT_SYNC_MS="1" is not an integer from 5/],
    [{ CACHE_LOCAL_TTL_MS: "fast" }, /^CACHE_LOCAL_TTL_MS="fast"/],
    [{ CACHE_LOCAL_MAX_ENTRIES: "0" }, /^CACHE_LOCAL_MAX_ENTRIES="0"/],
    [{ DB_ATTEMPT_BATCH_MAX: "0" }, /^DB_ATTEMPT_BATCH_MAX="0"/],
  ])("%o is rejected with a message naming the variable", (env, message) => {
    expect(problemsOf(env as Record<string, string>)).toEqual(
      expect.arrayContaining([expect.stringMatching(message)]),
    );
  });

  test.each([
    [{ DB_USER: undefined }, /DB_USER is required with DB_HOST/],
    [{ DB_NAME: undefined }, /DB_NAME is required/],
    [{ AWS_REGION: undefined }, /AWS_REGION is required when DB_IAM_AUTH=true/],
    [{ DB_PASSWORD: "pw" }, /DB_PASSWORD must not be set when DB_IAM_AUTH=true/],
    [{ DB_IAM_AUTH: "false" }, /DB_PASSWORD is required unless DB_IAM_AUTH=true/],
  ])("AWS settings %o are rejected", (change, message) => {
    const env: Record<string, string> = { ...aws };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    expect(problemsOf(env)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test("a JWKS URL replaces the secret; issuer and audience pass through", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      JWT_JWKS_URL: "https://idp/jwks",
      JWT_ISSUER: "i",
      JWT_AUDIENCE: "a",
    });
    expect(config.jwt).toMatchObject({
      secret: undefined,
      jwksUrl: "https://idp/jwks",
      issuer: "i",
      audience: "a",
      devSecret: false,
    });
  });
});
