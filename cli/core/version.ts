/**
 * skyline's version, from the package.json of the installed package: two levels above
 * dist/cli/ when built, one above cli/ in the source tree. Read only by `--version` and `-o json`
 * consumers, a few stat calls.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function skylineVersion(from: string = __dirname): string {
  let dir = from;
  for (let depth = 0; depth < 5; depth++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "skyline" && pkg.version) return pkg.version;
      } catch {
        // not ours or unreadable: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return "unknown";
}
