import { blocks, block, isTrue, toNumber, type Attrs, type TerraformResourceView } from "../model";
import type { StackModel } from "./rule-kit";

const WORLD = ["0.0.0.0/0", "::/0"];

interface Ingress {
  readonly from: number;
  readonly to: number;
  readonly groups: TerraformResourceView[];
}

/** World-open ingress declared by this resource that no public-ALB exception allows. */
export function worldOpenIngressProblems(resource: TerraformResourceView, stack: StackModel): string[] {
  return worldOpenIngress(resource, stack)
    .filter((ingress) => !allowedOnPublicAlb(ingress, stack))
    .map((i) => `ingress ${i.from === i.to ? String(i.from) : `${i.from}-${i.to}`} is open to the internet`);
}

function worldOpenIngress(resource: TerraformResourceView, stack: StackModel): Ingress[] {
  const { attrs } = resource;
  const range = (a: Attrs, protocolKey: string): [number, number] =>
    String(a[protocolKey]) === "-1" ? [0, 65535] : [toNumber(a.from_port), toNumber(a.to_port)];
  const isWorld = (a: Attrs) =>
    [...asList(a.cidr_blocks), ...asList(a.ipv6_cidr_blocks), a.cidr_ipv4, a.cidr_ipv6].some((c) =>
      WORLD.includes(String(c)),
    );
  if (resource.type === "aws_security_group") {
    return blocks(attrs.ingress)
      .filter(isWorld)
      .map((a) => ({ ...fromTo(range(a, "protocol")), groups: [resource] }));
  }
  if (resource.type === "aws_security_group_rule" && attrs.type !== "ingress") return [];
  if (!isWorld(attrs)) return [];
  const protocolKey = resource.type === "aws_security_group_rule" ? "protocol" : "ip_protocol";
  const groups = stack.referencedBy(attrs.security_group_id, "aws_security_group");
  return [{ ...fromTo(range(attrs, protocolKey)), groups }];
}

function fromTo([from, to]: [number, number]) {
  return { from, to };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** 443 (or 80 redirected to HTTPS) on a group attached to an internet-facing application load balancer. */
function allowedOnPublicAlb(ingress: Ingress, stack: StackModel): boolean {
  if (ingress.from !== ingress.to || ingress.groups.length === 0) return false;
  const albs = ingress.groups.flatMap((g) =>
    stack
      .referrers(g, "aws_lb", "aws_alb")
      .filter(
        (lb) =>
          !isTrue(lb.attrs.internal) && (lb.attrs.load_balancer_type ?? "application") === "application",
      )
      .filter((lb) => stack.references(lb.attrs.security_groups, g)),
  );
  if (albs.length === 0) return false;
  if (ingress.from === 443) return true;
  if (ingress.from !== 80) return false;
  return albs.every((lb) => {
    const http = stack
      .referrers(lb, "aws_lb_listener", "aws_alb_listener")
      .filter((l) => toNumber(l.attrs.port) === 80 && stack.references(l.attrs.load_balancer_arn, lb));
    return http.length > 0 && http.every(redirectsToHttps);
  });
}

export function redirectsToHttps(listener: TerraformResourceView): boolean {
  const actions = blocks(listener.attrs.default_action);
  return (
    actions.length > 0 &&
    actions.every(
      (a) => a.type === "redirect" && String(block(a.redirect).protocol).toUpperCase() === "HTTPS",
    )
  );
}
