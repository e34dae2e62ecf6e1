/**
 * A focused structural check of .github/workflows/*.yml, so a broken workflow fails in .ci/run and
 * not on the first push (actionlint is not packaged for Debian bookworm; GitHub's JSON schema is
 * not reachable here). It checks what most often breaks a workflow or its supply chain:
 * YAML that parses (no duplicate keys), known top-level/job/step keys, `on` and `jobs` present,
 * `runs-on` and non-empty steps, exactly one of `uses`/`run` per step, `needs` naming existing
 * jobs without cycles, `needs.<job>` expressions naming a job the job needs, balanced `${{ }}`,
 * and every action pinned to a full commit SHA (with a `# vX.Y.Z` comment) or an exact version.
 *
 * Usage: npx tsx scripts/check-workflows.ts [dir]   (default .github/workflows; exit 1 on problems)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

const TOP_LEVEL_KEYS = ["name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"];
const JOB_KEYS = [
  "name",
  "needs",
  "runs-on",
  "permissions",
  "environment",
  "concurrency",
  "outputs",
  "env",
  "defaults",
  "if",
  "steps",
  "timeout-minutes",
  "strategy",
  "continue-on-error",
  "container",
  "services",
  "uses",
  "with",
  "secrets",
];
const STEP_KEYS = [
  "id",
  "if",
  "name",
  "uses",
  "run",
  "shell",
  "with",
  "env",
  "continue-on-error",
  "timeout-minutes",
  "working-directory",
];
const EVENTS = [
  "branch_protection_rule",
  "check_run",
  "check_suite",
  "create",
  "delete",
  "deployment",
  "deployment_status",
  "discussion",
  "discussion_comment",
  "fork",
  "gollum",
  "issue_comment",
  "issues",
  "label",
  "merge_group",
  "milestone",
  "page_build",
  "public",
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
  "pull_request_target",
  "push",
  "registry_package",
  "release",
  "repository_dispatch",
  "schedule",
  "status",
  "watch",
  "workflow_call",
  "workflow_dispatch",
  "workflow_run",
];
const JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SHA_PIN = /^[^@\s]+@[0-9a-f]{40}$/;
const EXACT_VERSION = /^[^@\s]+@v?\d+\.\d+\.\d+$/;

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Problems in one workflow file, each prefixed with the file and where in it. */
export function checkWorkflow(text: string, file: string): string[] {
  const problems: string[] = [];
  const add = (where: string, message: string) => problems.push(`${file}: ${where}: ${message}`);

  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) add("yaml", e.message.split("\n")[0]);
    return problems;
  }
  const workflow = doc.toJS() as unknown;
  if (!isMap(workflow)) return [`${file}: yaml: a workflow is a mapping of keys (name, on, jobs, …)`];

  for (const key of Object.keys(workflow)) {
    if (!TOP_LEVEL_KEYS.includes(key))
      add(key, `unknown top-level key; use one of ${TOP_LEVEL_KEYS.join(", ")}`);
  }
  if (!("on" in workflow)) add("on", "missing: say which events run the workflow");
  else checkEvents(workflow.on, add);

  const jobs = workflow.jobs;
  if (!isMap(jobs) || Object.keys(jobs).length === 0) {
    add("jobs", "missing or empty: a workflow needs at least one job");
    return problems;
  }
  const ids = Object.keys(jobs);
  const needsOf = new Map<string, string[]>();
  for (const [id, job] of Object.entries(jobs)) {
    const where = `jobs.${id}`;
    if (!JOB_ID.test(id))
      add(where, "job ids are letters, digits, '-' and '_', starting with a letter or '_'");
    if (!isMap(job)) {
      add(where, "a job is a mapping (runs-on, steps, …)");
      continue;
    }
    for (const key of Object.keys(job)) {
      if (!JOB_KEYS.includes(key)) add(`${where}.${key}`, "unknown job key");
    }
    const needs =
      job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs.map(String) : [String(job.needs)];
    needsOf.set(id, needs);
    for (const need of needs) {
      if (need === id) add(`${where}.needs`, "a job cannot need itself");
      else if (!ids.includes(need))
        add(`${where}.needs`, `"${need}" is not a job in this workflow (jobs: ${ids.join(", ")})`);
    }
    for (const used of new Set(
      [...JSON.stringify(job).matchAll(/needs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]),
    )) {
      if (!needs.includes(used)) add(where, `uses needs.${used} but does not list "${used}" in needs`);
    }
    if (job.uses !== undefined) {
      checkUses(String(job.uses), `${where}.uses`, add);
      continue; // a reusable-workflow call has no runs-on or steps
    }
    if (job["runs-on"] === undefined) add(`${where}.runs-on`, "missing: say which runner the job uses");
    if (!Array.isArray(job.steps) || job.steps.length === 0) {
      add(`${where}.steps`, "missing or empty: a job needs at least one step");
      continue;
    }
    job.steps.forEach((step: unknown, i: number) => {
      const at = `${where}.steps[${i}]`;
      if (!isMap(step)) {
        add(at, "a step is a mapping (uses or run, …)");
        return;
      }
      for (const key of Object.keys(step))
        if (!STEP_KEYS.includes(key)) add(`${at}.${key}`, "unknown step key");
      const hasUses = step.uses !== undefined;
      const hasRun = step.run !== undefined;
      if (hasUses === hasRun) add(at, "a step has exactly one of `uses` or `run`");
      if (hasUses) checkUses(String(step.uses), `${at}.uses`, add);
    });
  }
  checkCycles(needsOf, add);
  checkExpressions(text, add);
  checkPinComments(text, add);
  return problems;
}

