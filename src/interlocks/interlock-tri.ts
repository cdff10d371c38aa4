import type { TagScalar } from "../core/tag-value.js";
import type { CompareOp } from "./interlock-schema.js";
import type { CauseState } from "./interlock-types.js";

/**
 * Three-valued logic for interlock causes: false, true, or unknown (a value not Good, a limit that cannot be
 * resolved). Small integers rather than strings or booleans, so that the compiled conditions on the trip path
 * compare and return plain numbers.
 */

export const F = 0;
export const T = 1;
export const U = 2;
export type Tri = typeof F | typeof T | typeof U;

/** How a record and the status show a cause. */
export const CAUSE_STATE_OF_TRI: Readonly<Record<Tri, CauseState>> = { [F]: "absent", [T]: "present", [U]: "unknown" };

/** A comparison in three-valued logic: unknown when the types differ or a number is NaN. */
export function compareValues(a: TagScalar, op: CompareOp, b: number | boolean): Tri {
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
