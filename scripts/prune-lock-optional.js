#!/usr/bin/env node
/**
 * Drops, from package-lock.json, optional dependencies that the lock has no entry for.
 *
 * Why: this project's registry serves only the platform packages of the machines it runs on
 * (e.g. @swc/core-linux-x64-gnu, not -darwin-arm64). npm records the ones it could not fetch as
 * wanted-but-missing, and `npm ci` then refuses the lock ("Missing: … from lock file"). The
 * packages are optional, so removing the dangling names leaves a lock that installs exactly what
 * this platform gets. Run after any `npm install` that changes the lock: `node scripts/prune-lock-optional.js`.
 */
const fs = require("node:fs");
const path = require("node:path");

const lockPath = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "package-lock.json"));
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8"));
const packages = lock.packages ?? {};

/** Where npm would resolve `name` from the package at `location` (walking up node_modules). */
function resolves(location, name) {
  let dir = location;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return true;
    if (!dir) return false;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up >= 0 ? dir.slice(0, up) : "";
  }
}

let removed = 0;
for (const [location, entry] of Object.entries(packages)) {
  const optional = entry.optionalDependencies;
  if (!optional) continue;
  for (const name of Object.keys(optional)) {
    if (!resolves(location, name)) {
      delete optional[name];
      removed++;
    }
  }
  if (Object.keys(optional).length === 0) delete entry.optionalDependencies;
}
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  `prune-lock-optional: removed ${removed} unavailable optional dependencies from ${path.basename(lockPath)}`,
);
