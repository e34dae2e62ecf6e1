/**
 * No unresolved placeholder in any runbook (issue 13, item 4): every `<…>` is a value only the
 * operator can know at run time, declared with its meaning in the runbook's "Values you supply"
 * table; everything synth knows (names, the account, the task family) is written out. Prose that
 * leaked into a code span where a name should be (`of the database`) fails too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest, type OpsManifest } from "../../manifest/schema";
import { renderRunbookFiles } from "../../runbooks/runbooks";
import { eksManifestJson } from "../cli/eks-manifest";
import { queueManifest } from "../cli/queue-manifests";
import { loadFixture } from "./helpers";

const manifests: [string, OpsManifest][] = [
  ["production fixture", loadFixture("production")],
  ["staging fixture", loadFixture("staging")],
  ["EKS", parseManifest(eksManifestJson(), "eks manifest")],
  [
    "synthesized production",
    parseManifest(
      JSON.parse(
        readFileSync(join(__dirname, "..", "..", "docs", "examples", "manifest.production.json"), "utf8"),
      ),
      "docs/examples/manifest.production.json",
    ),
  ],
  ["queue tier on ECS", queueManifest("ecs").manifest],
  ["queue tier on EKS", queueManifest("eks").manifest],
];

/** `<name>` placeholders outside the declaration table. */
function usedPlaceholders(markdown: string): string[] {
  const body = markdown.replace(/## Values you supply\n\n(\|.*\n)+/, "");
  return [...new Set([...body.matchAll(/<[a-z][a-z0-9-]*>/g)].map((m) => m[0]))].sort();
}

function declaredPlaceholders(markdown: string): string[] {
  const table = /## Values you supply\n\n((?:\|.*\n)+)/.exec(markdown)?.[1] ?? "";
  return [...table.matchAll(/^\| `(<[a-z][a-z0-9-]*>)` \|/gm)].map((m) => m[1]).sort();
}

/** Words that begin a command line in a code span; anything else with spaces is prose. */
const COMMANDS =
  /^(aws|skyline|kubectl|terraform|curl|npm|node|dig|cd|export|[A-Z_]+=|failover|snapshot|scale|runbook) /;

describe.each(manifests)("placeholders in the %s runbooks", (_name, manifest) => {
  const runbooks = renderRunbookFiles(manifest);

  it("are all declared, with what they mean, and every declared one is used", () => {
    for (const r of runbooks) {
      expect({ runbook: r.name, placeholders: usedPlaceholders(r.markdown) }).toEqual({
        runbook: r.name,
        placeholders: declaredPlaceholders(r.markdown),
      });
    }
  });

  it("never leave prose in a code span where a name belongs", () => {
    for (const r of runbooks) {
      const spans = [...r.markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
      const prose = spans.filter((s) => /^[a-z]+( [a-z]+)+$/.test(s) && !COMMANDS.test(s));
      expect({ runbook: r.name, prose }).toEqual({ runbook: r.name, prose: [] });
    }
  });

  it("name nothing the manifest knows as a placeholder (account, task family, hosted names)", () => {
    const known = [
      "<account-id>",
      "<task-family>",
      "<db-subnet-group>",
      "<security-group-id>",
      "<subnet-id>",
    ];
    for (const r of runbooks) {
      expect({ runbook: r.name, known: known.filter((k) => r.markdown.includes(k)) }).toEqual({
        runbook: r.name,
        known: [],
      });
    }
  });
});

it("the checks catch a leaked placeholder and a leaked phrase", () => {
  const leaked =
    "## Values you supply\n\n| Placeholder | What it is |\n| --- | --- |\n| `<snapshot-id>` | x |\n\nuse `<task-family>` and `of the database`";
  expect(usedPlaceholders(leaked)).toEqual(["<task-family>"]);
  expect(declaredPlaceholders(leaked)).toEqual(["<snapshot-id>"]);
  expect(/^[a-z]+( [a-z]+)+$/.test("of the database") && !COMMANDS.test("of the database")).toBe(true);
});
