import { type InterlockDef, type InterlockDefs, type InterlockKind, type Severity, type StartTarget, isPermissiveKind } from "./interlock-schema.js";
import type { BypassInfo, CauseSnapshot, CauseState, InterlockRecord, InterlockState, TripRecord } from "./interlock-types.js";

/**
 * The interlocks as the API, the HMI and the line see them: a status entry per interlock (GET
 * /api/interlocks), the first-out and the trips since the last full reset, and whether a start is permitted.
 */

export type InterlockDisplayState = "healthy" | "tripped" | "latched" | "bypassed" | "permissive-missing" | "waiting";

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
  /** The devices whose first data it waits for (the quiet boot), e.g. "htr-plc"; null once they delivered. */
  readonly waitingFor: string | null;
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
  /** Interlocks waiting for a device's first data (not permitted, never tripped), bypassed ones excluded. */
  readonly waiting: readonly string[];
}

function displayState(def: InterlockDef, rec: InterlockRecord): InterlockDisplayState {
  if (rec.bypass) return "bypassed";
  if (rec.waitingFor !== null) return "waiting";
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
      waitingFor: rec.waitingFor,
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
    waiting: entries.filter((e) => e.state === "waiting").map((e) => e.id),
  };
}

/**
 * May the line (or the heater) start? Not while a permissive that blocks it is missing, nor while any trip
 * is latched (it must be reset first), nor while an interlock waits for a device's first data (it cannot
 * yet protect anything). Bypassed interlocks block nothing.
 */
export function permits(state: InterlockState, target: StartTarget): { ok: boolean; blockedBy: string[] } {
  const blockedBy: string[] = [];
  for (const def of state.defs.interlocks) {
    const rec = state.records.get(def.id);
    if (!rec || rec.bypass) continue;
    const blocksTarget = def.effects.blocksStart.includes(target);
    if (rec.latched || rec.waitingFor !== null || (blocksTarget && isPermissiveKind(def.kind) && rec.missing)) blockedBy.push(def.id);
  }
  return { ok: blockedBy.length === 0, blockedBy };
}
