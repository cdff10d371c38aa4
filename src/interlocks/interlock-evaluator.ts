import type { QualityStatus, TagScalar, TagValue } from "../core/tag-value.js";
import {
  type CompareCondition,
  type CompareOp,
  type Condition,
  type InterlockDef,
  type InterlockDefs,
  type InterlockKind,
  type Severity,
  type StartTarget,
  type ValueRef,
  isCompare,
  isPermissiveKind,
  isTripKind,
  isValueRef,
  tagsOfCondition,
} from "./interlock-schema.js";

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
 * Incremental evaluation (the trip path): `tagsReadBy(defs)` maps each tag to the interlocks that read it;
 * on a tag change the caller runs `evaluateFor` on those only (it adds the interlocks whose time-based rules
 * have fallen due). Time-based rules (on-delays, the not-Good grace, PLC trip confirmation, bypass expiry)
 * also need a call when they fall due with no tag changing: `nextDeadline(state)` says when, `evaluateDue`
 * does it. Evaluating an interlock whose inputs did not change and that is not due changes nothing, so
 * `evaluateFor(changed readers)` gives exactly what `evaluate` (all of them) gives.
 */

// ── Inputs ──────────────────────────────────────────────────────────────────────────────────────────────

export interface InterlockInputs {
  /** The current value of a tag (from the tag table); undefined when unknown. */
  readonly tags: (name: string) => TagValue | undefined;
  /** `running`: the line is in a producing state (PackML Execute and the acting states around it). */
  readonly line: { readonly running: boolean; readonly heating?: boolean };
  /** The loaded recipe: verified by read-back, and its parameters (INTERLOCK_RECIPE_PARAMETERS names). */
  readonly recipe: { readonly verified: boolean; readonly params: Readonly<Record<string, number>> } | null;
  /** Per device id; a device that is missing counts as stale. */
  readonly heartbeats: Readonly<Record<string, { readonly stale: boolean }>>;
}

// ── State, actions and events ───────────────────────────────────────────────────────────────────────────

/** The cause at the last evaluation: true (present), false (absent) or unknown (an input not Good). */
export type CauseState = "absent" | "present" | "unknown";

/** One value a cause was decided on. */
export interface CauseReading {
  readonly tag: string;
  readonly value: TagScalar | null;
  readonly quality: QualityStatus | "missing";
  readonly reason?: string;
  /** The limit it was compared with (resolved from the recipe where it refers to one). */
  readonly limit?: number | boolean;
}

/** A cause as the operator reads it: a sentence and the values behind it. */
export interface CauseSnapshot {
  readonly text: string;
  readonly readings: readonly CauseReading[];
}

export interface BypassInfo {
  readonly by: string;
  readonly reason: string;
  readonly since: number;
  /** Epoch ms; the bypass ends at now ≥ until. */
  readonly until: number;
  readonly minutes: number;
}

export interface TripRecord {
  readonly interlock: string;
  readonly title: string;
  readonly at: number;
  readonly cause: CauseSnapshot;
  /** Tripped because its cause stayed unknown (an input not Good), not because it was seen true. */
  readonly viaNotGood: boolean;
}

export interface InterlockRecord {
  readonly id: string;
  readonly cause: CauseState;
  /** Start of the current run of `present`. */
  readonly trueSince: number | null;
  /** Start of the current run of `present` or `unknown`. */
  readonly unsafeSince: number | null;
  /** Trip kinds: tripped and not yet reset. */
  readonly latched: boolean;
  /** Permissive kinds: the permissive is missing (bypass aside). */
  readonly missing: boolean;
  /** Time of the last change of what the status shows. */
  readonly since: number | null;
  /** The cause at that change (trip, clear, permissive lost). */
  readonly snapshot: CauseSnapshot | null;
  readonly bypass: BypassInfo | null;
  /** The PLC's hard-trip cause was seen true at the last evaluation. */
  readonly hard: boolean;
  /** The PLC's trip bit for this interlock was set at the last evaluation (a rising edge trips: the mirror). */
  readonly plcBit: boolean;
  /** Waiting since then for the PLC's trip bit. */
  readonly confirmSince: number | null;
  /** Earliest time the verdict may change with no input changing (0 before the first evaluation). */
  readonly dueAt: number;
}

export interface InterlockState {
  /** The definitions this state belongs to (bypass and reset look up their rules here). */
  readonly defs: InterlockDefs;
  /** Per interlock, in the order of interlocks.yaml. */
  readonly records: ReadonlyMap<string, InterlockRecord>;
  /** Since when each watched tag has not been Good (for `notGood` conditions). */
  readonly notGoodSince: ReadonlyMap<string, number>;
  /** Trips since the last full reset, in order: the first one is the first-out. */
  readonly trips: readonly TripRecord[];
  /** Earliest dueAt of the records (Infinity when none is due). */
  readonly nextDue: number;
}

