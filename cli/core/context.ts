/**
 * What every command receives: the global flags, the runtime, output, AWS clients and the manifest
 * (loaded on first use so `runbook` and `--help` paths stay cheap).
 */
import type { OpsManifest, RegionManifest } from "../../manifest/schema";
import { awsSend, INFERRED, retryPolicyFromEnv, type RetryPolicy, type SendOptions } from "./aws-call";
import { AwsClients } from "./aws-clients";
import type { CallInfo, FailureClass } from "./aws-errors";
import { auditLogPath, operator, putOperationMetric } from "./audit";
import { isMutating, operationName, policyFor } from "./call-policy";
import { UsageError } from "./errors";
import { Journal } from "./journal";
import { profileDefined } from "./profiles";
import { resolveTimeouts, type Timeouts } from "./timeouts";
import { loadManifest, locateManifest, type ManifestLocation } from "./manifest-loader";
import { Output, type OutputFormat } from "./output";
import { Report } from "./report";
import type { Runtime } from "./runtime";
import type { WaitClock } from "./waiter";

/** The output type of an SDK command, read from its middleware handler (no SDK types needed). */
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (...a: never[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;

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
  /** Connect timeout in seconds. @default SKYLINE_CONNECT_TIMEOUT, else 10 */
  readonly connectTimeout?: number;
  /** Request timeout in seconds. @default SKYLINE_REQUEST_TIMEOUT, else 60 */
  readonly requestTimeout?: number;
}

/**
 * Where a run is, for the interrupt message and the JSON document: reading and planning,
 * asking for confirmation, sending mutating calls, or waiting for them to settle.
 */
export type Phase = "planning" | "confirming" | "acting" | "waiting";

export class Context {
  readonly out: Output;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  readonly timeouts: Timeouts;
  /** The operation journal of this run (journal.ts). */
  readonly journal: Journal;
  /** The run's one JSON document (report.ts). */
  readonly report: Report;
  phase: Phase = "planning";
  /** While waiting: the resource waited on (for the interrupt message). */
  waitingOn?: string;
  private loaded?: OpsManifest;
  private located?: ManifestLocation;

  /**
   * @param command the command being run, e.g. `failover db` @default "skyline"
   * @param argv the command line, recorded in the journal @default []
   */
  constructor(
    readonly opts: GlobalOptions,
    readonly rt: Runtime,
    readonly command = "skyline",
    readonly argv: readonly string[] = [],
  ) {
    const colour = opts.color && rt.stdoutIsTTY && !rt.env.NO_COLOR;
    this.out = new Output(rt, opts.output, colour);
    this.report = new Report(
      rt.stdout,
      opts.output === "json",
      command,
      () => this.loaded?.environment ?? this.env ?? null,
    );
    this.timeouts = resolveTimeouts(opts, rt.env);
    this.clients = new AwsClients({
      profile: opts.profile,
      endpointUrl: opts.endpointUrl,
      connectTimeoutMs: this.timeouts.connectMs,
      requestTimeoutMs: this.timeouts.requestMs,
      env: rt.env,
    });
    this.retry = retryPolicyFromEnv(rt.env, (ms) => rt.sleep(ms));
    this.journal = new Journal({
      path: auditLogPath(rt.env, rt.homedir),
      now: () => rt.now(),
      warn: (m) => this.out.warn(m),
      identity: () => {
        const manifest = this.loaded;
        return {
          app: manifest?.app ?? "unknown",
          environment: manifest?.environment ?? this.env ?? "unknown",
          operator: operator(rt.env),
          argv: this.argv,
        };
      },
      metric: (region, command, outcome, durationMs) =>
        putOperationMetric(this, region, command, outcome, durationMs),
    });
  }

  get env(): string | undefined {
    return this.opts.env ?? (this.rt.env.SKYLINE_ENV || undefined);
  }

  location(): ManifestLocation {
    this.located ??= locateManifest(
      this.rt.cwd,
      this.opts.manifest,
      this.env,
      this.opts.env ? "--env" : "SKYLINE_ENV",
    );
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

  /**
   * Sends one AWS call under its operation's retry policy (call-policy.ts), with one clear
   * sentence on failure. A call that is not idempotent is never sent twice after a lost answer;
   * give `tookEffect` (a re-read) so the CLI can learn whether it took effect. When it did, the
   * output is empty (`{ $metadata: {} }`): AWS's answer was lost.
   * @param resource named in messages, e.g. `database skyline-production-use1-db (us-east-1)`
   */
  async send<C extends { readonly input: object }>(
    resource: string,
    client: object,
    command: C,
    options?: SendOptions,
  ): Promise<OutputOf<C>> {
    const operation = operationName(command);
    const where = this.clients.info(client);
    // Every mutating call is journaled before it goes out (the metric is the journal's own).
    const journaled = isMutating(operation) && operation !== "PutMetricData";
    if (journaled) {
      this.journal.begin({ command: this.command, region: where.region, target: resource, check: resource });
      this.phase = "acting";
    }
    const policy = policyFor(operation, command.input);
    const token =
      policy.kind === "token"
        ? ((command.input as Record<string, unknown>)[policy.tokenField as string] as string)
        : undefined;
    const sent = journaled ? this.journal.sending(operation, resource, token) : undefined;
    try {
      const output = await awsSend<OutputOf<C>>({
        call: () => (client as { send(c: C): Promise<OutputOf<C>> }).send(command),
        operation,
        input: command.input,
        info: { resource, operation, ...where, ...this.timeoutInfo() },
        retry: this.retry,
        now: () => this.rt.now(),
        progress: (m) => this.out.progress(m),
        options,
        enrich: (info, cls) => this.enrich(info, cls),
      });
      if (sent) this.journal.settle(sent, output === INFERRED ? "took effect" : "accepted");
      return output === INFERRED ? ({ $metadata: {} } as OutputOf<C>) : output;
    } catch (error) {
      if (sent) this.journal.settle(sent, "failed", (error as Error).message);
      throw error;
    }
  }

  /**
   * A client token for a `token` operation (call-policy.ts): unique to this run and step, and the
   * same for every retry of the call (awsSend resends the same request), so AWS runs it once.
   * Starts the journal's operation if needed (the token is made of its id). At most 64 characters
   * (the shortest limit: ECS clientToken); Backup IdempotencyToken and Route 53 CallerReference
   * take it as it is.
   * @param step names the call within the run, e.g. `copy-eu-west-1`
   */
  clientToken(step: string, start?: { region: string; target: string }): string {
    if (!this.journal.opId) {
      const region = start?.region ?? this.opts.region ?? this.loaded?.primaryRegion ?? "unknown";
      const target = start?.target ?? step;
      this.journal.begin({ command: this.command, region, target, check: target });
    }
    return `skyline-${this.journal.opId}-${step}`.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 64);
  }

  private timeoutInfo(): Pick<CallInfo, "connectTimeout" | "requestTimeout"> {
    const t = this.timeouts;
    return {
      connectTimeout: { seconds: t.connectMs / 1000, from: t.connectFrom },
      requestTimeout: { seconds: t.requestMs / 1000, from: t.requestFrom },
    };
  }

  /** After a credentials failure: which profile was in use, and does it exist at all? */
  private enrich(info: CallInfo, cls: FailureClass): CallInfo {
    if (cls !== "credentials") return info;
    const name = this.opts.profile ?? this.rt.env.AWS_PROFILE;
    if (!name) return info;
    const from = this.opts.profile ? "--profile" : "AWS_PROFILE";
    return { ...info, profile: { name, from, ...profileDefined(name, this.rt.env, this.rt.homedir) } };
  }

  waitClock(): WaitClock {
    return {
      onWait: (resource) => {
        this.phase = "waiting";
        this.waitingOn = resource;
      },
      now: () => this.rt.now(),
      sleep: (ms) => this.rt.sleep(ms),
      progress: (m) => this.out.progress(m),
    };
  }
}
