/**
 * The production examples of `skyline capacity` and `skyline cost` in docs/examples: what the CLI
 * printed, with its exit code. Their freshness is checked with every other example by
 * __tests__/runbooks/doc-examples.test.ts (scripts/generate-doc-examples.ts --check).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PLANNING_EXAMPLES } from "../../scripts/planning-examples";

const EXAMPLES = join(__dirname, "..", "..", "docs", "examples");
const read = (file: string) => readFileSync(join(EXAMPLES, file), "utf8");

describe("docs/examples for capacity and cost", () => {
  it("are the two production commands, each with the command line first and the exit code last", () => {
    expect(Object.keys(PLANNING_EXAMPLES)).toEqual(["capacity.production.txt", "cost.production.txt"]);
    expect(read("capacity.production.txt").split("\n")[0]).toBe("$ skyline --env production capacity");
    expect(read("cost.production.txt").split("\n")[0]).toBe("$ skyline --env production cost");
  });

  it("capacity: production cannot carry the product's goals, exit 3 naming the fields to change", () => {
    const text = read("capacity.production.txt");
    expect(text).toContain("profile: planning/default-profile.json: measured ");
    expect(text).toMatch(
      /^error: production cannot carry the peak \(target \+ 30 %\): change service\.maxTasks/m,
    );
    expect(text.trimEnd().split("\n").at(-1)).toBe("(exit 3)");
  });

  it("cost: an estimate with its price table, per 1,000 users beside the product's, exit 0", () => {
    const text = read("cost.production.txt");
    expect(text).toContain("skyline production: monthly cost ESTIMATE in USD");
    expect(text).toContain("prices: planning/cost/prices.json, recorded 2026-12-04");
    expect(text).toMatch(/^ Total +\$6,000\.00 +\$6\.00 +\$[\d,.]+$/m);
    expect(text.trimEnd().split("\n").at(-1)).toBe("(exit 0)");
  });
});
