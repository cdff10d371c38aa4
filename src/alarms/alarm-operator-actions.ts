import type { AlarmEvent, AlarmState, AlarmTransition } from "./alarm-event.js";
import type { AlarmRecord } from "./alarm-record.js";
import { land, type TransitionExtra } from "./alarm-transitions.js";

/**
 * The operator actions on one alarm record (ack, reset, shelve, unshelve, out of service, back in service).
 * Each checks that the action is allowed in the record's shown state `from` and then changes the record,
 * or refuses and changes nothing; the evaluator finds the record, checks the user, emits the transition
 * and re-arms the timers.
 */

export type OperatorResult = { readonly ok: true; readonly events: AlarmEvent[] } | { readonly ok: false; readonly reason: string };

export type OperatorRefusal = Extract<OperatorResult, { ok: false }>;

/** What an action did: the transition to announce (with its extra fields), or why it was refused. */
export type OperatorStep = { readonly ok: true; readonly transition: AlarmTransition; readonly extra?: TransitionExtra } | OperatorRefusal;

export function refuse(reason: string): OperatorRefusal {
  return { ok: false, reason };
}

export function needsText(s: string): boolean {
  return typeof s !== "string" || s.trim() === "";
}

export function ackAlarm(r: AlarmRecord, from: AlarmState, user: string, now: number): OperatorStep {
  if (from !== "unack-active" && from !== "rtn-unack") return refuse(`alarm '${r.def.id}' is ${from}: nothing to acknowledge`);
  r.ack = from === "unack-active" ? "ack-active" : "normal";
  r.ackedBy = user;
  r.ackedAt = now;
  return { ok: true, transition: "ack" };
}

/** Resets a latched alarm that was acknowledged and whose condition is gone. */
export function resetAlarm(r: AlarmRecord, from: AlarmState): OperatorStep {
  const id = r.def.id;
  if (!r.def.latching) return refuse(`alarm '${id}' is not latching: it needs no reset`);
  if (from !== "ack-active") return refuse(`alarm '${id}' is ${from}: only an acknowledged latched alarm can be reset`);
  if (r.active) return refuse(`alarm '${id}': its condition is still active`);
  r.ack = "normal";
  return { ok: true, transition: "reset" };
}

export interface ShelveRequest {
  readonly minutes: number;
  readonly reason: string;
  readonly user: string;
  readonly now: number;
  /** The longest shelve allowed (settings.maxShelveMinutes). */
  readonly maxMinutes: number;
}

export function shelveAlarm(r: AlarmRecord, q: ShelveRequest): OperatorStep {
  const id = r.def.id;
  if (needsText(q.reason)) return refuse("a reason is required to shelve an alarm");
  const { minutes, maxMinutes: max } = q;
  if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes <= 0 || minutes > max) {
    return refuse(`shelve time must be more than 0 and at most ${max} minutes (got ${String(minutes)})`);
  }
  if (r.oos) return refuse(`alarm '${id}' is out of service`);
  if (r.shelf) return refuse(`alarm '${id}' is already shelved until ${new Date(r.shelf.until).toISOString()}`);
  r.shelf = { until: q.now + minutes * 60_000, by: q.user, reason: q.reason.trim() };
  return { ok: true, transition: "shelve", extra: { reason: r.shelf.reason, shelvedUntil: r.shelf.until } };
}

export function unshelveAlarm(r: AlarmRecord): OperatorStep {
  if (!r.shelf) return refuse(`alarm '${r.def.id}' is not shelved`);
  r.shelf = null;
  land(r);
  return { ok: true, transition: "unshelve" };
}

export function removeAlarmFromService(r: AlarmRecord, reason: string, user: string, now: number): OperatorStep {
  if (needsText(reason)) return refuse("a reason is required to take an alarm out of service");
  if (r.oos) return refuse(`alarm '${r.def.id}' is already out of service`);
  // Out of service supersedes a shelf: returning to service must not bring back an old expiry.
  r.shelf = null;
  r.oos = { by: user, reason: reason.trim(), at: now };
  return { ok: true, transition: "out-of-service", extra: { reason: r.oos.reason } };
}

export function returnAlarmToService(r: AlarmRecord): OperatorStep {
  if (!r.oos) return refuse(`alarm '${r.def.id}' is not out of service`);
  r.oos = null;
  land(r);
  return { ok: true, transition: "in-service" };
}
