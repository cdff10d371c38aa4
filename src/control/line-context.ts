/** The line machine's context (what it records), its input, and the context it starts with (pure). */
import type { SequenceParams } from "../recipes/sequence-params.js";
import { PACKML_STATES, type PackmlCommand, type PackmlState, type UnitMode } from "./packml-states.js";
import type { SequencerCommand } from "./sequencer-protocol.js";

export type StopReasonCode =
  | "operator-stop"
  | "operator-abort"
  | "operator-hold"
  | "operator-suspend"
  | "trip"
  | "sequence-failed"
  | "sequencer-error"
  | "starved"
  | "target-reached"
  | "first-start"
  | "restart";

/** PackTags-style Admin.StopReason: why the line last left production (kept until the next one). */
export interface StopReason {
  readonly code: StopReasonCode;
  readonly message: string;
  readonly at: number;
}
export interface LineCounts {
  readonly metresProcessed: number;
  readonly metresRejected: number;
}
export interface LastCommand {
  readonly command: PackmlCommand;
  readonly by: string | null;
  readonly at: number;
  readonly accepted: boolean;
  /** Why it was refused; null when accepted. */
  readonly reason: string | null;
}
export interface LastModeChange {
  readonly mode: UnitMode;
  readonly by: string | null;
  readonly at: number;
  readonly accepted: boolean;
  readonly reason: string | null;
}
export interface LastTrip {
  readonly effect: "abort" | "hold";
  readonly reason: string;
  readonly at: number;
  /** False when the state did not allow the effect (the trip was only recorded). */
  readonly acted: boolean;
}
export interface LineFault {
  readonly command: SequencerCommand["type"] | "sequencer";
  readonly reason: string;
  readonly at: number;
}
export interface Permissives {
  readonly ok: boolean;
  readonly missing: readonly string[];
}

export type TimeInState = Readonly<Record<PackmlState, number>>;

export interface LineContext {
  readonly mode: UnitMode;
  readonly stopReason: StopReason | null;
  /** The run's parameters (recipe) from the accepted start; kept after the run for status. */
  readonly params: SequenceParams | null;
  /** Of the current (or last) run: reset when Starting is entered. */
  readonly counts: LineCounts;
  /** Last `rinse.roll_length` seen in Execute (metres processed = sum of its increases while Execute). */
  readonly lastRollLengthM: number | null;
  /** Accumulated per state from TICK `now` (granularity: one tick). */
  readonly timeInStateMs: TimeInState;
  readonly stateEnteredAt: number;
  /** Latest known time (epoch ms): from the last TICK (or the input). Stamps every record. */
  readonly now: number;
  /** Time up to which timeInStateMs is accounted; null until the first TICK. */
  readonly accountedAt: number | null;
  readonly lastCommand: LastCommand | null;
  readonly lastModeChange: LastModeChange | null;
  readonly lastTrip: LastTrip | null;
  readonly lastFault: LineFault | null;
  readonly permissives: Permissives;
  /** Starvation reported by the sequencer and not yet cleared by SEQ.FED. */
  readonly starved: { readonly reason: string; readonly at: number } | null;
  /** Only at start-up after a restart: the safe state the line boots into (consumed at once). */
  readonly bootInto: "Aborted" | null;
}

/** What `restoreSafely` (line-restore.ts) hands the machine after a crash or restart. */
export interface RestoredLine {
  readonly state: "Stopped" | "Aborted";
  readonly stopReason: StopReason;
  readonly mode: UnitMode;
  readonly counts: LineCounts;
  readonly timeInStateMs: TimeInState;
  readonly params: SequenceParams | null;
  readonly lastCommand: LastCommand | null;
}

export interface LineInput {
  /** Creation time (epoch ms): stamps and time accounting start here. Default 0 (accounting then starts at the first TICK). */
  readonly now?: number;
  readonly mode?: UnitMode;
  readonly restored?: RestoredLine;
}

export function zeroTimeInState(): Record<PackmlState, number> {
  return Object.fromEntries(PACKML_STATES.map((s) => [s, 0])) as Record<PackmlState, number>;
}

const NOT_EVALUATED: Permissives = { ok: false, missing: ["permissives not evaluated yet"] };

export function initialLineContext(input: LineInput = {}): LineContext {
  const now = input.now ?? 0;
  const r = input.restored;
  return {
    mode: r?.mode ?? input.mode ?? "Production",
    stopReason: r?.stopReason ?? null,
    params: r?.params ?? null,
    counts: r?.counts ?? { metresProcessed: 0, metresRejected: 0 },
    lastRollLengthM: null,
    timeInStateMs: r?.timeInStateMs ?? zeroTimeInState(),
    stateEnteredAt: now,
    now,
    accountedAt: input.now === undefined ? null : now,
    lastCommand: r?.lastCommand ?? null,
    lastModeChange: null,
    lastTrip: null,
    lastFault: null,
    permissives: NOT_EVALUATED,
    starved: null,
    bootInto: r?.state === "Aborted" ? "Aborted" : null,
  };
}
