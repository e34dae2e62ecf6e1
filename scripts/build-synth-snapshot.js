#!/usr/bin/env node
/**
 * Builds dist/synth.blob, the synth snapshot (stacks/snapshot-entry.ts), after `tsc` has written
 * dist/: bundles dist/stacks/snapshot-entry.js into one file (a snapshot can only load a single
 * script) and runs it under `node --build-snapshot` with the node running this script, whose
 * version the blob is tied to. Run by `npm run build`. SKYLINE_SNAPSHOT_MINIFY=0 keeps function
 * names readable in a CPU profile (`node --cpu-prof --snapshot-blob dist/synth.blob dist/main.js`).
 * The node version that built the blob is written beside it (synth.blob.node-version): scripts/synth.sh
 * uses the blob only under that version. A node whose snapshot builder fails (Node 22.23's aborts with
 * std::length_error on this bundle) gets no blob and a warning: synth then loads plain modules.
 */
"use strict";
const { execFileSync } = require("node:child_process");
const { rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { buildSync } = require("esbuild");

const dist = join(__dirname, "..", "dist");
const bundle = join(dist, "synth-snapshot.js");
const blob = join(dist, "synth.blob");
buildSync({
  entryPoints: [join(dist, "stacks", "snapshot-entry.js")],
  bundle: true,
  platform: "node",
  target: "node20",
  minify: process.env.SKYLINE_SNAPSHOT_MINIFY !== "0",
  outfile: bundle,
  // The snapshot builder runs the bundle as a plain script: give the CommonJS entry its module.
  banner: { js: "var module = { exports: {} }, exports = module.exports;" },
  logLevel: "warning",
});
const versionFile = `${blob}.node-version`;
rmSync(blob, { force: true });
rmSync(versionFile, { force: true });
try {
  execFileSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", bundle], {
    stdio: ["ignore", "inherit", "pipe"],
  });
  writeFileSync(versionFile, process.version);
} catch (error) {
  rmSync(blob, { force: true });
  const reason = error.signal ?? `exit ${error.status}`;
  const stderr =
    String(error.stderr ?? "")
      .trim()
      .split("\n")
      .slice(-1)[0] ?? "";
  process.stderr.write(
    `warning: node ${process.version} could not build the synth snapshot (${reason}${stderr ? `: ${stderr}` : ""}); ` +
      "npm run synth loads plain modules instead (same output, slower start)\n",
  );
}
