import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { resources, synthJson, type StackJson } from "../helpers/synth";

/** Attribute names whose value would be a credential. */
const SECRET_KEY =
  /(^|_)(password|passwd|secret_string|auth_token|token|api_key|private_key|secret_key|access_key)$/i;
/** Values that look like credentials wherever they appear. */
const SECRET_VALUE = [
  /\bAKIA[0-9A-Z]{16}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /postgres(ql)?:\/\/[^:\s/]+:[^@\s]+@/, // a connection string with a password
  /redis(s)?:\/\/[^@\s]*:[^@\s]+@/,
];
/** Long random-looking runs (mixed case and digits, no separators) are generated secrets. */
const HIGH_ENTROPY =
  /(?<![\w$.{/-])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*\d)[A-Za-z0-9+/]{24,}={0,2}(?![\w-])/;

const isExpression = (text: string) => /^\$\{[\s\S]+\}$/.test(text);

/** Every literal that looks like a secret, with its path; container definitions are parsed too. */
function findSecretLiterals(value: unknown, path = ""): string[] {
  if (typeof value === "string") {
    const key = path.split(".").pop() ?? "";
    if (key === "container_definitions" || key === "policy" || key === "assume_role_policy") {
      try {
        return findSecretLiterals(JSON.parse(value), `${path}(json)`);
      } catch {
        // Policies with embedded expressions are still scanned as text below.
      }
    }
    const problems: string[] = [];
    if (SECRET_KEY.test(key) && value.length > 0 && !isExpression(value))
      problems.push(`${path} is a literal`);
    const literalText = value.replace(/\$\{[^}]*\}/g, "");
    if ([...SECRET_VALUE, HIGH_ENTROPY].some((p) => p.test(literalText)))
      problems.push(`${path} holds a credential`);
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecretLiterals(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    // ECS environment entries carry their name in a sibling field.
    if (
      typeof record.name === "string" &&
      typeof record.value === "string" &&
      SECRET_KEY.test(record.name.toLowerCase())
    ) {
      return [`${path}(${record.name}) is a plain environment variable holding a secret`];
    }
    return Object.entries(record).flatMap(([k, v]) => findSecretLiterals(v, path ? `${path}.${k}` : k));
  }
  return [];
}

const [staging, production] = loadEnvironments(["staging", "production"]);
const { environments } = buildApp([staging, production], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) });
const stacks: [string, StackJson][] = environments.flatMap((e) =>
  [e.state, ...e.regional].map((s) => [s.node.id, synthJson(s)] as [string, StackJson]),
);

describe("no secret value in the synthesized JSON", () => {
  it("covers every stack of both environments", () => {
    expect(stacks.map(([id]) => id)).toEqual([
      "skyline-staging-state",
      "skyline-staging-us-east-1",
      "skyline-production-state",
      "skyline-production-us-east-1",
      "skyline-production-eu-west-1",
      "skyline-production-ap-south-1",
    ]);
  });

  it.each(stacks.map(([id, json]) => [id, json] as const))("%s has no secret literal", (_, json) => {
    expect(findSecretLiterals(json)).toEqual([]);
  });

  it("lets RDS manage the master password: no password attribute on any instance", () => {
    for (const [, json] of stacks) {
      for (const [, db] of resources(json, "aws_db_instance")) {
        expect(db.password).toBeUndefined();
        expect(db.password_wo).toBeUndefined();
        if (!db.replicate_source_db) expect(db.manage_master_user_password).toBe(true);
      }
    }
    const writers = stacks.flatMap(([, json]) =>
      resources(json, "aws_db_instance").filter(([, db]) => !db.replicate_source_db),
    );
    expect(writers).toHaveLength(2);
  });

  it("takes every cache AUTH token from Secrets Manager", () => {
    const groups = stacks.flatMap(([, json]) => resources(json, "aws_elasticache_replication_group"));
    expect(groups).toHaveLength(4);
    for (const [, group] of groups) {
      expect(group.auth_token).toMatch(
        /^\$\{(data\.)?aws_secretsmanager_secret_version\.[\w-]+\.secret_string\}$/,
      );
    }
  });
});

describe("the scanner", () => {
  it.each([
    [
      "a password attribute",
      { resource: { aws_db_instance: { db: { password: "hunter2" } } } },
      /password is a literal/,
    ],
    ["an auth token", { r: { auth_token: "abc" } }, /auth_token is a literal/],
    [
      "a random-looking value",
      { r: { description: "key Xy7pQ2mN9vR4tL8kJ3hG6fD1sA5zW0eB" } },
      /holds a credential/,
    ],
    ["an access key id", { r: { value: "AKIAABCDEFGHIJKLMNOP" } }, /holds a credential/],
    [
      "a connection string with a password",
      { r: { url: "postgres://u:p4ss@db:5432/app" } },
      /holds a credential/,
    ],
    [
      "a secret in a container's plain environment",
      {
        container_definitions: JSON.stringify([{ environment: [{ name: "REDIS_AUTH_TOKEN", value: "x" }] }]),
      },
      /plain environment variable holding a secret/,
    ],
  ])("finds %s", (_, json, message) => {
    expect(findSecretLiterals(json).join("\n")).toMatch(message);
  });

  it("accepts references, ARNs and names", () => {
    expect(
      findSecretLiterals({
        auth_token: "${aws_secretsmanager_secret_version.a.secret_string}",
        secret_arn: "arn:aws:secretsmanager:us-east-1:222222222222:secret:skyline-production-cache-auth",
        name: "skyline-production-tfstate-222222222222",
        manage_master_user_password: true,
      }),
    ).toEqual([]);
  });
});
