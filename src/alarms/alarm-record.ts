import type { TagScalar } from "../core/tag-value.js";
import type { AlarmState } from "./alarm-event.js";
import type { AlarmDef } from "./alarm-schema.js";

export type AckState = "normal" | "unack-active" | "ack-active" | "rtn-unack";

/** The evaluator's state of one alarm (mutable; owned by one AlarmEvaluator). */
export interface AlarmRecord {
  readonly def: AlarmDef;
  readonly index: number;
  /** The condition with hysteresis, before the delays. */
  cond: boolean;
  /** The condition after the delays: what the alarm reports. */
  active: boolean;
  /** Since when `cond` differs from `active` (an on- or off-delay running). */
  pendingSince: number | null;
  activeSince: number | null;
  value: TagScalar | null;
  /** The value when the shown state last changed (what the alarm list shows: it does not move with the tag). */
  valueAtChange: TagScalar | null;
  /** Last Good value (deviation alarms re-evaluate with it when the targets change). */
  lastGood: TagScalar | null;
  /** Rate alarms: last Good sample (source time) and when it arrived (now). */
  sample: { readonly value: number; readonly ts: number } | null;
  sampleAt: number | null;
  ack: AckState;
  ackedBy: string | null;
  ackedAt: number | null;
  shelf: { readonly until: number; readonly by: string; readonly reason: string } | null;
  suppressed: boolean;
  oos: { readonly by: string; readonly reason: string; readonly at: number } | null;
  since: number | null;
}

/** A record in normal, nothing seen yet. */
export function newAlarmRecord(def: AlarmDef, index: number): AlarmRecord {
  return {
    def,
    index,
    cond: false,
    active: false,
    pendingSince: null,
    activeSince: null,
    value: null,
    valueAtChange: null,
    lastGood: null,
    sample: null,
    sampleAt: null,
    ack: "normal",
    ackedBy: null,
    ackedAt: null,
    shelf: null,
    suppressed: false,
    oos: null,
    since: null,
  };
}

/** Precedence: out-of-service > shelved > suppressed > the acknowledgement state. */
export function shownState(r: AlarmRecord): AlarmState {
  if (r.oos) return "out-of-service";
  if (r.shelf) return "shelved";
  if (r.suppressed) return "suppressed";
  return r.ack;
}

export function hidden(r: AlarmRecord): boolean {
  return r.oos !== null || r.shelf !== null || r.suppressed;
}

/** Where an input finds the alarms it drives: the tag name, or `<kind>:<key>`. */
export function alarmKey(def: AlarmDef): string {
  switch (def.kind) {
    case "analog":
    case "deviation":
    case "rate":
    case "discrete":
    case "quality":
      return def.tag;
    case "interlock":
      return `interlock:${def.interlock}`;
    case "plc-trip":
      return `plc-trip:${def.plcTripUnconfirmed}`;
    case "comm":
      return `comm:${def.device}`;
    case "historian":
      return `historian:${def.condition}`;
    case "security":
      return `security:${def.condition}`;
  }
}
