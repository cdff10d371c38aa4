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

/**
 * The interlocks that must wait for first data (the quiet boot): interlock id → the devices it waits for
 * ("htr-plc, line-plc"), for those that read a tag of a waiting device or its heartbeat. Computed when the
 * set of waiting devices changes (a few times at start), not per tag change.
 */
export function waitingInterlocks(defs: InterlockDefs, deviceWaitingFor: (tag: string) => string | null, waitingDevices: ReadonlySet<string>): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (waitingDevices.size === 0) return out;
  const devices = new Map<string, Set<string>>();
  const add = (id: string, device: string) => {
    const set = devices.get(id) ?? new Set<string>();
    set.add(device);
    devices.set(id, set);
  };
  for (const [tag, ids] of tagsReadBy(defs)) {
    const device = deviceWaitingFor(tag);
    if (device !== null) for (const id of ids) add(id, device);
  }
  for (const def of defs.interlocks) {
    const visit = (c: Condition): void => {
      if ("heartbeatStale" in c) for (const d of c.heartbeatStale) if (waitingDevices.has(d)) add(def.id, d);
      if ("all" in c) c.all.forEach(visit);
      else if ("any" in c) c.any.forEach(visit);
      else if ("not" in c) visit(c.not);
    };
    visit(def.cause);
    if (def.while) visit(def.while);
    if (def.plcTrip?.cause) visit(def.plcTrip.cause);
  }
  for (const def of defs.interlocks) {
    const set = devices.get(def.id);
    if (set) out.set(def.id, [...set].sort().join(", "));
  }
  return out;
}
