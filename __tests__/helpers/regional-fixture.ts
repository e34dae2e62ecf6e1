import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { FargateService, type FargateServiceProps } from "../../constructs/fargate-service/fargate-service";
import { LoadBalancer, type LoadBalancerProps } from "../../constructs/load-balancer/load-balancer";
import { Network } from "../../constructs/network/network";
import { synthJson, testStack } from "./synth";

/** Network + LoadBalancer (+ optional FargateService) in one test stack. */
export function synthRegional(lb: Partial<LoadBalancerProps> = {}, service?: Partial<FargateServiceProps>) {
  const { stack } = testStack("us-east-1");
  const network = new Network(stack, "network", {
    name: "app-prod-use1",
    region: "us-east-1",
    cidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b"],
  });
  const loadBalancer = new LoadBalancer(stack, "lb", {
    name: "app-prod-use1",
    region: "us-east-1",
    network,
    certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/test",
    originVerifySecretValue: new DataAwsSecretsmanagerSecretVersion(stack, "origin", { secretId: "origin" })
      .secretString,
    ...lb,
  });
  let fargate: FargateService | undefined;
  if (service) {
    fargate = new FargateService(stack, "api", {
      name: "app-prod-use1",
      region: "us-east-1",
      network,
      loadBalancer,
      image: { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-api", tag: "1.2.3" },
      cpu: 512,
      memoryMiB: 1024,
      minTasks: 2,
      maxTasks: 10,
      ...service,
    });
  }
  return { json: synthJson(stack), stack, network, loadBalancer, fargate };
}
