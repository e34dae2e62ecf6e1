/**
 * The parts every skyline task on Fargate shares (the API service and the queue workers): the
 * execution role's policy, the container definition's secure defaults and the image reference.
 * Pure functions of their inputs, so the two services cannot drift apart on them.
 */
import { parseEcrRepository } from "../container-registry/ecr-uri";
import { API_CONTAINER_DEFAULTS } from "./api-container-defaults";

export interface ContainerSecret {
  /** Secrets Manager secret ARN. */
  readonly secretArn: string;
  /** JSON key inside the secret (e.g. `username`). @default the whole secret string */
  readonly jsonKey?: string;
  /** KMS key that encrypts the secret; the execution role may decrypt with it. */
  readonly kmsKeyArn?: string;
}

/** Variable names that must come from Secrets Manager, never from plain environment. */
export const SECRET_LOOKING = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/i;

/** `<repository>:<tag>`, or `<repository>@sha256:…` for a digest. */
export function imageReference(image: { readonly repository: string; readonly tag: string }): string {
  return image.tag.startsWith("sha256:")
    ? `${image.repository}@${image.tag}`
    : `${image.repository}:${image.tag}`;
}

/**
 * What the execution role needs to start a task: write its logs, pull the image (when it is in
 * ECR) and read the secrets it injects (and decrypt them).
 */
export function executionPolicyStatements(props: {
  readonly logGroupArn: string;
  readonly repository: string;
  readonly secrets: Readonly<Record<string, ContainerSecret>>;
}): object[] {
  const secrets = Object.values(props.secrets);
  const secretArns = [...new Set(secrets.map((s) => s.secretArn))];
  const secretKeys = [...new Set(secrets.flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))];
  const repositoryArn = parseEcrRepository(props.repository)?.arn;
  const statements: object[] = [
    {
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${props.logGroupArn}:*`,
    },
  ];
  if (repositoryArn) {
    statements.push(
      // GetAuthorizationToken has no resource-level permissions.
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullImage",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: repositoryArn,
      },
    );
  }
  if (secretArns.length) {
    statements.push({
      Sid: "ReadTaskSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secretArns,
    });
  }
  if (secretKeys.length) {
    statements.push({
      Sid: "DecryptTaskSecrets",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: secretKeys,
    });
  }
  return statements;
}

export interface ContainerProps {
  readonly name: string;
  readonly image: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ContainerSecret>>;
  readonly logGroupName: string;
  readonly region: string;
  /** Log stream prefix, e.g. `api`. */
  readonly streamPrefix: string;
  /** The port the container listens on (named `http`). */
  readonly port: number;
  /** Overrides the image's command. @default the image's */
  readonly command?: readonly string[];
  /** A container health check, for a task no load balancer checks. @default none */
  readonly healthCheck?: { readonly command: readonly string[]; readonly startPeriodSeconds: number };
}

/**
 * A container definition with skyline's defaults: non-root, read-only root filesystem with /tmp the
 * one writable path, an init process (signals reach node; zombies are reaped), the drain time of
 * the reference API, secrets by reference, and non-blocking logs (a slow log stream never stalls
 * the process).
 */
export function containerDefinition(props: ContainerProps): Record<string, unknown> {
  return {
    name: props.name,
    image: props.image,
    essential: true,
    user: API_CONTAINER_DEFAULTS.user,
    readonlyRootFilesystem: true,
    stopTimeout: API_CONTAINER_DEFAULTS.stopTimeoutSeconds,
    ...(props.command ? { command: [...props.command] } : {}),
    portMappings: [{ containerPort: props.port, protocol: "tcp", name: "http" }],
    environment: Object.entries(props.environment)
      .sort(byName)
      .map(([n, value]) => ({ name: n, value })),
    secrets: Object.entries(props.secrets)
      .sort(byName)
      .map(([n, s]) => ({ name: n, valueFrom: s.jsonKey ? `${s.secretArn}:${s.jsonKey}::` : s.secretArn })),
    ...(props.healthCheck
      ? {
          healthCheck: {
            command: [...props.healthCheck.command],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: props.healthCheck.startPeriodSeconds,
          },
        }
      : {}),
    // The only writable path: the root filesystem is read-only.
    mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": props.logGroupName,
        "awslogs-region": props.region,
        "awslogs-stream-prefix": props.streamPrefix,
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    },
  };
}

/** Refuses plain variables that look like secrets, and the mutable `latest` tag. */
export function validateTask(
  where: string,
  environment: Readonly<Record<string, string>>,
  imageTag: string,
): void {
  for (const key of Object.keys(environment)) {
    if (SECRET_LOOKING.test(key)) {
      throw new Error(
        `${where}: environment.${key} looks like a secret; pass it in secrets (Secrets Manager) instead`,
      );
    }
  }
  if (imageTag === "latest") {
    throw new Error(`${where}: image.tag "latest" is mutable; pin a version tag or a sha256 digest`);
  }
}

/**
 * Orders [name, value] pairs by name in code-unit order: the same in every locale, and it needs no
 * ICU collator (whose first use costs a synth ~15 ms).
 */
function byName([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
