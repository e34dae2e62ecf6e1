/**
 * During a failover every client must get its credentials without the failed region: a role
 * profile's AssumeRole goes to STS in the client's own region, not to the global endpoint and not
 * to the profile's home region (here us-east-1, the region that is down).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { AwsClients } from "../../../cli/core/aws-clients";

const sts = mockClient(STSClient);
const saved = { ...process.env };

beforeEach(() => {
  sts.reset();
  const dir = mkdtempSync(join(tmpdir(), "skyline-sts-"));
  writeFileSync(
    join(dir, "config"),
    [
      "[profile oncall]",
      "role_arn = arn:aws:iam::222222222222:role/oncall",
      "source_profile = base",
      "region = us-east-1",
      "[profile base]",
      "region = us-east-1",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "credentials"),
    ["[base]", "aws_access_key_id = AKIAEXAMPLEBASE00000", "aws_secret_access_key = base-secret", ""].join(
      "\n",
    ),
  );
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_REGION;
});

afterAll(() => {
  process.env = saved;
});

it("assumes a profile's role with STS in the client's region, not the profile's home region", async () => {
  const regions: string[] = [];
  sts.on(AssumeRoleCommand).callsFake(async (_input, getClient) => {
    regions.push(await getClient().config.region());
    return {
      Credentials: {
        AccessKeyId: "ASIAEXAMPLEROLE00000",
        SecretAccessKey: "role-secret",
        SessionToken: "token",
        Expiration: new Date(Date.now() + 3600_000),
      },
    };
  });
  const clients = new AwsClients({ profile: "oncall" });
  const credentials = await clients.rds("eu-west-1").config.credentials();
  expect(credentials.accessKeyId).toBe("ASIAEXAMPLEROLE00000");
  await clients.cloudWatch("ap-south-1").config.credentials();
  expect(regions).toEqual(["eu-west-1", "ap-south-1"]);
});

it("without the region pinned, the SDK would have used the profile's home region (what the pin prevents)", async () => {
  const regions: string[] = [];
  sts.on(AssumeRoleCommand).callsFake(async (_input, getClient) => {
    regions.push(await getClient().config.region());
    return {
      Credentials: {
        AccessKeyId: "ASIAEXAMPLEROLE00000",
        SecretAccessKey: "role-secret",
        SessionToken: "token",
        Expiration: new Date(Date.now() + 3600_000),
      },
    };
  });
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  await fromNodeProviderChain({ profile: "oncall" })({
    callerClientConfig: { region: async () => "eu-west-1" },
  } as never);
  expect(regions).toEqual(["us-east-1"]);
});
