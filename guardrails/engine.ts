import { Annotations, TerraformStack } from "../engine";
import type { IConstruct } from "constructs";
import { StackModel, type Attrs, type TerraformResourceView } from "./model";
import { ALL_RULES } from "./rules";
import {
  INVALID_SUPPRESSION_RULE_ID,
  collectSuppressions,
  coversPath,
  suppressionProblem,
  type StackSuppression,
} from "./suppressions";
import type { Finding, Rule, RuleContext, StackResult, SuppressionRecord } from "./types";

/** Per-stack settings given to `Guardrails.apply`. */
export interface GuardrailsOptions {
  /**
   * Environment name, recorded in the report.
   * @default none
   */
  readonly environment?: string;
  /**
   * Suppressions for the whole stack or a construct path in it.
   * @default none
   */
  readonly suppressions?: readonly StackSuppression[];
}

const optionsByStack = new WeakMap<TerraformStack, GuardrailsOptions>();
const models = new WeakMap<TerraformStack, StackModel>();
const results = new WeakMap<TerraformStack, StackResult>();
const annotated = new WeakSet<TerraformStack>();
const preparedRoots = new WeakSet<IConstruct>();

export function setStackOptions(stack: TerraformStack, options: GuardrailsOptions): void {
  optionsByStack.set(stack, options);
}

/**
 * Tells the engine that `app.synth()` has prepared every stack (resolved cross-stack references),
 * which is the case whenever the aspect runs.
 */
export function markPrepared(root: IConstruct): void {
  preparedRoots.add(root);
}

/**
 * Prepares every stack of the app the way `app.synth()` does, once, so cross-stack references
 * resolve the same way whether the report is written before or after synth.
 */
function ensurePrepared(stack: TerraformStack): void {
  const root = stack.node.root;
  if (preparedRoots.has(root)) return;
  root.node
    .findAll()
    .filter(TerraformStack.isStack)
    .forEach((s) => s.prepareStack());
  preparedRoots.add(root);
}

/** The synthesized JSON of a stack, indexed; computed once per stack. */
export function modelOf(stack: TerraformStack): StackModel {
  let model = models.get(stack);
  if (!model) {
    ensurePrepared(stack);
    const byPath = new Map(stack.node.findAll().map((c) => [c.node.path, c] as const));
    model = new StackModel(stack.node.id, stack.toTerraform() as Attrs, byPath);
    models.set(stack, model);
  }
  return model;
}

/**
 * Runs every rule on every resource of the stack once and caches the result. Findings covered
 * by a valid suppression are kept (for the report) but marked `suppressedBy`.
 */
export function evaluateStack(stack: TerraformStack): StackResult {
  const cached = results.get(stack);
  if (cached) return cached;
  const options = optionsByStack.get(stack) ?? {};
  const model = modelOf(stack);
  const context: RuleContext = {
    stack: model,
    appStacks: () => stack.node.root.node.findAll().filter(TerraformStack.isStack).map(modelOf),
  };

  const suppressions = collectSuppressions(stack, options.suppressions).map((s) => ({
    ...s,
    problem: suppressionProblem(s),
  }));
  const usage = new Map<(typeof suppressions)[number], number>();
  const findings: Finding[] = [];

  for (const resource of model.resources) {
    for (const rule of rulesFor(resource.mode === "data" ? `data.${resource.type}` : resource.type)) {
      for (const detail of asList(rule.check(resource, context))) {
        const suppression = suppressions.find(
          (s) => !s.problem && s.ruleId === rule.id && coversPath(s, resource.constructPath),
        );
        if (suppression) usage.set(suppression, (usage.get(suppression) ?? 0) + 1);
        findings.push(findingFor(rule, resource, detail, suppression && record(suppression)));
      }
    }
  }
  for (const s of suppressions.filter((x) => x.problem))
    findings.push(invalidSuppressionFinding(model, s, s.problem!));

  findings.sort(
    (a, b) => compare(a.address, b.address) || compare(a.ruleId, b.ruleId) || compare(a.message, b.message),
  );
  const result: StackResult = {
    stack: model.stackName,
    environment: options.environment,
    rulesRun: ALL_RULES.map((r) => r.id),
    resourcesChecked: model.resources.filter((r) => r.mode === "resource").length,
    findings,
    suppressions: suppressions
      .map((s) => ({ ...record(s), valid: !s.problem, used: usage.get(s) ?? 0 }))
      .sort((a, b) => compare(a.scope, b.scope) || compare(a.ruleId, b.ruleId)),
  };
  results.set(stack, result);
  return result;
}

/**
 * Evaluates the stack and turns its unsuppressed findings into annotations, once: errors make
 * `app.synth()` throw, warnings go to the manifest (and the report summary prints them).
 */
export function annotateStack(stack: TerraformStack): StackResult {
  const result = evaluateStack(stack);
  if (annotated.has(stack)) return result;
  annotated.add(stack);
  const constructs = new Map(stack.node.findAll().map((c) => [c.node.path, c] as const));
  for (const finding of result.findings) {
    if (finding.suppressedBy) continue;
    const target = Annotations.of(constructs.get(finding.constructPath) ?? stack);
    if (finding.severity === "error") target.addError(finding.message);
    else target.addWarning(finding.message);
  }
  return result;
}

const rulesByType = new Map<string, Rule[]>();
/** Rules for a resource type, or for a data source as `data.<type>`; `*` matches resources only. */
function rulesFor(type: string): Rule[] {
  let rules = rulesByType.get(type);
  if (!rules) {
    const isData = type.startsWith("data.");
    rules = ALL_RULES.filter(
      (r) => r.resourceTypes.includes(type) || (!isData && r.resourceTypes.includes("*")),
    );
    rulesByType.set(type, rules);
  }
  return rules;
}

function findingFor(
  rule: Rule,
  resource: TerraformResourceView,
  detail: string,
  suppressedBy: SuppressionRecord | undefined,
): Finding {
  const label = rule.severity === "error" ? "Guardrail error" : "Guardrail warning";
  return {
    ruleId: rule.id,
    severity: rule.severity,
    stack: resource.stack,
    address: resource.address,
    constructPath: resource.constructPath,
    message: `${label} ${rule.id} in stack "${resource.stack}" on ${resource.address}: ${rule.description} Problem: ${detail}. Fix: ${rule.fix}`,
    ...(suppressedBy ? { suppressedBy } : {}),
  };
}

function invalidSuppressionFinding(model: StackModel, s: SuppressionRecord, problem: string): Finding {
  return {
    ruleId: INVALID_SUPPRESSION_RULE_ID,
    severity: "error",
    stack: model.stackName,
    address: s.scope,
    constructPath: s.scope,
    message: `Guardrail error ${INVALID_SUPPRESSION_RULE_ID} in stack "${model.stackName}" on ${s.scope}: invalid suppression of ${s.ruleId}: ${problem}.`,
  };
}

function record(s: SuppressionRecord): SuppressionRecord {
  return { ruleId: s.ruleId, reason: s.reason, scope: s.scope };
}

function asList(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
