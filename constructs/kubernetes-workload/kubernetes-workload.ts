import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Token } from "../../engine";
import { Construct } from "constructs";
import { API_CONTAINER_DEFAULTS } from "../fargate-service/api-container-defaults";
import { validateWorkload } from "./validate-workload";
import { IRSA_ROLE_ANNOTATION, KUBERNETES_WORKLOAD_DEFAULTS as D } from "./workload-defaults";
import { containerSecurityContext, podImage, podSecurityContext, tmpVolume, zoneSpread } from "./pod-parts";
import { TargetGroupBinding } from "./target-group-binding";
import { ExternalSecrets, type WorkloadSecrets } from "./workload-secrets";

export interface KubernetesWorkloadProps {
  /** Name of the Deployment, Service, service account and autoscaler, e.g. `skyline-api`. */
  readonly name: string;
  /** Namespace, created by this construct. */
  readonly namespace: string;
  /** Image repository URI and an immutable tag or `sha256:` digest. */
  readonly image: { readonly repository: string; readonly tag: string };
  /** IAM role the pods assume through IRSA (annotation on the service account). */
  readonly serviceAccountRoleArn: string;
  /** Plain environment variables. Secret-looking names are refused: use `secrets`. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secret variables, from an existing Kubernetes Secret or through the External Secrets operator. @default none */
  readonly secrets?: WorkloadSecrets;
  /** Container port of the API. @default 8080 (API_CONTAINER_DEFAULTS.port) */
  readonly containerPort?: number;
  /** Port the ClusterIP Service listens on. @default 80 */
  readonly servicePort?: number;
  /**
   * An existing ALB target group (target type `ip`) to register the pods in, through a
   * `TargetGroupBinding` (the AWS Load Balancer Controller must be installed). @default none: the
   * Service is reachable inside the cluster only
   */
  readonly targetGroupArn?: string;
  /** Pods when first created; the autoscaler owns the count afterwards. @default 10 */
  readonly replicas?: number;
  /** Extra pods a rollout may start above the desired count. @default 3 */
  readonly maxSurge?: number;
  /** Pods a rollout may take down below the desired count. @default 1 */
  readonly maxUnavailable?: number;
  /** CPU request per pod in millicores. @default 500 */
  readonly cpuRequestMillicores?: number;
  /** Memory request per pod in MiB. @default 512 */
  readonly memoryRequestMiB?: number;
  /** CPU limit per pod in millicores. @default 1000 */
  readonly cpuLimitMillicores?: number;
  /** Memory limit per pod in MiB. @default 1024 */
  readonly memoryLimitMiB?: number;
  /** Liveness probe (`GET /health`) start delay and period. @default 30 s, every 10 s */
  readonly livenessInitialDelaySeconds?: number;
  readonly livenessPeriodSeconds?: number;
  /** Readiness probe (`GET /ready`) start delay and period. @default 5 s, every 5 s */
  readonly readinessInitialDelaySeconds?: number;
  readonly readinessPeriodSeconds?: number;
  /** HorizontalPodAutoscaler bounds. @default 10 to 100 */
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Scale out above this average CPU utilization (of the request). @default 70 */
  readonly cpuTargetPercent?: number;
  /** Scale out above this average memory utilization (of the request). @default 80 */
  readonly memoryTargetPercent?: number;
  /** PodDisruptionBudget: pods a voluntary disruption may take at once. @default 1 */
  readonly disruptionMaxUnavailable?: number;
  /** Largest difference in pod count between zones; pods beyond it wait for capacity. @default 1 */
  readonly zoneMaxSkew?: number;
  /** Size of the writable `/tmp` (memory-backed; the root filesystem is read-only). @default 64 */
  readonly tmpSizeMiB?: number;
}

/**
 * The reference API on Kubernetes, in the reference architecture's shape: its own namespace, a
 * Deployment (rolling update, requests and limits, `/health` and `/ready` probes, non-root with a
 * read-only root filesystem, spread across zones), a ClusterIP Service, a HorizontalPodAutoscaler
 * (v2: CPU and memory), a PodDisruptionBudget and a service account bound to an IAM role (IRSA).
 */
