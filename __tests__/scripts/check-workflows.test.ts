import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkWorkflow, checkWorkflowDir } from "../../scripts/check-workflows";

const CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";

/** A valid workflow; each test breaks one thing. */
const valid = (
  jobs = `
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: ${CHECKOUT}
      - run: npm test
  deploy:
    needs: build
    runs-on: ubuntu-24.04
    env:
      TAG: \${{ needs.build.outputs.tag }}
    steps:
      - run: echo deploy
`,
) => `name: t\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:${jobs}`;

const problems = (text: string) => checkWorkflow(text, "wf.yml");

describe("check-workflows", () => {
  it("accepts the repository's own workflows", () => {
    const { files, problems: found } = checkWorkflowDir(join(__dirname, "../../.github/workflows"));
    expect(files).toEqual(["ci.yml", "deploy.yml"]);
    expect(found).toEqual([]);
  });

  it("accepts a valid workflow", () => {
    expect(problems(valid())).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ["YAML that does not parse", "on: [push\njobs: {}", /wf.yml: yaml: /],
    [
      "a duplicate key",
      valid().replace("name: t\n", "name: t\nname: u\n"),
      /wf.yml: yaml: .*[Uu]nique|duplicate/i,
    ],
    ["an unknown top-level key", valid() + "\nsteps: []\n", /steps: unknown top-level key/],
    ["a missing `on`", valid().replace(/on:\n  push:\n    branches: \[main\]\n/, ""), /on: missing/],
    ["an unknown event", valid().replace("push:", "pushed:"), /unknown event "pushed"/],
    ["no jobs", "name: t\non: push\njobs: {}\n", /jobs: missing or empty/],
    [
      "a bad job id",
      valid().replace("  deploy:\n", "  1deploy:\n").replace("needs: build", "needs: build"),
      /jobs.1deploy: job ids/,
    ],
    [
      "an unknown job key",
      valid().replace(
        "    runs-on: ubuntu-24.04\n    steps:\n      - uses",
        "    runs_on: x\n    runs-on: ubuntu-24.04\n    steps:\n      - uses",
      ),
      /jobs.build.runs_on: unknown job key/,
    ],
    [
      "a missing runs-on",
      valid().replace("  build:\n    runs-on: ubuntu-24.04\n", "  build:\n"),
      /jobs.build.runs-on: missing/,
    ],
    [
      "a job without steps",
      valid().replace("    steps:\n      - run: echo deploy\n", ""),
      /jobs.deploy.steps: missing or empty/,
    ],
    [
      "a step with both uses and run",
      valid().replace("      - run: npm test\n", "      - run: npm test\n        uses: ./local\n"),
      /steps\[1\]: a step has exactly one of/,
    ],
    [
      "a step with neither",
      valid().replace("      - run: npm test\n", "      - name: nothing\n"),
      /steps\[1\]: a step has exactly one of/,
    ],
    [
      "an unknown step key",
      valid().replace("      - run: npm test\n", "      - run: npm test\n        with_: {}\n"),
      /steps\[1\].with_: unknown step key/,
    ],
    [
      "needs naming a missing job",
      valid().replace("needs: build", "needs: [build, test]"),
      /"test" is not a job in this workflow/,
    ],
    [
      "a job needing itself",
      valid().replace("needs: build", "needs: [build, deploy]"),
      /a job cannot need itself/,
    ],
    [
      "a cycle of needs",
      valid().replace("  build:\n    runs-on", "  build:\n    needs: deploy\n    runs-on"),
      /needs form a cycle: (build -> deploy -> build|deploy -> build -> deploy)/,
    ],
    [
      "an expression naming a job not needed",
      valid().replace("    needs: build\n", ""),
      /uses needs.build but does not list "build"/,
    ],
    [
      "an action pinned to a branch-like tag",
      valid().replace(CHECKOUT, "actions/checkout@v4"),
      /actions\/checkout@v4 is not pinned/,
    ],
    ["an action pinned to main", valid().replace(CHECKOUT, "actions/checkout@main"), /is not pinned/],
    [
      "a SHA pin without its version comment",
      valid().replace(" # v4.2.2", ""),
      /add the version as a comment/,
    ],
    [
      "a docker action without a digest",
      valid().replace(CHECKOUT, "docker://alpine:3"),
      /pin a docker action by @sha256/,
    ],
    [
      "an unclosed expression",
      valid().replace("needs.build.outputs.tag }}", "needs.build.outputs.tag"),
      /is not closed/,
    ],
  ])("refuses %s", (_what, text, message) => {
    expect(problems(text).join("\n")).toMatch(message);
  });

  it("accepts exact versions, local actions and docker digests", () => {
    const text = valid()
      .replace(CHECKOUT, "actions/checkout@v4.2.2")
      .replace(
        "      - run: npm test\n",
        `      - uses: ./.github/actions/x\n      - uses: docker://alpine@sha256:${"a".repeat(64)}\n`,
      );
    expect(problems(text)).toEqual([]);
  });

  it("reports a directory with no workflows", () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-"));
    writeFileSync(join(dir, "README.md"), "not a workflow");
    expect(checkWorkflowDir(dir).problems).toEqual([`${dir}: no workflow files (*.yml)`]);
  });
});
