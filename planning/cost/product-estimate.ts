/**
 * The product's own cost estimate, from its reference architecture (quoted in issue #18): about
 * $6,000 a month for 1M users (~$0.006 per user). `skyline cost` prints it beside its own figures.
 */
export const PRODUCT_ESTIMATE = {
  source: "the product's reference architecture (issue #18)",
  users: 1_000_000,
  monthly: 6000,
  lines: [
    { line: "ECS", service: "Compute (ECS/EKS)", monthly: 3000 },
    { line: "RDS", service: "RDS", monthly: 1500 },
    { line: "ElastiCache", service: "ElastiCache", monthly: 800 },
    { line: "CloudFront", service: "CloudFront", monthly: 500 },
    { line: "S3", service: "S3", monthly: 200 },
  ],
} as const;
