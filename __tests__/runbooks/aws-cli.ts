/**
 * The AWS CLI lines of the runbooks, checked against the AWS SDK's own operation schemas: the
 * SDK v3 clients export each operation's input structure (`<Operation>$`), whose member names are
 * what the AWS CLI turns into flags (`DBParameterGroupName` → `--db-parameter-group-name`). A flag
 * that is not a member (or a global option) does not exist for that operation.
 */

/* eslint-disable @typescript-eslint/no-require-imports -- SDK packages load by service name */

/** `aws <service>` → the SDK v3 client package that speaks it. */
const SERVICE_PACKAGES: Readonly<Record<string, string>> = {
  rds: "@aws-sdk/client-rds",
  cloudwatch: "@aws-sdk/client-cloudwatch",
  ecs: "@aws-sdk/client-ecs",
  "application-autoscaling": "@aws-sdk/client-application-auto-scaling",
  elasticache: "@aws-sdk/client-elasticache",
  route53: "@aws-sdk/client-route-53",
  backup: "@aws-sdk/client-backup",
  ecr: "@aws-sdk/client-ecr",
  secretsmanager: "@aws-sdk/client-secrets-manager",
  elbv2: "@aws-sdk/client-elastic-load-balancing-v2",
  sts: "@aws-sdk/client-sts",
  sqs: "@aws-sdk/client-sqs",
  ssm: "@aws-sdk/client-ssm",
};

/** `aws <service> wait <waiter>` → the operation the waiter polls (its flags are that input's). */
const WAITERS: Readonly<Record<string, string>> = {
  "rds db-instance-available": "DescribeDBInstances",
  "rds db-snapshot-available": "DescribeDBSnapshots",
  "ecs services-stable": "DescribeServices",
  "elasticache replication-group-available": "DescribeReplicationGroups",
};

/**
 * AWS CLI customizations, which are not SDK operations: their flags from the AWS CLI reference
 * (`aws eks update-kubeconfig help`, `aws s3 cp help`), only those the runbooks may use.
 */
const CUSTOMIZATIONS: Readonly<
  Record<string, { flags: readonly string[]; booleans: readonly string[]; positional?: number }>
> = {
  "eks update-kubeconfig": { flags: ["--name", "--alias", "--role-arn", "--kubeconfig"], booleans: [] },
  // aws s3 cp <source> <destination> [--sse …]
  "s3 cp": { flags: ["--sse", "--sse-kms-key-id"], booleans: [], positional: 2 },
};

/**
 * Parameters the AWS CLI adds to an SDK operation: `--source-region` makes it sign the presigned
 * URL a cross-region copy or replica needs (the SDK v3 does the same with its SourceRegion input,
 * which is not part of the wire schema).
 */
const EXTRA_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  "rds copy-db-snapshot": ["--source-region"],
  "rds create-db-instance-read-replica": ["--source-region"],
  "rds start-db-instance-automated-backups-replication": ["--source-region"],
};

/** Options every AWS CLI command takes (global and pagination options). */
const GLOBAL_WITH_VALUE = new Set([
  "--region",
  "--query",
  "--output",
  "--profile",
  "--endpoint-url",
  "--max-items",
  "--starting-token",
  "--page-size",
]);
const GLOBAL_BOOLEAN = new Set(["--no-cli-pager", "--no-paginate", "--debug"]);

export interface AwsInvocation {
  readonly line: string;
  readonly tokens: readonly string[];
}

/** Splits a shell line into words: quotes group, `$(…)` stays one word with its inner text. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
      continue;
    }
    if (c === "$" && line[i + 1] === "(") {
      depth++;
      current += "$(";
      i++;
      continue;
    }
    if (depth > 0) {
      if (c === ")") depth--;
      current += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (/\s/.test(c)) {
      if (current) words.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (current) words.push(current);
  return words;
}

/** Every `aws …` invocation in one shell line, including those inside `$(…)`. */
export function awsInvocations(line: string): AwsInvocation[] {
  const found: AwsInvocation[] = [];
  const visit = (text: string): void => {
    const words = shellWords(text);
    const start = words.findIndex((w, i) => w === "aws" && (i === 0 || /[;&|]$/.test(words[i - 1] ?? "")));
    const assignment = /^[A-Z_][A-Z0-9_]*=\$\((.*)\)$/s.exec(text.trim());
    if (assignment) {
      visit(assignment[1]);
      return;
    }
    if (start >= 0) {
      const end = words.findIndex((w, i) => i > start && w === "|");
      const tokens = words.slice(start, end === -1 ? undefined : end);
      found.push({ line: text, tokens });
    }
    for (const w of words) {
      const inner = /\$\((.*)\)/s.exec(w);
      if (inner) visit(inner[1]);
    }
  };
  visit(line);
  return found;
}