export type InterlockEvent =
  | {
      readonly type: "trip";
      readonly interlock: string;
      readonly title: string;
      readonly severity: Severity;
      readonly at: number;
      readonly cause: CauseSnapshot;
      readonly firstOut: boolean;
      readonly viaNotGood: boolean;
    }
  | { readonly type: "clear"; readonly interlock: string; readonly at: number; readonly cause: CauseSnapshot }
  | { readonly type: "reset"; readonly interlock: string; readonly at: number; readonly by: string }
  | { readonly type: "reset-refused"; readonly interlock: string; readonly at: number; readonly by: string; readonly reason: string }
  | {
      readonly type: "bypass-set";
      readonly interlock: string;
      readonly at: number;
      readonly by: string;
      readonly reason: string;
      readonly until: number;
    }
  | {
      readonly type: "bypass-expired";
      readonly interlock: string;
      readonly at: number;
      readonly by: string;
      readonly reason: string;
      readonly until: number;
    }
  | { readonly type: "bypass-removed"; readonly interlock: string; readonly at: number; readonly by: string }
  | {
      readonly type: "trip-not-confirmed";
      readonly interlock: string;
      readonly at: number;
      /** When the SCADA saw the PLC's hard-trip cause. */
      readonly causeSince: number;
      readonly tag: string;
      readonly bit: number;
      /** The trip word at the deadline (null when it was not Good). */
      readonly tripWord: TagScalar | null;
      readonly cause: CauseSnapshot;
    }
  | { readonly type: "permissive-lost"; readonly interlock: string; readonly at: number; readonly cause: CauseSnapshot }
  | { readonly type: "permissive-restored"; readonly interlock: string; readonly at: number };

export type InterlockAction =
  /** Write to the PLC at once; `interlock` is null for the reset command's writes (settings.resetWrites). */
  | { readonly kind: "write"; readonly tag: string; readonly value: TagScalar; readonly interlock: string | null }
  | { readonly kind: "line"; readonly command: "abort" | "hold"; readonly interlock: string; readonly reason: string }
  | { readonly kind: "event"; readonly event: InterlockEvent };

export interface EvaluationResult {
  readonly state: InterlockState;
  /**
   * The trips' writes and line commands first (the trip path; first-out first), then the other events
   * (bypass expired, clear, permissive, trip not confirmed), then a trip event per trip, in trip order.
   */
  readonly actions: readonly InterlockAction[];
}

// ── Compiling the definitions (once per defs object) ────────────────────────────────────────────────────

const F = 0;
const T = 1;
const U = 2;
type Tri = typeof F | typeof T | typeof U;

interface EvalContext {
  readonly inputs: InterlockInputs;
  readonly now: number;
  readonly base: ReadonlyMap<string, number>;
  /** Copy of `base`, made on the first change. */
  draft: Map<string, number> | null;
  /** Earliest future time a time-based condition may change (collected while evaluating). */
  due: number;
}

type Compiled = (ctx: EvalContext) => Tri;

interface CompiledInterlock {
  readonly def: InterlockDef;
  readonly index: number;
  /** cause, and `while` when present. */
  readonly cause: Compiled;
  /** The PLC's hard-trip cause (plcTrip.cause, else the cause); null without plcTrip. */
  readonly hardCause: Compiled | null;
  /** resetBlockedWhile; null without it. */
  readonly resetBlock: Compiled | null;
  readonly trip: boolean;
  readonly permissive: boolean;
}

interface CompiledDefs {
  readonly list: readonly CompiledInterlock[];
  readonly byId: ReadonlyMap<string, CompiledInterlock>;
  readonly readers: ReadonlyMap<string, readonly string[]>;
  readonly allIds: readonly string[];
}

const compiledCache = new WeakMap<InterlockDefs, CompiledDefs>();

function compiledOf(defs: InterlockDefs): CompiledDefs {
  let c = compiledCache.get(defs);
  if (!c) compiledCache.set(defs, (c = compileDefs(defs)));
  return c;
}

function compileDefs(defs: InterlockDefs): CompiledDefs {
  const list: CompiledInterlock[] = defs.interlocks.map((def, index) => {
    const cause = compileCondition(def.while ? { all: [def.while, def.cause] } : def.cause);
    const hardCause = def.plcTrip ? (def.plcTrip.cause ? compileCondition(def.plcTrip.cause) : cause) : null;
    const resetBlock = def.resetBlockedWhile ? compileCondition(def.resetBlockedWhile) : null;
    return { def, index, cause, hardCause, resetBlock, trip: isTripKind(def.kind), permissive: isPermissiveKind(def.kind) };
  });
  const readers = new Map<string, string[]>();
  for (const { def } of list) {
    for (const tag of readsOf(def)) {
      let ids = readers.get(tag);
      if (!ids) readers.set(tag, (ids = []));
      if (!ids.includes(def.id)) ids.push(def.id);
    }
  }
  return { list, byId: new Map(list.map((c) => [c.def.id, c])), readers, allIds: list.map((c) => c.def.id) };
}

