import { block, isSet, toNumber } from "../model";
import type { Rule } from "./rule-kit";

const FUNCTION = ["aws_lambda_function"];

export const lambdaRules: Rule[] = [
  {
    id: "SKY-LAMBDA-001",
    severity: "error",
    description: "Lambda functions trace with X-Ray (tracing mode Active).",
    why: "A function that decides a release (or anything on-call must explain later) needs its calls and their latency on record; PassThrough traces only when a caller already sampled.",
    fix: 'Set `tracing_config { mode = "Active" }` and allow xray:PutTraceSegments and xray:PutTelemetryRecords to the function\'s role.',
    resourceTypes: FUNCTION,
    mappings: { checkov: "CKV_AWS_50" },
    check: ({ attrs }) => {
      const mode = block(attrs.tracing_config).mode;
      return mode === "Active" ? undefined : `tracing_config.mode is ${isSet(mode) ? String(mode) : "unset"}`;
    },
  },
  {
    id: "SKY-LAMBDA-002",
    severity: "error",
    description: "Lambda functions have reserved concurrency.",
    why: "Without a reservation a function can take the account's whole concurrency (starving the others) or be starved by them; a reservation bounds both.",
    fix: "Set `reserved_concurrent_executions` to a positive number sized to the function's callers.",
    resourceTypes: FUNCTION,
    mappings: { checkov: "CKV_AWS_115" },
    check: ({ attrs }) =>
      toNumber(attrs.reserved_concurrent_executions) > 0
        ? undefined
        : "reserved_concurrent_executions is unset, 0 or -1 (unreserved)",
  },
];
