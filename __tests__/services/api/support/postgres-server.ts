import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort } from "./redis-server";

/** The newest PostgreSQL server binaries installed (Debian layout: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      "No PostgreSQL server binaries in /usr/lib/postgresql/*/bin: apt-get install -y postgresql",
    );
  }
  return path.join(root, majors[0], "bin");
}

/** initdb and postgres refuse to run as root: as root, they run as the postgres user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * A throw-away PostgreSQL server of the test's own, on a free port and a temporary directory, that a test
 * may stall (SIGSTOP every process of it), resume and kill: never the shared server other suites use.
 */
export class DisposablePostgres {
  private child?: ChildProcess;
  private dir?: string;
  port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb (trust auth, no fsync: a test server) and start it; resolves once it accepts queries. */
  async start(): Promise<void> {
    const bin = postgresBinDir();
    const user = serverUser();
    this.dir = mkdtempSync(path.join(tmpdir(), "skyline-pg-"));
    chmodSync(this.dir, 0o700);
    if (user) chownSync(this.dir, user.uid, user.gid);
    const data = path.join(this.dir, "data");
    execFileSync(
      path.join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
      { stdio: "ignore", ...user },
    );
    this.port = await freePort();
    this.child = spawn(
      path.join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(this.port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `unix_socket_directories=${this.dir}`,
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "shared_buffers=16MB",
      ],
      { stdio: "ignore", ...user },
    );
    await this.waitReady();
  }

  /**
   * SIGSTOP to every process of the server (the postmaster first, so it forks nothing new, then each
   * backend and auxiliary process; each backend is a process group of its own, so they are signalled one
   * by one): connections stay open, new ones are accepted by the kernel, nothing answers.
   */
  stall(): void {
    signal(this.pid(), "SIGSTOP");
    for (const pid of childrenOf(this.pid())) signal(pid, "SIGSTOP");
  }

  /** SIGCONT to every process: the server carries on where it stopped (statements sent meanwhile then run). */
  resume(): void {
    for (const pid of childrenOf(this.pid())) signal(pid, "SIGCONT");
    signal(this.pid(), "SIGCONT");
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const pids = [...childrenOf(this.pid()), this.pid()];
      for (const pid of pids) signal(pid, "SIGKILL");
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private pid(): number {
    if (!this.child?.pid) throw new Error("the test PostgreSQL server is not running");
    return this.child.pid;
  }

  private async waitReady(): Promise<void> {
    const { Client } = await import("pg");
    const deadline = Date.now() + 30_000;
    let last: unknown;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`postgres exited with ${this.child?.exitCode}`);
      const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query("select 1");
        await client.end();
        return;
      } catch (error) {
        last = error;
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`postgres did not accept connections on ${this.port}: ${String(last)}`);
  }
}

/** Sends a signal to a process that may have ended meanwhile (a backend whose connection closed). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** The processes whose parent is pid (Linux /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}