/** Every tag an interlock's verdict depends on: cause, while, the PLC trip word and the PLC's cause. */
function readsOf(def: InterlockDef): string[] {
  const out = tagsOfCondition(def.cause);
  if (def.while) tagsOfCondition(def.while, out);
  if (def.plcTrip) {
    if (!out.includes(def.plcTrip.tag)) out.push(def.plcTrip.tag);
    if (def.plcTrip.cause) tagsOfCondition(def.plcTrip.cause, out);
  }
  return out;
}

function compileCondition(c: Condition): Compiled {
  if (isCompare(c)) return compileCompare(c);
  if ("all" in c) {
    const parts = c.all.map(compileCondition);
    // No short-circuit: every part runs, so each notGood part keeps its clock.
    return (ctx) => {
      let r: Tri = T;
      for (const p of parts) {
        const v = p(ctx);
        if (v === F) r = F;
        else if (v === U && r === T) r = U;
      }
      return r;
    };
  }
  if ("any" in c) {
    const parts = c.any.map(compileCondition);
    return (ctx) => {
      let r: Tri = F;
      for (const p of parts) {
        const v = p(ctx);
        if (v === T) r = T;
        else if (v === U && r === F) r = U;
      }
      return r;
    };
  }
  if ("not" in c) {
    const inner = compileCondition(c.not);
    return (ctx) => {
      const v = inner(ctx);
      return v === U ? U : v === T ? F : T;
    };
  }
  if ("notGood" in c) {
    const { notGood: tags, forMs } = c;
    return (ctx) => {
      let r: Tri = F;
      for (const tag of tags) {
        const since = trackNotGood(ctx, tag);
        if (since === undefined) continue;
        if (ctx.now - since >= forMs) r = T;
        else ctx.due = Math.min(ctx.due, since + forMs);
      }
      return r;
    };
  }
  if ("heartbeatStale" in c) {
    const devices = c.heartbeatStale;
    return (ctx) => (devices.some((d) => ctx.inputs.heartbeats[d]?.stale !== false) ? T : F);
  }
  if ("recipeNotVerified" in c) return (ctx) => (ctx.inputs.recipe?.verified === true ? F : T);
  const which = c.line;
  return (ctx) => {
    const v = ctx.inputs.line[which];
    return v === undefined ? U : v ? T : F;
  };
}

/** Records when a watched tag stopped being Good; returns that time, or undefined when it is Good. */
function trackNotGood(ctx: EvalContext, tag: string): number | undefined {
  const map = ctx.draft ?? ctx.base;
  const since = map.get(tag);
  if (isGoodValue(ctx.inputs.tags(tag))) {
    if (since !== undefined) (ctx.draft ??= new Map(ctx.base)).delete(tag);
    return undefined;
  }
  if (since !== undefined) return since;
  (ctx.draft ??= new Map(ctx.base)).set(tag, ctx.now);
  return ctx.now;
}

function isGoodValue(v: TagValue | undefined): v is TagValue & { value: TagScalar } {
  return v !== undefined && v.quality.status === "Good" && v.value !== null;
}

function resolveLimit(ref: ValueRef, inputs: InterlockInputs): number | undefined {
  const p = inputs.recipe?.params[ref.recipe];
  if (p === undefined || !Number.isFinite(p)) return ref.fallback;
  let v = p * (ref.times ?? 1) + (ref.plus ?? 0);
  if (ref.min !== undefined && v < ref.min) v = ref.min;
  if (ref.max !== undefined && v > ref.max) v = ref.max;
  return v;
}

/** A comparison in three-valued logic: unknown when the types differ or a number is NaN. */
function compareValues(a: TagScalar, op: CompareOp, b: number | boolean): Tri {
  if (typeof a !== typeof b) return U;
  if (op === "==") return a === b ? T : F;
  if (op === "!=") return a !== b ? T : F;
  if (typeof a !== "number" || typeof b !== "number" || Number.isNaN(a) || Number.isNaN(b)) return U;
  switch (op) {
    case "<":
      return a < b ? T : F;
    case "<=":
      return a <= b ? T : F;
    case ">":
      return a > b ? T : F;
    case ">=":
      return a >= b ? T : F;
  }
}

function compileCompare(c: CompareCondition): Compiled {
  const { tag, op, value } = c;
  if (isValueRef(value)) {
    return (ctx) => {
      const v = ctx.inputs.tags(tag);
      if (!isGoodValue(v)) return U;
      const limit = resolveLimit(value, ctx.inputs);
      return limit === undefined ? U : compareValues(v.value, op, limit);
    };
  }
  return (ctx) => {
    const v = ctx.inputs.tags(tag);
    return isGoodValue(v) ? compareValues(v.value, op, value) : U;
  };
}

