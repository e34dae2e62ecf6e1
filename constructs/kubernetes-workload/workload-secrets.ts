import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";

/** One variable read from an existing Kubernetes Secret. */
export interface KubernetesSecretSource {
  readonly source: "kubernetes-secret";
  /** Name of a Secret in the workload's namespace, managed outside Terraform (never in state). */
  readonly secretName: string;
  /** Environment variable → key inside the Secret. */
  readonly keys: Readonly<Record<string, string>>;
}

/** A value in the external store (AWS Secrets Manager): the secret's name or ARN and an optional JSON key. */
export interface ExternalSecretRef {
  readonly remoteKey: string;
  /** JSON key inside the secret. @default the whole secret string */
  readonly property?: string;
}

/** Variables synced by the External Secrets operator into a Secret the operator owns. */
export interface ExternalSecretSource {
  readonly source: "external-secret";
  /** Environment variable → where its value lives in the store. */
  readonly data: Readonly<Record<string, ExternalSecretRef>>;
  /**
   * Creates a namespaced `SecretStore` for AWS Secrets Manager in this region that authenticates as
   * the workload's own service account (IRSA), so the operator needs no AWS rights of its own.
   * @default none: `store` must name an existing store
   */
  readonly awsRegion?: string;
  /** An existing store to read from. @default the SecretStore created for `awsRegion` */
  readonly store?: { readonly kind: "SecretStore" | "ClusterSecretStore"; readonly name: string };
  /** How often the operator re-reads the store (a rotated secret reaches new pods after this). @default "1h" */
  readonly refreshInterval?: string;
  /** API version of the operator's CRDs. @default "external-secrets.io/v1" */
  readonly apiVersion?: string;
}

export type WorkloadSecrets = KubernetesSecretSource | ExternalSecretSource;

export interface ExternalSecretsProps {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly secrets: ExternalSecretSource;
}

/**
 * The ExternalSecret (and, for `awsRegion`, its SecretStore) of a workload. The operator writes
 * the values into the Secret `targetSecretName`, so they never pass through Terraform state.
 */
export class ExternalSecrets extends Construct {
  readonly externalSecret: Manifest;
  readonly secretStore?: Manifest;
  readonly targetSecretName: string;

  constructor(scope: Construct, id: string, props: ExternalSecretsProps) {
    super(scope, id);
    const { name, namespace, secrets } = props;
    const apiVersion = secrets.apiVersion ?? "external-secrets.io/v1";
    this.targetSecretName = `${name}-secrets`;

    let store = secrets.store;
    if (!store) {
      const storeName = `${name}-aws-secrets-manager`;
      this.secretStore = new Manifest(this, "secret-store", {
        manifest: {
          apiVersion,
          kind: "SecretStore",
          metadata: { name: storeName, namespace },
          spec: {
            provider: {
              aws: {
                service: "SecretsManager",
                region: secrets.awsRegion,
                auth: { jwt: { serviceAccountRef: { name: props.serviceAccountName } } },
              },
            },
          },
        },
      });
      store = { kind: "SecretStore", name: storeName };
    }

    this.externalSecret = new Manifest(this, "external-secret", {
      manifest: {
        apiVersion,
        kind: "ExternalSecret",
        metadata: { name: this.targetSecretName, namespace },
        spec: {
          refreshInterval: secrets.refreshInterval ?? "1h",
          secretStoreRef: { kind: store.kind, name: store.name },
          target: { name: this.targetSecretName, creationPolicy: "Owner" },
          data: Object.entries(secrets.data).map(([variable, ref]) => ({
            secretKey: variable,
            remoteRef: { key: ref.remoteKey, ...(ref.property ? { property: ref.property } : {}) },
          })),
        },
      },
      dependsOn: this.secretStore ? [this.secretStore] : undefined,
    });
  }
}
