import type { TickEvent } from "./control-io.js";

export const STATION_IDS = ["feed", "htr", "quench", "rinse"] as const;
export type StationId = (typeof STATION_IDS)[number];

/** Parameters of a run, taken from the loaded, verified recipe. */
export interface SequenceParams {
  readonly recipe: string;
  readonly mode: "pulse" | "continuous";
  /** Roll length at which the line goes Completing, metres (measured from the start of the run). */
  readonly targetLengthM: number;
  /** O₂ permissive: heater may be enabled below this, ppm (IL-04). */
  readonly o2PermissivePpm: number;
  /** Stopping waits until the web is below this before quench goes off, K. */
  readonly safeWebTempK: number;
  /** Rinse flushes until effluent conductivity is below this, µS/cm. */
  readonly conductivityEndpoint: number;
  /** Minimum quench gas and coolant flows, L/min (quench "flowing"). */
  readonly minQuenchGasFlow: number;
  readonly minCoolantFlow: number;
  /** Minimum rinse water flow, L/min (rinse "flowing"). */
  readonly minRinseFlow: number;
  /** Continuous-mode web speed, m/min (pulse mode indexes instead). */
  readonly webSpeed: number;
  /** The recipe's flow setpoints, L/min: the stations write these (not design defaults) when they start. */
  readonly flowSetpoints?: { readonly arFlowLpm: number; readonly quenchGasFlowLpm: number; readonly rinseWaterFlowLpm: number };
  /** Per-step timeouts, ms. */
  readonly timeouts: {
    readonly flowMs: number;
    readonly purgeMs: number;
    readonly webMs: number;
    readonly heatMs: number;
    readonly coolMs: number;
    readonly flushMs: number;
  };
}

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
