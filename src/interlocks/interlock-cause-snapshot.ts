import type { TagScalar, TagValue } from "../core/tag-value.js";
import {
  type CompareCondition,
  type Condition,
  type HeartbeatStaleCondition,
  type LineCondition,
  type NotGoodCondition,
  type RecipeNotVerifiedCondition,
  type ValueRef,
  isCompare,
  isValueRef,
} from "./interlock-schema.js";
import type { CauseReading, CauseSnapshot, InterlockInputs, PlcTripEdge } from "./interlock-types.js";
import { isGoodValue, resolveLimit } from "./interlock-operands.js";
import { type Tri, F, T, U, compareValues } from "./interlock-tri.js";

/**
 * A cause as the operator reads it (CauseSnapshot): a sentence naming the parts that decided the verdict,
 * and the values behind it. Worked out only on edges — trips, clears, permissive changes, reset refusals,
 * reports — never on every evaluation of the trip path. It decides on the same operands as the compiled
 * conditions (interlock-operands.ts), so the sentence and the verdict agree.
 */

/** A number to 6 significant digits; anything else as String() writes it. */
export function formatScalar(v: TagScalar | null | undefined): string {
  if (typeof v === "number") return String(Number(v.toPrecision(6)));
  return String(v);
}

/** The cause, and the `while` it counts under, described with the values at `now`. */
export function causeSnapshot(
  cause: Condition,
  whileCond: Condition | undefined,
  inputs: InterlockInputs,
  notGoodSince: ReadonlyMap<string, number>,
  now: number,
): CauseSnapshot {
  const d: Describing = { inputs, notGoodSince, now, readings: new Map() };
  let text = describe(cause, d).text;
  if (whileCond) text += ` while ${describe(whileCond, d).text}`;
  return { text, readings: [...d.readings.values()] };
}

/** A trip the PLC reported itself, with what the SCADA read of the cause (`seen`). */
export function plcTripSnapshot(edge: PlcTripEdge, seen: CauseSnapshot): CauseSnapshot {
  return {
    text: `PLC trip: ${edge.tag} = ${formatScalar(edge.word)}, bit ${edge.bit} set (SCADA reading: ${seen.text})`,
    readings: [{ tag: edge.tag, value: edge.word, quality: "Good" }, ...seen.readings.filter((r) => r.tag !== edge.tag)],
  };
}

/** One description's inputs, and the readings it collects (the first reading of a tag is kept). */
interface Describing {
  readonly inputs: InterlockInputs;
  readonly notGoodSince: ReadonlyMap<string, number>;
  readonly now: number;
  readonly readings: Map<string, CauseReading>;
}

interface Described {
  readonly tri: Tri;
  readonly text: string;
}

function describe(c: Condition, d: Describing): Described {
  if (isCompare(c)) return describeCompare(c, d);
  if ("all" in c) return describeJunction(c.all, true, d);
  if ("any" in c) return describeJunction(c.any, false, d);
  if ("not" in c) {
    const inner = describe(c.not, d);
    return { tri: inner.tri === U ? U : inner.tri === T ? F : T, text: `not (${inner.text})` };
  }
  if ("notGood" in c) return describeNotGood(c, d);
  return describeContext(c, d.inputs);
}

function describeCompare(c: CompareCondition, d: Describing): Described {
  const v = d.inputs.tags(c.tag);
  const limit = isValueRef(c.value) ? resolveLimit(c.value, d.inputs) : c.value;
  const limitText = isValueRef(c.value) ? `${formatScalar(limit)} (recipe ${c.value.recipe})` : formatScalar(limit);
  let tri: Tri;
  let text: string;
  if (!isGoodValue(v)) {
    tri = U;
    text = v === undefined ? `${c.tag} has no value` : `${c.tag} is ${v.quality.status}${v.quality.reason ? ` (${v.quality.reason})` : ""}`;
  } else if (limit === undefined) {
    tri = U;
    text = `${c.tag} = ${formatScalar(v.value)}, limit unknown (no recipe ${(c.value as ValueRef).recipe})`;
  } else {
    tri = compareValues(v.value, c.op, limit);
    text = `${c.tag} = ${formatScalar(v.value)} ${c.op} ${limitText}`;
    if (tri === F) text = `${c.tag} = ${formatScalar(v.value)}, not ${c.op} ${limitText}`;
  }
  noteReading(d, c.tag, v, limit);
  return { tri, text };
}

/** `all` or `any` of the parts, naming the parts that decided the verdict. */
function describeJunction(conditions: readonly Condition[], isAll: boolean, d: Describing): Described {
  const parts = conditions.map((s) => describe(s, d));
  let tri: Tri = isAll ? T : F;
  for (const p of parts) {
    if (isAll ? p.tri === F : p.tri === T) tri = p.tri;
    else if (p.tri === U && tri !== (isAll ? F : T)) tri = U;
  }
  const deciding = parts.filter((p) => p.tri === tri);
  return { tri, text: (deciding.length > 0 ? deciding : parts).map((p) => p.text).join(isAll ? " and " : " or ") };
}

function describeNotGood(c: NotGoodCondition, d: Describing): Described {
  const bad: string[] = [];
  let tri: Tri = F;
  for (const tag of c.notGood) {
    const v = d.inputs.tags(tag);
    if (isGoodValue(v)) continue;
    const forMs = d.now - (d.notGoodSince.get(tag) ?? d.now);
    if (forMs >= c.forMs) tri = T;
    const status = v === undefined ? "no value" : `${v.quality.status}${v.quality.reason ? `: ${v.quality.reason}` : ""}`;
    bad.push(`${tag} not Good for ${forMs} ms (${status})`);
    noteReading(d, tag, v, undefined);
  }
  return { tri, text: bad.length > 0 ? bad.join(", ") : "every watched value Good" };
}

/** The conditions on the non-tag inputs: heartbeats, the recipe, the line's state. */
function describeContext(c: HeartbeatStaleCondition | RecipeNotVerifiedCondition | LineCondition, inputs: InterlockInputs): Described {
  if ("heartbeatStale" in c) {
    const stale = c.heartbeatStale.filter((dev) => inputs.heartbeats[dev]?.stale !== false);
    if (stale.length === 0) return { tri: F, text: "heartbeats fresh" };
    const known = stale.some((dev) => inputs.heartbeats[dev]?.unknown !== true);
    const text = stale.map((dev) => `heartbeat of ${dev} ${inputs.heartbeats[dev]?.unknown === true ? "not Good" : "stale"}`).join(", ");
    return { tri: known ? T : U, text };
  }
  if ("recipeNotVerified" in c) {
    if (inputs.recipe === null) return { tri: T, text: "no recipe loaded" };
    return inputs.recipe.verified ? { tri: F, text: "recipe verified" } : { tri: T, text: "recipe not verified by read-back" };
  }
  const v = inputs.line[c.line];
  return v === undefined ? { tri: U, text: `line ${c.line}: unknown` } : { tri: v ? T : F, text: v ? `line ${c.line}` : `line not ${c.line}` };
}

/** Keeps the first reading of a tag: its value, quality and the limit it was compared with. */
function noteReading(d: Describing, tag: string, v: TagValue | undefined, limit: number | boolean | undefined): void {
  if (d.readings.has(tag)) return;
  d.readings.set(tag, {
    tag,
    value: v?.value ?? null,
    quality: v?.quality.status ?? "missing",
    ...(v && v.quality.reason ? { reason: v.quality.reason } : {}),
    ...(limit === undefined ? {} : { limit }),
  });
}
