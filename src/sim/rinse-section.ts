/**
 * The rinse section of the virtual plant (pure): NaCl arrives with the dosed web, dissolves in the well-mixed
 * dip tank and leaves over the weir; the DI-water flow, the tank's conductivity and temperature; the dryer.
 */
import type { FaultFlags } from "./plant-faults.js";
import { AMBIENT_K, DI_WATER_CONDUCTIVITY_US_CM, type LinePlcMemory, type PlantPhysics, RINSE_SUPPLY_K, TANK_WEIR_LEVEL_PCT, WEB_WIDTH_M } from "./plant-state.js";
import { loadingAtRinse, MG_CM2_PER_G_M2 } from "./precursor-feed.js";
import { clamp, lag } from "./process-math.js";
import type { Transport } from "./web-transport.js";

/** NaCl share of the precursor mass (template/poregen: most of it). */
export const NACL_MASS_FRACTION = 0.7;
/** Dip tank volume at 100 % level, L. */
const TANK_VOLUME_L = 100;
/** Overflow weir discharge per % of level above the weir, L/min (≈ 6 s level time constant). */
const WEIR_DISCHARGE_LPM_PER_PCT = 10;
const WATER_FLOW_TAU_S = 1;
/** Dilute NaCl conducts ≈ 2000 µS/cm per g/L. */
const NACL_US_CM_PER_G_L = 2000;
/** Tank water warms toward the hall with this time constant, s. */
const TANK_AMBIENT_TAU_S = 1800;
const DRYER_HEAT_TAU_S = 20;
const DRYER_COOL_TAU_S = 60;

export type Rinse = Pick<PlantPhysics, "waterFlowLpm" | "tankLevelPct" | "tankSaltG" | "waterTempK" | "conductivityUsCm" | "dryerTempK">;

/** Rinse tank and dryer after dtS; `loadingRing` is the web's loading after this step's dosing. */
export function stepRinse(
  p: PlantPhysics,
  line: LinePlcMemory,
  faults: FaultFlags,
  tr: Transport,
  loadingRing: readonly number[],
  dtS: number,
): Rinse {
  const dtMin = dtS / 60;
  const waterFlowLpm = lag(p.waterFlowLpm, line.pumpRunning ? line.waterFlowSpLpm : 0, WATER_FLOW_TAU_S, dtS);
  const saltInGpm = faults["web-break"]
    ? 0
    : (loadingAtRinse(loadingRing, tr.posM) / MG_CM2_PER_G_M2) * NACL_MASS_FRACTION * tr.speedMpm * WEB_WIDTH_M;
  const tankVolumeL = (p.tankLevelPct / 100) * TANK_VOLUME_L;
  const overflowLpm = WEIR_DISCHARGE_LPM_PER_PCT * Math.max(0, p.tankLevelPct - TANK_WEIR_LEVEL_PCT);
  const tankLevelPct = clamp(p.tankLevelPct + ((waterFlowLpm - overflowLpm) * dtMin) / (TANK_VOLUME_L / 100), 0, 100);
  const tankSaltG = Math.max(0, p.tankSaltG + (saltInGpm - (overflowLpm * p.tankSaltG) / tankVolumeL) * dtMin);
  const newVolumeL = Math.max(1e-6, (tankLevelPct / 100) * TANK_VOLUME_L);
  const conductivityUsCm = DI_WATER_CONDUCTIVITY_US_CM + NACL_US_CM_PER_G_L * (tankSaltG / newVolumeL);
  const waterTempK =
    p.waterTempK +
    (waterFlowLpm / tankVolumeL) * (RINSE_SUPPLY_K - p.waterTempK) * dtMin +
    ((AMBIENT_K - p.waterTempK) / TANK_AMBIENT_TAU_S) * dtS;
  const dryerTempK = line.dryerRunning
    ? lag(p.dryerTempK, line.dryerTempSpK, DRYER_HEAT_TAU_S, dtS)
    : lag(p.dryerTempK, AMBIENT_K, DRYER_COOL_TAU_S, dtS);
  return { waterFlowLpm, tankLevelPct, tankSaltG, waterTempK, conductivityUsCm, dryerTempK };
}
