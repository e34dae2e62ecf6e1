/**
 * The planning examples of docs/examples: what `skyline capacity` and `skyline cost` print for the
 * shipped production environment, run through the CLI itself on a synth in a temporary directory.
 * They are pinned to the committed profile (planning/default-profile.json, never a local benchmark's
 * bench/results/profile.json) so the files only change when the config, the model or the prices do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Runtime } from "../cli/core/runtime";
import { runCli } from "../cli/program";
import { DEFAULT_PROFILE_PATH } from "../planning/profile";
import { loadEnvironments } from "../stacks/config/load";
import { synthesize } from "../stacks/synthesize";

const ROOT = join(__dirname, "..");

/** The commands the examples show, by file name. */
export const PLANNING_EXAMPLES = {
  "capacity.production.txt": ["capacity"],
  "cost.production.txt": ["cost"],
} as const;

async function runQuietly(argv: string[], home: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const rt: Runtime = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdinIsTTY: false,
    stdoutIsTTY: false,
    prompt: async () => null,
    env: { SKYLINE_AUDIT_LOG: join(home, "audit.jsonl") },
    cwd: ROOT,
    homedir: home,
    now: () => 0,
    sleep: async () => undefined,
    onInterrupt: () => () => undefined,
  };
  const code = await runCli(argv, rt);
  return { code, out, err };
}

/** Each example file's text: the command line, what it printed (stdout, then stderr) and its exit code. */
export async function renderPlanningExamples(): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "skyline-planning-examples-"));
  try {
    const outdir = join(dir, "cdktf.out");
    synthesize(loadEnvironments(["production"]), { outdir });
    const files = new Map<string, string>();
    for (const [file, command] of Object.entries(PLANNING_EXAMPLES)) {
      const shown = ["skyline", "--env", "production", ...command];
      const argv = [
        "--manifest",
        join(outdir, "skyline", "production", "manifest.json"),
        ...command,
        "--stacks",
        join(outdir, "stacks"),
        "--bench-profile",
        relative(ROOT, DEFAULT_PROFILE_PATH),
      ];
      const { code, out, err } = await runQuietly(argv, dir);
      files.set(file, `$ ${shown.join(" ")}\n${out}${err}(exit ${code})\n`);
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
