import type { Metric, Registry } from "prom-client";

interface Series {
  readonly labels: { readonly method: string; readonly route: string };
  /** Observations per bucket (not cumulative); index i is "at most bounds[i]". */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** The value rows prom-client's Registry renders, in the same shape its own Histogram produces. */
interface Row {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Record<string, string>;
  readonly value: number;
}

interface Exported<R> {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values: R[];
  readonly aggregator: string;
}

/**
 * A latency histogram by method and route, exposed through a prom-client Registry exactly as its Histogram
 * would be. Observing is a map lookup and two additions: prom-client's Histogram validates and hashes the
 * label object on every observe, which cost more than the rest of the per-request bookkeeping together.
 */
export class RouteHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  observe(method: string, route: string, value: number): void {
    const key = `${method} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { method, route }, counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    series.sum += value;
    series.count += 1;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]) {
        series.counts[i] += 1;
        break;
      }
    }
  }

  /** What Registry.metrics() renders: cumulative buckets, +Inf, sum and count per series. */
  async getForPromString(): Promise<Exported<Row>> {
    const values: Row[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ metricName: bucket, labels: { le }, sharedLabels: s.labels, value: cumulative });
      });
      values.push({ metricName: bucket, labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same rows with each series' labels merged in (Registry.getMetricsAsJSON), as prom-client does. */
  async get(): Promise<Exported<Omit<Row, "sharedLabels">>> {
    const exported = await this.getForPromString();
    return {
      ...exported,
      values: exported.values.map(({ sharedLabels, labels, ...row }) => ({
        ...row,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.series.clear();
  }
}
