/**
 * The reference architecture's Kubernetes shape for the API. Every number here is a default of a
 * KubernetesWorkload prop; the container contract (port, probe paths, user) comes from
 * API_CONTAINER_DEFAULTS so ECS and EKS cannot drift apart.
 */
export const KUBERNETES_WORKLOAD_DEFAULTS = {
  replicas: 10,
  maxSurge: 3,
  maxUnavailable: 1,
  cpuRequestMillicores: 500,
  memoryRequestMiB: 512,
  cpuLimitMillicores: 1000,
  memoryLimitMiB: 1024,
  livenessInitialDelaySeconds: 30,
  livenessPeriodSeconds: 10,
  readinessInitialDelaySeconds: 5,
  readinessPeriodSeconds: 5,
  minReplicas: 10,
  maxReplicas: 100,
  cpuTargetPercent: 70,
  memoryTargetPercent: 80,
  /** Voluntary disruptions (node drains, upgrades) take at most this many pods at once. */
  disruptionMaxUnavailable: 1,
  /** Pods per zone may differ by at most this many. */
  zoneMaxSkew: 1,
  servicePort: 80,
  /** Size of the writable /tmp (the root filesystem is read-only). */
  tmpSizeMiB: 64,
} as const;

/** Well-known label and annotation keys. */
export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";
export const HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname";
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
