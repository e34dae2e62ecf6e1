/**
 * What every command receives: the global flags, the runtime, output, AWS clients and the manifest
 * (loaded on first use so `runbook` and `--help` paths stay cheap).
 */
import type { OpsManifest, RegionManifest } from "../../constructs/runbooks/manifest-schema";
import { awsCall, retryPolicyFromEnv, type RetryPolicy } from "./aws-call";
import { AwsClients } from "./aws-clients";
import { UsageError } from "./errors";
import { loadManifest, locateManifest, type ManifestLocation } from "./manifest-loader";
import { Output, type OutputFormat } from "./output";
import type { Runtime } from "./runtime";
import type { WaitClock } from "./waiter";

export interface GlobalOptions {
  /** Environment name. @default SKYLINE_ENV, else the only synthesized environment */
  readonly env?: string;
  /** Region to act on. @default the command's natural region (usually the manifest's primaryRegion) */
  readonly region?: string;
  /** Manifest path. @default cdktf.out/skyline/<env>/manifest.json */
  readonly manifest?: string;
  /** AWS profile. @default the SDK credential chain */
  readonly profile?: string;
  /** Endpoint for every AWS client. @default AWS endpoints (or AWS_ENDPOINT_URL) */
  readonly endpointUrl?: string;
  /** @default "text" */
  readonly output: OutputFormat;
  /** Skip the confirmation prompt. @default false */
  readonly yes: boolean;
  /** Only read calls; print the plan. @default false */
  readonly dryRun: boolean;
  /** @default true on a terminal unless NO_COLOR is set */
  readonly color: boolean;
}

export class Context {
  readonly out: Output;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  private loaded?: OpsManifest;
  private located?: ManifestLocation;

  constructor(
    readonly opts: GlobalOptions,
    readonly rt: Runtime,
  ) {
    const colour = opts.color && rt.stdoutIsTTY && !rt.env.NO_COLOR;
    this.out = new Output(rt, opts.output, colour);
    this.clients = new AwsClients({ profile: opts.profile, endpointUrl: opts.endpointUrl });
    this.retry = retryPolicyFromEnv(rt.env, (ms) => rt.sleep(ms));
  }

  get env(): string | undefined {
    return this.opts.env ?? (this.rt.env.SKYLINE_ENV || undefined);
  }

  location(): ManifestLocation {
    this.located ??= locateManifest(this.rt.cwd, this.opts.manifest, this.env);
    return this.located;
  }

  manifest(): OpsManifest {
    this.loaded ??= loadManifest(this.location(), this.env);
    return this.loaded;
  }

  /** `--region` if given (validated against the manifest), else `fallback`. */
  region(fallback?: string): string {
    const manifest = this.manifest();
    const region = this.opts.region ?? fallback ?? manifest.primaryRegion;
    this.regionManifest(region, "--region");
    return region;
  }

  /** The manifest's entry for a region, or a UsageError naming the flag and the valid regions. */
  regionManifest(region: string, flag: string): RegionManifest {
    const manifest = this.manifest();
    const entry = manifest.regions[region];
    if (!entry) {
      throw new UsageError(
        `${flag} ${region} is not a region of ${manifest.environment}; use one of: ${Object.keys(manifest.regions).join(", ")}.`,
      );
    }
    return entry;
  }

  /** Runs one AWS call with retries and error translation. */
  call<T>(resource: string, fn: () => Promise<T>): Promise<T> {
    return awsCall(this.retry, resource, fn);
  }

  waitClock(): WaitClock {
    return {
      now: () => this.rt.now(),
      sleep: (ms) => this.rt.sleep(ms),
      progress: (m) => this.out.progress(m),
    };
  }
}
