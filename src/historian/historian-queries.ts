/**
 * The queries the HMI and the API ask of the historian: trends, the line's state history, alarm history and
 * ISA-18.2 alarm KPIs. Without a historian (a runtime started with `historian: "off"`), or while InfluxDB
 * cannot answer, each query rejects with SCADA_ERR_HISTORIAN_UNAVAILABLE; rows come back typed (an alarm
 * event whose transition or state the evaluator does not know is left out of the KPIs, never cast).
 */
import { ScadaError } from "../core/errors.js";
import { ALARM_STATES, ALARM_TRANSITIONS, type AlarmState, type AlarmTransition } from "../alarms/alarm-event.js";
import { type AlarmKpiEvent, type AlarmKpis, computeAlarmKpis } from "../alarms/alarm-kpis.js";
import type { AlarmHistoryFilter } from "../alarms/alarm-history-filter.js";
import type { AlarmDefs } from "../alarms/alarm-schema.js";
import type { HistorianService } from "./historian-service.js";
import type { EventRow, HistoryQuery, HistoryResult } from "./history-query.js";

export interface StateHistoryQuery {
  readonly fromMs: number;
  readonly toMs: number;
  /** A station id, "line" or an interlock id. */
  readonly scope?: string;
  readonly limit: number;
}

/** Stale alarms need activations from before the range: the KPIs look back this much more. */
const KPI_LOOKBACK_MS = 7 * 86_400_000;
const KPI_MAX_EVENTS = 100_000;

const TRANSITIONS: ReadonlySet<string> = new Set(ALARM_TRANSITIONS);
const STATES: ReadonlySet<string> = new Set(ALARM_STATES);

/** An `alarm` point as the KPIs read it; null when it names a transition or state this version does not know. */
export function alarmKpiEvent(row: EventRow): AlarmKpiEvent | null {
  const transition = String(row.values.transition);
  const to = String(row.values.to);
  if (!TRANSITIONS.has(transition) || !STATES.has(to)) return null;
  return { alarmId: String(row.values.alarm), at: row.t, transition: transition as AlarmTransition, to: to as AlarmState };
}

export class HistorianQueries {
  constructor(
    private readonly historian: HistorianService | null,
    private readonly alarmDefs: AlarmDefs,
  ) {}

  /** Trends: about `points` buckets per tag, raw or down-sampled by the range. */
  async history(q: HistoryQuery): Promise<HistoryResult> {
    return this.require().history(q);
  }

  csv(result: HistoryResult): string {
    return this.require().historyCsv(result);
  }

  /** Line, station and interlock transitions, newest first. */
  async states(q: StateHistoryQuery): Promise<EventRow[]> {
    return this.require().events("state", { fromMs: q.fromMs, toMs: q.toMs, limit: q.limit, order: "desc", ...(q.scope ? { where: { scope: q.scope } } : {}) });
  }

  /** Alarm transitions, newest first, with who and when. */
  async alarmHistory(f: AlarmHistoryFilter): Promise<{ events: EventRow[] }> {
    const where = {
      ...(f.priority ? { priority: f.priority } : {}),
      ...(f.station ? { station: f.station } : {}),
      ...(f.state ? { to: f.state } : {}),
      ...(f.alarm ? { alarm: f.alarm } : {}),
    };
    return { events: await this.require().events("alarm", { fromMs: f.fromMs, toMs: f.toMs, limit: f.limit, order: "desc", where }) };
  }

  /** ISA-18.2 KPIs over the range. */
  async alarmKpis(range: { fromMs: number; toMs: number }): Promise<AlarmKpis> {
    const rows = await this.require().events("alarm", { fromMs: range.fromMs - KPI_LOOKBACK_MS, toMs: range.toMs, limit: KPI_MAX_EVENTS });
    const events = rows.map(alarmKpiEvent).filter((e): e is AlarmKpiEvent => e !== null);
    return computeAlarmKpis(events, this.alarmDefs, { from: range.fromMs, to: range.toMs });
  }

  private require(): HistorianService {
    if (!this.historian) throw new ScadaError("SCADA_ERR_HISTORIAN_UNAVAILABLE", "this runtime runs without a historian");
    return this.historian;
  }
}
