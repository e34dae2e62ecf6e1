import {
  DefaultTokenResolver,
  StringConcat,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
  Token,
  Tokenization,
} from "../engine";
// cdktf's own resolver (it takes the path that its error messages name) and merge, so values
// resolve and fragments combine exactly as in cdktf's toTerraform.
import { resolveWithPath as resolve } from "../engine";
import { deepMerge } from "../engine";

type Json = Record<string, unknown>;

/** The resolver cdktf renders with (stateless; one is enough). */
const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** cdktf rejects a tokenized depth beyond this as a circular reference. */
const MAX_DEPTH = 200;

/**
 * Token doubles carry a marker in their top bits that puts them beyond ±1e288; every real number
 * in a Terraform configuration is far below that.
 */
const TOKEN_NUMBER_MAGNITUDE = 1e280;

/**
 * What cdktf's number-token decoder looks for inside strings (`[-|\d|.\+]+(e[-|\d|.|e|E|\+]+)`):
 * a string without it has no stringified number token in it.
 */
const NUMBER_TOKEN_HINT = /[-|\d.+]e[-|\d.eE+]/;

/**
 * True when cdktf's resolve would return `s` unchanged: no token markers (`${TfToken[`,
 * `#{TfToken[`, `&{TfToken[`), no `${ }` escapes, no stringified number token, and not one of the
 * sentinel values cdktf refuses in string context.
 */
function isLiteralString(s: string): boolean {
  return (
    !s.includes("{") &&
    !s.includes("}") &&
    !NUMBER_TOKEN_HINT.test(s) &&
    s !== Token.STRING_MAP_TOKEN_VALUE &&
    s !== Token.ANY_MAP_TOKEN_VALUE
  );
}

function isLiteralNumber(n: number): boolean {
  return Math.abs(n) < TOKEN_NUMBER_MAGNITUDE && n !== Token.NUMBER_MAP_TOKEN_VALUE;
}

function isLiteralScalar(x: unknown): boolean {
  if (typeof x === "string") return isLiteralString(x);
  if (typeof x === "number") return isLiteralNumber(x);
  return true;
}

/** cdktf's test for a construct that reached resolution by mistake (it refuses those). */
function isConstructLike(x: object): boolean {
  const fields = x as { _children?: unknown; _metadata?: unknown };
  return fields._children !== undefined && fields._metadata !== undefined;
}

/**
 * cdktf's `resolve()` with the same result, run only where a value can hold a token.
 *
 * cdktf resolves a stack by visiting every key of every fragment, a fresh resolution context each,
 * then resolves the merged document a second time: most of a synth's time for skyline's ~540
 * resources, nearly all of it spent on literals. This walk copies literals as they are (dropping
 * `undefined`, as cdktf does) and hands every value that may hold a token, with all its contents,
 * to cdktf's own resolver at the same path (so its errors read the same): a non-literal string or
 * number, an array with one (list tokens are resolved at the array), an object with a non-literal
 * key (map tokens), anything resolvable. A test renders every environment both ways and requires
 * identical JSON.
 */
export function resolveValue(scope: TerraformStack, value: unknown): unknown {
  const path: string[] = [];
  const delegate = (x: unknown) =>
    resolve(x, { scope, preparing: false, resolver: RESOLVER, prefix: [...path] });

  const walk = (x: unknown): unknown => {
    switch (typeof x) {
      case "undefined":
        return undefined;
      case "string":
      case "number":
        return isLiteralScalar(x) ? x : delegate(x);
      case "function":
        return delegate(x); // cdktf explains why a function cannot be resolved
      case "object":
        break;
      default:
        return x;
    }
    if (x === null || x instanceof Date) return x;
    if (path.length > MAX_DEPTH) return delegate(x); // cdktf's circular-reference error
    if (Array.isArray(x)) {
      if (!x.every(isLiteralScalar)) return delegate(x);
      const out: unknown[] = [];
      x.forEach((item, i) => {
        path.push(String(i));
        const resolved = walk(item);
        path.pop();
        if (resolved !== undefined) out.push(resolved);
      });
      return out;
    }
    if (Tokenization.isResolvable(x) || isConstructLike(x)) return delegate(x);
    const keys = Object.keys(x);
    if (!keys.every(isLiteralString)) return delegate(x);
    const out: Json = {};
    for (const key of keys) {
      path.push(key);
      const resolved = walk((x as Json)[key]);
      path.pop();
      if (resolved !== undefined) out[key] = resolved;
    }
    return out;
  };
  return walk(value);
}

/** Every Terraform element of `stack`, in construct order, not descending into nested stacks. */
function terraformElements(node: TerraformStack | TerraformElement, into: TerraformElement[] = []) {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (TerraformStack.isStack(child)) continue;
    terraformElements(child as TerraformElement, into);
  }
  return into;
}

/**
 * The stack's Terraform JSON, as cdktf's `TerraformStack.toTerraform()` builds it (metadata,
 * outputs map, element fragments merged in order, then the stack's own overrides), with
 * `resolveValue` in place of cdktf's resolve.
 */
export function renderStack(stack: TerraformStack): Json {
  // cdktf keeps the stack's overrides private; the document depends on them, so read them here.
  const rawOverrides = (stack as unknown as { rawOverrides: Json }).rawOverrides;
  const elements = terraformElements(stack);
  const metadata: Json = {
    version: stack.node.tryGetContext("cdktfVersion"),
    stackName: stack.node.id,
    backend: "local",
    cloud: undefined,
    ...(Object.keys(rawOverrides).length > 0 ? { overrides: { stack: Object.keys(rawOverrides) } } : {}),
  };
  for (const element of elements) deepMerge(metadata, resolveValue(stack, element.toMetadata()));

  const outputs: Json = {};
  for (const element of elements) {
    if (!TerraformOutput.isTerraformOutput(element)) continue;
    const nested = element.node.path
      .split("/")
      .reduceRight<Json>(
        (inner, part) => ({ [part]: Object.keys(inner).length === 0 ? element.friendlyUniqueId : inner }),
        {},
      );
    deepMerge(outputs, nested);
  }

  const tf: Json = { "//": { metadata, outputs } };
  for (const element of elements) deepMerge(tf, resolveValue(stack, element.toTerraform()));
  deepMerge(tf, rawOverrides);
  return resolveValue(stack, tf) as Json;
}
