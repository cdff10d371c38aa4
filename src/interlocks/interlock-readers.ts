import { type Condition, type InterlockDefs, isCompare, isValueRef } from "./interlock-schema.js";
import { compiledOf } from "./interlock-compile.js";

/**
 * Which interlocks read which input, for incremental evaluation: on a change the caller re-evaluates only
 * the interlocks that read what changed (`evaluateFor`).
 */

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