export class KubernetesWorkload extends Construct {
  readonly namespace: NamespaceV1;
  readonly serviceAccount: ServiceAccountV1;
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly autoscaler: HorizontalPodAutoscalerV2;
  readonly disruptionBudget: PodDisruptionBudgetV1;
  readonly externalSecrets?: ExternalSecrets;
  /** Registers the pods in `targetGroupArn`, when given. */
  readonly targetGroupBinding?: TargetGroupBinding;
  /** Labels that select the pods. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly namespaceName: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: KubernetesWorkloadProps) {
    super(scope, id);
    validateWorkload(props);
    const { name } = props;
    const port = props.containerPort ?? API_CONTAINER_DEFAULTS.port;
    this.name = name;
    this.selectorLabels = { "app.kubernetes.io/name": name };
    const labels = {
      ...this.selectorLabels,
      "app.kubernetes.io/component": "api",
      "app.kubernetes.io/managed-by": "skyline",
    };

    this.namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: props.namespace,
        // Pod Security Admission: the pods must meet the "restricted" profile.
        labels: {
          "app.kubernetes.io/managed-by": "skyline",
          "pod-security.kubernetes.io/enforce": "restricted",
        },
      },
    });
    // Referencing the namespace resource (not the string) orders every object after it.
    const namespace = this.namespace.metadata.name;
    this.namespaceName = props.namespace;

    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      metadata: {
        name,
        namespace,
        labels,
        annotations: { [IRSA_ROLE_ANNOTATION]: props.serviceAccountRoleArn },
      },
      // IRSA injects its own projected token; the Kubernetes API token is not needed.
      automountServiceAccountToken: false,
    });

    const secrets = props.secrets;
    if (secrets?.source === "external-secret") {
      this.externalSecrets = new ExternalSecrets(this, "external-secrets", {
        name,
        namespace,
        serviceAccountName: this.serviceAccount.metadata.name,
        secrets,
      });
    }
    const secretEnv = !secrets
      ? []
      : secrets.source === "kubernetes-secret"
        ? Object.entries(secrets.keys).map(([variable, key]) => ({
            name: variable,
            valueFrom: { secretKeyRef: { name: secrets.secretName, key } },
          }))
        : Object.keys(secrets.data).map((variable) => ({
            name: variable,
            valueFrom: { secretKeyRef: { name: this.externalSecrets!.targetSecretName, key: variable } },
          }));

    const probe = (path: string, initialDelaySeconds: number, periodSeconds: number) => ({
      httpGet: { path, port: String(port) },
      initialDelaySeconds,
      periodSeconds,
    });

    this.deployment = new DeploymentV1(this, "deployment", {
      metadata: { name, namespace, labels },
      spec: {
        replicas: String(props.replicas ?? D.replicas),
        selector: { matchLabels: this.selectorLabels },
        strategy: {
          type: "RollingUpdate",
          rollingUpdate: {
            maxSurge: String(props.maxSurge ?? D.maxSurge),
            maxUnavailable: String(props.maxUnavailable ?? D.maxUnavailable),
          },
        },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.serviceAccount.metadata.name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: API_CONTAINER_DEFAULTS.stopTimeoutSeconds,
            securityContext: podSecurityContext(),
            topologySpreadConstraint: zoneSpread(this.selectorLabels, props.zoneMaxSkew ?? D.zoneMaxSkew),
            container: [
              {
                name: API_CONTAINER_DEFAULTS.containerName,
                image: podImage(props.image),
                port: [{ name: "http", containerPort: port, protocol: "TCP" }],
                env: [
                  // The same base environment as the ECS task (constructs/fargate-service).
                  ...Object.entries({ NODE_ENV: "production", PORT: String(port), ...props.environment }).map(
                    ([n, value]) => ({ name: n, value }),
                  ),
                  ...secretEnv,
                ],
                resources: {
                  requests: {
                    cpu: `${props.cpuRequestMillicores ?? D.cpuRequestMillicores}m`,
                    memory: memoryQuantity(props.memoryRequestMiB ?? D.memoryRequestMiB),
                  },
                  limits: {
                    cpu: `${props.cpuLimitMillicores ?? D.cpuLimitMillicores}m`,
                    memory: memoryQuantity(props.memoryLimitMiB ?? D.memoryLimitMiB),
                  },
                },
                livenessProbe: probe(
                  API_CONTAINER_DEFAULTS.healthPath,
                  props.livenessInitialDelaySeconds ?? D.livenessInitialDelaySeconds,
                  props.livenessPeriodSeconds ?? D.livenessPeriodSeconds,
                ),
                readinessProbe: probe(
                  API_CONTAINER_DEFAULTS.readyPath,
                  props.readinessInitialDelaySeconds ?? D.readinessInitialDelaySeconds,
                  props.readinessPeriodSeconds ?? D.readinessPeriodSeconds,
                ),
                securityContext: containerSecurityContext(),
                volumeMount: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volume: [tmpVolume(props.tmpSizeMiB ?? D.tmpSizeMiB)],
          },
        },
      },
      // The autoscaler owns the replica count after creation; Terraform must not reset it.
      lifecycle: { ignoreChanges: ["spec[0].replicas"] },
    });

    const servicePort = props.servicePort ?? D.servicePort;
    this.service = new ServiceV1(this, "service", {
      metadata: { name, namespace, labels },
      spec: {
        type: "ClusterIP",
        selector: this.selectorLabels,
        port: [
          {
            name: "http",
            port: servicePort,
            targetPort: "http",
            protocol: "TCP",
          },
        ],
      },
    });

    if (props.targetGroupArn !== undefined) {
      this.targetGroupBinding = new TargetGroupBinding(this, "target-group-binding", {
        name,
        // The Service's namespace reference orders the binding after the namespace and the Service.
        namespace: this.service.metadata.namespace,
        servicePort,
        targetGroupArn: props.targetGroupArn,
      });
    }

    const utilization = (resource: "cpu" | "memory", percent: number) => ({
      type: "Resource",
      resource: { name: resource, target: { type: "Utilization", averageUtilization: percent } },
    });
    this.autoscaler = new HorizontalPodAutoscalerV2(this, "autoscaler", {
      metadata: { name, namespace, labels },
      spec: {
        minReplicas: props.minReplicas ?? D.minReplicas,
        maxReplicas: props.maxReplicas ?? D.maxReplicas,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
        metric: [
          utilization("cpu", props.cpuTargetPercent ?? D.cpuTargetPercent),
          utilization("memory", props.memoryTargetPercent ?? D.memoryTargetPercent),
        ],
      },
    });

    this.disruptionBudget = new PodDisruptionBudgetV1(this, "disruption-budget", {
      metadata: { name, namespace, labels },
      spec: {
        maxUnavailable: String(props.disruptionMaxUnavailable ?? D.disruptionMaxUnavailable),
        selector: { matchLabels: this.selectorLabels },
      },
    });
  }
}

/** Kubernetes quantity for a size in MiB, in the unit Kubernetes itself prints (`1Gi`, not `1024Mi`). */
export function memoryQuantity(mib: number): string {
  return !Token.isUnresolved(mib) && mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
