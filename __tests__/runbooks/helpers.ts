/**
 * Shared by the runbook tests: the CLI's fixture manifests, and the extractors that find every
 * `skyline` command, resource-looking name and region name in a rendered runbook.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest, type OpsManifest } from "../../manifest/schema";

const FIXTURES = join(__dirname, "..", "cli", "fixtures");

export function loadFixture(env: "production" | "staging"): OpsManifest {
  const path = join(FIXTURES, `${env}.manifest.json`);
  return parseManifest(JSON.parse(readFileSync(path, "utf8")), path);
}

export const FIXTURE_ENVS = ["production", "staging"] as const;

/** A deep copy to modify for one variant. */
export function variant(env: "production" | "staging", change: (m: OpsManifest) => void): OpsManifest {
  const manifest = structuredClone(loadFixture(env));
  change(manifest);
  return manifest;
}

/** Every `skyline …` command: lines of fenced blocks and inline code spans. */
export function skylineCommands(markdown: string): string[] {
  const commands: string[] = [];
  let inFence = false;
  for (const raw of markdown.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("```")) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      if (line.startsWith("skyline ")) commands.push(line);
      continue;
    }
    for (const match of line.matchAll(/`(skyline [^`]*)`/g)) commands.push(match[1]);
  }
  return commands;
}

/** Every string in the manifest, plus its parts split at `/`, `:`, `=` and spaces (ARNs, resource ids). */
export function manifestStrings(manifest: OpsManifest): Set<string> {
  const strings = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      strings.add(value);
      for (const part of value.split(/[/:=\s]+/)) strings.add(part);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === "object") {
      // Keys name things too (stacks in stateBackend.stacks, regions).
      Object.keys(value).forEach(visit);
      Object.values(value).forEach(visit);
    }
  };
  visit(manifest);
  return strings;
}

/**
 * Words that look like a resource of this app (contain `<app>-`) but are not a manifest string:
 * an invented name. Words are maximal runs of lowercase letters, digits and hyphens.
 */
export function unknownResourceNames(markdown: string, manifest: OpsManifest): string[] {
  const known = manifestStrings(manifest);
  // Names the runbooks derive from a manifest name for a new instance or snapshot.
  const derived = /-(restored|retired|retired-final|pre-restore|pre-failover|pre-failback|\d{8}-\d{6})$/;
  const isKnown = (w: string) => known.has(w) || (derived.test(w) && known.has(w.replace(derived, "")));
  const words = markdown.match(/[a-z0-9-]+/g) ?? [];
  return [...new Set(words.filter((w) => w.includes(`${manifest.app}-`) && !isKnown(w)))];
}

/** Region names in the text that are not regions of the manifest. */
export function unknownRegions(markdown: string, manifest: OpsManifest): string[] {
  const regions = markdown.match(/\b[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+\b/g) ?? [];
  return [...new Set(regions.filter((r) => !(r in manifest.regions)))];
}