// ── Describing a cause (only on edges: trips, clears, permissive changes, reports) ─────────────────────

function fmt(v: TagScalar | null | undefined): string {
  if (typeof v === "number") return String(Number(v.toPrecision(6)));
  return String(v);
}

interface Described {
  readonly tri: Tri;
  readonly text: string;
}

function describeCondition(c: Condition, inputs: InterlockInputs, notGoodSince: ReadonlyMap<string, number>, now: number, readings: Map<string, CauseReading>): Described {
  if (isCompare(c)) {
    const v = inputs.tags(c.tag);
    const limit = isValueRef(c.value) ? resolveLimit(c.value, inputs) : c.value;
    const limitText = isValueRef(c.value) ? `${fmt(limit)} (recipe ${c.value.recipe})` : fmt(limit);
    let tri: Tri;
    let text: string;
    if (!isGoodValue(v)) {
      tri = U;
      text = v === undefined ? `${c.tag} has no value` : `${c.tag} is ${v.quality.status}${v.quality.reason ? ` (${v.quality.reason})` : ""}`;
    } else if (limit === undefined) {
      tri = U;
      text = `${c.tag} = ${fmt(v.value)}, limit unknown (no recipe ${(c.value as ValueRef).recipe})`;
    } else {
      tri = compareValues(v.value, c.op, limit);
      text = `${c.tag} = ${fmt(v.value)} ${c.op} ${limitText}`;
      if (tri === F) text = `${c.tag} = ${fmt(v.value)}, not ${c.op} ${limitText}`;
    }
    if (!readings.has(c.tag)) {
      readings.set(c.tag, {
        tag: c.tag,
        value: v?.value ?? null,
        quality: v?.quality.status ?? "missing",
        ...(v && v.quality.reason ? { reason: v.quality.reason } : {}),
        ...(limit === undefined ? {} : { limit }),
      });
    }
    return { tri, text };
  }
  if ("all" in c || "any" in c) {
    const isAll = "all" in c;
    const parts = (isAll ? c.all : c.any).map((s) => describeCondition(s, inputs, notGoodSince, now, readings));
    let tri: Tri = isAll ? T : F;
    for (const p of parts) {
      if (isAll ? p.tri === F : p.tri === T) tri = p.tri;
      else if (p.tri === U && tri !== (isAll ? F : T)) tri = U;
    }
    // Name the parts that decided the verdict.
    const deciding = parts.filter((p) => p.tri === tri);
    return { tri, text: (deciding.length > 0 ? deciding : parts).map((p) => p.text).join(isAll ? " and " : " or ") };
  }
  if ("not" in c) {
    const inner = describeCondition(c.not, inputs, notGoodSince, now, readings);
    return { tri: inner.tri === U ? U : inner.tri === T ? F : T, text: `not (${inner.text})` };
  }
  if ("notGood" in c) {
    const bad: string[] = [];
    let tri: Tri = F;
    for (const tag of c.notGood) {
      const v = inputs.tags(tag);
      if (isGoodValue(v)) continue;
      const forMs = now - (notGoodSince.get(tag) ?? now);
      if (forMs >= c.forMs) tri = T;
      const status = v === undefined ? "no value" : `${v.quality.status}${v.quality.reason ? `: ${v.quality.reason}` : ""}`;
      bad.push(`${tag} not Good for ${forMs} ms (${status})`);
      if (!readings.has(tag)) {
        readings.set(tag, { tag, value: v?.value ?? null, quality: v?.quality.status ?? "missing", ...(v?.quality.reason ? { reason: v.quality.reason } : {}) });
      }
    }
    return { tri, text: bad.length > 0 ? bad.join(", ") : "every watched value Good" };
  }
  if ("heartbeatStale" in c) {
    const stale = c.heartbeatStale.filter((d) => inputs.heartbeats[d]?.stale !== false);
    return stale.length > 0
      ? { tri: T, text: stale.map((d) => `heartbeat of ${d} stale`).join(", ") }
      : { tri: F, text: "heartbeats fresh" };
  }
  if ("recipeNotVerified" in c) {
    if (inputs.recipe === null) return { tri: T, text: "no recipe loaded" };
    return inputs.recipe.verified ? { tri: F, text: "recipe verified" } : { tri: T, text: "recipe not verified by read-back" };
  }
  const v = inputs.line[c.line];
  return v === undefined ? { tri: U, text: `line ${c.line}: unknown` } : { tri: v ? T : F, text: v ? `line ${c.line}` : `line not ${c.line}` };
}

function snapshotOf(cause: Condition, whileCond: Condition | undefined, inputs: InterlockInputs, notGoodSince: ReadonlyMap<string, number>, now: number): CauseSnapshot {
  const readings = new Map<string, CauseReading>();
  const main = describeCondition(cause, inputs, notGoodSince, now, readings);
  let text = main.text;
  if (whileCond) text += ` while ${describeCondition(whileCond, inputs, notGoodSince, now, readings).text}`;
  return { text, readings: [...readings.values()] };
}

