import type { InterlockDef, InterlockDefs } from "./interlock-schema.js";
import type { CauseSnapshot, EvaluationResult, InterlockAction, InterlockInputs, InterlockRecord, InterlockState } from "./interlock-types.js";
import { causeSnapshot, plcTripSnapshot } from "./interlock-cause-snapshot.js";
import { type CompiledDefs, type CompiledInterlock, type EvalContext, compiledOf } from "./interlock-compile.js";
import { dueInterlocks, earliestDue } from "./interlock-state.js";
import { type StepRun, newStepRun, stepInterlock } from "./interlock-step.js";

/**
 * The interlock evaluator: pure functions of (definitions, state, inputs, time) that return the next state
 * and the actions to carry out (PLC writes, line commands, events). Nothing here reads a clock or does I/O.
 *
 * Causes are evaluated in three-valued logic: true, false, or unknown when they depend on a value that is
 * not Good (or a limit that cannot be resolved). Fail safe:
 * - a trip trips when its cause is true for `onDelayMs`, or not false (true or unknown) for
 *   max(`onDelayMs`, `settings.notGoodTripAfterMs`);
 * - a permissive is missing when its cause is not false for `onDelayMs` — unknown counts as missing at once.
 * Trips latch: they stay until the cause is gone **and** `reset` is called (and, with `resetBlockedWhile`, until
 * that condition is false too). The first trip since the last full reset is the first-out; later ones are
 * recorded after it. An interlock with `plcTrip` also trips on the rising edge of the PLC's trip bit (the
 * SCADA mirrors the PLC's trip word), even when it never saw the cause itself.
 *
 * Incremental evaluation (the trip path): `tagsReadBy(defs)` (interlock-readers.ts) maps each tag to the
 * interlocks that read it; on a tag change the caller runs `evaluateFor` on those only (it adds the
 * interlocks whose time-based rules have fallen due). Time-based rules (on-delays, the not-Good grace, PLC
 * trip confirmation, bypass expiry) also need a call when they fall due with no tag changing:
 * `nextDeadline(state)` (interlock-state.ts) says when, `evaluateDue` does it. Evaluating an interlock whose
 * inputs did not change and that is not due changes nothing, so `evaluateFor(changed readers)` gives exactly
 * what `evaluate` (all of them) gives.
 *
 * The conditions are compiled once per defs object (interlock-compile.ts); one interlock's rules are in
 * interlock-step.ts; the operator's commands in interlock-bypass.ts and interlock-reset.ts.
 */

const NO_ACTIONS: readonly InterlockAction[] = Object.freeze([]);

/** Evaluates every interlock. */
export function evaluate(defs: InterlockDefs, state: InterlockState, inputs: InterlockInputs, now: number): EvaluationResult {
  return evaluateFor(defs, state, compiledOf(defs).allIds, inputs, now);
}

/** Evaluates the interlocks whose time-based rules have fallen due (call it at nextDeadline). */
export function evaluateDue(defs: InterlockDefs, state: InterlockState, inputs: InterlockInputs, now: number): EvaluationResult {
  return evaluateFor(defs, state, [], inputs, now);
}

/**
 * Evaluates the given interlocks (typically `tagsReadBy(defs).get(changedTag)`) and every interlock that is
 * due at `now`, in file order. Unknown ids are ignored. Returns the same state object when nothing changed.
 */
export function evaluateFor(
  defs: InterlockDefs,
  state: InterlockState,
  ids: readonly string[],
  inputs: InterlockInputs,
  now: number,
): EvaluationResult {
  const compiled = compiledOf(defs);
  const targets = targetsOf(compiled, now >= state.nextDue ? [...ids, ...dueInterlocks(state, now)] : ids);
  const ctx: EvalContext = { inputs, now, base: state.notGoodSince, draft: null, due: Infinity };
  const run = newStepRun(ctx, defs.settings.notGoodTripAfterMs);
  let records: Map<string, InterlockRecord> | null = null;
  for (const ci of targets) {
    const rec = state.records.get(ci.def.id);
    if (!rec) continue;
    const next = stepInterlock(ci, rec, run);
    if (next !== rec) (records ??= new Map(state.records)).set(next.id, next);
  }

  const notGoodSince = ctx.draft ?? state.notGoodSince;
  if (run.pending.length > 0) return withTrips(state, records ?? new Map(state.records), notGoodSince, run);
  const { events } = run;
  if (!records && notGoodSince === state.notGoodSince) return { state, actions: events.length > 0 ? events : NO_ACTIONS };
  const recs = records ?? state.records;
  const next: InterlockState = { defs: state.defs, records: recs, notGoodSince, trips: state.trips, nextDue: records ? earliestDue(recs) : state.nextDue };
  return { state: next, actions: events };
}

function targetsOf(compiled: CompiledDefs, ids: readonly string[]): readonly CompiledInterlock[] {
  if (ids.length === 1) {
    const one = compiled.byId.get(ids[0]!);
    return one ? [one] : [];
  }
  if (ids === compiled.allIds) return compiled.list;
  const set = new Set<CompiledInterlock>();
  for (const id of ids) {
    const ci = compiled.byId.get(id);
    if (ci) set.add(ci);
  }
  return [...set].sort((a, b) => a.index - b.index);
}

/**
 * The evaluation's result when it started trips: each trip recorded (the first since the last full reset is
 * the first-out; not-Good trips after the others, then in file order) with its cause, and its effects — the
 * writes and line commands — ahead of every event.
 */
function withTrips(state: InterlockState, records: Map<string, InterlockRecord>, notGoodSince: ReadonlyMap<string, number>, run: StepRun): EvaluationResult {
  const { pending, events, ctx } = run;
  const { inputs, now } = ctx;
  pending.sort((a, b) => Number(a.viaNotGood) - Number(b.viaNotGood) || a.ci.index - b.ci.index);
  let trips = state.trips;
  const commands: InterlockAction[] = [];
  const tripEvents: InterlockAction[] = [];
  for (const { ci, viaNotGood, viaPlc } of pending) {
    const { def } = ci;
    const seen = causeSnapshot(def.cause, def.while, inputs, notGoodSince, now);
    const cause = viaPlc ? plcTripSnapshot(viaPlc, seen) : seen;
    const firstOut = trips.length === 0;
    trips = [...trips, { interlock: def.id, title: def.title, at: now, cause, viaNotGood }];
    const rec = records.get(def.id);
    if (rec) records.set(def.id, { ...rec, snapshot: cause });
    pushEffects(def, cause, commands);
    tripEvents.push({
      kind: "event",
      event: { type: "trip", interlock: def.id, title: def.title, severity: def.severity, at: now, cause, firstOut, viaNotGood },
    });
  }
  const next: InterlockState = { defs: state.defs, records, notGoodSince, trips, nextDue: earliestDue(records) };
  return { state: next, actions: [...commands, ...events, ...tripEvents] };
}

/** A trip's effects: its PLC writes, then its line command. */
function pushEffects(def: InterlockDef, cause: CauseSnapshot, commands: InterlockAction[]): void {
  for (const w of def.effects.writes) commands.push({ kind: "write", tag: w.tag, value: w.value, interlock: def.id });
  if (def.effects.line !== "none") {
    commands.push({ kind: "line", command: def.effects.line, interlock: def.id, reason: `${def.id} ${def.title}: ${cause.text}` });
  }
}
