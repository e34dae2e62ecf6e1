import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { Token } from "../../engine";
import { API_CONTAINER_DEFAULTS } from "../fargate-service/api-container-defaults";
import { SECRET_LOOKING } from "../fargate-service/task-parts";
import { WORKER_DEFAULTS } from "../worker-service/worker-defaults";
import { memoryQuantity } from "./kubernetes-workload";
import { containerSecurityContext, podImage, podSecurityContext, tmpVolume, zoneSpread } from "./pod-parts";
import { IRSA_ROLE_ANNOTATION } from "./workload-defaults";

/** KEDA's CRD group and version (KEDA 2.x). */
export const KEDA_API_VERSION = "keda.sh/v1alpha1";

export interface QueueWorkerWorkloadProps {
  /** Name of the Deployment, Service, service account and ScaledObject, e.g. `skyline-worker`. */
  readonly name: string;
  /** An existing namespace (the API's). Pass the namespace resource's name to order after it. */
  readonly namespace: string;
  /** The API's image: the worker is another command of it. */
  readonly image: { readonly repository: string; readonly tag: string };
  /** IAM role the pods assume through IRSA. */
  readonly serviceAccountRoleArn: string;
  /** The SQS queue the workers consume, and its region (KEDA reads its depth). */
  readonly queueUrl: string;
  readonly awsRegion: string;
  /** Messages per worker pod that KEDA keeps (visible plus in flight). */
  readonly backlogPerPodTarget: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Plain environment variables; secret-looking names are refused. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables read from existing Kubernetes Secrets (e.g. the API's External Secret). @default none */
  readonly secretRefs?: Readonly<Record<string, { readonly secretName: string; readonly key: string }>>;
  /** @default ["node", "dist/worker.js"] */
  readonly command?: readonly string[];
  /** @default 250 millicores, 512 MiB; limits 1000 millicores, 1024 MiB */
  readonly cpuRequestMillicores?: number;
  readonly memoryRequestMiB?: number;
  readonly cpuLimitMillicores?: number;
  readonly memoryLimitMiB?: number;
  /** Seconds KEDA waits after the queue empties before scaling in. @default 300 */
  readonly cooldownSeconds?: number;
}

/**
 * The queue workers on Kubernetes: a Deployment of the API's image on the worker command (the same
 * restricted pod security as the API, spread over zones), a PodDisruptionBudget, a ClusterIP
 * Service (its /metrics, and the `Service` dimension of Container Insights' running-pod count) and
 * a KEDA ScaledObject with the aws-sqs-queue scaler on backlog per pod, authenticated as the KEDA
 * operator's own IRSA role (pod identity `aws`), so the workers' role need not read queue depth.
 */
export class QueueWorkerWorkload extends Construct {
  readonly serviceAccount: ServiceAccountV1;
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly disruptionBudget: PodDisruptionBudgetV1;
  readonly triggerAuthentication: Manifest;
  readonly scaledObject: Manifest;
  readonly name: string;

