import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";

export interface ContainerRegistryProps {
  /** Repository name, e.g. `skyline-api`. */
  readonly repositoryName: string;
  /** Account that owns the registry (replication destinations are in the same account). */
  readonly accountId: string;
  /** Regions the images are replicated to, so each region pulls locally. @default none */
  readonly replicaRegions?: readonly string[];
  /** Tagged images kept; older ones expire. @default 200 */
  readonly keepTaggedImages?: number;
  /** Days before an untagged image expires. @default 7 */
  readonly untaggedExpiryDays?: number;
}

/**
 * The ECR repository of the reference API: immutable tags, scan on push, KMS-encrypted, old images
 * expired, replicated to every DR region. Registry replication is account-wide per region: one
 * environment per account owns it.
 */
export class ContainerRegistry extends Construct {
  readonly repository: EcrRepository;
  readonly repositoryName: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const key = new EncryptionKey(this, "key", {
      name: `${props.repositoryName}-ecr`,
      description: `ECR encryption for ${props.repositoryName}`,
    });
    this.repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: key.arn }],
      forceDelete: false,
    });
    this.repositoryName = props.repositoryName;
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Expire untagged images",
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: props.untaggedExpiryDays ?? 7,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: "Keep the newest tagged images",
            selection: {
              tagStatus: "any",
              countType: "imageCountMoreThan",
              countNumber: props.keepTaggedImages ?? 200,
            },
            action: { type: "expire" },
          },
        ],
      }),
    });
    const replicaRegions = props.replicaRegions ?? [];
    if (replicaRegions.length) {
      new EcrReplicationConfiguration(this, "replication", {
        replicationConfiguration: {
          rule: [
            {
              destination: replicaRegions.map((region) => ({ region, registryId: props.accountId })),
              repositoryFilter: [{ filter: props.repositoryName, filterType: "PREFIX_MATCH" }],
            },
          ],
        },
      });
    }
  }
}
