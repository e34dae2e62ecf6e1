import { App, Testing, TerraformStack } from "../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

/** Synthesized Terraform JSON of one stack, parsed. */
export type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
};

export function synthJson(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack)) as StackJson;
}

/** Every resource of one type: `[address, attributes]` pairs. */
export function resources(json: StackJson, type: string): [string, Record<string, any>][] {
  return Object.entries(json.resource?.[type] ?? {}) as [string, Record<string, any>][];
}

/**
 * The one resource of a type (of those whose address starts with `addressPrefix`, when given: "api_"
 * for the API's service beside the queue workers' "worker_"); fails the test if there is not exactly one.
 */
export function only(json: StackJson, type: string, addressPrefix = ""): Record<string, any> {
  const all = resources(json, type).filter(([address]) => address.startsWith(addressPrefix));
  if (all.length !== 1) {
    throw new Error(
      `expected exactly one ${type}${addressPrefix && ` at ${addressPrefix}*`}, found ${all.length}`,
    );
  }
  return all[0][1];
}

/** A bare stack with an AWS provider, for construct tests. */
export function testStack(region = "us-east-1"): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region });
  return { app, stack };
}
