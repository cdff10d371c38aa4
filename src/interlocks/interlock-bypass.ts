import type { InterlockDefs } from "./interlock-schema.js";
import type { BypassInfo, InterlockAction, InterlockEvent, InterlockState } from "./interlock-types.js";
import { withRecords } from "./interlock-state.js";

/**
 * The operator's bypass of an interlock: time-limited, with a reason and who, within the limits of
 * interlocks.yaml; and its early removal. Pure: the caller evaluates the interlock right after (it is due at
 * once), so a bypass that ends on a present cause trips at once.
 */

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