/** Logical lines of the fenced `sh` blocks (continuations joined) and the inline `aws …` spans. */
export function awsLines(markdown: string): string[] {
  const lines: string[] = [];
  let inFence = false;
  let pending = "";
  for (const raw of markdown.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("```")) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      const joined = `${pending}${line}`;
      if (joined.endsWith("\\")) {
        pending = `${joined.slice(0, -1)} `;
        continue;
      }
      pending = "";
      if (/(^|\$\()aws /.test(joined)) lines.push(joined);
      continue;
    }
    for (const match of line.matchAll(/`((?:[A-Z_]+=\$\()?aws [^`]*)`/g)) lines.push(match[1]);
  }
  return lines;
}

type MemberSchema = unknown;

/** Input members of an SDK operation: name → whether it is a boolean (a flag without a value). */
function inputMembers(service: string, operation: string): Map<string, boolean> | string {
  const pkg = SERVICE_PACKAGES[service];
  if (!pkg) return `no SDK client is known for service "${service}"`;
  const client = require(pkg) as Record<string, unknown>;
  const wanted = operation.replace(/-/g, "").toLowerCase();
  const key = Object.keys(client).find((k) => {
    const value = client[k];
    return (
      k.endsWith("$") && Array.isArray(value) && value[0] === 9 && k.slice(0, -1).toLowerCase() === wanted
    );
  });
  if (!key) return `${pkg} has no operation "${operation}"`;
  const op = client[key] as unknown[];
  const input = (typeof op[4] === "function" ? (op[4] as () => unknown[])() : op[4]) as unknown[];
  const names = (input[4] ?? []) as string[];
  const schemas = (input[5] ?? []) as MemberSchema[];
  const isBoolean = (s: MemberSchema) => s === 2 || (Array.isArray(s) && s[0] === 2);
  return new Map(names.map((n, i) => [n.toLowerCase(), isBoolean(schemas[i])]));
}

const normal = (flag: string) => flag.replace(/^--/, "").replace(/-/g, "").toLowerCase();

/**
 * Problems with one invocation: unknown service, operation or waiter, a flag that is not an input
 * member or global option, a boolean given a value or a value flag given none.
 */
export function checkInvocation(tokens: readonly string[]): string[] {
  const [, service, operation, ...rest] = tokens;
  if (!service || !operation) return ["an aws line without a service and an operation"];
  let args = rest;
  let members: Map<string, boolean> | string;
  const customization = CUSTOMIZATIONS[`${service} ${operation}`];
  if (customization) {
    const positional = args.slice(0, customization.positional ?? 0);
    if (positional.length !== (customization.positional ?? 0) || positional.some((p) => p.startsWith("--"))) {
      return [`aws ${service} ${operation} takes ${customization.positional} positional arguments first`];
    }
    args = args.slice(customization.positional ?? 0);
    members = new Map([
      ...customization.flags.map((f) => [normal(f), false] as const),
      ...customization.booleans.map((f) => [normal(f), true] as const),
    ]);
  } else if (operation === "wait") {
    const waiter = rest[0];
    const polled = WAITERS[`${service} ${waiter}`];
    if (!polled) return [`unknown waiter "aws ${service} wait ${waiter}"`];
    members = inputMembers(service, polled);
    args = rest.slice(1);
  } else {
    members = inputMembers(service, operation);
  }
  if (typeof members === "string") return [members];
  for (const extra of EXTRA_PARAMETERS[`${service} ${operation}`] ?? []) members.set(normal(extra), false);
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (!flag.startsWith("--")) {
      problems.push(`"${flag}" is not a flag (a value without one?)`);
      continue;
    }
    const next = args[i + 1];
    const hasValue = next !== undefined && !next.startsWith("--");
    if (GLOBAL_WITH_VALUE.has(flag)) {
      if (!hasValue) problems.push(`${flag} needs a value`);
      else i++;
      continue;
    }
    if (GLOBAL_BOOLEAN.has(flag)) continue;
    const name = normal(flag);
    const negated = flag.startsWith("--no-") ? normal(flag.slice(5)) : undefined;
    const boolean = members.get(name) ?? (negated !== undefined ? members.get(negated) : undefined);
    if (boolean === undefined) {
      problems.push(`${flag} is not a parameter of aws ${service} ${operation}`);
      continue;
    }
    if (negated !== undefined && !members.has(name) && !boolean) {
      problems.push(`${flag}: only a boolean parameter has a --no- form`);
      continue;
    }
    if (boolean && hasValue && !(next === "true" || next === "false")) {
      problems.push(`${flag} is a boolean switch; "${next}" would be read as a separate argument`);
    }
    if (!boolean) {
      if (!hasValue) problems.push(`${flag} needs a value`);
      // A list parameter takes several space-separated values: consume up to the next flag.
      while (args[i + 1] !== undefined && !args[i + 1].startsWith("--")) i++;
    }
  }
  return problems;
}
