/** An ECR repository URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, taken apart. */
export interface EcrRepositoryRef {
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  /** `arn:aws:ecr:<region>:<account>:repository/<name>` */
  readonly arn: string;
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/;

/** The parts of an ECR URI; undefined for images in other registries. */
export function parseEcrRepository(uri: string): EcrRepositoryRef | undefined {
  const match = ECR_URI.exec(uri);
  if (!match) return undefined;
  const [, accountId, region, name] = match;
  return { accountId, region, name, arn: `arn:aws:ecr:${region}:${accountId}:repository/${name}` };
}
