/**
 * A declared outage: the operator says a region is lost (`--declare-outage <region>`). From then on
 * the CLI sends nothing to that region (no call to any of its endpoints, so nothing waits on a dead
 * connection), and the pre-checks that only an operator can judge during an outage (the target's
 * alarms, its service health) may be overridden after a typed acknowledgement: the region name
 * typed at the prompt, or `--confirm-outage <region>` without a terminal. Checks that can never be
 * overridden (the target replica is not available) stay hard; replica lag needs
 * `--accept-data-loss` on top.
 */
import type { OpsManifest } from "../../manifest/schema";
import { UsageError } from "./errors";
import type { TypedConfirmation } from "./plan";

export interface OutageOptions {
  /** The region the operator declares lost. @default none (no outage declared) */
  readonly declareOutage?: string;
  /** Non-interactive acknowledgement: the declared region, typed. @default prompt */
  readonly confirmOutage?: string;
}

export class Outage {
  /** The declared region, if any. */
  readonly region?: string;

  constructor(
    manifest: OpsManifest,
    private readonly options: OutageOptions,
  ) {
    const declared = options.declareOutage;
    if (options.confirmOutage !== undefined && declared === undefined) {
      throw new UsageError("--confirm-outage only makes sense with --declare-outage <region>.");
    }
    if (declared !== undefined && !manifest.regions[declared]) {
      throw new UsageError(
        `--declare-outage ${declared} is not a region of ${manifest.environment}; use one of: ${Object.keys(manifest.regions).join(", ")}.`,
      );
    }
    this.region = declared;
  }

  get declared(): boolean {
    return this.region !== undefined;
  }

  /** Whether the CLI may send anything to `region`. */
  reachable(region: string): boolean {
    return region !== this.region;
  }

  /** Regions of `regions` the CLI may call. */
  filter(regions: readonly string[]): string[] {
    return regions.filter((r) => this.reachable(r));
  }

  /** The typed acknowledgement the overrides need (--yes does not skip it). */
  acknowledgement(): TypedConfirmation | undefined {
    if (!this.region) return undefined;
    return {
      reason:
        `Outage of ${this.region} declared: pre-checks that only an operator can judge during an outage are ` +
        `overridden, and nothing is sent to ${this.region}.`,
      expected: this.region,
      given: this.options.confirmOutage,
      flag: "--confirm-outage",
    };
  }

  /** How to override a check, for its detail. */
  get hint(): string {
    return this.region
      ? `overridden by the declared outage of ${this.region}`
      : "overridable during a declared outage: --declare-outage <failed-region>";
  }
}
