/**
 * The release gate of the API's blue/green family deployments (issue 17): a small Lambda function
 * that ECS calls as a lifecycle hook at POST_TEST_TRAFFIC_SHIFT, when green answers on the test
 * listener and no production request has reached it yet. It holds the deployment until a verdict
 * for this release is recorded in one SSM parameter (see lambda/index.js): `passed` lets ECS shift
 * production traffic, `failed` (or no verdict within the wait) rolls the deployment back.
 *
 * The pipeline (scripts/release-service.sh) creates and overwrites the parameter; Terraform does
 * not own its value. Secure by default: the function's own role reads that one parameter and writes
 * its own log group (retention, the region's log key), X-Ray tracing is active, concurrency is
 * reserved, and the environment holds names and numbers only.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset } from "../../engine";
import { serviceTrustPolicy } from "../iam/assume-role";
import { releaseGatePackage } from "./package";

/** The ECS lifecycle stage the gate holds: green on the test listener, all production on blue. */
export const RELEASE_GATE_STAGE = "POST_TEST_TRAFFIC_SHIFT";

/** The verdict parameter of a service name prefix (`<app>-<env>-<region-code>`). */
export function releaseVerdictParameter(name: string): string {
  return `/${name}/api/release-verdict`;
}

export interface ReleaseGateProps {
  /** Name prefix, e.g. `skyline-production-use1`: function `<name>-api-release-gate`. */
  readonly name: string;
  readonly region: string;
  /** KMS key ARN for the function's log group (the region's log key). */
  readonly logKmsKeyArn: string;
  /** @default 365 */
  readonly logRetentionDays?: number;
  /** Minutes the gate waits for a verdict before it fails the release. @default 30 */
  readonly waitMinutes?: number;
  /** Seconds between ECS's calls while no verdict is recorded. @default 30 */
  readonly callBackDelaySeconds?: number;
  /** Concurrency reserved for the function (ECS calls it once at a time per deployment). @default 2 */
  readonly reservedConcurrency?: number;
}

export class ReleaseGate extends Construct {
  readonly function: LambdaFunction;
  readonly functionName: string;
  /** The role the function runs with. */
  readonly role: IamRole;
  /** The role ECS assumes to invoke the function (the lifecycle hook's `role_arn`). */
  readonly invokeRole: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  /** SSM parameter holding `<release> passed|failed`. */
  readonly verdictParameter: string;
  readonly verdictParameterArn: string;
  readonly waitMinutes: number;
  /** The lifecycle stage the gate holds. */
  readonly stage = RELEASE_GATE_STAGE;

  constructor(scope: Construct, id: string, props: ReleaseGateProps) {
    super(scope, id);
    const { name, region } = props;
    this.waitMinutes = props.waitMinutes ?? 30;
    const delay = props.callBackDelaySeconds ?? 30;
    const where = `ReleaseGate ${name}`;
    if (!(this.waitMinutes >= 1 && this.waitMinutes <= 1440)) {
      throw new Error(`${where}: waitMinutes (${this.waitMinutes}) must be 1 to 1440`);
    }
    if (!(delay >= 1 && delay <= 900)) {
      throw new Error(`${where}: callBackDelaySeconds (${delay}) must be 1 to 900`);
    }
    this.functionName = `${name}-api-release-gate`;
    this.verdictParameter = releaseVerdictParameter(name);
    const account = new DataAwsCallerIdentity(this, "account");
    this.verdictParameterArn = `arn:aws:ssm:${region}:${account.accountId}:parameter${this.verdictParameter}`;

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.logKmsKeyArn,
    });
    this.role = new IamRole(this, "role", {
      name: `${name}-api-release-gate`,
      description: "The API's release gate: reads its verdict parameter and writes its own logs",
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
    });
    new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "read-release-verdict",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadVerdict",
            Effect: "Allow",
            Action: "ssm:GetParameter",
            Resource: this.verdictParameterArn,
          },
          {
            Sid: "WriteLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${this.logGroup.arn}:*`,
          },
          {
            // X-Ray's write calls have no resource-level permissions.
            Sid: "WriteTraces",
            Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            Resource: "*",
          },
        ],
      }),
    });

    // lambda/index.js, zipped byte-for-byte the same each synth (package.ts says why not ARCHIVE).
    const code = new TerraformAsset(this, "code", { path: releaseGatePackage(), type: AssetType.FILE });
    this.function = new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: `Holds ${name}-api deployments at ${RELEASE_GATE_STAGE} until the release has a verdict`,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: Fn.filebase64sha256(code.path),
      memorySize: 128,
      timeout: 10,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 2,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: {
        variables: {
          VERDICT_PARAMETER: this.verdictParameter,
          WAIT_SECONDS: String(this.waitMinutes * 60),
          CALLBACK_DELAY_SECONDS: String(delay),
        },
      },
      dependsOn: [this.logGroup],
    });

    this.invokeRole = new IamRole(this, "invoke-role", {
      name: `${name}-api-ecs-hook`,
      description: "ECS invokes the API's release gate during a deployment",
      assumeRolePolicy: serviceTrustPolicy("ecs.amazonaws.com"),
    });
    new IamRolePolicy(this, "invoke-policy", {
      role: this.invokeRole.id,
      name: "invoke-release-gate",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "InvokeGate",
            Effect: "Allow",
            Action: "lambda:InvokeFunction",
            Resource: this.function.arn,
          },
        ],
      }),
    });
  }
}
