import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { pruneStaleStacks, STACK_MARKER, writeStackMarker } from "../../stacks/stale-stacks";
import { synthesize } from "../../stacks/synthesize";
import { config } from "../helpers/config";

function stackDir(outdir: string, name: string, marker?: { app: string; environment: string }): string {
  const dir = join(outdir, "stacks", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), "{}");
  if (marker) writeStackMarker(dir, marker);
  return dir;
}

describe("stale stacks", () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), "skyline-stale-"));
  });

  it("removes a marked stack of a rebuilt environment that this synth did not write", () => {
    stackDir(outdir, "skyline-production-ap-south-1", { app: "skyline", environment: "production" });
    stackDir(outdir, "skyline-production-us-east-1", { app: "skyline", environment: "production" });
    const removed = pruneStaleStacks(outdir, {
      apps: ["skyline"],
      rebuilt: ["production"],
      configured: ["staging", "production"],
      written: ["skyline-production-us-east-1"],
    });
    expect(removed).toEqual(["skyline-production-ap-south-1"]);
    expect(readdirSync(join(outdir, "stacks"))).toEqual(["skyline-production-us-east-1"]);
  });

  it("keeps the stacks of environments this synth did not rebuild, and unmarked or foreign folders", () => {
    stackDir(outdir, "skyline-staging-us-east-1", { app: "skyline", environment: "staging" });
    stackDir(outdir, "hand-made");
    stackDir(outdir, "other-production-x", { app: "other", environment: "production" });
    writeFileSync(join(stackDir(outdir, "broken-marker"), STACK_MARKER), "not json");
    const removed = pruneStaleStacks(outdir, {
      apps: ["skyline"],
      rebuilt: ["production"],
      configured: ["staging", "production"],
      written: [],
    });
    expect(removed).toEqual([]);
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(
      ["broken-marker", "hand-made", "other-production-x", "skyline-staging-us-east-1"].sort(),
    );
  });

  it("removes the stacks of an environment the config no longer has", () => {
    stackDir(outdir, "skyline-qa-us-east-1", { app: "skyline", environment: "qa" });
    expect(
      pruneStaleStacks(outdir, {
        apps: ["skyline"],
        rebuilt: ["staging"],
        configured: ["staging"],
        written: [],
      }),
    ).toEqual(["skyline-qa-us-east-1"]);
  });

  it("does nothing when there is no stacks folder yet", () => {
    expect(
      pruneStaleStacks(join(outdir, "none"), { apps: ["a"], rebuilt: [], configured: [], written: [] }),
    ).toEqual([]);
  });

  it("synth removes the stack of a region taken out of the config, and marks what it writes", () => {
    const out = join(outdir, "out");
    const [production] = loadEnvironments(["production"]);
    synthesize([production], { outdir: out });
    const apSouth = join(out, "stacks", "skyline-production-ap-south-1");
    expect(existsSync(join(apSouth, STACK_MARKER))).toBe(true);

    const smaller = config("production", (e) => {
      e.drRegions = e.drRegions.filter((r: string) => r !== "ap-south-1");
      delete e.regions["ap-south-1"];
    });
    const { removedStacks } = synthesize([smaller], { outdir: out });
    expect(removedStacks).toEqual(["skyline-production-ap-south-1"]);
    expect(existsSync(apSouth)).toBe(false);
    expect(existsSync(join(out, "stacks", "skyline-production-eu-west-1", "cdk.tf.json"))).toBe(true);
  });
});
