import type { TagValue } from "../core/tag-value.js";
import type { InterlockDef, PlcTrip } from "./interlock-schema.js";
import type { CauseSnapshot, CauseState, InterlockAction, InterlockEvent, InterlockRecord, PlcTripEdge } from "./interlock-types.js";
import { causeSnapshot } from "./interlock-cause-snapshot.js";
import type { Compiled, CompiledInterlock, EvalContext } from "./interlock-compile.js";
import { isGoodValue } from "./interlock-operands.js";
import { type Tri, CAUSE_STATE_OF_TRI, F, T } from "./interlock-tri.js";

/**
 * One interlock, one evaluation — the inner loop of the trip path: from the interlock's record and its cause
 * now, the next record, the events it raises and the trip it starts. In this order: bypass expiry, the PLC's
 * trip bit (read once), the trip rules, the permissive rules, the PLC trip confirmation; the events keep it.
 *
 * The record is worked out in a draft held by the evaluation's `StepRun` (made on the evaluation's first step,
 * reused by the next ones): a step allocates only for what changes — a new record, an event, a trip.
 */

export interface PendingTrip {
  readonly ci: CompiledInterlock;
  readonly viaNotGood: boolean;
  /** Tripped because the PLC reported its own trip (the bit's rising edge), not on the SCADA's reading of the cause. */
  readonly viaPlc?: PlcTripEdge;
}

/** An interlock's record while a step works it out. */
type RecordDraft = { -readonly [K in keyof InterlockRecord]: InterlockRecord[K] };

/** One evaluateFor call's working space: what the steps collect, and the record being worked out. */
export interface StepRun {
  readonly ctx: EvalContext;
  /** settings.notGoodTripAfterMs */
  readonly grace: number;
  /** Events other than trips, in the order raised. */
  readonly events: InterlockAction[];
  /** Trips started, in evaluation order. */
  readonly pending: PendingTrip[];
  /** The record being worked out: made on the first step, reused by the next ones. */
  d: RecordDraft | null;
}

export function newStepRun(ctx: EvalContext, grace: number): StepRun {
  return { ctx, grace, events: [], pending: [], d: null };
}

/** The next record of one interlock (`rec` itself when nothing changed); events and a new trip go to `run`. */
export function stepInterlock(ci: CompiledInterlock, rec: InterlockRecord, run: StepRun): InterlockRecord {
  const { ctx } = run;
  const { def } = ci;
  const now = ctx.now;
  ctx.due = Infinity;
  const waitingFor = ctx.inputs.waiting?.get(def.id);
  if (waitingFor !== undefined) return waitingRecord(rec, waitingFor);
  const raw = ci.cause(ctx);
  const d = (run.d ??= { ...rec });
  d.cause = CAUSE_STATE_OF_TRI[raw];
  d.trueSince = raw === T ? (rec.cause === "present" && rec.trueSince !== null ? rec.trueSince : now) : null;
  d.unsafeSince = raw !== F ? (rec.cause !== "absent" && rec.unsafeSince !== null ? rec.unsafeSince : now) : null;
  d.latched = rec.latched;
  d.missing = rec.missing;
  d.since = rec.since;
  d.snapshot = rec.snapshot;
  d.bypass = rec.bypass;
  d.hard = rec.hard;
  d.plcBit = rec.plcBit;
  d.confirmSince = rec.confirmSince;
  d.waitingFor = null;

  expireBypass(def, d, run);
  d.dueAt = d.bypass ? Math.min(ctx.due, d.bypass.until) : ctx.due;

  // The mirror of the PLC's own trip word: the bit's rising edge trips the interlock even when the SCADA never
  // saw the cause (a transient the PLC cut within its scan, e.g. an over-current spike between two samples).
  const plc = def.plcTrip;
  let word: TagValue | undefined;
  let plcEdge: PlcTripEdge | undefined;
  if (plc) {
    const w = ctx.inputs.tags(plc.tag);
    const set = tripBitSet(w, plc.bit);
    if (set && !rec.plcBit) plcEdge = { tag: plc.tag, bit: plc.bit, word: w.value };
    d.plcBit = set;
    word = w;
  }

  if (ci.trip) stepTrip(ci, rec.cause, raw, plcEdge, d, run);
  if (ci.permissive) stepPermissive(def, raw, d, run);
  if (plc && ci.hardCause) confirmPlcTrip(ci, ci.hardCause, plc, raw, word, d, run);
  return recordOf(rec, d);
}

/**
 * An interlock whose devices have not delivered their first data (the quiet boot): its cause is not looked
 * at — no value has arrived to judge, so nothing trips and no not-Good time runs — and it is not permitted
 * (interlock-status.ts). Its timers start afresh with the first data.
 */
function waitingRecord(rec: InterlockRecord, waitingFor: string): InterlockRecord {
  if (rec.waitingFor === waitingFor && rec.cause === "unknown" && !rec.missing && rec.dueAt === Infinity) return rec;
  // Not "missing" either: a waiting interlock is shown as waiting (no permissive alarm for "no data yet").
  return { ...rec, cause: "unknown", trueSince: null, unsafeSince: null, missing: false, hard: false, confirmSince: null, waitingFor, dueAt: Infinity };
}

/** The interlock's bit in the PLC's trip word is set (a word that is not Good sets no bit). */
function tripBitSet(word: TagValue | undefined, bit: number): word is TagValue & { value: number } {
  return isGoodValue(word) && typeof word.value === "number" && Math.floor(word.value / 2 ** bit) % 2 === 1;
}

function emit(run: StepRun, event: InterlockEvent): void {
  run.events.push({ kind: "event", event });
}

