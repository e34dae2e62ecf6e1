/**
 * What scripts/engine-compare.ts synthesizes on each engine, from the built app (dist/): every
 * environment as shipped, and production on the EKS path (`compute: "eks"`), so the Kubernetes and
 * Helm bindings are compared too. Usage: node [-r cdktn-register.js] synth-all.js <outdir>
 */
"use strict";
const { mkdirSync } = require("node:fs");
const { join } = require("node:path");
const dist = join(__dirname, "..", "..", "dist");
const { loadEnvironments } = require(join(dist, "stacks", "config", "load"));
const { parseEnvironment } = require(join(dist, "stacks", "config", "schema"));
const { ENVIRONMENTS } = require(join(dist, "stacks", "config", "environments"));
const { synthesize } = require(join(dist, "stacks", "synthesize"));

const outdir = process.argv[2];
for (const path of ["ecs", "eks"]) mkdirSync(join(outdir, path), { recursive: true });
synthesize(loadEnvironments(Object.keys(ENVIRONMENTS)), { outdir: join(outdir, "ecs") });
const eks = parseEnvironment(
  { ...structuredClone(ENVIRONMENTS.production), compute: "eks" },
  "production (eks)",
);
synthesize([eks], { outdir: join(outdir, "eks") });
