import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

/**
 * A lock file beside a data directory (`<dir>.lock`, holding the owner's pid): one process at a time. A
 * lock whose process is gone (killed, crashed) is taken over.
 */
export class DataDirLock {
  private released = false;

  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = `${dataDir.replace(/\/+$/, "")}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number(readFileSync(file, "utf8").trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new Error(
            `The embedded database in ${dataDir} is in use by process ${owner}. Stop it, or set PGLITE_DATA_DIR to another directory (or to "memory") for this one.`,
          );
        }
        // Left behind by a process that is gone: take it over.
        unlinkSync(file);
      }
    }
    throw new Error(`Could not lock ${file}; remove it if no process uses ${dataDir}.`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
