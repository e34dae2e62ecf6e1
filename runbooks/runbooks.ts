/**
 * The DR runbooks synth writes next to the ops manifest (`cdktf.out/skyline/<env>/runbooks/*.md`),
 * which `skyline runbook list|show` prints. Rendering is pure and deterministic (no clock, no cdktf,
 * no AWS SDK): the same manifest always gives the same bytes, so docs/examples can be checked.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OpsManifest } from "../manifest/schema";
import { bullets, code, joinBlocks, table } from "./markdown";
import { renderRunbookDocument, type RunbookDocument } from "./runbook-document";
import { RunbookFacts } from "./runbook-facts";
import { cacheFailoverRunbook } from "./procedures/cache-failover";
import { databaseFailoverRunbook } from "./procedures/database-failover";
import { deployRollbackRunbook } from "./procedures/deploy-rollback";
import { dnsFailoverRunbook } from "./procedures/dns-failover";
import { gameDayRunbook } from "./procedures/game-day";
import { queueBacklogRunbook } from "./procedures/queue-backlog";
import { regionFailbackRunbook } from "./procedures/region-failback";
import { regionFailoverRunbook } from "./procedures/region-failover";
import { scaleOutRunbook } from "./procedures/scale-out";
import { snapshotAndRestoreRunbook } from "./procedures/snapshot-and-restore";

export interface RenderedRunbook {
  /** What `skyline runbook show <name>` takes. */
  readonly name: string;
  /** `<name>.md` */
  readonly fileName: string;
  /** The first heading, which `skyline runbook list` shows. */
  readonly title: string;
  readonly markdown: string;
}

/** Every runbook, in the order the index lists them; undefined where the environment lacks the part. */
const RUNBOOKS: readonly ((facts: RunbookFacts) => RunbookDocument | undefined)[] = [
  regionFailoverRunbook,
  regionFailbackRunbook,
  gameDayRunbook,
  databaseFailoverRunbook,
  dnsFailoverRunbook,
  cacheFailoverRunbook,
  snapshotAndRestoreRunbook,
  scaleOutRunbook,
  queueBacklogRunbook,
  deployRollbackRunbook,
];

/** The name of the index file's runbook entry (`index.md`). */
export const RUNBOOK_INDEX_NAME = "index";

/** Renders every runbook for one environment. Pure: no I/O, no clock. */
export function renderRunbooks(manifest: OpsManifest): RenderedRunbook[] {
  const facts = new RunbookFacts(manifest);
  return RUNBOOKS.flatMap((build) => {
    const doc = build(facts);
    if (!doc) return [];
    return {
      name: doc.name,
      fileName: `${doc.name}.md`,
      title: doc.title,
      markdown: renderRunbookDocument(doc, facts),
    };
  });
}

/** The index: every runbook with its title and the command that prints it. */
export function renderRunbookIndex(
  manifest: OpsManifest,
  runbooks: readonly RenderedRunbook[],
): RenderedRunbook {
  const facts = new RunbookFacts(manifest);
  const title = `Runbooks: ${manifest.app} ${manifest.environment}`;
  const regions = facts.regions.map((r) => `${code(r)} (${facts.region(r).role})`).join(", ");
  const markdown = joinBlocks([
    [`# ${title}`],
    [
      `Generated from the ops manifest of ${code(manifest.environment)}. Regions: ${regions}. ` +
        `Targets: RPO ${manifest.targets.rpoSeconds} s, RTO ${manifest.targets.rtoMinutes} min.`,
    ],
    table(
      ["Runbook", "Title", "Print it"],
      runbooks.map((r) => [
        `[${r.name}](${r.fileName})`,
        r.title,
        code(facts.skyline(`runbook show ${r.name}`)),
      ]),
    ),
    ["Every mutating `skyline` command prints its plan first; add `--dry-run` to stop there."],
    bullets([`List these runbooks: ${code(facts.skyline("runbook list"))}`]),
  ]);
  return { name: RUNBOOK_INDEX_NAME, fileName: `${RUNBOOK_INDEX_NAME}.md`, title, markdown };
}

/** The runbooks and the index, as the files to write. */
export function renderRunbookFiles(manifest: OpsManifest): RenderedRunbook[] {
  const runbooks = renderRunbooks(manifest);
  return [...runbooks, renderRunbookIndex(manifest, runbooks)];
}

/**
 * Writes `<dir>/<name>.md` for every runbook plus `<dir>/index.md`, creating `dir`. Other `.md`
 * files in `dir` are removed: a runbook dropped from the generator must not linger where on-call
 * looks. Returns the written paths in index order.
 */
export function writeRunbooks(dir: string, manifest: OpsManifest): string[] {
  const files = renderRunbookFiles(manifest);
  mkdirSync(dir, { recursive: true });
  const keep = new Set(files.map((f) => f.fileName));
  for (const stale of readdirSync(dir).filter((f) => f.endsWith(".md") && !keep.has(f))) {
    rmSync(join(dir, stale));
  }
  return files.map((file) => {
    const path = join(dir, file.fileName);
    writeFileSync(path, file.markdown);
    return path;
  });
}