// ── The state ───────────────────────────────────────────────────────────────────────────────────────────

const NO_ACTIONS: readonly InterlockAction[] = Object.freeze([]);

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
      dueAt: 0,
    });
  }
  return { defs, records, notGoodSince: new Map(), trips: [], nextDue: 0 };
}

function earliestDue(records: ReadonlyMap<string, InterlockRecord>): number {
  let t = Infinity;
  for (const r of records.values()) if (r.dueAt < t) t = r.dueAt;
  return t;
}

/** The state with changed records (nextDue follows them). */
function withRecords(state: InterlockState, records: ReadonlyMap<string, InterlockRecord>, trips = state.trips): InterlockState {
  return { defs: state.defs, records, notGoodSince: state.notGoodSince, trips, nextDue: earliestDue(records) };
}

/** Tag → ids of the interlocks that read it (cause, while, PLC trip word and cause), in file order. */
export function tagsReadBy(defs: InterlockDefs): ReadonlyMap<string, readonly string[]> {
  return compiledOf(defs).readers;
}

/** Interlocks that read the non-tag inputs: re-evaluate them when the recipe, line state or heartbeats change. */
export function contextReadBy(defs: InterlockDefs): { recipe: string[]; line: string[]; heartbeats: string[] } {
  const out = { recipe: [] as string[], line: [] as string[], heartbeats: [] as string[] };
  for (const def of defs.interlocks) {
    const seen = new Set<keyof typeof out>();
    const visit = (c: Condition): void => {
      if (isCompare(c) && isValueRef(c.value)) seen.add("recipe");
      else if ("recipeNotVerified" in c) seen.add("recipe");
      else if ("line" in c) seen.add("line");
      else if ("heartbeatStale" in c) seen.add("heartbeats");
      else if ("all" in c) c.all.forEach(visit);
      else if ("any" in c) c.any.forEach(visit);
      else if ("not" in c) visit(c.not);
    };
    visit(def.cause);
    if (def.while) visit(def.while);
    if (def.plcTrip?.cause) visit(def.plcTrip.cause);
    for (const k of seen) out[k].push(def.id);
  }
  return out;
}

/** Evaluates every interlock. */
export function evaluate(defs: InterlockDefs, state: InterlockState, inputs: InterlockInputs, now: number): EvaluationResult {
  return evaluateFor(defs, state, compiledOf(defs).allIds, inputs, now);
}

