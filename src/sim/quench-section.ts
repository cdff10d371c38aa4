/** The quench section of the virtual plant (pure): chill plates, their coolant, and the web at the quench exit. */
import type { FaultFlags } from "./plant-faults.js";
import { AMBIENT_K, COOLANT_INLET_K, type HtrPlcMemory, type PlantPhysics, WEB_WIDTH_M } from "./plant-state.js";
import { lag } from "./process-math.js";
import { HEATER_EFFICIENCY, knifeH, WEB_HEAT_CAPACITY_PER_M } from "./thermal-model.js";

/** Chill-plate coolant flow with the valve open, L/min (no setpoint: a fixed orifice). */
export const COOLANT_NOMINAL_LPM = 20;
const COOLANT_FLOW_TAU_S = 1;
/** Chill plates + the water in them, J/K. */
const CHILL_PLATE_HEAT_CAPACITY_J_PER_K = 30_000;
/** Chill plates to the hall, W/K. */
const CHILL_PLATE_AMBIENT_UA_W_PER_K = 20;
/** Water boils in the plates above this, K: the latent heat caps the coolant temperature (dry-out not modelled). */
const COOLANT_BOILING_K = 373;
/** Water: J/(kg·K), and 1 kg per L. */
const WATER_CP_J_PER_KG_K = 4186;
/** Contact + radiation of the web to the chill plates in the quench section, W/(m²·K). */
const H_CHILL_W_M2K = 20;
/** Web surface in the 0.30 m quench section, both faces, m². */
const QUENCH_AREA_M2 = 2 * 0.3 * WEB_WIDTH_M;
/** The exit pyrometer's view of the passing web settles in, s. */
const EXIT_TEMP_TAU_S = 0.3;
/** Below this speed the web counts as standing between the chill plates, m/min. */
const MOVING_WEB_MPM = 0.01;

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
  const coolantFlowLpm = lag(p.coolantFlowLpm, htr.coolantOn && coolantOk ? COOLANT_NOMINAL_LPM : 0, COOLANT_FLOW_TAU_S, dtS);
  const coolantWPerK = (coolantFlowLpm / 60) * WATER_CP_J_PER_KG_K;
  const plateHeatW = (1 - HEATER_EFFICIENCY) * q.radiatorW + Math.max(0, q.convectedW);
  const coolantTempK = Math.min(
    COOLANT_BOILING_K,
    p.coolantTempK +
      ((plateHeatW -
        coolantWPerK * (p.coolantTempK - COOLANT_INLET_K) -
        CHILL_PLATE_AMBIENT_UA_W_PER_K * (p.coolantTempK - AMBIENT_K)) /
        CHILL_PLATE_HEAT_CAPACITY_J_PER_K) *
        dtS,
  );

  // Web at the quench exit: a moving web arrives at zone temperature and is quenched on the way (NTU);
  // a stopped web sitting between the chill plates is at the coolant's temperature.
  let exitTargetK = coolantTempK;
  if (q.webSpeedMpm > MOVING_WEB_MPM) {
    const ntu = ((knifeH(q.knifeFlowLpm) + H_CHILL_W_M2K) * QUENCH_AREA_M2) / (WEB_HEAT_CAPACITY_PER_M * (q.webSpeedMpm / 60));
    exitTargetK = coolantTempK + (q.webTempK - coolantTempK) * Math.exp(-ntu);
  }
  const exitWebTempK = lag(p.exitWebTempK, exitTargetK, EXIT_TEMP_TAU_S, dtS);
  return { coolantFlowLpm, coolantTempK, exitWebTempK };
}
