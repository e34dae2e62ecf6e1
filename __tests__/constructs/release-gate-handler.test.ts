/**
 * The release gate's handler (constructs/release-gate/lambda/index.js), called as ECS calls a
 * lifecycle hook, with SSM mocked (aws-sdk-client-mock).
 */
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gate = require("../../constructs/release-gate/lambda/index.js");

const ssmMock = mockClient(SSMClient);
const PARAMETER = "/skyline-production-use1/api/release-verdict";
const DEPLOYMENT =
  "arn:aws:ecs:us-east-1:222222222222:service-deployment/skyline-production-use1-cluster/skyline-production-use1-api/EZe5RNVLH6PPzHXINuP28";
const REVISION =
  "arn:aws:ecs:us-east-1:222222222222:service-revision/skyline-production-use1-cluster/skyline-production-use1-api/9313423515462893900";
const OTHER_DEPLOYMENT = DEPLOYMENT.replace("EZe5RNVLH6PPzHXINuP28", "Q1w2E3r4T5y6U7i8O9p0");
const env = { VERDICT_PARAMETER: PARAMETER, WAIT_SECONDS: "1800", CALLBACK_DELAY_SECONDS: "20" };
const T0 = Date.parse("2026-03-01T10:00:00Z");

/** The payload ECS sends at POST_TEST_TRAFFIC_SHIFT; hookDetails as the previous answer left it. */
const event = (hookDetails?: Record<string, unknown>) => ({
  executionId: "e8d5a28f-eb01-4f3c-9454-a30ba6dc54bc",
  lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
  resourceArn: DEPLOYMENT,
  executionDetails: {
    serviceArn:
      "arn:aws:ecs:us-east-1:222222222222:service/skyline-production-use1-cluster/skyline-production-use1-api",
    targetServiceRevisionArn: REVISION,
    testTrafficWeights: {},
    productionTrafficWeights: {},
  },
  ...(hookDetails ? { hookDetails } : {}),
});
const verdict = (value: string) => ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: value } });
const logs: object[] = [];
const decide = (e: unknown, now = T0) =>
  gate.decide(e, { ssm: new SSMClient({ region: "us-east-1" }), now, env, log: (l: object) => logs.push(l) });

beforeEach(() => {
  ssmMock.reset();
  logs.length = 0;
});

describe("release gate handler", () => {
  it("holds the deployment (IN_PROGRESS, the callback delay, when it opened) while no verdict exists", async () => {
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
    expect(await decide(event())).toEqual({
      hookStatus: "IN_PROGRESS",
      callBackDelay: 20,
      hookDetails: { gateOpenedAt: T0 },
    });
    expect(ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: PARAMETER });
  });

  it("keeps the time the gate opened across calls (hookDetails)", async () => {
    verdict("none");
    const later = await decide(event({ gateOpenedAt: T0 }), T0 + 10 * 60_000);
    expect(later).toEqual({
      hookStatus: "IN_PROGRESS",
      callBackDelay: 20,
      hookDetails: { gateOpenedAt: T0 },
    });
  });

  it("SUCCEEDED on a passed verdict for this deployment", async () => {
    verdict(`${DEPLOYMENT} passed`);
    expect(await decide(event({ gateOpenedAt: T0 }))).toEqual({ hookStatus: "SUCCEEDED" });
  });

  it("accepts a verdict naming the target service revision", async () => {
    verdict(`${REVISION} passed`);
    expect(await decide(event())).toEqual({ hookStatus: "SUCCEEDED" });
  });

  it("FAILED on a failed verdict for this deployment (ECS rolls back)", async () => {
    verdict(`${DEPLOYMENT} failed`);
    expect(await decide(event())).toEqual({ hookStatus: "FAILED" });
  });

  it("ignores a verdict for another release: still IN_PROGRESS", async () => {
    verdict(`${OTHER_DEPLOYMENT} passed`);
    expect((await decide(event())).hookStatus).toBe("IN_PROGRESS");
    expect(logs[0]).toMatchObject({ waiting: `verdict names ${OTHER_DEPLOYMENT}` });
  });

  it("ignores a value that is not `<release> passed|failed`", async () => {
    verdict(`${DEPLOYMENT} PASSED`);
    expect((await decide(event())).hookStatus).toBe("IN_PROGRESS");
    verdict(`${DEPLOYMENT} passed extra`);
    expect((await decide(event())).hookStatus).toBe("IN_PROGRESS");
  });

  it("FAILED once the wait has passed without a verdict", async () => {
    verdict(`${OTHER_DEPLOYMENT} passed`);
    expect(await decide(event({ gateOpenedAt: T0 }), T0 + 1800_000 - 1)).toMatchObject({
      hookStatus: "IN_PROGRESS",
    });
    expect(await decide(event({ gateOpenedAt: T0 }), T0 + 1800_000)).toEqual({ hookStatus: "FAILED" });
    expect(logs.at(-1)).toMatchObject({ hookStatus: "FAILED", reason: "no verdict within 1800 s" });
  });

  it("a verdict recorded just before the deadline still counts", async () => {
    verdict(`${DEPLOYMENT} passed`);
    expect(await decide(event({ gateOpenedAt: T0 }), T0 + 3600_000)).toEqual({ hookStatus: "SUCCEEDED" });
  });

  it("SSM unreadable: retried (IN_PROGRESS) and logged, then FAILED at the deadline, never SUCCEEDED", async () => {
    ssmMock
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    expect(await decide(event({ gateOpenedAt: T0 }), T0 + 60_000)).toEqual({
      hookStatus: "IN_PROGRESS",
      callBackDelay: 20,
      hookDetails: { gateOpenedAt: T0 },
    });
    expect(logs[0]).toMatchObject({
      error: `could not read ${PARAMETER}: ThrottlingException: Rate exceeded`,
    });
    expect(await decide(event({ gateOpenedAt: T0 }), T0 + 1800_000)).toEqual({ hookStatus: "FAILED" });
  });

  it("fails closed when the function has no parameter to read", async () => {
    const out = await gate.decide(event(), {
      ssm: new SSMClient({ region: "us-east-1" }),
      now: T0,
      env: {},
      log: () => {},
    });
    expect(out).toEqual({ hookStatus: "FAILED" });
  });

  it("the Lambda entry point reads its settings from the environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env, { AWS_REGION: "us-east-1" });
    const log = jest.spyOn(console, "log").mockImplementation(() => {});
    try {
      verdict(`${DEPLOYMENT} failed`);
      expect(await gate.handler(event())).toEqual({ hookStatus: "FAILED" });
      expect(ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: PARAMETER });
      expect(JSON.parse(log.mock.calls[0][0])).toMatchObject({ verdict: "failed", hookStatus: "FAILED" });
    } finally {
      log.mockRestore();
      process.env = saved;
    }
  });

  it("parses verdicts strictly", () => {
    expect(gate.parseVerdict(`${DEPLOYMENT} passed`)).toEqual({ release: DEPLOYMENT, verdict: "passed" });
    expect(gate.parseVerdict(`  ${DEPLOYMENT}   failed \n`)).toEqual({
      release: DEPLOYMENT,
      verdict: "failed",
    });
    expect(gate.parseVerdict("none")).toBeNull();
    expect(gate.parseVerdict(undefined)).toBeNull();
  });
});
