/**
 * scripts/release-service.sh (issue 17): the deploy workflow's release of one region through its
 * strategy, run with fake `aws`, `curl` and `skyline` that record their arguments. The fake skyline
 * answers `deploy status -o json` from a list of outcomes, one per read (the last repeats); the fake
 * aws records the release gate's verdict (`ssm put-parameter`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildManifest } from "../../manifest/builder";
import { buildApp } from "../../stacks/app";
import { config } from "../helpers/config";

const script = resolve(__dirname, "../../scripts/release-service.sh");
const dir = mkdtempSync(join(tmpdir(), "skyline-release-"));
const manifestFor = (name: string, change: (env: any) => void = () => {}) => {
  const { environments } = buildApp([config("production", change)], { outdir: join(dir, name) });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(buildManifest(environments[0])));
  return path;
};
const CANARY = manifestFor("canary");
const ROLLING = manifestFor("rolling", (env) => (env.service.deployment = { strategy: "ROLLING" }));

const NEW = "arn:aws:ecs:us-east-1:222222222222:task-definition/skyline-production-use1-api:43";
const OLD = "arn:aws:ecs:us-east-1:222222222222:task-definition/skyline-production-use1-api:42";
const DEPLOYMENT =
  "arn:aws:ecs:us-east-1:222222222222:service-deployment/skyline-production-use1-cluster/skyline-production-use1-api/EZe5RNVLH6PPzHXINuP28";
const PARAMETER = "/skyline-production-use1/api/release-verdict";
type State = { stage?: string; outcome: string; status?: string; taskDefinition?: string };

function release(manifest: string, states: State[], smokeCode = "200", options: { ssmFails?: boolean } = {}) {
  const work = mkdtempSync(join(tmpdir(), "skyline-release-run-"));
  const bin = join(work, "bin");
  mkdirSync(bin);
  writeFileSync(join(work, "states.json"), JSON.stringify(states));
  const fake = (name: string, body: string) => {
    writeFileSync(
      join(bin, name),
      `#!/usr/bin/env bash\necho "${name} $*" >> "${work}/calls.log"\n${body}\n`,
    );
    chmodSync(join(bin, name), 0o755);
  };
  fake(
    "aws",
    `case "$2" in
  describe-task-definition) echo "${NEW}" ;;
  describe-services) echo "${OLD}" ;;
  describe-load-balancers) echo "skyline-production-use1-alb-1.us-east-1.elb.amazonaws.com" ;;
  update-service) echo "skyline-production-use1-api" ;;
  put-parameter) ${options.ssmFails ? 'echo "AccessDeniedException" >&2; exit 254' : "echo 7"} ;;
esac`,
  );
  fake("curl", `echo -n "${smokeCode}"`);
  // One state per `deploy status` read; `deploy rollback` is recorded only.
  fake(
    "skyline",
    `case "$*" in *"deploy status"*)
  n=$(cat "${work}/reads" 2>/dev/null || echo 0); echo $((n + 1)) > "${work}/reads"
  node -e 'const s = require(process.argv[1]); const c = s[Math.min(+process.argv[2], s.length - 1)];
    console.log(JSON.stringify({ deployments: [{ current: { arn: "${DEPLOYMENT}", status: c.status ?? "IN_PROGRESS", taskDefinition: "${NEW}", ...c } }] }))' "${work}/states.json" "$n" ;;
esac`,
  );
  const result = spawnSync("bash", [script, manifest, "us-east-1"], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SKYLINE: "skyline", POLL_SECONDS: "0" },
  });
  const calls = readFileSync(join(work, "calls.log"), "utf8").trim().split("\n");
  return { result, calls };
}

describe("release-service.sh", () => {
  it("CANARY: starts the deployment, smoke-checks green while the gate holds it, records `passed`, then waits for SUCCESSFUL", () => {
    const { result, calls } = release(CANARY, [
      { stage: "SCALE_UP", outcome: "in progress" },
      { stage: "TEST_TRAFFIC_SHIFT", outcome: "in progress" },
      { stage: "POST_TEST_TRAFFIC_SHIFT", outcome: "in progress" },
      { stage: "PRODUCTION_TRAFFIC_SHIFT", outcome: "in progress" },
      { stage: "BAKE_TIME", outcome: "baking" },
      { outcome: "succeeded", status: "SUCCESSFUL" },
    ]);
    expect(result.status).toBe(0);
    expect(calls).toContain(
      `aws ecs update-service --region us-east-1 --cluster skyline-production-use1-cluster --service skyline-production-use1-api --task-definition ${NEW} --query service.serviceName --output text`,
    );
    const smoke = calls.filter((c) => c.startsWith("curl"));
    expect(smoke).toHaveLength(2);
    // TLS is checked against the region's origin name; the connection goes to the ALB's test port.
    expect(smoke[0]).toContain(
      "--connect-to use1.origin.skyline.example.com:9443:skyline-production-use1-alb-1.us-east-1.elb.amazonaws.com:9443 https://use1.origin.skyline.example.com:9443/ready",
    );
    // The checks wait for the gate's stage (the third read), not for the test shift to begin.
    const firstCurl = calls.findIndex((c) => c.startsWith("curl"));
    expect(calls.slice(0, firstCurl).filter((c) => c.includes("deploy status"))).toHaveLength(3);
    // The verdict names this deployment and is written only after both checks.
    const put = calls.findIndex((c) => c.includes("ssm put-parameter"));
    expect(calls[put]).toBe(
      `aws ssm put-parameter --region us-east-1 --name ${PARAMETER} --type String --overwrite --value ${DEPLOYMENT} passed --query Version --output text`,
    );
    expect(put).toBeGreaterThan(calls.lastIndexOf(smoke[1]));
    expect(calls.filter((c) => c.includes("ssm put-parameter"))).toHaveLength(1);
    expect(calls.some((c) => c.includes("deploy rollback"))).toBe(false);
    expect(result.stdout).toContain("release: skyline-production-use1-api released in us-east-1");
  });

  it("a failed smoke check records `failed` (the gate rolls back before any user reaches green) and fails", () => {
    const { result, calls } = release(
      CANARY,
      [
        { stage: "POST_TEST_TRAFFIC_SHIFT", outcome: "in progress" },
        { stage: "POST_TEST_TRAFFIC_SHIFT", outcome: "rolling back", status: "ROLLBACK_IN_PROGRESS" },
        { outcome: "rolled back", status: "ROLLBACK_SUCCESSFUL" },
      ],
      "503",
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("::error::release: green failed its smoke checks on the test listener");
    const put = calls.findIndex((c) => c.includes("ssm put-parameter"));
    expect(calls[put]).toContain(
      `--name ${PARAMETER} --type String --overwrite --value ${DEPLOYMENT} failed`,
    );
    expect(put).toBeGreaterThan(calls.findIndex((c) => c.startsWith("curl")));
    expect(result.stdout).toContain("release: the deployment in us-east-1 ended rolled back");
    expect(calls.some((c) => c.includes("deploy rollback"))).toBe(false);
  });

  it("a verdict that cannot be recorded rolls back through the CLI and fails", () => {
    const { result, calls } = release(
      CANARY,
      [{ stage: "POST_TEST_TRAFFIC_SHIFT", outcome: "in progress" }],
      "200",
      { ssmFails: true },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`::error::release: could not record the verdict in ${PARAMETER}`);
    expect(calls).toContain("skyline --manifest " + CANARY + " --region us-east-1 deploy rollback --yes");
  });

  it("an alarm rollback during the bake fails the release", () => {
    const { result } = release(CANARY, [
      { stage: "POST_TEST_TRAFFIC_SHIFT", outcome: "in progress" },
      { stage: "BAKE_TIME", outcome: "baking" },
      { outcome: "rolled back", status: "ROLLBACK_SUCCESSFUL" },
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("::error::release: the deployment in us-east-1 ended rolled back");
  });

  it("ROLLING: nothing to start (the apply did), only the outcome is awaited", () => {
    const { result, calls } = release(ROLLING, [{ outcome: "in progress" }, { outcome: "succeeded" }]);
    expect(result.status).toBe(0);
    expect(
      calls.some((c) => c.includes("update-service") || c.startsWith("curl") || c.includes("put-parameter")),
    ).toBe(false);
  });
});
