import type { IConstruct } from "constructs";

/** A synthesized attribute value: JSON with `${...}` strings for Terraform references. */
export type Attrs = Record<string, unknown>;

/** One `resource` or `data` block of a synthesized stack, as rules see it. */
export interface TerraformResourceView {
  /** `resource` or `data` (data sources such as `aws_iam_policy_document` carry policy text). */
  readonly mode: "resource" | "data";
  readonly type: string;
  readonly name: string;
  /** `<type>.<name>` for resources, `data.<type>.<name>` for data sources. */
  readonly address: string;
  /** Synthesized attributes (snake_case), without cdktf's `//` metadata. */
  readonly attrs: Attrs;
  /** Construct path relative to the app, e.g. `prod-eu-west-1/database/instance`. */
  readonly constructPath: string;
  /** Tags after the provider's `default_tags` are merged in. */
  readonly effectiveTags: Readonly<Record<string, unknown>>;
  /** Name of the stack that holds the resource. */
  readonly stack: string;
  /** Region from the resource's `region` argument or its provider's, when it is a literal. */
  readonly region?: string;
}

/** A Terraform address inside a `${...}` expression, with or without the `data.` prefix. */
const REFERENCE = /\b(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)/g;
/** Output of another stack read through `terraform_remote_state` (cdktf cross-stack references). */
const REMOTE_OUTPUT = /\boutputs\.([A-Za-z0-9_-]+)/g;

/**
 * The synthesized Terraform JSON of one stack, indexed once so that every rule can look up
 * resources by type and follow references (`${aws_vpc.x.id}`) in both directions.
 */
export class StackModel {
  readonly resources: readonly TerraformResourceView[];
  /** Output name → synthesized value (cdktf cross-stack outputs are among them). */
  readonly outputs: ReadonlyMap<string, unknown>;
  private readonly byAddress = new Map<string, TerraformResourceView>();
  private readonly byType = new Map<string, TerraformResourceView[]>();
  private readonly referencesOf = new Map<string, Set<string>>();
  private readonly referrersOf = new Map<string, TerraformResourceView[]>();

  constructor(
    readonly stackName: string,
    json: Attrs,
    /** Construct for each construct path, used to attach annotations. */
    private readonly constructsByPath: ReadonlyMap<string, IConstruct> = new Map(),
  ) {
    const providers = providerSettings(json.provider);
    const resources: TerraformResourceView[] = [];
    for (const mode of ["resource", "data"] as const) {
      const blocks = asRecord(json[mode]);
      for (const type of Object.keys(blocks).sort()) {
        const named = asRecord(blocks[type]);
        for (const name of Object.keys(named).sort()) {
          const { "//": meta, ...attrs } = asRecord(named[name]);
          const address = mode === "data" ? `data.${type}.${name}` : `${type}.${name}`;
          const provider = typeof attrs.provider === "string" ? attrs.provider : providerKey(type);
          resources.push({
            mode,
            type,
            name,
            address,
            attrs,
            constructPath: metadataPath(meta) ?? address,
            effectiveTags: { ...(providers.get(provider)?.tags ?? {}), ...asRecord(attrs.tags) },
            stack: stackName,
            region: literal(attrs.region) ?? providers.get(provider)?.region,
          });
        }
      }
    }
    this.resources = resources;
    for (const resource of resources) {
      this.byAddress.set(resource.address, resource);
      const list = this.byType.get(resource.type) ?? [];
      list.push(resource);
      this.byType.set(resource.type, list);
    }
    for (const resource of resources) {
      const referenced = new Set<string>();
      collectStrings(resource.attrs, (text) => {
        for (const address of referencedAddresses(text)) {
          if (address !== resource.address && this.byAddress.has(address)) referenced.add(address);
        }
      });
      this.referencesOf.set(resource.address, referenced);
      for (const address of referenced) {
        const list = this.referrersOf.get(address) ?? [];
        list.push(resource);
        this.referrersOf.set(address, list);
      }
    }
    const outputs = new Map<string, unknown>();
    for (const [name, block] of Object.entries(asRecord(json.output)))
      outputs.set(name, asRecord(block).value);
    this.outputs = outputs;
  }

  /** Resources (and data sources) of the given Terraform types, in address order. */
  ofType(...types: string[]): TerraformResourceView[] {
    return types.flatMap((type) => this.byType.get(type) ?? []);
  }

