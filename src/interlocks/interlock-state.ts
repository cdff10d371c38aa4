import { type InterlockDefs, isPermissiveKind } from "./interlock-schema.js";
import type { InterlockRecord, InterlockState } from "./interlock-types.js";

/**
 * The interlock state as a value: the state before the first evaluation, a state with changed records, and
 * when the next evaluation falls due with no input changing (on-delays, the not-Good grace, PLC trip
 * confirmation, bypass expiry).
 */

/** The state before the first evaluation: nothing tripped, every permissive missing, everything due. */
export function createInterlockState(defs: InterlockDefs): InterlockState {
  const records = new Map<string, InterlockRecord>();
  for (const def of defs.interlocks) {
    records.set(def.id, {
      id: def.id,
      cause: "unknown",
      trueSince: null,
      unsafeSince: null,
      latched: false,
      missing: isPermissiveKind(def.kind),
      since: null,
      snapshot: null,
      bypass: null,
      hard: false,
      plcBit: false,
      confirmSince: null,
      waitingFor: null,
      dueAt: 0,
    });
  }
  return { defs, records, notGoodSince: new Map(), trips: [], nextDue: 0 };
}

/** Earliest dueAt of the records (Infinity when none is due). */
export function earliestDue(records: ReadonlyMap<string, InterlockRecord>): number {
  let t = Infinity;
  for (const r of records.values()) if (r.dueAt < t) t = r.dueAt;
  return t;
}

/** The state with changed records (nextDue follows them). */
export function withRecords(state: InterlockState, records: ReadonlyMap<string, InterlockRecord>, trips = state.trips): InterlockState {
  return { defs: state.defs, records, notGoodSince: state.notGoodSince, trips, nextDue: earliestDue(records) };
}

/** Earliest time an evaluation is due without any input changing, or null when none is. */
export function nextDeadline(state: InterlockState): number | null {
  return state.nextDue === Infinity ? null : state.nextDue;
}

/** Ids of the interlocks due at `now`, in file order. */
export function dueInterlocks(state: InterlockState, now: number): string[] {
  const out: string[] = [];
  for (const r of state.records.values()) if (r.dueAt <= now) out.push(r.id);
  return out;
}
