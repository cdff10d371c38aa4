import type { QualityStatus, TagScalar, TagValue } from "../core/tag-value.js";
import type { InterlockDefs, Severity } from "./interlock-schema.js";

/**
 * The interlock evaluator's data: what it reads (inputs), what it keeps between evaluations (state, one
 * record per interlock) and what it hands back to carry out (actions: PLC writes, line commands, events).
 * Types only; the functions live in interlock-state.ts, interlock-evaluator.ts, interlock-bypass.ts,
 * interlock-reset.ts and interlock-status.ts.
 */

// ── Inputs ──────────────────────────────────────────────────────────────────────────────────────────────

export interface InterlockInputs {
  /** The current value of a tag (from the tag table); undefined when unknown. */
  readonly tags: (name: string) => TagValue | undefined;
  /** `running`: the line is in a producing state (PackML Execute and the acting states around it). */
  readonly line: { readonly running: boolean; readonly heating?: boolean };
  /** The loaded recipe: verified by read-back, and its parameters (INTERLOCK_RECIPE_PARAMETERS names). */
  readonly recipe: { readonly verified: boolean; readonly params: Readonly<Record<string, number>> } | null;
  /**
   * Per device id; a device that is missing counts as stale. `unknown`: stale because the heartbeat value is
   * not Good (a late poll, a link lost) — the PLC may be alive; a frozen counter is stale and known.
   */
  readonly heartbeats: Readonly<Record<string, { readonly stale: boolean; readonly unknown?: boolean }>>;
  /**
   * Interlocks waiting for the first data of a device they read (interlock id → the devices, e.g.
   * "htr-plc, line-plc"), during the quiet boot: such an interlock is not evaluated — it neither trips nor
   * is permitted — until the devices have delivered. Absent or empty once every device has delivered.
   */
  readonly waiting?: ReadonlyMap<string, string>;
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
  /** Waiting for the first data of these devices (the quiet boot): not evaluated, not permitted. */
  readonly waitingFor: string | null;
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

/** The PLC reporting its own trip: the rising edge of the interlock's bit in its trip word. */
export interface PlcTripEdge {
  readonly tag: string;
  readonly bit: number;
  readonly word: TagScalar;
}
