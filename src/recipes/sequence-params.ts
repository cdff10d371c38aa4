import type { HtrMode } from "./recipe-schema.js";

/**
 * Parameters of a run, taken from the loaded, verified recipe: what the line's sequencer and stations need
 * from it. The recipe derivation produces it (`sequenceParamsOf`); the control machines consume it (control
 * imports recipes, never the other way round).
 */
export interface SequenceParams {
  readonly recipe: string;
  readonly mode: HtrMode;
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
