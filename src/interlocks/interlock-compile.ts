import {
  type CompareCondition,
  type Condition,
  type InterlockDef,
  type InterlockDefs,
  isCompare,
  isPermissiveKind,
  isTripKind,
  isValueRef,
  tagsOfCondition,
} from "./interlock-schema.js";
import type { InterlockInputs } from "./interlock-types.js";
import { isGoodValue, resolveLimit } from "./interlock-operands.js";
import { type Tri, F, T, U, compareValues } from "./interlock-tri.js";

/**
 * The interlock definitions compiled into closures, once per defs object (cached by identity): every
 * condition becomes a function of an evaluation context that returns true, false or unknown, so that the trip
 * path walks no condition tree and looks nothing up by name. Also the tag → readers index.
 */

export interface EvalContext {
  readonly inputs: InterlockInputs;
  readonly now: number;
  readonly base: ReadonlyMap<string, number>;
  /** Copy of `base`, made on the first change. */
  draft: Map<string, number> | null;
  /** Earliest future time a time-based condition may change (collected while evaluating). */
  due: number;
}

export type Compiled = (ctx: EvalContext) => Tri;

export interface CompiledInterlock {
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

export interface CompiledDefs {
  readonly list: readonly CompiledInterlock[];
  readonly byId: ReadonlyMap<string, CompiledInterlock>;
  readonly readers: ReadonlyMap<string, readonly string[]>;
  readonly allIds: readonly string[];
}

const compiledCache = new WeakMap<InterlockDefs, CompiledDefs>();

/** The compiled form of `defs` (compiled on the first call for that object). */
export function compiledOf(defs: InterlockDefs): CompiledDefs {
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
  // all: any false part makes it false; any: any true part makes it true. Otherwise unknown wins over the rest.
  if ("all" in c) return compileJunction(c.all.map(compileCondition), F, T);
  if ("any" in c) return compileJunction(c.any.map(compileCondition), T, F);
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
    // A frozen (or missing) heartbeat is stale: true. One that is not Good says nothing either way: unknown,
    // which trips after the not-Good grace like any other value that is not Good.
    return (ctx) => {
      let r: Tri = F;
      for (const d of devices) {
        const hb = ctx.inputs.heartbeats[d];
        if (hb?.stale === false) continue;
        if (hb?.unknown !== true) return T;
        r = U;
      }
      return r;
    };
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

/** `all` (decisive F, neutral T) or `any` (decisive T, neutral F) of the parts. */
function compileJunction(parts: readonly Compiled[], decisive: Tri, neutral: Tri): Compiled {
  // No short-circuit: every part runs, so each notGood part keeps its clock.
  return (ctx) => {
    let r = neutral;
    for (const p of parts) {
      const v = p(ctx);
      if (v === decisive) r = decisive;
      else if (v === U && r === neutral) r = U;
    }
    return r;
  };
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
