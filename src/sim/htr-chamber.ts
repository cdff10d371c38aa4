/** The argon-filled HTR chamber of the virtual plant (pure): purge and gas-knife flows, and the chamber's O₂. */
import type { FaultFlags } from "./plant-faults.js";
import { AIR_O2_PPM, type HtrPlcMemory, type PlantPhysics } from "./plant-state.js";
import { lag } from "./process-math.js";

/** Free gas volume of the HTR chamber, L: 30 L/min of argon gives a 10 s purge time constant. */
export const CHAMBER_VOLUME_L = 5;
/** O₂ in the argon supply (grade 5.0), ppm. */
const ARGON_O2_PPM = 1;
/** Air drawn in through the web slots with no purge flow, L/min. */
const SLIT_INGRESS_LPM = 1;
/** Purge flow above which the chamber's over-pressure seals the web slots, L/min. */
const SLIT_SEAL_FLOW_LPM = 10;
/** Residual air leak with the slots sealed, L/min: ≈ 5 ppm O₂ at 30 L/min of argon. */
const RESIDUAL_LEAK_LPM = 0.0007;
/** Air exchange through the open chamber door, L/min. */
const DOOR_AIR_EXCHANGE_LPM = 40;
/** Mass-flow controller response, s. */
const AR_FLOW_TAU_S = 1;
/** Gas knife valve + line response, s. */
const KNIFE_FLOW_TAU_S = 0.2;

export type ChamberGas = Pick<PlantPhysics, "arFlowLpm" | "quenchGasFlowLpm" | "o2Ppm">;

/** Gas flows (purge and knife share the argon supply) and the chamber's O₂ after dtS. */
export function stepChamberGas(p: PlantPhysics, htr: HtrPlcMemory, faults: FaultFlags, doorClosed: boolean, dtS: number): ChamberGas {
  const argonOk = !faults["argon-loss"];
  const arFlowLpm = lag(p.arFlowLpm, argonOk ? htr.arFlowSpLpm : 0, AR_FLOW_TAU_S, dtS);
  const knifeTarget = argonOk && htr.knifeOpen ? htr.quenchGasFlowSpLpm : 0;
  const quenchGasFlowLpm = lag(p.quenchGasFlowLpm, knifeTarget, KNIFE_FLOW_TAU_S, dtS);

  // Chamber O₂: well-mixed volume, argon in, air in through the slots or the open door.
  const airInLpm = doorClosed
    ? SLIT_INGRESS_LPM * Math.max(0, 1 - arFlowLpm / SLIT_SEAL_FLOW_LPM) + RESIDUAL_LEAK_LPM
    : DOOR_AIR_EXCHANGE_LPM;
  const totalInLpm = arFlowLpm + airInLpm;
  const o2EquilibriumPpm = (arFlowLpm * ARGON_O2_PPM + airInLpm * AIR_O2_PPM) / totalInLpm;
  const o2Ppm = lag(p.o2Ppm, o2EquilibriumPpm, (CHAMBER_VOLUME_L / totalInLpm) * 60, dtS);
  return { arFlowLpm, quenchGasFlowLpm, o2Ppm };
}