  constructor(scope: Construct, id: string, props: QueueWorkerWorkloadProps) {
    super(scope, id);
    validate(props);
    const { name, namespace } = props;
    const port = WORKER_DEFAULTS.port;
    this.name = name;
    const selectorLabels = { "app.kubernetes.io/name": name };
    const labels = {
      ...selectorLabels,
      "app.kubernetes.io/component": "worker",
      "app.kubernetes.io/managed-by": "skyline",
    };

    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      metadata: {
        name,
        namespace,
        labels,
        annotations: { [IRSA_ROLE_ANNOTATION]: props.serviceAccountRoleArn },
      },
      automountServiceAccountToken: false,
    });
    const probe = (path: string, initialDelaySeconds: number) => ({
      httpGet: { path, port: String(port) },
      initialDelaySeconds,
      periodSeconds: 10,
    });
    this.deployment = new DeploymentV1(this, "deployment", {
      metadata: { name, namespace, labels },
      spec: {
        replicas: String(props.minReplicas),
        selector: { matchLabels: selectorLabels },
        strategy: {
          type: "RollingUpdate",
          // New workers start before old ones stop: consumption never drops during a rollout.
          rollingUpdate: { maxSurge: "25%", maxUnavailable: "0" },
        },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.serviceAccount.metadata.name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: API_CONTAINER_DEFAULTS.stopTimeoutSeconds,
            securityContext: podSecurityContext(),
            topologySpreadConstraint: zoneSpread(selectorLabels, 1),
            container: [
              {
                name: WORKER_DEFAULTS.containerName,
                image: podImage(props.image),
                command: [...(props.command ?? WORKER_DEFAULTS.command)],
                port: [{ name: "http", containerPort: port, protocol: "TCP" }],
                env: [
                  ...Object.entries({
                    NODE_ENV: "production",
                    PORT: String(port),
                    AWS_REGION: props.awsRegion,
                    QUEUE_DRIVER: "sqs",
                    QUEUE_URL: props.queueUrl,
                    ...props.environment,
                  }).map(([n, value]) => ({ name: n, value })),
                  ...Object.entries(props.secretRefs ?? {}).map(([variable, ref]) => ({
                    name: variable,
                    valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
                  })),
                ],
                resources: {
                  requests: {
                    cpu: `${props.cpuRequestMillicores ?? 250}m`,
                    memory: memoryQuantity(props.memoryRequestMiB ?? 512),
                  },
                  limits: {
                    cpu: `${props.cpuLimitMillicores ?? 1000}m`,
                    memory: memoryQuantity(props.memoryLimitMiB ?? 1024),
                  },
                },
                livenessProbe: probe(API_CONTAINER_DEFAULTS.healthPath, 30),
                readinessProbe: probe(API_CONTAINER_DEFAULTS.readyPath, 5),
                securityContext: containerSecurityContext(),
                volumeMount: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volume: [tmpVolume(64)],
          },
        },
      },
      // KEDA owns the replica count after creation.
      lifecycle: { ignoreChanges: ["spec[0].replicas"] },
    });
    this.service = new ServiceV1(this, "service", {
      metadata: { name, namespace, labels },
      spec: {
        type: "ClusterIP",
        selector: selectorLabels,
        port: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    });
    this.disruptionBudget = new PodDisruptionBudgetV1(this, "disruption-budget", {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: "1", selector: { matchLabels: selectorLabels } },
    });

    this.triggerAuthentication = new Manifest(this, "trigger-authentication", {
      manifest: {
        apiVersion: KEDA_API_VERSION,
        kind: "TriggerAuthentication",
        metadata: { name: `${name}-queue`, namespace },
        spec: { podIdentity: { provider: "aws" } },
      },
    });
    this.scaledObject = new Manifest(this, "scaled-object", {
      manifest: {
        apiVersion: KEDA_API_VERSION,
        kind: "ScaledObject",
        metadata: { name, namespace, labels },
        spec: {
          scaleTargetRef: { name: this.deployment.metadata.name },
          minReplicaCount: props.minReplicas,
          maxReplicaCount: props.maxReplicas,
          pollingInterval: 15,
          cooldownPeriod: props.cooldownSeconds ?? 300,
          triggers: [
            {
              type: "aws-sqs-queue",
              authenticationRef: { name: `${name}-queue` },
              metadata: {
                queueURL: props.queueUrl,
                awsRegion: props.awsRegion,
                queueLength: String(props.backlogPerPodTarget),
                // Messages being worked on count too: a busy pod is not idle capacity.
                scaleOnInFlight: "true",
              },
            },
          ],
        },
      },
      dependsOn: [this.triggerAuthentication],
    });
  }
}

function validate(props: QueueWorkerWorkloadProps): void {
  const where = `QueueWorkerWorkload ${props.name}`;
  const { minReplicas, maxReplicas, backlogPerPodTarget } = props;
  if (!Token.isUnresolved(minReplicas) && !Token.isUnresolved(maxReplicas) && minReplicas > maxReplicas) {
    throw new Error(`${where}: minReplicas (${minReplicas}) is greater than maxReplicas (${maxReplicas})`);
  }
  if (!Token.isUnresolved(backlogPerPodTarget) && !(backlogPerPodTarget >= 1)) {
    throw new Error(`${where}: backlogPerPodTarget must be at least 1 (messages per pod)`);
  }
  for (const key of Object.keys(props.environment ?? {})) {
    if (SECRET_LOOKING.test(key)) {
      throw new Error(`${where}: environment.${key} looks like a secret; pass it in secretRefs instead`);
    }
  }
}
