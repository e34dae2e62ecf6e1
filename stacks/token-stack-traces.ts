/**
 * cdktf records a full stack trace for every token it creates (each `resource.id`, `Fn.*`, …),
 * only to say where a token came from if it later fails to resolve. For skyline's few thousand
 * tokens that is a tenth of synth. While `build` runs, those traces are skipped; set
 * SKYLINE_TOKEN_STACK_TRACES=1 to keep them when debugging a token error.
 *
 * Node's own errors capture their stacks through an internal binding, so replacing the public
 * `Error.captureStackTrace` for the duration affects only library code that calls it directly.
 */
export function withoutTokenStackTraces<T>(build: () => T, env: NodeJS.ProcessEnv = process.env): T {
  if (env.SKYLINE_TOKEN_STACK_TRACES === "1") return build();
  const original = Error.captureStackTrace;
  Error.captureStackTrace = () => undefined;
  try {
    return build();
  } finally {
    Error.captureStackTrace = original;
  }
}
