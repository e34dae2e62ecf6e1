/**
 * The CLI against a manifest whose regions run the API on EKS (`kubernetes` instead of `service`):
 * ECS-only commands exit 2 naming the kubectl equivalent, and the read-only checks use the ALB's
 * target health instead of an ECS service.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand } from "@aws-sdk/client-rds";
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
} from "@aws-sdk/client-route-53";
import { aas, ec, ecs, elb, healthyRegion, mutatingCommands, r53, rds, resetMocks } from "../aws-mocks";
import { eksManifestJson } from "../eks-manifest";
import { run, tmpDir } from "../helpers";

let manifest: string;

beforeEach(() => {
  resetMocks();
  healthyRegion();
  manifest = join(tmpDir(), "manifest.json");
  writeFileSync(manifest, JSON.stringify(eksManifestJson()));
});

const noHealthyTargets = () =>
  elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [{ TargetHealth: { State: "unhealthy" } }],
  });

describe("scale service on EKS", () => {
  it("exits 2 before any AWS call, naming the cluster and the kubectl lines to use instead", async () => {
    const { code, err } = await run(["--manifest", manifest, "scale", "service", "--min", "4", "--max", "8"]);
    expect(code).toBe(2);
    expect(err).toContain(
      "us-east-1 runs the API on EKS (cluster skyline-production-use1-eks), not ECS: `scale service` acts on ECS services only.",
    );
    expect(err).toContain("kubectl -n skyline patch hpa skyline-api");
    expect(ecs.calls()).toHaveLength(0);
    expect(aas.calls()).toHaveLength(0);
  });

  it("names the region asked for", async () => {
    const { code, err } = await run([
      "--manifest",
      manifest,
      "--region",
      "eu-west-1",
      "scale",
      "service",
      "--desired",
      "3",
    ]);
    expect(code).toBe(2);
    expect(err).toContain("eu-west-1 runs the API on EKS (cluster skyline-production-euw1-eks)");
  });
});

describe("status on EKS", () => {
  beforeEach(() => {
    rds.on(DescribeDBInstancesCommand).callsFake((input) => ({
      DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: "available" }],
    }));
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: "available" }] });
  });

  it("shows the workload and the kubectl line instead of an ECS service, and reads no ECS service", async () => {
    const { code, out } = await run(["--manifest", manifest, "--region", "us-east-1", "status"]);
    expect(code).toBe(0);
    expect(out).toContain(
      "  pods      EKS skyline/skyline-api in skyline-production-use1-eks (HPA 10-100); ready pods are the healthy ALB targets; kubectl -n skyline get deployment,hpa skyline-api",
    );
    expect(out).not.toContain("  service ");
    expect(out).toContain("  alb       skyline-production-use1-alb tg 2/2 healthy");
    expect(ecs.calls()).toHaveLength(0);
    expect(mutatingCommands()).toEqual([]);
  });

  it("documents the workload in the JSON document, with no service section", async () => {
    const { code, out } = await run([
      "--manifest",
      manifest,
      "--region",
      "eu-west-1",
      "--output",
      "json",
      "status",
    ]);
    expect(code).toBe(0);
    const region = JSON.parse(out).regions[0];
    expect(region.service).toBeUndefined();
    expect(region.kubernetes).toEqual({
      cluster: "skyline-production-euw1-eks",
      namespace: "skyline",
      deployment: "skyline-api",
      horizontalPodAutoscaler: "skyline-api",
      minReplicas: 4,
      maxReplicas: 100,
      kubectl: "kubectl -n skyline get deployment,hpa skyline-api",
    });
  });
});

describe("failover db on EKS", () => {
  const REPLICA = "skyline-production-euw1-db";
  const replica = {
    DBInstanceIdentifier: REPLICA,
    DBInstanceStatus: "available",
    ReadReplicaSourceDBInstanceIdentifier: "arn:aws:rds:us-east-1:123456789012:db:skyline-production-use1-db",
    PendingModifiedValues: {},
  };

  it("checks the pods through the ALB's healthy targets and reads no ECS service", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [replica] });
    const { code, out } = await run([
      "--manifest",
      manifest,
      "--dry-run",
      "failover",
      "db",
      "--to",
      "eu-west-1",
    ]);
    expect(code).toBe(0);
    expect(out).toContain(
      "ok   service healthy in eu-west-1: EKS deployment skyline/skyline-api in skyline-production-euw1-eks: 2 healthy pods in the ALB target group",
    );
    expect(ecs.calls()).toHaveLength(0);
    expect(rds.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
  });

  it("refuses (exit 3) when no pod is a healthy target", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [replica] });
    noHealthyTargets();
    const { code, out } = await run(["--manifest", manifest, "--yes", "failover", "db", "--to", "eu-west-1"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL service healthy in eu-west-1: EKS deployment skyline/skyline-api");
    expect(rds.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
  });
});

describe("failover dns on EKS", () => {
  beforeEach(() => {
    r53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [{ Id: "/hostedzone/Z123", Name: "skyline.example.com.", CallerReference: "x" }],
    });
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: "api.skyline.example.com.",
          Type: "A",
          SetIdentifier: "us-east-1",
          Failover: "PRIMARY",
          HealthCheckId: "hc-use1",
        },
        {
          Name: "api.skyline.example.com.",
          Type: "A",
          SetIdentifier: "eu-west-1",
          Failover: "SECONDARY",
          HealthCheckId: "hc-euw1",
        },
      ],
    });
    r53
      .on(GetHealthCheckCommand)
      .resolves({ HealthCheck: { HealthCheckConfig: { Inverted: false } } as never });
    r53.on(GetHealthCheckStatusCommand).resolves({
      HealthCheckObservations: [{ StatusReport: { Status: "Success: HTTP Status Code 200" } }],
    });
  });

  it("checks the target region's pods through its healthy targets, without ECS", async () => {
    const { code, out } = await run([
      "--manifest",
      manifest,
      "--dry-run",
      "failover",
      "dns",
      "--to",
      "eu-west-1",
    ]);
    expect(code).toBe(0);
    expect(out).toContain(
      "ok   service healthy in eu-west-1: EKS deployment skyline/skyline-api in skyline-production-euw1-eks: 2 healthy pods",
    );
    expect(ecs.calls()).toHaveLength(0);
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  it("refuses (exit 3) to send traffic to a region with no healthy pod", async () => {
    noHealthyTargets();
    const { code, out } = await run([
      "--manifest",
      manifest,
      "--yes",
      "failover",
      "dns",
      "--to",
      "eu-west-1",
    ]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL service healthy in eu-west-1: EKS deployment skyline/skyline-api");
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });
});
