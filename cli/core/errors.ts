/**
 * Exit codes and the error classes that carry them. Every failure the CLI reports is one of these,
 * so the top level maps an error to its exit code (and its JSON `error.kind`) without guessing.
 *
 * The rule (docs/cli.md "Exit codes"): 2 when the command line, the environment variables or the
 * manifest are wrong (found before any AWS call); 3 when skyline refused before any mutating call
 * (a pre-check failed, including a resource the manifest names that was not found while planning,
 * or the operator did not confirm); 1 when AWS could not be asked, answered with an error, or the
 * operation failed, timed out or could not be verified; 130/143 when interrupted by SIGINT/SIGTERM.
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  /** Bad usage or bad manifest. */
  Usage: 2,
  /** Refused by a safety check, by the operator at the prompt, or for lack of --yes. */
  Refused: 3,
  /** SIGINT (Ctrl-C): 128 + 2. */
  Interrupted: 130,
  /** SIGTERM (kill, timeout(1), a CI runner cancelling): 128 + 15. */
  Terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The JSON document's `error.kind`: what went wrong, in one word. */
export type ErrorKind =
  | "usage"
  | "refused"
  | "not-found"
  | "aws"
  | "timeout"
  | "credentials"
  | "failed"
  | "not-applied"
  | "outcome-unknown"
  | "interrupted"
  | "internal";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly kind: ErrorKind,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A flag, argument or manifest problem the operator fixes before running again (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage, "usage");
  }
}

/** A safety check or the operator said no (exit 3). Nothing was changed. */
export class RefusedError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Refused, "refused");
  }
}

/** The operation ran and failed, or could not be verified (exit 1). */
export class FailedError extends CliError {
  constructor(message: string, kind: ErrorKind = "failed") {
    super(message, ExitCode.Failed, kind);
  }
}

/** Ctrl-C at a prompt, or a SIGINT/SIGTERM (exit 130/143). */
export class InterruptedError extends CliError {
  constructor(
    message = "Interrupted.",
    readonly signal: "SIGINT" | "SIGTERM" = "SIGINT",
  ) {
    super(message, signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Interrupted, "interrupted");
  }
}

/**
 * A resource AWS does not know (a manifest name not deployed, a snapshot id that does not exist).
 * While planning, before anything was sent, it is a failed pre-check: exit 3 with the plan shown;
 * after a mutating call it is a failure (exit 1). core/report.ts applies the rule.
 */
export class NotFoundError extends CliError {
  constructor(
    message: string,
    /** e.g. `database skyline-production-use1-db (us-east-1)` */
    readonly resource: string,
    readonly region?: string,
  ) {
    super(message, ExitCode.Refused, "not-found");
  }
}
