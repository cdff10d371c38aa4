import type { SequenceParams } from "../recipes/sequence-params.js";
import type { TickEvent } from "./control-io.js";

export const STATION_IDS = ["feed", "htr", "quench", "rinse"] as const;
export type StationId = (typeof STATION_IDS)[number];

/** The roll length tag, m: the line counts metres processed and the sequencer the run's length against the target from it. */
export const ROLL_LENGTH_TAG = "rinse.roll_length";

/** What the line (PackML) machine sends its sequencer child when it enters an acting state. */
export type SequencerCommand =
  | { readonly type: "SEQ.RESET" }
  | { readonly type: "SEQ.START"; readonly params: SequenceParams }
  | { readonly type: "SEQ.STOP" }
  | { readonly type: "SEQ.HOLD" }
  | { readonly type: "SEQ.UNHOLD" }
  | { readonly type: "SEQ.SUSPEND" }
  | { readonly type: "SEQ.UNSUSPEND" }
  | { readonly type: "SEQ.COMPLETE" }
  | { readonly type: "SEQ.ABORT" }
  | { readonly type: "SEQ.CLEAR" };

/** What the sequencer reports to its parent line machine (sendParent). */
export type SequencerReport =
  /** The acting state's work is done: the line takes "state complete". */
  | { readonly type: "SEQ.DONE"; readonly command: SequencerCommand["type"] }
  /** The acting state's work failed (e.g. timed out waiting for the O₂ permissive): the line aborts. */
  | { readonly type: "SEQ.FAILED"; readonly command: SequencerCommand["type"]; readonly reason: string }
  /** While executing: hopper low / starvation → the line suspends. */
  | { readonly type: "SEQ.STARVED"; readonly reason: string }
  /** Starvation cleared → the line may unsuspend (the operator still commands it). */
  | { readonly type: "SEQ.FED" }
  /** The roll reached the recipe's target length → the line goes Completing. */
  | { readonly type: "SEQ.TARGET_REACHED"; readonly lengthM: number };

/** Everything the sequencer receives. */
export type SequencerEvent = SequencerCommand | TickEvent;
