/** The argon-filled HTR chamber of the virtual plant (pure): purge and gas-knife flows, and the chamber's O₂. */
import type { FaultFlags } from "./plant-faults.js";
import { type HtrPlcMemory, PLANT, type PlantPhysics } from "./plant-state.js";
import { lag } from "../process/process-math.js";

/** The HTR chamber's design figures. */
export const CHAMBER = {
  /** Free gas volume of the HTR chamber, L: 30 L/min of argon gives a 10 s purge time constant. */
  volumeL: 5,
  /** O₂ in the argon supply (grade 5.0), ppm. */
  argonO2Ppm: 1,
  /** Air drawn in through the web slots with no purge flow, L/min. */
  slitIngressLpm: 1,
  /** Purge flow above which the chamber's over-pressure seals the web slots, L/min. */
  slitSealFlowLpm: 10,
  /** Residual air leak with the slots sealed, L/min: ≈ 5 ppm O₂ at 30 L/min of argon. */
  residualLeakLpm: 0.0007,
  /** Air exchange through the open chamber door, L/min. */
  doorAirExchangeLpm: 40,
  /** Mass-flow controller response, s. */
  arFlowTauS: 1,
  /** Gas knife valve + line response, s. */
  knifeFlowTauS: 0.2,
} as const;

export type ChamberGas = Pick<PlantPhysics, "arFlowLpm" | "quenchGasFlowLpm" | "o2Ppm">;

/** Gas flows (purge and knife share the argon supply) and the chamber's O₂ after dtS. */
export function stepChamberGas(p: PlantPhysics, htr: HtrPlcMemory, faults: FaultFlags, doorClosed: boolean, dtS: number): ChamberGas {
  const argonOk = !faults["argon-loss"];
  const arFlowLpm = lag(p.arFlowLpm, argonOk ? htr.arFlowSpLpm : 0, CHAMBER.arFlowTauS, dtS);
  const knifeTarget = argonOk && htr.knifeOpen ? htr.quenchGasFlowSpLpm : 0;
  const quenchGasFlowLpm = lag(p.quenchGasFlowLpm, knifeTarget, CHAMBER.knifeFlowTauS, dtS);

  // Chamber O₂: well-mixed volume, argon in, air in through the slots or the open door.
  const airInLpm = doorClosed
    ? CHAMBER.slitIngressLpm * Math.max(0, 1 - arFlowLpm / CHAMBER.slitSealFlowLpm) + CHAMBER.residualLeakLpm
    : CHAMBER.doorAirExchangeLpm;
  const totalInLpm = arFlowLpm + airInLpm;
  const o2EquilibriumPpm = (arFlowLpm * CHAMBER.argonO2Ppm + airInLpm * PLANT.airO2Ppm) / totalInLpm;
  const o2Ppm = lag(p.o2Ppm, o2EquilibriumPpm, (CHAMBER.volumeL / totalInLpm) * 60, dtS);
  return { arFlowLpm, quenchGasFlowLpm, o2Ppm };
}
