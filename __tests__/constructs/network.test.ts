import { Network, type NetworkProps } from "../../constructs/network/network";
import { cidrSubnet, cidrsOverlap, formatCidr, parseCidr } from "../../constructs/network/cidr";
import { only, resources, synthJson, testStack } from "../helpers/synth";

function synthNetwork(overrides: Partial<NetworkProps> = {}) {
  const { stack } = testStack("eu-west-1");
  new Network(stack, "network", {
    name: "app-prod-euw1",
    region: "eu-west-1",
    cidr: "10.21.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    regionAzLetters: ["a", "b", "c"],
    ...overrides,
  });
  return synthJson(stack);
}

describe("Network", () => {
  const json = synthNetwork();

  it("creates public, private and isolated subnets per AZ with non-overlapping literal CIDRs", () => {
    const subnets = resources(json, "aws_subnet").map(([, s]) => s);
    expect(subnets).toHaveLength(6);
    const byName = Object.fromEntries(subnets.map((s) => [s.tags.Name, s.cidr_block]));
    expect(byName).toEqual({
      "app-prod-euw1-public-eu-west-1a": "10.21.0.0/24",
      "app-prod-euw1-public-eu-west-1b": "10.21.1.0/24",
      "app-prod-euw1-isolated-eu-west-1a": "10.21.16.0/24",
      "app-prod-euw1-isolated-eu-west-1b": "10.21.17.0/24",
      "app-prod-euw1-private-eu-west-1a": "10.21.32.0/20",
      "app-prod-euw1-private-eu-west-1b": "10.21.48.0/20",
    });
    const parsed = subnets.map((s) => parseCidr(s.cidr_block));
    parsed.forEach((a, i) => parsed.slice(i + 1).forEach((b) => expect(cidrsOverlap(a, b)).toBe(false)));
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it("keeps every existing address and attribute when an AZ is added", () => {
    const three = synthNetwork({ availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] });
    for (const [type, byAddress] of Object.entries(json.resource ?? {})) {
      for (const [address, attributes] of Object.entries(byAddress)) {
        const after = three.resource?.[type]?.[address];
        expect({ address: `${type}.${address}`, present: after !== undefined }).toEqual({
          address: `${type}.${address}`,
          present: true,
        });
        // Only lists that enumerate subnets or route tables may grow.
        const changed = Object.keys(attributes).filter(
          (k) => JSON.stringify(attributes[k]) !== JSON.stringify((after as Record<string, unknown>)[k]),
        );
        expect(changed.filter((k) => !["subnet_ids", "route_table_ids"].includes(k))).toEqual([]);
      }
    }
    expect(resources(three, "aws_subnet")).toHaveLength(9);
  });

  it("puts one NAT gateway in each AZ by default, one shared when asked", () => {
    expect(resources(json, "aws_nat_gateway")).toHaveLength(2);
    const shared = synthNetwork({ natGatewayPerAz: false });
    expect(resources(shared, "aws_nat_gateway")).toHaveLength(1);
    const routes = resources(shared, "aws_route").filter(([, r]) => r.nat_gateway_id);
    expect(new Set(routes.map(([, r]) => r.nat_gateway_id)).size).toBe(1);
    expect(routes).toHaveLength(2);
  });

  it("gives isolated subnets no route out", () => {
    const isolated = resources(json, "aws_route_table").find(([, t]) => t.tags.Name.endsWith("-isolated"))!;
    const routesOut = resources(json, "aws_route").filter(([, r]) => r.route_table_id.includes(isolated[0]));
    expect(routesOut).toEqual([]);
  });

  it("empties the default security group", () => {
    expect(only(json, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  it("sends all flow logs to a KMS-encrypted log group with retention", () => {
    const flow = only(json, "aws_flow_log");
    expect(flow.traffic_type).toBe("ALL");
    const group = only(json, "aws_cloudwatch_log_group");
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
    expect(flow.log_destination).toMatch(/^\$\{aws_cloudwatch_log_group\./);
    const key = only(json, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    expect(JSON.parse(key.policy).Statement[1].Principal.Service).toBe("logs.eu-west-1.amazonaws.com");
  });

  it("adds the S3 gateway endpoint and the interface endpoints, or only the gateway", () => {
    const services = resources(json, "aws_vpc_endpoint").map(([, e]) => [
      e.service_name,
      e.vpc_endpoint_type,
    ]);
    expect(services).toEqual(
      expect.arrayContaining([
        ["com.amazonaws.eu-west-1.s3", "Gateway"],
        ["com.amazonaws.eu-west-1.ecr.api", "Interface"],
        ["com.amazonaws.eu-west-1.ecr.dkr", "Interface"],
        ["com.amazonaws.eu-west-1.logs", "Interface"],
        ["com.amazonaws.eu-west-1.secretsmanager", "Interface"],
      ]),
    );
    const without = synthNetwork({ interfaceEndpoints: false });
    expect(resources(without, "aws_vpc_endpoint")).toHaveLength(1);
    expect(resources(without, "aws_security_group")).toHaveLength(0);
  });

  it("creates subnet groups for the data tier in the isolated subnets", () => {
    const db = only(json, "aws_db_subnet_group");
    expect(db.name).toBe("app-prod-euw1-db");
    expect(db.subnet_ids).toHaveLength(2);
    expect(db.subnet_ids.every((id: string) => id.includes("isolated"))).toBe(true);
    expect(only(json, "aws_elasticache_subnet_group").name).toBe("app-prod-euw1-cache");
  });

  it("rejects bad props with the prop name", () => {
    expect(() => synthNetwork({ cidr: "10.0.0.0/12" })).toThrow(
      /cidr 10\.0\.0\.0\/12 must be a \/16 to \/20/,
    );
    expect(() => synthNetwork({ availabilityZones: ["us-east-1a"] })).toThrow(
      /us-east-1a is not in eu-west-1/,
    );
    expect(() => synthNetwork({ availabilityZones: [] })).toThrow(
      /availabilityZones must name at least one AZ/,
    );
  });
});

describe("cidr", () => {
  it("computes cidrsubnet like Terraform", () => {
    expect(formatCidr(cidrSubnet(parseCidr("10.0.0.0/16"), 4, 2))).toBe("10.0.32.0/20");
    expect(formatCidr(cidrSubnet(parseCidr("10.0.0.0/20"), 8, 3))).toBe("10.0.0.48/28");
    expect(() => cidrSubnet(parseCidr("10.0.0.0/24"), 8, 0)).toThrow(/smaller than the \/28/);
    expect(() => cidrSubnet(parseCidr("10.0.0.0/16"), 2, 4)).toThrow(/does not fit/);
    expect(() => parseCidr("300.0.0.0/16")).toThrow(/not a valid IPv4 CIDR/);
  });
});
