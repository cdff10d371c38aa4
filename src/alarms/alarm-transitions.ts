import { type AlarmEvent, type AlarmState, type AlarmTransition, SYSTEM_USER } from "./alarm-event.js";
import { type AlarmRecord, hidden, shownState } from "./alarm-record.js";

/** What a shelve or out-of-service event carries besides the common fields. */
export interface TransitionExtra {
  readonly reason?: string;
  readonly shelvedUntil?: number;
}

/**
 * Applies the on/off delays to `cond`; changes `active` when the delay has passed. The caller keeps the
 * record's timer (`needsTimer`) up to date afterwards.
 */
export function debounce(r: AlarmRecord, now: number, events: AlarmEvent[]): void {
  if (r.cond === r.active) {
    r.pendingSince = null;
    return;
  }
  const delay = r.cond ? r.def.onDelayMs : r.def.offDelayMs;
  r.pendingSince ??= now;
  if (now - r.pendingSince >= delay) {
    r.pendingSince = null;
    setActive(r, r.cond, now, events);
  }
}

function setActive(r: AlarmRecord, active: boolean, now: number, events: AlarmEvent[]): void {
  r.active = active;
  r.activeSince = active ? now : null;
  if (hidden(r)) return; // tracked, not annunciated
  const from = shownState(r);
  if (active) {
    r.ack = "unack-active";
    r.ackedBy = null;
    r.ackedAt = null;
    emitTransition(r, "activate", from, now, events, SYSTEM_USER);
  } else {
    if (r.ack === "unack-active") r.ack = "rtn-unack";
    else if (r.ack === "ack-active" && !r.def.latching) r.ack = "normal";
    emitTransition(r, "clear", from, now, events, SYSTEM_USER);
  }
}

export function setSuppressed(r: AlarmRecord, suppressed: boolean, now: number, events: AlarmEvent[]): void {
  if (r.suppressed === suppressed) return;
  const from = shownState(r);
  r.suppressed = suppressed;
  land(r);
  const to = shownState(r);
  // Under a shelf or out of service the shown state does not change: nothing to tell.
  if (to !== from) emitTransition(r, suppressed ? "suppress" : "unsuppress", from, now, events, SYSTEM_USER);
}

/** Back from hidden (ISA-18.2: to normal, then re-evaluated): unack-active if the condition is active. */
export function land(r: AlarmRecord): void {
  if (hidden(r)) return;
  r.ack = r.active ? "unack-active" : "normal";
  r.ackedBy = null;
  r.ackedAt = null;
}

/** Ends a shelf whose time is up (no-op otherwise). */
export function expireShelf(r: AlarmRecord, now: number, events: AlarmEvent[]): void {
  if (!r.shelf || now < r.shelf.until) return;
  const from = shownState(r);
  r.shelf = null;
  land(r);
  emitTransition(r, "shelve-expired", from, now, events, SYSTEM_USER);
}

/** A rate alarm whose tag sent nothing for `zeroAfterMs` counts its rate as 0. */
export function zeroQuietRate(r: AlarmRecord, now: number): void {
  if (r.def.kind === "rate" && r.cond && r.sampleAt !== null && now - r.sampleAt >= r.def.zeroAfterMs) {
    r.cond = false;
    r.sample = null;
  }
}

export function emitTransition(
  r: AlarmRecord,
  transition: AlarmTransition,
  from: AlarmState,
  now: number,
  events: AlarmEvent[],
  user: string,
  extra: TransitionExtra = {},
): void {
  r.since = now;
  r.valueAtChange = r.value;
  events.push({
    alarmId: r.def.id,
    at: now,
    transition,
    from,
    to: shownState(r),
    value: r.value,
    priority: r.def.priority,
    station: r.def.station,
    message: r.def.message,
    user,
    ...extra,
  });
}

/** A delay running, a shelf, or a rate that must return to 0: `tick` has to look at the record. */
export function needsTimer(r: AlarmRecord): boolean {
  return r.pendingSince !== null || r.shelf !== null || (r.def.kind === "rate" && r.cond);
}

/** The earliest time `tick` may change the record (Infinity: none). */
export function dueAt(r: AlarmRecord): number {
  let due = Infinity;
  if (r.pendingSince !== null) due = Math.min(due, r.pendingSince + (r.cond ? r.def.onDelayMs : r.def.offDelayMs));
  if (r.shelf) due = Math.min(due, r.shelf.until);
  if (r.def.kind === "rate" && r.cond && r.sampleAt !== null) due = Math.min(due, r.sampleAt + r.def.zeroAfterMs);
  return due;
}
