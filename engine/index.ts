/**
 * The CDK-for-Terraform engine skyline builds on. This is the only module that names it: every
 * construct, stack, rule and test imports the engine from here, so moving between cdktf (archived
 * upstream in December 2025) and its community fork cdktn is a change to this file alone. The two
 * share the API and the module layout that skyline uses, including the three internals below.
 *
 * Provider bindings (`@cdktf/provider-aws/lib/<resource>`) are imported per resource where they are
 * used; on cdktn they come from `@cdktn/provider-aws` (see docs/operations.md, "Engine: cdktf and
 * cdktn"). `npm run check:cdktn` synthesizes every environment on cdktn and compares the JSON.
 */
export {
  Annotations,
  App,
  Aspects,
  AssetType,
  DefaultTokenResolver,
  Fn,
  Lazy,
  S3Backend,
  StringConcat,
  TerraformAsset,
  TerraformElement,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
  Tokenization,
  type IAspect,
  type IResolvable,
} from "cdktf";

// The engine's own resolver (it takes the path that its error messages name) and merge, so that
// stacks/render-stack.ts resolves values and combines fragments exactly as the engine's toTerraform.
export { resolve as resolveWithPath } from "cdktf/lib/tokens/private/resolve";
export { deepMerge } from "cdktf/lib/util";
// The engine's process-wide registry of every token it has created: the synth snapshot takes back what
// its warm-up synth registered (stacks/snapshot-entry.ts).
export { TokenMap } from "cdktf/lib/tokens/private/token-map";
