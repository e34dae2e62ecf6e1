/**
 * The synthesized Terraform JSON of one environment (cdktf.out/stacks/<stack>/cdk.tf.json), read as
 * plain data: every resource with its stack, type, address and the region its provider points at.
 * The capacity and cost models read sizes from here, so they see exactly what an apply would create.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The parts of a stack's JSON the models read. */
export interface StackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly provider?: Readonly<Record<string, readonly { alias?: string; region?: string }[]>>;
}

export interface SynthStack {
  readonly name: string;
  readonly json: StackJson;
}

/** One resource of a stack. `attrs` is the resource's block as synthesized (references unresolved). */
export interface SynthResource {
  readonly stack: string;
  readonly type: string;
  readonly key: string;
  /** `<type>.<key>`, as Terraform names it. */
  readonly address: string;
  /** Region of the resource's AWS provider; undefined for non-AWS providers (kubernetes, helm). */
  readonly region?: string;
  /** Region of the stack's default AWS provider: where a Kubernetes or Helm resource runs. */
  readonly stackRegion?: string;
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** The synthesized output (or the manifest beside it) cannot be planned from (exit 2 in the CLI). */
export class PlanningInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanningInputError";
  }
}

/** The marker synth writes next to each stack (stacks/stale-stacks.ts): its app and environment. */
const STACK_MARKER = ".skyline-stack.json";

/**
 * Every stack synth wrote for `app`/`environment` under `stacksDir`, by name. Folders are matched by
 * their marker, so other environments' and hand-made folders are ignored.
 */
export function readEnvironmentStacks(stacksDir: string, app: string, environment: string): SynthStack[] {
  if (!existsSync(stacksDir)) {
    throw new PlanningInputError(
      `No synthesized stacks at ${stacksDir}: run \`npm run synth\` (or pass --stacks <dir>).`,
    );
  }
  const stacks: SynthStack[] = [];
  for (const name of readdirSync(stacksDir).sort()) {
    const dir = join(stacksDir, name);
    let marker: { app?: unknown; environment?: unknown };
    try {
      marker = JSON.parse(readFileSync(join(dir, STACK_MARKER), "utf8")) as typeof marker;
    } catch {
      continue;
    }
    if (marker.app !== app || marker.environment !== environment) continue;
    const file = join(dir, "cdk.tf.json");
    let json: StackJson;
    try {
      json = JSON.parse(readFileSync(file, "utf8")) as StackJson;
    } catch (error) {
      throw new PlanningInputError(
        `${file} cannot be read as JSON (${(error as Error).message}): re-run \`npm run synth\`.`,
      );
    }
    stacks.push({ name, json });
  }
  if (stacks.length === 0) {
    throw new PlanningInputError(
      `No stacks of ${app} ${environment} under ${stacksDir}: run \`npm run synth\` for it (or pass --stacks <dir>).`,
    );
  }
  return stacks;
}

/** Checks that every stack the manifest names was synthesized alongside it. */
export function requireStacks(
  stacks: readonly SynthStack[],
  names: readonly string[],
  stacksDir: string,
): void {
  const have = new Set(stacks.map((s) => s.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new PlanningInputError(
      `The manifest names ${missing.join(", ")}, not found under ${stacksDir}: the manifest and the stacks come from different synths; re-run \`npm run synth\`.`,
    );
  }
}

/** Region of each AWS provider of a stack: "" for the default provider, else its alias. */
function providerRegions(stack: SynthStack): Map<string, string> {
  const regions = new Map<string, string>();
  for (const p of stack.json.provider?.aws ?? []) {
    if (p.region) regions.set(p.alias ?? "", p.region);
  }
  return regions;
}

/** Every resource of the stacks, with the region its provider (or provider alias) points at. */
export function resourcesOf(stacks: readonly SynthStack[]): SynthResource[] {
  const all: SynthResource[] = [];
  for (const stack of stacks) {
    const regions = providerRegions(stack);
    for (const [type, byKey] of Object.entries(stack.json.resource ?? {})) {
      for (const [key, attrs] of Object.entries(byKey)) {
        const provider = typeof attrs.provider === "string" ? attrs.provider : undefined;
        const alias = provider?.startsWith("aws.") ? provider.slice(4) : "";
        const region = type.startsWith("aws_") ? regions.get(alias) : undefined;
        all.push({
          stack: stack.name,
          type,
          key,
          address: `${type}.${key}`,
          region,
          stackRegion: regions.get(""),
          attrs,
        });
      }
    }
  }
  return all;
}

/** A number attribute as synthesized: a number, or a string of one ("1024"); else undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** Kubernetes CPU quantity ("500m", "1", "0.5") in vCPU. */
export function kubernetesCpu(value: unknown): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value);
  if (/^\d+m$/.test(text)) return Number(text.slice(0, -1)) / 1000;
  return num(text);
}

/** Kubernetes memory quantity ("512Mi", "1Gi") in MiB. */
export function kubernetesMemoryMiB(value: unknown): number | undefined {
  if (typeof value !== "string") return num(value) === undefined ? undefined : num(value)! / 2 ** 20;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return undefined;
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[match[2] ?? ""] ?? 1 / 2 ** 20;
  return Number(match[1]) * factor;
}