/** The interlock's cause described with the values now (and the not-Good times as this evaluation has them). */
function describeNow(def: InterlockDef, ctx: EvalContext): CauseSnapshot {
  return causeSnapshot(def.cause, def.while, ctx.inputs, ctx.draft ?? ctx.base, ctx.now);
}

function expireBypass(def: InterlockDef, d: RecordDraft, run: StepRun): void {
  const { bypass } = d;
  const now = run.ctx.now;
  if (!bypass || now < bypass.until) return;
  emit(run, { type: "bypass-expired", interlock: def.id, at: now, by: bypass.by, reason: bypass.reason, until: bypass.until });
  d.bypass = null;
  d.since = now;
}

/** Trips when the cause is true for onDelayMs, or not false for max(onDelayMs, grace), or on the PLC's edge. */
function stepTrip(ci: CompiledInterlock, before: CauseState, raw: Tri, plcEdge: PlcTripEdge | undefined, d: RecordDraft, run: StepRun): void {
  const { def } = ci;
  const now = run.ctx.now;
  const delay = def.onDelayMs;
  const unsafeDelay = Math.max(delay, run.grace);
  const definite = raw === T && now - d.trueSince! >= delay;
  const viaNotGood = !definite && raw !== F && now - d.unsafeSince! >= unsafeDelay;
  if (!definite && !viaNotGood) {
    if (raw === T) d.dueAt = Math.min(d.dueAt, d.trueSince! + delay);
    if (raw !== F) d.dueAt = Math.min(d.dueAt, d.unsafeSince! + unsafeDelay);
  }
  if ((definite || viaNotGood || plcEdge) && !d.latched && !d.bypass) {
    run.pending.push({ ci, viaNotGood: viaNotGood && !plcEdge, ...(plcEdge && !definite ? { viaPlc: plcEdge } : {}) });
    d.latched = true;
    d.since = now;
  } else if (d.latched && raw === F && before !== "absent") {
    d.snapshot = describeNow(def, run.ctx);
    d.since = now;
    emit(run, { type: "clear", interlock: def.id, at: now, cause: d.snapshot });
  }
}

/** Missing when the cause is not false for onDelayMs (so unknown counts at once without a delay). */
function stepPermissive(def: InterlockDef, raw: Tri, d: RecordDraft, run: StepRun): void {
  const now = run.ctx.now;
  const delay = def.onDelayMs;
  const nowMissing = raw !== F && now - d.unsafeSince! >= delay;
  if (raw !== F && !nowMissing) d.dueAt = Math.min(d.dueAt, d.unsafeSince! + delay);
  if (def.kind === "permissive" && nowMissing !== d.missing) {
    d.since = now;
    if (nowMissing) {
      d.snapshot = describeNow(def, run.ctx);
      emit(run, { type: "permissive-lost", interlock: def.id, at: now, cause: d.snapshot });
    } else {
      emit(run, { type: "permissive-restored", interlock: def.id, at: now });
    }
  }
  d.missing = nowMissing;
}

/** When the PLC's hard-trip cause comes, its trip bit must follow within confirmMs; else trip-not-confirmed. */
function confirmPlcTrip(
  ci: CompiledInterlock,
  hardCause: Compiled,
  plc: PlcTrip,
  raw: Tri,
  word: TagValue | undefined,
  d: RecordDraft,
  run: StepRun,
): void {
  const { ctx } = run;
  const now = ctx.now;
  const hardNow = (hardCause === ci.cause ? raw : hardCause(ctx)) === T;
  if (hardCause !== ci.cause) d.dueAt = Math.min(d.dueAt, ctx.due);
  if (hardNow && !d.hard) d.confirmSince = d.plcBit ? null : (d.confirmSince ?? now);
  else if (d.confirmSince !== null) {
    if (d.plcBit) d.confirmSince = null;
    else if (now - d.confirmSince >= plc.confirmMs) {
      emit(run, notConfirmed(ci.def, plc, d.confirmSince, word, ctx));
      d.confirmSince = null;
    }
  }
  if (d.confirmSince !== null) d.dueAt = Math.min(d.dueAt, d.confirmSince + plc.confirmMs);
  d.hard = hardNow;
}

function notConfirmed(def: InterlockDef, plc: PlcTrip, causeSince: number, word: TagValue | undefined, ctx: EvalContext): InterlockEvent {
  return {
    type: "trip-not-confirmed",
    interlock: def.id,
    at: ctx.now,
    causeSince,
    tag: plc.tag,
    bit: plc.bit,
    tripWord: isGoodValue(word) ? word.value : null,
    cause: causeSnapshot(plc.cause ?? def.cause, plc.cause ? undefined : def.while, ctx.inputs, ctx.draft ?? ctx.base, ctx.now),
  };
}

/** `rec` when the step changed nothing (the caller keeps the state object), else the new record. */
function recordOf(rec: InterlockRecord, d: RecordDraft): InterlockRecord {
  const { cause, trueSince, unsafeSince, latched, missing, since, snapshot, bypass, hard, confirmSince, plcBit, waitingFor, dueAt } = d;
  if (
    waitingFor === rec.waitingFor &&
    cause === rec.cause &&
    trueSince === rec.trueSince &&
    unsafeSince === rec.unsafeSince &&
    latched === rec.latched &&
    missing === rec.missing &&
    since === rec.since &&
    snapshot === rec.snapshot &&
    bypass === rec.bypass &&
    hard === rec.hard &&
    plcBit === rec.plcBit &&
    confirmSince === rec.confirmSince &&
    dueAt === rec.dueAt
  ) {
    return rec;
  }
  return { id: rec.id, cause, trueSince, unsafeSince, latched, missing, since, snapshot, bypass, hard, confirmSince, plcBit, waitingFor, dueAt };
}
