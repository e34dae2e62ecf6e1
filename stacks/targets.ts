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

/**
 * The RTO split into the steps of a regional failover (minutes; they sum to `rtoMinutes`, which the
 * manifest schema checks). `skyline failover region` and `skyline drill` time each step against its
 * budget; the runbooks print them. `detect` is the time before any command runs: noticing the
 * outage, deciding and declaring it.
 */
export const FAILOVER_BUDGET_MINUTES = {
  detect: 5,
  fence: 2,
  promoteDatabase: 8,
  repointWriter: 6,
  cache: 3,
  traffic: 3,
  verify: 3,
} as const;
