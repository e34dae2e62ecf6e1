/**
 * Item 5 of issue 13 on the synthesized JSON of production: the replica-lag alarm warns at half
 * the RPO, early enough to act, and pages at the RPO in the first minute that reaches it; a
 * cross-region replica's silence is missing (source region unreachable), not a breach.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { SERVICE_TARGETS } from "../../stacks/targets";
import { resources, synthJson } from "../helpers/synth";

const [production] = loadEnvironments(["production"]);
const { environments } = buildApp([production], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) });
const [primary, euw1, aps1] = environments[0].regional.map((s) => synthJson(s));

function alarm(json: ReturnType<typeof synthJson>, name: string): Record<string, any> {
  const found = resources(json, "aws_cloudwatch_metric_alarm").find(([, a]) => a.alarm_name === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found[1];
}

const topic = (json: ReturnType<typeof synthJson>, name: string) =>
  resources(json, "aws_sns_topic").find(([, t]) => t.name === name)![0];

describe.each([
  ["eu-west-1", () => euw1, "skyline-production-euw1", "db"],
  ["ap-south-1", () => aps1, "skyline-production-aps1", "db"],
])("cross-region replica in %s", (_region, json, prefix, id) => {
  const rpo = SERVICE_TARGETS.rpoSeconds;

  it("warns at half the RPO (2 of 3 minutes) on the warnings topic", () => {
    const warning = alarm(json(), `${prefix}-rds-${id}-replica-lag-warning`);
    expect(warning).toMatchObject({
      metric_name: "ReplicaLag",
      statistic: "Maximum",
      threshold: rpo / 2,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      treat_missing_data: "missing",
    });
    expect(warning.alarm_actions).toEqual([`\${aws_sns_topic.${topic(json(), `${prefix}-warnings`)}.arn}`]);
  });

  it("pages at the RPO in the first minute that reaches it", () => {
    const page = alarm(json(), `${prefix}-rds-${id}-replica-lag`);
    expect(page).toMatchObject({
      threshold: rpo,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
      treat_missing_data: "missing",
    });
    expect(page.alarm_actions).toEqual([`\${aws_sns_topic.${topic(json(), `${prefix}-alerts`)}.arn}`]);
    expect(page.insufficient_data_actions).toEqual([
      `\${aws_sns_topic.${topic(json(), `${prefix}-warnings`)}.arn}`,
    ]);
  });

  it("pages when replication stops (ReplicaLag -1)", () => {
    expect(alarm(json(), `${prefix}-rds-${id}-replication-stopped`)).toMatchObject({
      statistic: "Minimum",
      comparison_operator: "LessThanThreshold",
      threshold: 0,
    });
  });
});

it("the primary's in-region readers warn and page at the same thresholds, silence breaching", () => {
  const page = alarm(primary, "skyline-production-use1-rds-db-replica-1-replica-lag");
  const warning = alarm(primary, "skyline-production-use1-rds-db-replica-1-replica-lag-warning");
  expect([page.threshold, page.treat_missing_data]).toEqual([300, "breaching"]);
  expect([warning.threshold, warning.treat_missing_data]).toEqual([150, "breaching"]);
});
