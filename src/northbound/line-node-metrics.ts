/**
 * The edge node's own metrics (NBIRTH, then NDATA when one changes): what a site overview or an MES reads of
 * the line as a whole — PackML state and unit mode, first-out and latched trips, the alarm list's counts,
 * the current roll. Tag values are the devices' metrics; these are the SCADA's own. Pure.
 */
import type { SparkplugMetric } from "./sparkplug-metrics.js";

export interface LineNodeSnapshot {
  readonly state: string;
  readonly mode: string;
  /** The first-out interlock since the last reset ("" when none). */
  readonly firstOut: string;
  /** Latched trips, in order. */
  readonly tripped: readonly string[];
  /** Alarms in the alarm list, per priority. */
  readonly alarmsByPriority: Readonly<Record<string, number>>;
  readonly unacknowledged: number;
  /** The current roll ("" and 0 when none is open). */
  readonly rollId: string;
  readonly rollLengthM: number;
}

/** The node metric names (◆ what site overviews and hosts subscribe to). */
export const LINE_NODE_METRIC = {
  state: "Line/State",
  mode: "Line/Mode",
  firstOut: "Line/First out",
  tripped: "Line/Tripped",
  alarms: "Alarms/In list",
  unacknowledged: "Alarms/Unacknowledged",
  rollId: "Roll/Id",
  rollLength: "Roll/Length",
} as const;

export function lineNodeMetrics(s: LineNodeSnapshot, nowMs: number): SparkplugMetric[] {
  const str = (name: string, value: string): SparkplugMetric => ({ name, type: "String", value, timestamp: nowMs });
  const int = (name: string, value: number): SparkplugMetric => ({ name, type: "Int32", value, timestamp: nowMs });
  const inList = Object.values(s.alarmsByPriority).reduce((a, b) => a + b, 0);
  return [
    str(LINE_NODE_METRIC.state, s.state),
    str(LINE_NODE_METRIC.mode, s.mode),
    str(LINE_NODE_METRIC.firstOut, s.firstOut),
    str(LINE_NODE_METRIC.tripped, s.tripped.join(",")),
    int(LINE_NODE_METRIC.alarms, inList),
    int(LINE_NODE_METRIC.unacknowledged, s.unacknowledged),
    ...Object.entries(s.alarmsByPriority).map(([priority, n]) => int(`Alarms/${priority}`, n)),
    str(LINE_NODE_METRIC.rollId, s.rollId),
    { name: LINE_NODE_METRIC.rollLength, type: "Double", value: Math.round(s.rollLengthM * 10) / 10, timestamp: nowMs, properties: { engUnit: { type: "String", value: "m" } } },
  ];
}
