import type { TagScalar, TagValue } from "../core/tag-value.js";
import type { InterlockInputs } from "./interlock-types.js";
import type { ValueRef } from "./interlock-schema.js";

/**
 * The operands of an interlock condition: a tag's value, usable only when Good (anything else leaves the
 * condition unknown: fail safe), and a limit resolved from the loaded recipe. Shared by the compiled
 * conditions (the trip path) and the cause descriptions, so both decide on the same values.
 */

/** A value the interlocks may act on: present, Good and not null. */
export function isGoodValue(v: TagValue | undefined): v is TagValue & { value: TagScalar } {
  return v !== undefined && v.quality.status === "Good" && v.value !== null;
}

/** clamp(param × times + plus, min, max) from the loaded recipe; `fallback` without a recipe or that parameter. */
export function resolveLimit(ref: ValueRef, inputs: InterlockInputs): number | undefined {
  const p = inputs.recipe?.params[ref.recipe];
  if (p === undefined || !Number.isFinite(p)) return ref.fallback;
  let v = p * (ref.times ?? 1) + (ref.plus ?? 0);
  if (ref.min !== undefined && v < ref.min) v = ref.min;
  if (ref.max !== undefined && v > ref.max) v = ref.max;
  return v;
}
