import {
  App,
  DefaultTokenResolver,
  Fn,
  Lazy,
  StringConcat,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Token,
  Tokenization,
} from "../../engine";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { renderStack, resolveValue } from "../../stacks/render-stack";
import { stacksOf } from "../../stacks/synthesize";
import { config } from "../helpers/config";

/** cdktf's own resolution of `value`, as TerraformStack.toTerraform runs it. */
function cdktfResolve(scope: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, {
    scope,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a throw");
}

describe("renderStack", () => {
  it("renders every stack of every environment exactly as cdktf's toTerraform does", () => {
    const eks = config("production", (env) => {
      env.environment = "production-eks";
      env.stateBackend.bucket = "skyline-production-eks-tfstate";
      env.compute = "eks";
      env.image.repository = env.image.repository.replace(/skyline-api$/, "skyline-api-eks");
    });
    const { environments } = buildApp([...loadEnvironments(["staging", "production"]), eks], {
      outdir: "unused",
    });
    const stacks = environments.flatMap(stacksOf);
    expect(stacks.length).toBeGreaterThanOrEqual(14);
    for (const stack of stacks) {
      const cdktf = JSON.stringify(TerraformStack.prototype.toTerraform.call(stack));
      expect({ stack: stack.node.id, json: JSON.stringify(renderStack(stack)) }).toEqual({
        stack: stack.node.id,
        json: cdktf,
      });
    }
  });

  it("keeps outputs, stack overrides (including deletions) and nested output paths as cdktf does", () => {
    const stack = new TerraformStack(new App({ outdir: "unused" }), "overrides");
    const variable = new TerraformVariable(stack, "name", { type: "string" });
    new TerraformOutput(stack, "plain", { value: "x" });
    new TerraformOutput(stack, "ref", { value: variable.stringValue, sensitive: true });
    stack.addOverride("locals.from_variable", variable.stringValue);
    stack.addOverride("variable.name.type", undefined);
    const rendered = renderStack(stack);
    expect(JSON.stringify(rendered)).toBe(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack)));
    expect(rendered).toMatchObject({ locals: { from_variable: "${var.name}" } });
    expect((rendered.variable as Record<string, object>).name).not.toHaveProperty("type");
  });
});

describe("resolveValue", () => {
  const stack = new TerraformStack(new App({ outdir: "unused" }), "values");
  const variable = new TerraformVariable(stack, "v", { type: "string" });
  const ref = variable.stringValue;

  const cases: Record<string, unknown> = {
    "literals, undefined dropped from objects and arrays": {
      a: "text",
      b: 3,
      c: true,
      d: null,
      e: undefined,
      f: [1, undefined, "x", [undefined, { g: undefined }]],
      h: {},
    },
    "a reference in a string": { name: `prefix-${ref}-suffix` },
    "a reference as a list element": { ids: ["a", ref] },
    "a reference as a key": { tags: { [ref]: "value" } },
    "a Terraform function": { joined: Fn.join(",", ["a", ref]) },
    "a lazy string and a lazy object": {
      s: Lazy.stringValue({ produce: () => "lazy" }),
      o: Lazy.anyValue({ produce: () => ({ nested: [ref, undefined] }) }),
    },
    "list tokens": { list: Token.asList(Fn.split(",", ref)), nested: [{ ids: Token.asList(ref) }] },
    "number tokens": {
      n: Token.asNumber(ref),
      inString: `${Token.asNumber(ref)} items`,
      numbers: Token.asNumberList(ref),
    },
    "map tokens": { map: Token.asStringMap(ref), anyMap: Token.asAnyMap(ref) },
    "escaped and literal interpolations": {
      escaped: "$${not_a_ref}",
      literal: "${var.v}",
      template: "%{ if true }yes%{ endif }",
      braces: "a } b",
    },
    "strings that look like numbers": { e: "1e5", dashed: "free-e-book", big: "-1.8881545897087626e+289" },
    "a date": { at: new Date(0) },
  };

  it.each(Object.entries(cases))("resolves %s exactly as cdktf does", (_name, value) => {
    expect(JSON.stringify(resolveValue(stack, value))).toBe(JSON.stringify(cdktfResolve(stack, value)));
  });

  it("actually resolves the tokens it hands to cdktf", () => {
    expect(resolveValue(stack, { name: `x-${ref}`, ids: [ref], n: Token.asNumber(ref) })).toEqual({
      name: "x-${var.v}",
      ids: ["${var.v}"],
      n: "${var.v}",
    });
  });

  it.each([
    ["a function", () => "no"],
    ["a construct", stack],
    ["a literal added to a list token", [...Token.asList(ref), "x"]],
    ["the string map sentinel", Token.STRING_MAP_TOKEN_VALUE],
    ["the any map sentinel", Token.ANY_MAP_TOKEN_VALUE],
    ["the number map sentinel", Token.NUMBER_MAP_TOKEN_VALUE],
  ])("refuses %s with cdktf's own error", (_name, value) => {
    const expected = thrown(() => cdktfResolve(stack, { value }));
    expect(thrown(() => resolveValue(stack, { value }))).toBe(expected);
  });
});
