import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { Fn } from "../engine";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "./config/schema";
import { eksClusterName, eksTokenExec } from "./eks-names";
import { regionalPrefix } from "./naming";

/**
 * How the kubernetes and Helm providers reach the region's existing EKS cluster: endpoint and CA
 * looked up by the cluster's name, a short-lived token from `aws eks get-token` (never in state).
 */
export function eksClusterAccess(scope: Construct, config: EnvironmentConfig, region: string) {
  const clusterName = eksClusterName(config, region);
  const cluster = new DataAwsEksCluster(scope, "cluster", { name: clusterName });
  return {
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
    exec: eksTokenExec(clusterName, region),
  };
}

/** The regional stack's VPC, found by the Name tag constructs/network gives it (the regional prefix). */
export function regionalVpc(scope: Construct, config: EnvironmentConfig, region: string): DataAwsVpc {
  return new DataAwsVpc(scope, "vpc", { tags: { Name: regionalPrefix(config, region) } });
}
