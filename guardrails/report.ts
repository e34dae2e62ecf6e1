import * as fs from "fs";
import * as path from "path";
import type { TerraformStack } from "../engine";
import { evaluateStack } from "./engine";
import { ALL_RULES } from "./rules";
import type { Finding, StackResult } from "./types";

/** Contents of `<outdir>/skyline/<env>/guardrails.json`. Stable: no timestamps, sorted. */
export interface GuardrailsReport {
  readonly environment: string;
  readonly totals: {
    readonly rules: number;
    readonly stacks: number;
    readonly resourcesChecked: number;
    readonly errors: number;
    readonly warnings: number;
    readonly suppressed: number;
  };
  readonly rulesRun: readonly { id: string; severity: string; description: string }[];
  readonly stacks: readonly {
    readonly stack: string;
    readonly resourcesChecked: number;
    readonly findings: readonly Omit<Finding, "stack">[];
  }[];
  readonly suppressions: readonly {
    readonly stack: string;
    readonly ruleId: string;
    readonly reason: string;
    readonly scope: string;
    readonly valid: boolean;
    /** Findings this suppression covered; 0 means it can probably be removed. */
    readonly used: number;
  }[];
}

export interface WrittenGuardrailsReport {
  /** Path of the JSON file written. */
  readonly file: string;
  readonly report: GuardrailsReport;
  /** Readable summary for stdout: totals, then every unsuppressed finding and every suppression. */
  readonly summary: string;
  /** Unsuppressed error findings; synth must exit non-zero when this is above 0. */
  readonly errors: number;
}

/** Builds the report of an environment from its stacks (evaluating any that synth has not reached). */
export function buildGuardrailsReport(
  environment: string,
  stacks: readonly TerraformStack[],
): GuardrailsReport {
  const results = stacks
    .map(evaluateStack)
    .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
  const all = results.flatMap((r) => r.findings);
  const active = all.filter((f) => !f.suppressedBy);
  return {
    environment,
    totals: {
      rules: ALL_RULES.length,
      stacks: results.length,
      resourcesChecked: results.reduce((n, r) => n + r.resourcesChecked, 0),
      errors: active.filter((f) => f.severity === "error").length,
      warnings: active.filter((f) => f.severity === "warning").length,
      suppressed: all.length - active.length,
    },
    rulesRun: ALL_RULES.map((r) => ({ id: r.id, severity: r.severity, description: r.description })),
    stacks: results.map((r) => ({
      stack: r.stack,
      resourcesChecked: r.resourcesChecked,
      findings: r.findings.map(({ stack: _stack, ...rest }) => rest),
    })),
    suppressions: results.flatMap((r: StackResult) => r.suppressions.map((s) => ({ stack: r.stack, ...s }))),
  };
}

/** Human summary of a report, for stdout. */
export function formatGuardrailsSummary(report: GuardrailsReport, file?: string): string {
  const t = report.totals;
  const lines = [
    `Guardrails (${report.environment}): ${t.rules} rules, ${t.stacks} stacks, ${t.resourcesChecked} resources checked: ` +
      `${t.errors} errors, ${t.warnings} warnings, ${t.suppressed} suppressed`,
  ];
  for (const stack of report.stacks) {
    for (const f of stack.findings.filter((x) => !x.suppressedBy)) {
      lines.push(`  ${f.severity.toUpperCase()} ${f.message}`);
    }
  }
  for (const s of report.suppressions) {
    const state = s.valid ? `covers ${s.used} finding${s.used === 1 ? "" : "s"}` : "INVALID";
    lines.push(`  suppressed ${s.ruleId} on ${s.scope} (${state}): ${s.reason}`);
  }
  if (file) lines.push(`Report: ${file}`);
  return lines.join("\n");
}

/**
 * Writes `<outdir>/skyline/<environment>/guardrails.json` for the given stacks of one environment
 * and returns the report with a summary to print. Call it before or after `app.synth()`; both see
 * the same findings.
 */
export function writeGuardrailsReport(
  outdir: string,
  environment: string,
  stacks: readonly TerraformStack[],
): WrittenGuardrailsReport {
  const report = buildGuardrailsReport(environment, stacks);
  const dir = path.join(outdir, "skyline", environment);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "guardrails.json");
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return { file, report, summary: formatGuardrailsSummary(report, file), errors: report.totals.errors };
}