function checkEvents(on: unknown, add: (where: string, message: string) => void): void {
  const events =
    typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : isMap(on) ? Object.keys(on) : [];
  if (events.length === 0) add("on", "names no event");
  for (const event of events) if (!EVENTS.includes(event)) add("on", `unknown event "${event}"`);
}

/** `owner/repo@<40-hex sha>` or `owner/repo@v1.2.3`; local actions and digests are fine. */
function checkUses(uses: string, where: string, add: (where: string, message: string) => void): void {
  if (uses.startsWith("./")) return;
  if (uses.startsWith("docker://")) {
    if (!/@sha256:[0-9a-f]{64}$/.test(uses)) add(where, `${uses}: pin a docker action by @sha256 digest`);
    return;
  }
  if (!SHA_PIN.test(uses) && !EXACT_VERSION.test(uses)) {
    add(
      where,
      `${uses} is not pinned: use a full 40-character commit SHA (with a "# vX.Y.Z" comment) or an exact version`,
    );
  }
}

function checkCycles(needsOf: Map<string, string[]>, add: (where: string, message: string) => void): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      add("jobs", `needs form a cycle: ${[...path.slice(path.indexOf(id)), id].join(" -> ")}`);
      return;
    }
    state.set(id, "visiting");
    for (const need of needsOf.get(id) ?? [])
      if (needsOf.has(need) && need !== id) visit(need, [...path, id]);
    state.set(id, "done");
  };
  for (const id of needsOf.keys()) visit(id, []);
}

function checkExpressions(text: string, add: (where: string, message: string) => void): void {
  text.split("\n").forEach((line, i) => {
    const opened = line.split("${{").length - 1;
    const closed = line.split("}}").length - 1;
    if (opened > closed) add(`line ${i + 1}`, "an expression `${{` is not closed with `}}`");
  });
}

/** A SHA says nothing to a reviewer: each SHA-pinned `uses:` carries the version it is. */
function checkPinComments(text: string, add: (where: string, message: string) => void): void {
  text.split("\n").forEach((line, i) => {
    const m = /^\s*(?:-\s*)?uses:\s*(\S+@[0-9a-f]{40})(.*)$/.exec(line);
    if (m && !/#\s*v\d+(\.\d+)*/.test(m[2])) {
      add(`line ${i + 1}`, `${m[1]}: add the version as a comment, e.g. "# v4.2.2"`);
    }
  });
}

/** Every problem of every workflow in `dir`. */
export function checkWorkflowDir(dir: string): { files: string[]; problems: string[] } {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const problems = files.flatMap((f) => checkWorkflow(readFileSync(join(dir, f), "utf8"), join(dir, f)));
  if (files.length === 0) problems.push(`${dir}: no workflow files (*.yml)`);
  return { files, problems };
}

if (require.main === module) {
  const dir = process.argv[2] ?? ".github/workflows";
  const { files, problems } = checkWorkflowDir(dir);
  if (problems.length) {
    process.stderr.write(`${problems.join("\n")}\n${problems.length} problem(s) in ${dir}\n`);
    process.exit(1);
  }
  process.stdout.write(`workflows ok: ${files.join(", ")}\n`);
}
