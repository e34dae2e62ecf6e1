#!/usr/bin/env node
/**
 * `skyline` entry point. Kept tiny on purpose: --help must not load zod or any AWS SDK.
 * SIGINT/SIGTERM are handled in core/runtime.ts (journal, JSON document, exit 130/143).
 */
import { runCli } from "./program";
import { processRuntime, wasInterrupted } from "./core/runtime";

void runCli(process.argv.slice(2), processRuntime()).then((code) => {
  // After a signal the signal path records the interruption and exits with 130/143.
  if (wasInterrupted()) return;
  process.exitCode = code;
  // Exit once stdout is flushed: an idle keep-alive socket or a metric still in flight to a
  // silent endpoint must not hold the process (the journal already waited for what it needs).
  // A reader that went away (EPIPE, see pipeSafe) has nothing left to flush.
  if (process.stdout.destroyed || !process.stdout.writable) process.exit(code);
  process.stdout.write("", () => process.exit(code));
});
