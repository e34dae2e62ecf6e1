/**
 * The shape every runbook has (when to use it, targets, pre-checks, procedure, post-checks,
 * follow-ups) and its one Markdown rendering, so on-call finds the same section in the same place
 * in every runbook.
 */
import { bullets, code, joinBlocks, shellBlock, table } from "./markdown";
import { CATEGORY_LABELS, formatSeconds, type RegionAlarm, type RunbookFacts } from "./runbook-facts";

/** One check or step: prose, then the `skyline` lines, then the plain AWS CLI equivalent. */
export interface RunbookStep {
  /** Heading of a procedure step; pre/post-checks are list items and ignore it. */
  readonly title?: string;
  readonly text: readonly string[];
  /** `skyline …` lines, each a complete command. @default none */
  readonly skyline?: readonly string[];
  /** `aws …` lines (continuations allowed), the same action without skyline. @default none */
  readonly aws?: readonly string[];
  /** Time budget of a procedure step, in minutes (its share of the RTO). @default none */
  readonly budgetMinutes?: number;
}

/**
 * A value the operator supplies at run time (it cannot be known at synth), written `<name>` in the
 * commands. Every `<…>` in a runbook must be one of these: anything else is a bug (a test checks).
 */
export interface RunbookValue {
  /** `<restore-time>` */
  readonly placeholder: string;
  /** Where to find it. */
  readonly meaning: string;
}

export interface RunbookDocument {
  /** File name without `.md`; what `skyline runbook show <name>` takes. */
  readonly name: string;
  /** First heading; what `skyline runbook list` shows. */
  readonly title: string;
  /** One sentence: what the runbook does. */
  readonly summary: string;
  readonly symptoms: readonly string[];
  /** Alarms whose ALARM state points here. */
  readonly alarms: readonly RegionAlarm[];
  /** Said instead of the alarm table when no manifest alarm watches this. */
  readonly noAlarmsNote?: string;
  readonly preChecks: readonly RunbookStep[];
  readonly procedure: readonly RunbookStep[];
  readonly postChecks: readonly RunbookStep[];
  readonly followUps: readonly string[];
  /** Names of other runbooks worth reading next. */
  readonly related: readonly string[];
  /** Values the operator supplies, declared so no placeholder goes unexplained. @default none */
  readonly values?: readonly RunbookValue[];
}

function commands(step: RunbookStep): string[][] {
  const blocks: string[][] = [];
  if (step.skyline?.length) blocks.push(["With skyline:", "", ...shellBlock(step.skyline)]);
  if (step.aws?.length) blocks.push(["AWS CLI equivalent:", "", ...shellBlock(step.aws)]);
  return blocks;
}

/** A numbered list item whose commands are indented under it, so the numbering continues. */
function listItem(index: number, step: RunbookStep): string[] {
  const indent = (lines: string[]) => lines.map((l) => (l === "" ? "" : `   ${l}`));
  // A text may hold several lines (a table): each is indented under the item.
  const [first, ...rest] = step.text.map((t) => t.split("\n"));
  const body = [
    ...first.slice(1),
    ...rest.flatMap((lines) => ["", ...lines]),
    ...commands(step).flatMap((block) => ["", ...block]),
  ];
  return [`${index + 1}. ${first[0]}`, ...indent(body)];
}

function stepList(steps: readonly RunbookStep[]): string[] {
  return steps.flatMap((step, i) => (i === 0 ? listItem(i, step) : ["", ...listItem(i, step)]));
}

function procedureSection(steps: readonly RunbookStep[]): string[][] {
  return steps.map((step, i) => [
    `### ${i + 1}. ${step.title ?? "Step"}${step.budgetMinutes ? ` (budget ${step.budgetMinutes} min)` : ""}`,
    "",
    ...step.text.flatMap((t, j) => (j === 0 ? [t] : ["", t])),
    ...commands(step).flatMap((block) => ["", ...block]),
  ]);
}

function alarmBlock(doc: RunbookDocument): string[] {
  if (doc.alarms.length === 0) {
    return [doc.noAlarmsNote ?? "No alarm in the manifest watches this; rely on the symptoms above."];
  }
  return [
    "Alarms from the manifest that point here (in ALARM):",
    "",
    ...table(
      ["Region", "Alarm", "Watches"],
      doc.alarms.map((a) => [code(a.region), code(a.name), CATEGORY_LABELS[a.category]]),
    ),
  ];
}

function targetsBlock(facts: RunbookFacts): string[] {
  const t = facts.manifest.targets;
  return table(
    ["Objective", "Target"],
    [
      ["Recovery point objective (RPO)", formatSeconds(t.rpoSeconds)],
      ["Recovery time objective (RTO)", `${t.rtoMinutes} min`],
      ["Availability", `${t.availabilityPercent} %`],
      ["API p95 latency", `${t.p95LatencyMs} ms`],
    ],
  );
}

function environmentLine(facts: RunbookFacts): string {
  const dr = facts.drTargets.map((d) => code(d.region)).join(", ");
  return (
    `Environment ${code(facts.env)} · primary region ${code(facts.primaryRegion)} · ` +
    `DR regions: ${dr || "none (single region)"}`
  );
}

export function renderRunbookDocument(doc: RunbookDocument, facts: RunbookFacts): string {
  return joinBlocks([
    [`# ${doc.title}`],
    [`> ${doc.summary}`],
    [environmentLine(facts)],
    ["## When to use it"],
    bullets(doc.symptoms),
    alarmBlock(doc),
    ["## Targets"],
    targetsBlock(facts),
    ...(doc.values?.length
      ? [
          ["## Values you supply"],
          table(
            ["Placeholder", "What it is"],
            doc.values.map((v) => [code(v.placeholder), v.meaning]),
          ),
        ]
      : []),
    ["## Pre-checks"],
    stepList(doc.preChecks),
    ["## Procedure"],
    ...procedureSection(doc.procedure),
    ["## Post-checks"],
    stepList(doc.postChecks),
    ["## Follow-ups"],
    bullets(doc.followUps),
    ["## Related runbooks"],
    bullets(
      doc.related.map((name) => `[${name}](${name}.md): ${code(facts.skyline(`runbook show ${name}`))}`),
    ),
    ["_Generated from the ops manifest by synth; edit the config or the runbook generator, not this file._"],
  ]);
}
