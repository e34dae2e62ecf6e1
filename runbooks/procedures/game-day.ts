/**
 * Game day: rehearse the regional failover and the fail-back on purpose, and measure them against
 * the RTO and RPO. On a non-production environment with a DR region `skyline drill` does all of
 * it; on production it is a planned failover with the primary healthy (its writers fenced first,
 * so no write is lost), run by people with the runbooks open.
 */
import { code } from "../markdown";
import type { RunbookDocument } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";
import { budgetTable, tokenLine, verifyLines } from "./region-failover";

const NAME = "game-day";

export function gameDayRunbook(f: RunbookFacts): RunbookDocument {
  const target = f.drTarget;
  const t = f.manifest.targets;
  const production = f.manifest.tier === "production";
  if (!target || !f.manifest.global?.trafficSwitch) {
    return {
      name: NAME,
      title: `Game day: rehearse a regional failover (${f.env})`,
      summary: `${f.env} has no DR region to fail over to: nothing to rehearse yet.`,
      symptoms: ["A scheduled game day."],
      alarms: [],
      noAlarmsNote: "A planned exercise: no alarm points here.",
      preChecks: [{ text: ["None."] }],
      procedure: [
        {
          title: "Give the environment a DR region",
          text: [
            production
              ? `Add a DR region to ${code(f.manifest.configFields.file)} (docs/operations.md, adding a region).`
              : `Turn on drillRegion in ${code(f.manifest.configFields.file)}, synth and apply it (docs/operations.md), then run ${code(f.skyline("drill --dry-run"))}.`,
          ],
        },
      ],
      postChecks: [{ text: ["None."] }],
      followUps: ["None."],
      related: ["region-failover"],
    };
  }
  const to = target.region;
  const primary = f.primaryRegion;
  return {
    name: NAME,
    title: `Game day: rehearse a regional failover (${f.env})`,
    summary:
      `Fail ${f.env} over from ${primary} to ${to} and back on purpose, measure every step against its budget and the ` +
      `writes lost against the RPO, and fix what was slow before a real outage finds it.`,
    symptoms: [
      "A scheduled game day (at least once a quarter, and after any change to the failover path).",
      production
        ? "Production: a planned failover, announced, in a quiet hour; staging's drill passed first."
        : `${f.env} is not production: ${code(f.skyline("drill"))} runs the whole rehearsal and writes the report.`,
    ],
    alarms: [],
    noAlarmsNote:
      "A planned exercise: no alarm points here; expect the fenced region's alarms to fire during it.",
    preChecks: [
      {
        text: ["The budget each step is measured against:", budgetTable(f)],
      },
      {
        text: [
          "The last drill passed and its measured RTO and RPO are within the targets (the drills line of status). " +
            "Announce the window; have the region-failover and region-failback runbooks open.",
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: ["The admin token for the write checks (and the marker rows):"],
        aws: tokenLine(f, to),
      },
    ],
    procedure: production
      ? [
          {
            title: "Write a marker row and note the time",
            text: [
              "It must read back after the failover and after the fail-back: the measured RPO is 0 when it does. Note the id.",
            ],
            aws: verifyLines(f, `skyline game-day marker ${f.env}`),
          },
          {
            title: `Fail over to ${to} (planned: ${primary} is healthy)`,
            budgetMinutes: t.rtoMinutes - t.failoverBudgetMinutes.detect,
            text: [
              `No outage is declared: ${code(primary)}'s writers are fenced first, so the replica catches up and no write is ` +
                "lost. Keep the printed summary: each step's measured time against its budget.",
            ],
            skyline: [
              f.skyline(`failover region --to ${to} --dry-run`),
              f.skyline(`failover region --to ${to}`),
            ],
          },
          {
            title: "Check the marker row and hold",
            text: [
              `Read the marker row back through the public hostname (${code(`curl -fsS ${f.publicUrl("/v1/tests")}/$ID`)}), and ` +
                "run on the DR region for a while (30 minutes): dashboards, alarms, error rates.",
            ],
            skyline: [f.skyline("status", to)],
          },
          {
            title: `Fail back to ${primary}`,
            text: [
              "Re-seeds the primary from the DR region, fences it, promotes the primary with no lag left, moves traffic back " +
                "and re-seeds the DR replicas (region-failback). The re-seed takes time with the database's size: start it " +
                "early in the window.",
            ],
            skyline: [
              f.skyline(`failover region --to ${primary} --dry-run`),
              f.skyline(`failover region --to ${primary}`),
            ],
          },
        ]
      : [
          {
            title: "Run the drill",
            text: [
              `${code(f.skyline("drill"))} fails over to ${code(to)}, writes marker rows before and after, fails back, and writes ` +
                `a JSON and Markdown report (SKYLINE_DRILL_DIR, default ~/.skyline/drills) that status shows.`,
            ],
            skyline: [f.skyline("drill --dry-run"), f.skyline("drill")],
          },
        ],
    postChecks: [
      {
        text: [
          `The writer and the traffic are back in ${code(primary)}; the DR replicas replicate from it again (or are being re-seeded).`,
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: [
          `Measured RTO (the failover's steps; detection is ${t.failoverBudgetMinutes.detect} min of the budget) within ${t.rtoMinutes} min, ` +
            `measured RPO within ${t.rpoSeconds} s.`,
        ],
      },
    ],
    followUps: [
      "Every step over its budget gets an issue with the measured time; fix it before the next game day.",
      "Anything the runbooks did not say (a missing permission, a manual step) goes into the generator, not into a wiki.",
    ],
    related: ["region-failover", "region-failback"],
  };
}
