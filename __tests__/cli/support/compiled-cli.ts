/**
 * The real `skyline` binary for child-process tests: cli/ and the manifest schema compiled with tsc
 * into a temp directory, once per source version (keyed by a hash of the sources, so parallel jest
 * workers and reruns share one build), and a spawner that runs it with a clean environment.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

/** Compiles (or reuses) the CLI; returns the path of dist/cli/index.js. */
export function compiledCli(): string {
  // Everything the build depends on, this file's own layout included.
  const files = [
    ...sources(join(ROOT, "cli")),
    join(ROOT, "manifest", "schema.ts"),
    join(ROOT, "tsconfig.base.json"),
    join(ROOT, "package.json"),
    __filename,
  ];
  const hash = createHash("sha1");
  for (const f of files.sort()) hash.update(f).update(readFileSync(f));
  const dir = join(tmpdir(), `skyline-cli-build-${hash.digest("hex").slice(0, 12)}`);
  const bin = join(dir, "dist", "cli", "index.js");
  if (existsSync(bin)) return bin;
  const work = `${dir}.tmp-${process.pid}`;
  mkdirSync(work, { recursive: true });
  const tsconfig = join(work, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.base.json"),
      compilerOptions: {
        rootDir: ROOT,
        outDir: join(work, "dist"),
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
        incremental: false,
        sourceMap: false,
      },
      include: [join(ROOT, "cli", "**", "*.ts"), join(ROOT, "manifest", "schema.ts")],
    }),
  );
  const build = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", tsconfig], {
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  // As installed: package.json two levels above dist/cli/ (where --version reads it).
  copyFileSync(join(ROOT, "package.json"), join(work, "package.json"));
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another worker won the race: use its build
  }
  return bin;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
}

/** Runs the binary with only PATH, NODE_PATH, fake credentials and `env`. */
export function spawnCli(bin: string, args: string[], env: Record<string, string>, cwd: string): Spawned {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_PATH: join(ROOT, "node_modules"),
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Polls until `check` is true (or throws after `ms`). */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