/** Evaluates the interlocks whose time-based rules have fallen due (call it at nextDeadline). */
export function evaluateDue(defs: InterlockDefs, state: InterlockState, inputs: InterlockInputs, now: number): EvaluationResult {
  return evaluateFor(defs, state, [], inputs, now);
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

interface PendingTrip {
  readonly ci: CompiledInterlock;
  readonly viaNotGood: boolean;
  /** Tripped because the PLC reported its own trip (the bit's rising edge), not on the SCADA's reading of the cause. */
  readonly viaPlc?: { readonly tag: string; readonly bit: number; readonly word: TagScalar };
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
  const grace = defs.settings.notGoodTripAfterMs;
  let records: Map<string, InterlockRecord> | null = null;
  const pending: PendingTrip[] = [];
  const events: InterlockAction[] = [];

  for (const ci of targets) {
    const rec = state.records.get(ci.def.id);
    if (!rec) continue;
    const next = step(ci, rec, ctx, grace, events, pending);
    if (next !== rec) (records ??= new Map(state.records)).set(next.id, next);
  }

  const notGoodSince = ctx.draft ?? state.notGoodSince;
  let trips = state.trips;
  const commands: InterlockAction[] = [];
  const tripEvents: InterlockAction[] = [];
  if (pending.length > 0) {
    pending.sort((a, b) => Number(a.viaNotGood) - Number(b.viaNotGood) || a.ci.index - b.ci.index);
    const recs = (records ??= new Map(state.records));
    for (const { ci, viaNotGood, viaPlc } of pending) {
      const { def } = ci;
      const seen = snapshotOf(def.cause, def.while, inputs, notGoodSince, now);
      const cause: CauseSnapshot = viaPlc
        ? {
            text: `PLC trip: ${viaPlc.tag} = ${fmt(viaPlc.word)}, bit ${viaPlc.bit} set (SCADA reading: ${seen.text})`,
            readings: [{ tag: viaPlc.tag, value: viaPlc.word, quality: "Good" }, ...seen.readings.filter((r) => r.tag !== viaPlc.tag)],
          }
        : seen;
      const firstOut = trips.length === 0;
      trips = [...trips, { interlock: def.id, title: def.title, at: now, cause, viaNotGood }];
      const rec = recs.get(def.id);
      if (rec) recs.set(def.id, { ...rec, snapshot: cause });
      for (const w of def.effects.writes) commands.push({ kind: "write", tag: w.tag, value: w.value, interlock: def.id });
      if (def.effects.line !== "none") {
        commands.push({ kind: "line", command: def.effects.line, interlock: def.id, reason: `${def.id} ${def.title}: ${cause.text}` });
      }
      tripEvents.push({
        kind: "event",
        event: { type: "trip", interlock: def.id, title: def.title, severity: def.severity, at: now, cause, firstOut, viaNotGood },
      });
    }
  }

  if (!records && notGoodSince === state.notGoodSince) return { state, actions: events.length > 0 ? events : NO_ACTIONS };
  const recs = records ?? state.records;
  const next: InterlockState = { defs: state.defs, records: recs, notGoodSince, trips, nextDue: records ? earliestDue(recs) : state.nextDue };
  return { state: next, actions: pending.length > 0 ? [...commands, ...events, ...tripEvents] : events };
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

const TRI_STATE: Record<Tri, CauseState> = { [F]: "absent", [T]: "present", [U]: "unknown" };

/** One interlock, one evaluation: the next record; events go to `events`, new trips to `pending`. */
function step(
  ci: CompiledInterlock,
  rec: InterlockRecord,
  ctx: EvalContext,
  grace: number,
  events: InterlockAction[],
  pending: PendingTrip[],
): InterlockRecord {
  const { def } = ci;
  const now = ctx.now;
  ctx.due = Infinity;
  const raw = ci.cause(ctx);
  const cause = TRI_STATE[raw];
  const trueSince = raw === T ? (rec.cause === "present" && rec.trueSince !== null ? rec.trueSince : now) : null;
  const unsafeSince = raw !== F ? (rec.cause !== "absent" && rec.unsafeSince !== null ? rec.unsafeSince : now) : null;
  const delay = def.onDelayMs;
  let { latched, missing, since, snapshot, bypass, hard, confirmSince, plcBit } = rec;
  const describe = (): CauseSnapshot => snapshotOf(def.cause, def.while, ctx.inputs, ctx.draft ?? ctx.base, now);
  const emit = (event: InterlockEvent): void => {
    events.push({ kind: "event", event });
  };

  if (bypass && now >= bypass.until) {
    emit({ type: "bypass-expired", interlock: def.id, at: now, by: bypass.by, reason: bypass.reason, until: bypass.until });
    bypass = null;
    since = now;
  }
  let due = ctx.due;
  if (bypass) due = Math.min(due, bypass.until);

  // The mirror of the PLC's own trip word: the bit's rising edge trips the interlock even when the SCADA never
  // saw the cause (a transient the PLC cut within its scan, e.g. an over-current spike between two samples).
  let plcEdge: PendingTrip["viaPlc"];
  if (def.plcTrip) {
    const word = ctx.inputs.tags(def.plcTrip.tag);
    const set = isGoodValue(word) && typeof word.value === "number" && Math.floor(word.value / 2 ** def.plcTrip.bit) % 2 === 1;
    if (set && !rec.plcBit) plcEdge = { tag: def.plcTrip.tag, bit: def.plcTrip.bit, word: word.value };
    plcBit = set;
  }

  if (ci.trip) {
    const definite = raw === T && now - trueSince! >= delay;
    const viaNotGood = !definite && raw !== F && now - unsafeSince! >= Math.max(delay, grace);
    if (!definite && !viaNotGood) {
      if (raw === T) due = Math.min(due, trueSince! + delay);
      if (raw !== F) due = Math.min(due, unsafeSince! + Math.max(delay, grace));
    }
    if ((definite || viaNotGood || plcEdge) && !latched && !bypass) {
      pending.push({ ci, viaNotGood: viaNotGood && !plcEdge, ...(plcEdge && !definite ? { viaPlc: plcEdge } : {}) });
      latched = true;
      since = now;
    } else if (latched && raw === F && rec.cause !== "absent") {
      snapshot = describe();
      since = now;
      emit({ type: "clear", interlock: def.id, at: now, cause: snapshot });
    }
  }

  if (ci.permissive) {
    const nowMissing = raw !== F && now - unsafeSince! >= delay;
    if (raw !== F && !nowMissing) due = Math.min(due, unsafeSince! + delay);
    if (def.kind === "permissive" && nowMissing !== missing) {
      since = now;
      if (nowMissing) {
        snapshot = describe();
        emit({ type: "permissive-lost", interlock: def.id, at: now, cause: snapshot });
      } else {
        emit({ type: "permissive-restored", interlock: def.id, at: now });
      }
    }
    missing = nowMissing;
  }

  if (ci.hardCause && def.plcTrip) {
    const plc = def.plcTrip;
    const hardNow = (ci.hardCause === ci.cause ? raw : ci.hardCause(ctx)) === T;
    if (ci.hardCause !== ci.cause) due = Math.min(due, ctx.due);
    const word = ctx.inputs.tags(plc.tag);
    const bitSet = isGoodValue(word) && typeof word.value === "number" && Math.floor(word.value / 2 ** plc.bit) % 2 === 1;
    if (hardNow && !hard) confirmSince = bitSet ? null : (confirmSince ?? now);
    else if (confirmSince !== null) {
      if (bitSet) confirmSince = null;
      else if (now - confirmSince >= plc.confirmMs) {
        const hardCond = plc.cause ?? def.cause;
        emit({
          type: "trip-not-confirmed",
          interlock: def.id,
          at: now,
          causeSince: confirmSince,
          tag: plc.tag,
          bit: plc.bit,
          tripWord: isGoodValue(word) ? word.value : null,
          cause: snapshotOf(hardCond, plc.cause ? undefined : def.while, ctx.inputs, ctx.draft ?? ctx.base, now),
        });
        confirmSince = null;
      }
    }
    if (confirmSince !== null) due = Math.min(due, confirmSince + plc.confirmMs);
    hard = hardNow;
  }

  if (
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
    due === rec.dueAt
  ) {
    return rec;
  }
  return { id: rec.id, cause, trueSince, unsafeSince, latched, missing, since, snapshot, bypass, hard, confirmSince, plcBit, dueAt: due };
}

// ── Operator commands ───────────────────────────────────────────────────────────────────────────────────

export interface BypassRequest {
  readonly minutes: number;
  readonly reason: string;
  readonly by: string;
}

export type BypassResult =
  | { readonly ok: true; readonly state: InterlockState; readonly actions: readonly InterlockAction[]; readonly bypass: BypassInfo }
  | { readonly ok: false; readonly reason: string; readonly unknownInterlock?: boolean };

/** Longest bypass allowed for an interlock, minutes (0 when it may not be bypassed). */
export function maxBypassMinutes(defs: InterlockDefs, id: string): number {
  const def = defs.interlocks.find((d) => d.id === id);
  if (!def || !def.bypass.allowed) return 0;
  return Math.min(def.bypass.maxMinutes ?? defs.settings.maxBypassMinutes, defs.settings.maxBypassMinutes);
}

/**
 * Bypasses an interlock for `minutes` (time-limited, with reason and who): while bypassed it neither trips
 * nor blocks, but is reported; it may still be reset while its cause is present. A new bypass replaces
 * the current one. Refused for unknown ids, interlocks the yaml does not allow to be bypassed, without a
 * reason or a name, and for longer than the limit.
 */
export function bypass(state: InterlockState, id: string, request: BypassRequest, now: number): BypassResult {
  const def = state.defs.interlocks.find((d) => d.id === id);
  const rec = state.records.get(id);
  if (!def || !rec) return { ok: false, reason: `unknown interlock '${id}'`, unknownInterlock: true };
  if (!def.bypass.allowed) return { ok: false, reason: `${id} may not be bypassed (interlocks.yaml: bypass.allowed is false)` };
  const reason = request.reason.trim();
  if (reason === "") return { ok: false, reason: "a reason is required" };
  const by = request.by.trim();
  if (by === "") return { ok: false, reason: "who bypasses must be named" };
  const max = maxBypassMinutes(state.defs, id);
  if (!Number.isFinite(request.minutes) || request.minutes <= 0) return { ok: false, reason: "minutes must be more than 0" };
  if (request.minutes > max) return { ok: false, reason: `${id} may be bypassed for at most ${max} minutes` };
  const info: BypassInfo = { by, reason, since: now, until: now + request.minutes * 60_000, minutes: request.minutes };
  const records = new Map(state.records);
  // Due at once: the next evaluation re-arms its deadlines with the new bypass (it may replace an older one).
  records.set(id, { ...rec, bypass: info, since: now, dueAt: now });
  const event: InterlockEvent = { type: "bypass-set", interlock: id, at: now, by, reason, until: info.until };
  return { ok: true, state: withRecords(state, records), actions: [{ kind: "event", event }], bypass: info };
}

/** Ends a bypass early. The interlock is due at once: evaluate it (evaluateDue) — it trips if its cause holds. */
export function removeBypass(
  state: InterlockState,
  id: string,
  by: string,
  now: number,
): { ok: true; state: InterlockState; actions: readonly InterlockAction[] } | { ok: false; reason: string; unknownInterlock?: boolean } {
  const rec = state.records.get(id);
  if (!rec) return { ok: false, reason: `unknown interlock '${id}'`, unknownInterlock: true };
  if (!rec.bypass) return { ok: false, reason: `${id} is not bypassed` };
  const records = new Map(state.records);
  records.set(id, { ...rec, bypass: null, since: now, dueAt: now });
  return { ok: true, state: withRecords(state, records), actions: [{ kind: "event", event: { type: "bypass-removed", interlock: id, at: now, by } }] };
}

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
    let reason: string;
    if (rec.cause === "absent") {
      reason = "the fault is still there";
      if (inputs && def.resetBlockedWhile) reason += `: ${snapshotOf(def.resetBlockedWhile, undefined, inputs, state.notGoodSince, now).text}`;
    } else {
      reason = rec.cause === "present" ? "cause still present" : "cause not known to be clear (an input is not Good)";
      if (inputs) reason += `: ${snapshotOf(def.cause, def.while, inputs, state.notGoodSince, now).text}`;
    }
    remaining.push({ id: def.id, reason });
    actions.push({ kind: "event", event: { type: "reset-refused", interlock: def.id, at: now, by, reason } });
  }
  const trips = remaining.length === 0 ? [] : state.trips;
  return { state: withRecords(state, records, trips), actions, reset: done, remaining };
}

