/**
 * The one writer of the `-o json` document, and the one place an outcome gets its exit code.
 *
 * Every run with `-o json` prints exactly one JSON document on stdout, whatever happens: a result,
 * a dry run, a no-op, a refusal, a failure before or after the plan, a usage error, an interruption.
 * Its shape is `schemas/cli-output.schema.json` (checked by __tests__/cli/output-schema.test.ts):
 *
 *   { schemaVersion, command, environment, outcome, exitCode, phase?, plan?, dryRun?, durationMs?,
 *     result?, sent?, error?: { kind, message, awsError?, resource?, operation?, endpoint? },
 *     …the read commands' own fields (status, snapshot list, runbook list/show) }
 *
 * The exit-code rule (docs/cli.md): succeeded, dry-run and no-op 0; failed 1; usage-error 2;
 * refused 3 (including a resource that was not found while planning, before anything was sent);
 * interrupted 130 (SIGINT) or 143 (SIGTERM).
 */
import { AwsCallError } from "./aws-errors";
import { CliError, ExitCode, type ErrorKind, type ExitCodeValue } from "./errors";
import type { TextSink } from "./runtime";

export const OUTPUT_SCHEMA_VERSION = 1;

export const OUTCOMES = [
  "succeeded",
  "dry-run",
  "no-op",
  "refused",
  "failed",
  "usage-error",
  "interrupted",
] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

export interface ErrorDocument {
  readonly kind: ErrorKind;
  /** The same sentence as on stderr. */
  readonly message: string;
  /** The AWS (or network) error name, when AWS was involved. */
  readonly awsError?: string;
  readonly resource?: string;
  readonly operation?: string;
  readonly endpoint?: string;
}

export interface OutcomeFields {
  readonly outcome: OutcomeName;
  readonly exitCode: ExitCodeValue;
  readonly error?: ErrorDocument;
  readonly [field: string]: unknown;
}

/** What an error means for the outcome and the exit code. */
export function outcomeOf(
  error: unknown,
  sentCount: number,
): { outcome: OutcomeName; exitCode: ExitCodeValue } {
  if (!(error instanceof CliError)) return { outcome: "failed", exitCode: ExitCode.Failed };
  // A resource that is not there is a failed pre-check while planning; after a change was sent
  // it is a failure of the operation.
  if (error.kind === "not-found") {
    return sentCount === 0
      ? { outcome: "refused", exitCode: ExitCode.Refused }
      : { outcome: "failed", exitCode: ExitCode.Failed };
  }
  switch (error.exitCode) {
    case ExitCode.Usage:
      return { outcome: "usage-error", exitCode: ExitCode.Usage };
    case ExitCode.Refused:
      return { outcome: "refused", exitCode: ExitCode.Refused };
    case ExitCode.Interrupted:
    case ExitCode.Terminated:
      return { outcome: "interrupted", exitCode: error.exitCode };
    default:
      return { outcome: "failed", exitCode: ExitCode.Failed };
  }
}

export function errorDocument(error: unknown): ErrorDocument {
  if (error instanceof AwsCallError) {
    return {
      kind: error.kind,
      message: error.message,
      awsError: error.awsName,
      resource: error.resource,
      ...(error.call?.operation ? { operation: error.call.operation } : {}),
      ...(error.call?.endpoint ? { endpoint: error.call.endpoint } : {}),
    };
  }
  if (error instanceof CliError) return { kind: error.kind, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "internal", message: `internal error: ${message}` };
}

export class Report {
  private written = false;
  /** The plan, once built (added to every later document). */
  plan?: unknown;

  constructor(
    private readonly stdout: TextSink,
    private readonly json: boolean,
    readonly command: string | null,
    /** The environment, as far as it is known when the document is written. */
    private readonly environment: () => string | null,
  ) {}

  /** Whether the run's document was written (or would have been, in text mode). */
  get done(): boolean {
    return this.written;
  }

  /** Writes the run's one document (JSON mode only); later calls are ignored. */
  emit(fields: OutcomeFields): void {
    if (this.written) return;
    this.written = true;
    if (!this.json) return;
    const { outcome, exitCode, ...rest } = fields;
    const document = {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      command: this.command,
      environment: this.environment(),
      outcome,
      exitCode,
      ...(this.plan !== undefined ? { plan: this.plan } : {}),
      ...rest,
    };
    this.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** A read command's result: `fields` go at the top level of the document. */
  succeeded(fields: Record<string, unknown> = {}): void {
    this.emit({ outcome: "succeeded", exitCode: ExitCode.Ok, ...fields });
  }
}

/** Whether argv asks for JSON (read before commander parsed it, for usage errors). */
export function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    if ((arg === "-o" || arg === "--output") && argv[i + 1] === "json") return true;
    if (arg === "--output=json" || arg === "-ojson") return true;
  }
  return false;
}
