import type { SequenceParams } from "../recipes/sequence-params.js";
import type { TickEvent } from "./control-io.js";
import type { PackmlCommand, UnitMode } from "./packml-states.js";
import type { SequencerReport } from "./sequencer-protocol.js";

/** An operator (or service) command. `params` is required for start (the loaded, verified recipe). */
export interface LineCommandEvent {
  readonly type: "CMD";
  readonly command: PackmlCommand;
  readonly by?: string;
  readonly reason?: string;
  readonly params?: SequenceParams;
}
export interface LineModeEvent {
  readonly type: "MODE";
  readonly mode: UnitMode;
  readonly by?: string;
}
/** From the interlock service: a trip's effect on the line. */
export interface LineTripEvent {
  readonly type: "TRIP";
  readonly effect: "abort" | "hold";
  readonly reason: string;
}
/** From the interlock service: the permissives currently missing (start/unhold/unsuspend refused unless ok). */
export interface LinePermissivesEvent {
  readonly type: "PERMISSIVES";
  readonly ok: boolean;
  readonly missing: readonly string[];
}
/** Metres of product rejected (e.g. by the quality record). */
export interface LineRejectEvent {
  readonly type: "REJECT";
  readonly metres: number;
}
/** Everything the line (PackML) machine receives. */
export type LineEvent =
  | LineCommandEvent
  | LineModeEvent
  | TickEvent
  | SequencerReport
  | LineTripEvent
  | LinePermissivesEvent
  | LineRejectEvent;