  get(address: string): TerraformResourceView | undefined {
    return this.byAddress.get(address);
  }

  /** Resources of the given types whose attributes reference `target` anywhere. */
  referrers(target: TerraformResourceView, ...types: string[]): TerraformResourceView[] {
    const all = this.referrersOf.get(target.address) ?? [];
    return types.length === 0 ? all : all.filter((r) => types.includes(r.type));
  }

  /** Resources of the given types that `value` (an attribute of some resource) references. */
  referencedBy(value: unknown, ...types: string[]): TerraformResourceView[] {
    const found = new Map<string, TerraformResourceView>();
    collectStrings(value, (text) => {
      for (const address of referencedAddresses(text)) {
        const resource = this.byAddress.get(address);
        if (resource && (types.length === 0 || types.includes(resource.type))) found.set(address, resource);
      }
    });
    return [...found.values()];
  }

  /** True if `value` references `target`, directly or through another stack's output. */
  references(value: unknown, target: TerraformResourceView, appStacks: readonly StackModel[] = []): boolean {
    let hit = false;
    collectStrings(value, (text) => {
      if (hit || !text.includes("${")) return;
      if (target.stack === this.stackName && referencedAddresses(text).includes(target.address)) hit = true;
      for (const match of text.matchAll(REMOTE_OUTPUT)) {
        const origin = appStacks.find((s) => s.stackName === target.stack);
        const output = origin?.outputs.get(match[1]);
        if (output !== undefined && origin?.references(output, target)) hit = true;
      }
    });
    return hit;
  }

  /** The construct that defined a resource, for annotations; undefined for raw JSON models. */
  constructOf(resource: TerraformResourceView): IConstruct | undefined {
    return this.constructsByPath.get(resource.constructPath);
  }
}

/** Addresses (`type.name` or `data.type.name`) mentioned inside `${...}` expressions of a string. */
export function referencedAddresses(text: string): string[] {
  if (!text.includes("${")) return [];
  const addresses: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    addresses.push(match[1] ? `data.${match[2]}.${match[3]}` : `${match[2]}.${match[3]}`);
  }
  return addresses;
}

/** True for a string that Terraform evaluates (a reference or function call), not a literal. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** Calls `visit` for every string nested anywhere in `value`. */
export function collectStrings(
  value: unknown,
  visit: (text: string, key?: string) => void,
  key?: string,
): void {
  if (typeof value === "string") visit(value, key);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, visit, key));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collectStrings(v, visit, k);
  }
}

/** Nested blocks are synthesized as an object (max one) or a list; always return a list. */
export function blocks(value: unknown): Attrs[] {
  if (Array.isArray(value)) return value.filter((v): v is Attrs => !!v && typeof v === "object");
  if (value && typeof value === "object") return [value as Attrs];
  return [];
}

/** First nested block, or an empty object. */
export function block(value: unknown): Attrs {
  return blocks(value)[0] ?? {};
}

export function asRecord(value: unknown): Attrs {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Attrs) : {};
}

/** Terraform booleans may arrive as `true` or `"true"`. */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** A non-empty literal or an expression: the attribute is set. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Numbers may arrive as numbers or numeric strings; expressions are unknown (NaN). */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !isExpression(value)) return Number(value);
  return Number.NaN;
}

function metadataPath(meta: unknown): string | undefined {
  const path = asRecord(asRecord(meta).metadata).path;
  return typeof path === "string" ? path : undefined;
}

/** Provider configuration key a resource uses by default: `aws` for `aws_*`. */
function providerKey(type: string): string {
  return type.split("_")[0];
}

function literal(value: unknown): string | undefined {
  return typeof value === "string" && !isExpression(value) ? value : undefined;
}

/** `aws` / `aws.<alias>` → default_tags and region, so rules see what AWS will see. */
function providerSettings(providers: unknown): Map<string, { tags: Attrs; region?: string }> {
  const result = new Map<string, { tags: Attrs; region?: string }>();
  for (const [name, configs] of Object.entries(asRecord(providers))) {
    for (const config of blocks(configs)) {
      const key = typeof config.alias === "string" ? `${name}.${config.alias}` : name;
      const tags = blocks(config.default_tags).reduce<Attrs>(
        (acc, b) => ({ ...acc, ...asRecord(b.tags) }),
        {},
      );
      result.set(key, { tags, region: literal(config.region) });
    }
  }
  return result;
}
