import type { TagScalar } from "../core/tag-value.js";
import { type AlarmState, ALARM_STATES } from "./alarm-event.js";
import { type AlarmRecord, shownState } from "./alarm-record.js";
import { type AlarmKind, type AlarmPriority, ALARM_PRIORITIES } from "./alarm-schema.js";

/** One alarm as the alarm list shows it. */
export interface AlarmStatus {
  readonly id: string;
  readonly kind: AlarmKind;
  readonly state: AlarmState;
  readonly priority: AlarmPriority;
  readonly station: string;
  readonly message: string;
  /** The tag the alarm watches (null for interlock, comm and historian alarms): the HMI marks that value. */
  readonly tag: string | null;
  /** Analog alarms: the level and limit, in the tag's units (the HMI draws it on the indicator). */
  readonly limit: { readonly level: string; readonly value: number } | null;
  /** The debounced condition (also tracked while shelved, suppressed or out of service). */
  readonly conditionActive: boolean;
  readonly activeSince: number | null;
  readonly ackedBy: string | null;
  readonly ackedAt: number | null;
  readonly shelvedUntil: number | null;
  readonly shelvedBy: string | null;
  readonly shelveReason: string | null;
  readonly suppressed: boolean;
  readonly outOfService: { readonly by: string; readonly reason: string; readonly at: number } | null;
  /** Latched, acknowledged, condition gone: waits for an operator reset. */
  readonly awaitingReset: boolean;
  /** The tag's value when the shown state last changed (the alarm list does not move with the tag). */
  readonly value: TagScalar | null;
  /** Time of the last change of the shown state. */
  readonly since: number | null;
}

export interface AlarmCounts {
  readonly byState: Readonly<Record<AlarmState, number>>;
  /** Alarms in the alarm list (unack-active, ack-active, rtn-unack) per priority. */
  readonly byPriority: Readonly<Record<AlarmPriority, number>>;
  /** unack-active + rtn-unack. */
  readonly unacknowledged: number;
}

export function alarmStatus(r: AlarmRecord): AlarmStatus {
  return {
    id: r.def.id,
    kind: r.def.kind,
    state: shownState(r),
    priority: r.def.priority,
    station: r.def.station,
    message: r.def.message,
    tag: "tag" in r.def ? r.def.tag : null,
    limit: r.def.kind === "analog" ? { level: r.def.level, value: r.def.limit } : null,
    conditionActive: r.active,
    activeSince: r.activeSince,
    ackedBy: r.ackedBy,
    ackedAt: r.ackedAt,
    shelvedUntil: r.shelf?.until ?? null,
    shelvedBy: r.shelf?.by ?? null,
    shelveReason: r.shelf?.reason ?? null,
    suppressed: r.suppressed,
    outOfService: r.oos,
    awaitingReset: r.def.latching && r.ack === "ack-active" && !r.active,
    value: r.valueAtChange,
    since: r.since,
  };
}

export function alarmCounts(records: readonly AlarmRecord[]): AlarmCounts {
  const byState = Object.fromEntries(ALARM_STATES.map((s) => [s, 0])) as Record<AlarmState, number>;
  const byPriority = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
  for (const r of records) {
    const s = shownState(r);
    byState[s] += 1;
    if (s === "unack-active" || s === "ack-active" || s === "rtn-unack") byPriority[r.def.priority] += 1;
  }
  return { byState, byPriority, unacknowledged: byState["unack-active"] + byState["rtn-unack"] };
}
