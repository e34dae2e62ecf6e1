/**
 * The API on EKS (a manifest region with `kubernetes` instead of `service`): kubectl lines for the
 * runbooks. Each line names its cluster through a kubeconfig context of the same name, written by
 * `aws eks update-kubeconfig --alias`, so a line for one region never acts on another region's cluster.
 */
import type { KubernetesManifest } from "../../manifest/schema";
import { code } from "../markdown";
import type { RunbookFacts } from "../runbook-facts";

/** The region's EKS workload, or undefined when the region runs the API on ECS. */
export function kubernetesOf(f: RunbookFacts, region: string): KubernetesManifest | undefined {
  return f.region(region).kubernetes;
}

/** Where a kubectl line acts: the API's workload, or the queue workers' (same cluster). */
type KubernetesTarget = Pick<KubernetesManifest, "cluster" | "namespace">;

/** `aws eks update-kubeconfig`: the context every `kubectl` line of the region uses. */
export function kubeconfig(f: RunbookFacts, k: Pick<KubernetesTarget, "cluster">, region: string): string[] {
  return f.aws(
    "eks update-kubeconfig",
    [
      ["--name", k.cluster],
      ["--alias", k.cluster],
    ],
    region,
  );
}

/** `kubectl --context <cluster> -n <namespace> <args>` as inline code. */
export function kubectl(k: KubernetesTarget, args: string): string {
  return code(`kubectl --context ${k.cluster} -n ${k.namespace} ${args}`);
}

/** The workload in words, e.g. `skyline/skyline-api` in `skyline-production-use1-eks`. */
export function workloadName(k: KubernetesManifest): string {
  return `${code(`${k.namespace}/${k.deployment}`)} in ${code(k.cluster)}`;
}
