import type { InterlockDef } from "./interlock-schema.js";
import type { InterlockAction, InterlockInputs, InterlockRecord, InterlockState } from "./interlock-types.js";
import { causeSnapshot } from "./interlock-cause-snapshot.js";
import { compiledOf } from "./interlock-compile.js";
import { withRecords } from "./interlock-state.js";
import { F } from "./interlock-tri.js";

/**
 * The operator's reset of the latched trips (the reset command): what may be reset is reset, the rest stays
 * latched with the reason, and the trip record with its first-out is cleared only when none stays.
 */

export interface ResetResult {
  readonly state: InterlockState;
  /** settings.resetWrites (e.g. the PLC trip reset), then a reset or reset-refused event per latched trip. */
  readonly actions: readonly InterlockAction[];
  readonly reset: readonly string[];
  /** Trips that stay latched, with why. */
  readonly remaining: readonly { readonly id: string; readonly reason: string }[];
}

/**
 * The operator's reset: every latched trip whose cause is gone (or that is bypassed) is reset; the others
 * stay, with the reason. A trip with `resetBlockedWhile` also stays while that condition holds or cannot be
 * decided (always, without `inputs`): its own effect may have switched its `while` off with the fault still
 * there. When none stays, the trip record and first-out are cleared. Give `inputs` to describe the present
 * causes in the reasons.
 */
export function reset(state: InterlockState, by: string, now: number, inputs?: InterlockInputs): ResetResult {
  const actions: InterlockAction[] = state.defs.settings.resetWrites.map((w) => ({ kind: "write", tag: w.tag, value: w.value, interlock: null }));
  const done: string[] = [];
  const remaining: { id: string; reason: string }[] = [];
  const records = new Map(state.records);
  const compiled = compiledOf(state.defs);
  for (const def of state.defs.interlocks) {
    const rec = state.records.get(def.id);
    if (!rec || !rec.latched) continue;
    const resetBlock = compiled.byId.get(def.id)?.resetBlock ?? null;
    const blocked =
      resetBlock !== null && !rec.bypass && (inputs === undefined || resetBlock({ inputs, now, base: state.notGoodSince, draft: null, due: Infinity }) !== F);
    if ((rec.cause === "absent" && !blocked) || rec.bypass) {
      records.set(def.id, { ...rec, latched: false, since: now });
      done.push(def.id);
      actions.push({ kind: "event", event: { type: "reset", interlock: def.id, at: now, by } });
      continue;
    }
    const reason = refusalReason(def, rec, state, now, inputs);
    remaining.push({ id: def.id, reason });
    actions.push({ kind: "event", event: { type: "reset-refused", interlock: def.id, at: now, by, reason } });
  }
  const trips = remaining.length === 0 ? [] : state.trips;
  return { state: withRecords(state, records, trips), actions, reset: done, remaining };
}

/** Why a latched trip stays: the fault (resetBlockedWhile) or the cause is still there, described when `inputs` are given. */
function refusalReason(def: InterlockDef, rec: InterlockRecord, state: InterlockState, now: number, inputs: InterlockInputs | undefined): string {
  let reason: string;
  if (rec.cause === "absent") {
    reason = "the fault is still there";
    if (inputs && def.resetBlockedWhile) reason += `: ${causeSnapshot(def.resetBlockedWhile, undefined, inputs, state.notGoodSince, now).text}`;
  } else {
    reason = rec.cause === "present" ? "cause still present" : "cause not known to be clear (an input is not Good)";
    if (inputs) reason += `: ${causeSnapshot(def.cause, def.while, inputs, state.notGoodSince, now).text}`;
  }
  return reason;
}
