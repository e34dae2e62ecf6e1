/**
 * Exit codes and the error classes that carry them. Every failure the CLI reports is one of these,
 * so the top level maps an error to its exit code without guessing.
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  /** Bad usage or bad manifest. */
  Usage: 2,
  /** Refused by a safety check, by the operator at the prompt, or for lack of --yes. */
  Refused: 3,
  /** Ctrl-C. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A flag, argument or manifest problem the operator fixes before running again (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** A safety check or the operator said no (exit 3). Nothing was changed. */
export class RefusedError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Refused);
  }
}

/** The operation ran and failed, or could not be verified (exit 1). */
export class FailedError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Failed);
  }
}

/** Ctrl-C at a prompt or during a wait (exit 130). */
export class InterruptedError extends CliError {
  constructor(message = "Interrupted.") {
    super(message, ExitCode.Interrupted);
  }
}
