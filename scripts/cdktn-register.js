/**
 * Preload (`node -r ./scripts/cdktn-register.js dist/main.js`) that runs skyline's synth on cdktn,
 * the community fork of cdktf, without editing a line of skyline: every `require` of the engine
 * (`cdktf`, `cdktf/lib/...`, including those inside provider bindings) resolves to `cdktn`, the AWS
 * bindings to `@cdktn/provider-aws`, and `constructs` to the copy cdktn was built with, all from
 * .ci/cdktn/node_modules (SKYLINE_CDKTN_MODULES overrides). One engine and one constructs library
 * must be loaded, never two: the engine recognises its own classes by symbols.
 *
 * The Kubernetes and Helm bindings have no cdktn build on the npm registry; they keep the cdktf
 * build, whose own `require("cdktf")` lands on cdktn here too (docs/operations.md says so).
 */
"use strict";
const Module = require("node:module");
const { join, resolve } = require("node:path");

const modules = resolve(
  process.env.SKYLINE_CDKTN_MODULES ?? join(__dirname, "..", ".ci", "cdktn", "node_modules"),
);

/** The request as cdktn's packages name it, or undefined to leave it alone. */
function redirect(request) {
  if (request === "cdktf" || request.startsWith("cdktf/")) return `cdktn${request.slice("cdktf".length)}`;
  if (request === "@cdktf/provider-aws" || request.startsWith("@cdktf/provider-aws/")) {
    return `@cdktn/provider-aws${request.slice("@cdktf/provider-aws".length)}`;
  }
  if (request === "constructs" || request.startsWith("constructs/")) return request;
  return undefined;
}

const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  const target = redirect(request);
  if (target === undefined) return original.call(this, request, parent, isMain, options);
  return original.call(this, target, parent, isMain, { ...options, paths: [modules] });
};