// ── Status (for the API and the line) ───────────────────────────────────────────────────────────────────

export type InterlockDisplayState = "healthy" | "tripped" | "latched" | "bypassed" | "permissive-missing";

export interface InterlockStatusEntry {
  readonly id: string;
  readonly title: string;
  readonly kind: InterlockKind;
  readonly severity: Severity;
  /** tripped: latched, cause present; latched: cause cleared, awaiting reset. */
  readonly state: InterlockDisplayState;
  readonly cause: CauseState;
  /** This interlock is the first-out. */
  readonly firstOut: boolean;
  readonly since: number | null;
  /** The cause at the last change (trip, clear, permissive lost). */
  readonly causeValue: CauseSnapshot | null;
  readonly bypass: BypassInfo | null;
  readonly bypassable: boolean;
  readonly blocksStart: readonly StartTarget[];
  /** What a trip does (the HMI's cause → effect matrix): PLC writes and the line command. */
  readonly effects: { readonly writes: readonly { readonly tag: string; readonly value: unknown }[]; readonly line: string };
  /** Waiting for the PLC's trip bit since this time. */
  readonly awaitingPlcTripSince: number | null;
}

export interface InterlockStatus {
  readonly interlocks: readonly InterlockStatusEntry[];
  /** The first trip since the last full reset. */
  readonly firstOut: TripRecord | null;
  /** Every trip since the last full reset, in order. */
  readonly trips: readonly TripRecord[];
  /** Latched trips (tripped or awaiting reset), bypassed ones excluded. */
  readonly tripped: readonly string[];
  readonly permissivesOk: boolean;
  /** Permissives missing (bypassed ones excluded). */
  readonly missingPermissives: readonly string[];
  readonly bypassed: readonly string[];
}

