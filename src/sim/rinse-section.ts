/**
 * The rinse section of the virtual plant (pure): NaCl arrives with the dosed web, dissolves in the well-mixed
 * dip tank and leaves over the weir; the DI-water flow, the tank's conductivity and temperature; the dryer.
 */
import type { FaultFlags } from "./plant-faults.js";
import { DI_WATER_CONDUCTIVITY_US_CM, type LinePlcMemory, PLANT, type PlantPhysics, RINSE_SUPPLY_K, TANK_WEIR_LEVEL_PCT } from "./plant-state.js";
import { loadingAtRinse, MG_CM2_PER_G_M2 } from "./precursor-feed.js";
import { clamp, lag } from "../process/process-math.js";
import type { Transport } from "./web-transport.js";

/** The rinse section's design figures. */
export const RINSE = {
  /** NaCl share of the precursor mass (template/poregen: most of it). */
  naclMassFraction: 0.7,
  /** Dip tank volume at 100 % level, L. */
  tankVolumeL: 100,
  /** Overflow weir discharge per % of level above the weir, L/min (≈ 6 s level time constant). */
  weirDischargeLpmPerPct: 10,
  waterFlowTauS: 1,
  /** Dilute NaCl conducts ≈ 2000 µS/cm per g/L. */
  naclUsCmPerGL: 2000,
  /** Tank water warms toward the hall with this time constant, s. */
  tankAmbientTauS: 1800,
  dryerHeatTauS: 20,
  dryerCoolTauS: 60,
} as const;

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
  const waterFlowLpm = lag(p.waterFlowLpm, line.pumpRunning ? line.waterFlowSpLpm : 0, RINSE.waterFlowTauS, dtS);
  const saltInGpm = faults["web-break"]
    ? 0
    : (loadingAtRinse(loadingRing, tr.posM) / MG_CM2_PER_G_M2) * RINSE.naclMassFraction * tr.speedMpm * PLANT.webWidthM;
  const tankVolumeL = (p.tankLevelPct / 100) * RINSE.tankVolumeL;
  const overflowLpm = RINSE.weirDischargeLpmPerPct * Math.max(0, p.tankLevelPct - TANK_WEIR_LEVEL_PCT);
  const tankLevelPct = clamp(p.tankLevelPct + ((waterFlowLpm - overflowLpm) * dtMin) / (RINSE.tankVolumeL / 100), 0, 100);
  const tankSaltG = Math.max(0, p.tankSaltG + (saltInGpm - (overflowLpm * p.tankSaltG) / tankVolumeL) * dtMin);
  const newVolumeL = Math.max(1e-6, (tankLevelPct / 100) * RINSE.tankVolumeL);
  const conductivityUsCm = DI_WATER_CONDUCTIVITY_US_CM + RINSE.naclUsCmPerGL * (tankSaltG / newVolumeL);
  const waterTempK =
    p.waterTempK +
    (waterFlowLpm / tankVolumeL) * (RINSE_SUPPLY_K - p.waterTempK) * dtMin +
    ((PLANT.ambientK - p.waterTempK) / RINSE.tankAmbientTauS) * dtS;
  const dryerTempK = line.dryerRunning
    ? lag(p.dryerTempK, line.dryerTempSpK, RINSE.dryerHeatTauS, dtS)
    : lag(p.dryerTempK, PLANT.ambientK, RINSE.dryerCoolTauS, dtS);
  return { waterFlowLpm, tankLevelPct, tankSaltG, waterTempK, conductivityUsCm, dryerTempK };
}
