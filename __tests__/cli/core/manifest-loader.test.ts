import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../../cli/core/errors";
import { loadManifest, locateManifest } from "../../../cli/core/manifest-loader";
import { PRODUCTION, STAGING, tmpDir } from "../helpers";

function synthesized(envs: Record<string, string>): string {
  const cwd = tmpDir();
  for (const [env, fixture] of Object.entries(envs)) {
    const dir = join(cwd, "cdktf.out", "skyline", env);
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture, join(dir, "manifest.json"));
  }
  return cwd;
}

describe("locateManifest", () => {
  it("uses --manifest relative to cwd, with runbooks next to it", () => {
    expect(locateManifest("/work", "out/m.json", "staging")).toEqual({
      path: "/work/out/m.json",
      runbooksDir: "/work/out/runbooks",
    });
  });

  it("defaults to cdktf.out/skyline/<env>/manifest.json", () => {
    const cwd = synthesized({ production: PRODUCTION });
    expect(locateManifest(cwd, undefined, "production").path).toBe(
      join(cwd, "cdktf.out/skyline/production/manifest.json"),
    );
  });

  it("a wrong --env (or SKYLINE_ENV) lists the environments that exist", () => {
    const cwd = synthesized({ staging: STAGING, production: PRODUCTION });
    const root = join(cwd, "cdktf.out", "skyline");
    expect(() => locateManifest(cwd, undefined, "prod")).toThrow(
      `--env prod: no such synthesized environment under ${root}; the environments there are: production, staging. ` +
        "Use one of them, or run `npm run synth` if prod is new.",
    );
    expect(() => locateManifest(cwd, undefined, "prod", "SKYLINE_ENV")).toThrow(/^SKYLINE_ENV prod: no such/);
    expect(() => locateManifest(tmpDir(), undefined, "prod")).toThrow(
      /^--env prod: no environment is synthesized under .+: run `npm run synth` first or pass --manifest <path>\.$/,
    );
  });

  it("picks the only synthesized environment when --env is not given", () => {
    const cwd = synthesized({ staging: STAGING });
    expect(locateManifest(cwd, undefined, undefined).path).toBe(
      join(cwd, "cdktf.out/skyline/staging/manifest.json"),
    );
  });

  it("requires --env when several environments are synthesized", () => {
    const cwd = synthesized({ staging: STAGING, production: PRODUCTION });
    expect(() => locateManifest(cwd, undefined, undefined)).toThrow(
      "Several environments are synthesized (production, staging): pass --env <name> or set SKYLINE_ENV.",
    );
  });

  it("says to synth when nothing is synthesized", () => {
    expect(() => locateManifest(tmpDir(), undefined, undefined)).toThrow(
      /run `npm run synth` first or pass --manifest/,
    );
  });
});

describe("loadManifest", () => {
  const at = (path: string) => ({ path, runbooksDir: "unused" });

  it("loads and types a valid manifest", () => {
    expect(loadManifest(at(PRODUCTION), "production").primaryRegion).toBe("us-east-1");
  });

  it("rejects a missing file, bad JSON, invalid fields and an --env mismatch with UsageError (exit 2)", () => {
    const dir = tmpDir();
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    const invalid = join(dir, "invalid.json");
    writeFileSync(invalid, JSON.stringify({ schemaVersion: 1 }));
    const cases: [() => unknown, RegExp][] = [
      [
        () => loadManifest(at(join(dir, "none.json")), undefined),
        /Manifest not found at .*none\.json: run `npm run synth`/,
      ],
      [() => loadManifest(at(bad), undefined), /is not valid JSON .*re-run synth/],
      [
        () => loadManifest(at(invalid), undefined),
        /Invalid ops manifest .*\n {2}- app: .*\n[\s\S]*Re-run synth/,
      ],
      [
        () => loadManifest(at(STAGING), "production"),
        /--env production does not match the manifest's environment "staging"/,
      ],
    ];
    for (const [fn, message] of cases) {
      let caught: unknown;
      try {
        fn();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as UsageError).exitCode).toBe(2);
      expect((caught as Error).message).toMatch(message);
    }
  });
});
