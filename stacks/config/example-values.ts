/**
 * The shipped environments are examples: account ids 111111111111 and 222222222222, domains under
 * example.com, state buckets named after those accounts. They synthesize (so the README's first
 * command works on a fresh machine) but must never be deployed. This finds every such value in a
 * config, by field, so synth can record them next to each stack and scripts/apply-stack.sh and the
 * deploy workflow can refuse with the field to set.
 */

/** Account ids that appear in skyline's examples and in AWS's documentation. */
export const EXAMPLE_ACCOUNT_IDS: readonly string[] = [
  "111111111111",
  "222222222222",
  "123456789012",
  "000000000000",
];

/** Domains reserved for documentation (RFC 2606, RFC 6761). */
const EXAMPLE_DOMAIN = /(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid|localhost))$/;

/** IPv4 ranges reserved for documentation (RFC 5737): TEST-NET-1, -2 and -3. */
const DOCUMENTATION_RANGES = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}(\/\d{1,2})?$/;

export interface ExampleValue {
  /** Path of the field in the environment file, e.g. `accountIds[0]` or `stateBackend.bucket`. */
  readonly field: string;
  readonly value: string;
  /** What to put there instead. */
  readonly fix: string;
}

function describe(field: string, value: string): ExampleValue | undefined {
  const account = EXAMPLE_ACCOUNT_IDS.find((id) => value.includes(id));
  if (account !== undefined) {
    return { field, value, fix: `${account} is an example AWS account id: use your own account's` };
  }
  if (DOCUMENTATION_RANGES.test(value)) {
    return {
      field,
      value,
      fix: `${value} is a documentation address range (RFC 5737): list your deploy runners' and operators' own ranges`,
    };
  }
  const host = value
    .replace(/^[a-z]+:\/\//, "")
    .split(/[/:]/)[0]
    .toLowerCase();
  if (EXAMPLE_DOMAIN.test(host)) {
    return {
      field,
      value,
      fix: `${host} is a documentation domain: use the product's own domain (its hosted zone must exist)`,
    };
  }
  return undefined;
}

/** Every string in the (input or validated) config that is an example value, depth first. */
export function findExampleValues(config: unknown, path = ""): ExampleValue[] {
  if (typeof config === "string") {
    const found = describe(path, config);
    return found ? [found] : [];
  }
  if (Array.isArray(config)) return config.flatMap((item, i) => findExampleValues(item, `${path}[${i}]`));
  if (typeof config === "object" && config !== null) {
    return Object.entries(config).flatMap(([key, value]) =>
      findExampleValues(value, path === "" ? key : `${path}.${key}`),
    );
  }
  return [];
}
