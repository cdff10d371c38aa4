/** The quench section of the virtual plant (pure): chill plates, their coolant, and the web at the quench exit. */
import type { FaultFlags } from "./plant-faults.js";
import { COOLANT_INLET_K, type HtrPlcMemory, PLANT, type PlantPhysics } from "./plant-state.js";
import { lag } from "../process/process-math.js";
import { HEATER_EFFICIENCY, knifeH, WEB_HEAT_CAPACITY_PER_M } from "../process/web-thermal-model.js";

/** The quench section's design figures. */
export const QUENCH = {
  /** Chill-plate coolant flow with the valve open, L/min (no setpoint: a fixed orifice). */
  coolantNominalLpm: 20,
  coolantFlowTauS: 1,
  /** Chill plates + the water in them, J/K. */
  chillPlateHeatCapacityJPerK: 30_000,
  /** Chill plates to the hall, W/K. */
  chillPlateAmbientUaWPerK: 20,
  /** Water boils in the plates above this, K: the latent heat caps the coolant temperature (dry-out not modelled). */
  coolantBoilingK: 373,
  /** Water: J/(kg·K), and 1 kg per L. */
  waterCpJPerKgK: 4186,
  /** Contact + radiation of the web to the chill plates in the quench section, W/(m²·K). */
  hChillWM2K: 20,
  /** Web surface in the 0.30 m quench section, both faces, m². */
  areaM2: 2 * 0.3 * PLANT.webWidthM,
  /** The exit pyrometer's view of the passing web settles in, s. */
  exitTempTauS: 0.3,
  /** Below this speed the web counts as standing between the chill plates, m/min. */
  movingWebMpm: 0.01,
} as const;

export interface QuenchIn {
  /** Power dissipated in the radiator, W (the part the web does not absorb goes to the plates). */
  readonly radiatorW: number;
  /** Heat the web in the zone gives off by convection, W. */
  readonly convectedW: number;
  /** Web temperature leaving the zone, K. */
  readonly webTempK: number;
  readonly webSpeedMpm: number;
  readonly knifeFlowLpm: number;
}

export type Quench = Pick<PlantPhysics, "coolantFlowLpm" | "coolantTempK" | "exitWebTempK">;

export function stepQuench(p: PlantPhysics, htr: HtrPlcMemory, faults: FaultFlags, q: QuenchIn, dtS: number): Quench {
  // Chill plates and coolant.
  const coolantOk = !faults["coolant-loss"];
  const coolantFlowLpm = lag(p.coolantFlowLpm, htr.coolantOn && coolantOk ? QUENCH.coolantNominalLpm : 0, QUENCH.coolantFlowTauS, dtS);
  const coolantWPerK = (coolantFlowLpm / 60) * QUENCH.waterCpJPerKgK;
  const plateHeatW = (1 - HEATER_EFFICIENCY) * q.radiatorW + Math.max(0, q.convectedW);
  const coolantTempK = Math.min(
    QUENCH.coolantBoilingK,
    p.coolantTempK +
      ((plateHeatW -
        coolantWPerK * (p.coolantTempK - COOLANT_INLET_K) -
        QUENCH.chillPlateAmbientUaWPerK * (p.coolantTempK - PLANT.ambientK)) /
        QUENCH.chillPlateHeatCapacityJPerK) *
        dtS,
  );

  // Web at the quench exit: a moving web arrives at zone temperature and is quenched on the way (NTU);
  // a stopped web sitting between the chill plates is at the coolant's temperature.
  let exitTargetK = coolantTempK;
  if (q.webSpeedMpm > QUENCH.movingWebMpm) {
    const ntu = ((knifeH(q.knifeFlowLpm) + QUENCH.hChillWM2K) * QUENCH.areaM2) / (WEB_HEAT_CAPACITY_PER_M * (q.webSpeedMpm / 60));
    exitTargetK = coolantTempK + (q.webTempK - coolantTempK) * Math.exp(-ntu);
  }
  const exitWebTempK = lag(p.exitWebTempK, exitTargetK, QUENCH.exitTempTauS, dtS);
  return { coolantFlowLpm, coolantTempK, exitWebTempK };
}
