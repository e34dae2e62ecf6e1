/**
 * The product's service-level targets, from its reference architecture. Alarms (p95 latency,
 * replica lag at the RPO), the runbooks and the CLI's failover pre-checks all read them from here
 * (the CLI through the ops manifest).
 */
export const SERVICE_TARGETS = {
  availabilityPercent: 99.99,
  p95LatencyMs: 100,
  rtoMinutes: 30,
  rpoSeconds: 300,
} as const;
