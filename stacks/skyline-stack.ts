import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformStack } from "../engine";
import type { Construct } from "constructs";
import { Guardrails } from "../guardrails";
import type { EnvironmentConfig } from "./config/schema";
import { renderStack } from "./render-stack";

export interface SkylineStackProps {
  readonly config: EnvironmentConfig;
  /** Region of the stack's default provider. */
  readonly region: string;
  /** State key under the backend bucket. @default `<env>/<region>/<stack>.tfstate` */
  readonly stateKey?: string;
  /** Keep state locally (only the state-bootstrap stack, which creates the bucket). @default false */
  readonly localState?: boolean;
}

/**
 * Base of every skyline stack: the AWS provider pinned to the environment's accounts with its
 * default tags, and the S3 backend with native lock files.
 */
export class SkylineStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly region: string;
  readonly provider: AwsProvider;
  /** Key of the stack's state object in the state bucket; undefined for local state. */
  readonly stateKey?: string;
  private renderCache?: { json?: ReturnType<TerraformStack["toTerraform"]>; skipPrepare: boolean };

  constructor(scope: Construct, id: string, props: SkylineStackProps) {
    super(scope, id);
    this.config = props.config;
    this.region = props.region;
    this.provider = new AwsProvider(this, "aws", {
      region: props.region,
      allowedAccountIds: [...props.config.accountIds],
      defaultTags: [{ tags: defaultTags(props.config) }],
    });
    // Every stack is checked at synth; an error finding fails `npm run synth`.
    Guardrails.apply(this, { environment: props.config.environment });
    if (!props.localState) {
      const backend = props.config.stateBackend;
      this.stateKey = props.stateKey ?? `${props.config.environment}/${props.region}/${id}.tfstate`;
      new S3Backend(this, {
        bucket: backend.bucket,
        region: backend.region,
        key: this.stateKey,
        encrypt: true,
      });
      // S3-native locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10): no DynamoDB table to manage.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    }
  }

  /** The stack's Terraform JSON (see renderStack: cdktf's document, resolved where tokens can be). */
  override toTerraform(): ReturnType<TerraformStack["toTerraform"]> {
    if (!this.renderCache) return renderStack(this);
    return (this.renderCache.json ??= renderStack(this));
  }

  override prepareStack(): void {
    if (!this.renderCache?.skipPrepare) return super.prepareStack();
    // cdktf's preparing pass resolves every token only to find references to other stacks' resources
    // and turn them into remote-state lookups. skyline's stacks never hold such references (they find
    // each other's resources by deterministic name), so the pass is skipped; a test synthesizes every
    // environment both ways and requires identical output.
    this.ensureBackendExists();
  }

  /** @internal see renderEachStackOnce */
  startRenderCache(skipPrepare: boolean): void {
    this.renderCache = { skipPrepare };
  }

  /** @internal see renderEachStackOnce */
  stopRenderCache(): void {
    this.renderCache = undefined;
  }
}

/**
 * Runs `synth` with every SkylineStack rendering its Terraform JSON at most once: the guardrails
 * aspect renders each stack to check it, and cdktf would otherwise resolve every token again to
 * write the same JSON. With `skipCrossStackPreparation` (skyline's own stacks, which never
 * reference each other's resources) cdktf's cross-stack preparing pass is skipped as well; code
 * that may add cross-stack references (the `customize` escape hatch) must leave it false.
 * Outside this call nothing is cached, so a stack changed after a render renders anew.
 */
export function renderEachStackOnce<T>(
  stacks: readonly SkylineStack[],
  synth: () => T,
  options: { readonly skipCrossStackPreparation: boolean },
): T {
  stacks.forEach((s) => s.startRenderCache(options.skipCrossStackPreparation));
  try {
    return synth();
  } finally {
    stacks.forEach((s) => s.stopRenderCache());
  }
}

export function defaultTags(config: EnvironmentConfig): Record<string, string> {
  const { owner, costCenter, ...extra } = config.tags;
  return {
    ...extra,
    app: config.app,
    environment: config.environment,
    owner,
    "cost-center": costCenter,
    "managed-by": "skyline",
  };
}