function displayState(def: InterlockDef, rec: InterlockRecord): InterlockDisplayState {
  if (rec.bypass) return "bypassed";
  if (rec.latched) return rec.cause === "absent" ? "latched" : "tripped";
  if (isPermissiveKind(def.kind) && rec.missing) return "permissive-missing";
  return "healthy";
}

export function status(defs: InterlockDefs, state: InterlockState): InterlockStatus {
  const firstOut = state.trips[0] ?? null;
  const entries: InterlockStatusEntry[] = [];
  for (const def of defs.interlocks) {
    const rec = state.records.get(def.id);
    if (!rec) continue;
    entries.push({
      id: def.id,
      title: def.title,
      kind: def.kind,
      severity: def.severity,
      state: displayState(def, rec),
      cause: rec.cause,
      firstOut: firstOut?.interlock === def.id,
      since: rec.since,
      causeValue: rec.snapshot,
      bypass: rec.bypass,
      bypassable: def.bypass.allowed,
      blocksStart: def.effects.blocksStart,
      effects: { writes: def.effects.writes, line: def.effects.line },
      awaitingPlcTripSince: rec.confirmSince,
    });
  }
  const missingPermissives = entries.filter((e) => isPermissiveKind(e.kind) && !e.bypass && state.records.get(e.id)?.missing).map((e) => e.id);
  return {
    interlocks: entries,
    firstOut,
    trips: state.trips,
    tripped: entries.filter((e) => e.state === "tripped" || e.state === "latched").map((e) => e.id),
    permissivesOk: missingPermissives.length === 0,
    missingPermissives,
    bypassed: entries.filter((e) => e.bypass).map((e) => e.id),
  };
}

/**
 * May the line (or the heater) start? Not while a permissive that blocks it is missing, nor while any trip
 * is latched (it must be reset first). Bypassed interlocks block nothing.
 */
export function permits(state: InterlockState, target: StartTarget): { ok: boolean; blockedBy: string[] } {
  const blockedBy: string[] = [];
  for (const def of state.defs.interlocks) {
    const rec = state.records.get(def.id);
    if (!rec || rec.bypass) continue;
    const blocksTarget = def.effects.blocksStart.includes(target);
    if (rec.latched || (blocksTarget && isPermissiveKind(def.kind) && rec.missing)) blockedBy.push(def.id);
  }
  return { ok: blockedBy.length === 0, blockedBy };
}
