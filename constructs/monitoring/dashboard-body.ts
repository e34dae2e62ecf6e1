import type { AlarmSpec, DashboardSection, MetricId } from "./alarm-spec";

/** CloudWatch dashboards lay widgets out on a 24-column grid. */
const GRID_WIDTH = 24;
const WIDGET_WIDTH = 8;
const WIDGET_HEIGHT = 6;
const SECTIONS: readonly DashboardSection[] = ["Load balancer", "Service", "Database", "Cache", "Queue"];

export interface DashboardInput {
  readonly region: string;
  readonly title: string;
  readonly specs: readonly AlarmSpec[];
  /** Alarm ARNs for the status widget (the composite first). */
  readonly alarmArns: readonly string[];
}

interface Widget {
  type: "text" | "metric" | "alarm";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/**
 * The dashboard body: the alarm states first, then one graph per alarm, grouped by section, each
 * drawing the alarm's own metric (or metric math) with its threshold as a line.
 */
export function dashboardBody(input: DashboardInput): { widgets: Widget[] } {
  const widgets: Widget[] = [
    {
      type: "alarm",
      x: 0,
      y: 0,
      width: GRID_WIDTH,
      height: 3,
      properties: { title: `${input.title}: alarms`, alarms: [...input.alarmArns] },
    },
  ];
  let y = 3;
  for (const section of SECTIONS) {
    const specs = input.specs.filter((s) => s.section === section);
    if (specs.length === 0) continue;
    widgets.push({
      type: "text",
      x: 0,
      y,
      width: GRID_WIDTH,
      height: 1,
      properties: { markdown: `## ${section}` },
    });
    y += 1;
    specs.forEach((spec, i) => {
      const perRow = GRID_WIDTH / WIDGET_WIDTH;
      widgets.push({
        type: "metric",
        x: (i % perRow) * WIDGET_WIDTH,
        y: y + Math.floor(i / perRow) * WIDGET_HEIGHT,
        width: WIDGET_WIDTH,
        height: WIDGET_HEIGHT,
        properties: metricProperties(spec, input.region),
      });
    });
    y += Math.ceil(specs.length / (GRID_WIDTH / WIDGET_WIDTH)) * WIDGET_HEIGHT;
  }
  return { widgets };
}

function metricProperties(spec: AlarmSpec, region: string): Record<string, unknown> {
  const source = spec.source;
  const metrics =
    source.kind === "metric"
      ? [metricRow(source, { stat: source.extendedStatistic ?? source.statistic })]
      : [
          [{ expression: source.expression, label: source.label, id: "e1" }],
          ...Object.entries(source.metrics).map(([id, m]) =>
            metricRow(m, { stat: m.stat, id, visible: false }),
          ),
        ];
  return {
    title: spec.key,
    region,
    view: "timeSeries",
    stacked: false,
    period: source.periodSeconds,
    metrics,
    annotations: { horizontal: [{ label: `alarm: ${spec.thresholdLabel}`, value: spec.threshold }] },
  };
}

/** `[namespace, metric, dimName, dimValue, …, options]`: the dashboard's metric array form. */
function metricRow(metric: MetricId, options: Record<string, unknown>): unknown[] {
  return [metric.namespace, metric.metricName, ...Object.entries(metric.dimensions).flat(), options];
}
