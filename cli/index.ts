#!/usr/bin/env node
/**
 * `skyline` entry point. Kept tiny on purpose: --help must not load zod or any AWS SDK.
 */
import { runCli } from "./program";
import { ExitCode } from "./core/errors";
import { processRuntime } from "./core/runtime";

process.on("SIGINT", () => {
  process.stderr.write(
    "\nInterrupted. An AWS operation already started keeps running: check `skyline status` before acting again.\n",
  );
  process.exit(ExitCode.Interrupted);
});

void runCli(process.argv.slice(2), processRuntime()).then((code) => {
  process.exitCode = code;
});
