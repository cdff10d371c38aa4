/**
 * The thermal model of the HTR zone (pure): the DC supply and the carbon radiator it heats, and the web
 * temperature node C·dT/dt = η·P − εσA(T⁴ − Tₐ⁴) − h·A·(T − Tₐ) − (advection of cold web), with natural and
 * gas-knife convection. It takes and returns plain numbers (no plant state), so the recipe preview can run
 * it as the virtual plant does: one model, used by src/sim/plant-physics.ts (the virtual plant) and
 * src/process/profile-simulation.ts (the recipe preview).
 *
 * The constants are chosen so the numbers of docs/process.md come out (see each comment); the unit test
 * test/unit/sim/plant-physics.test.ts measures them.
 */
import { HTR_ZONE } from "./htr-zone.js";
import { clamp, lag } from "./process-math.js";

// ─── Web temperature node ────────────────────────────────────────────────────────────────────────────────

/** Stefan–Boltzmann constant, W/(m²·K⁴). */
const SIGMA = 5.670374e-8;
/**
 * Heat capacity of the web in the zone, J/K: 0.30 × 0.30 m of carbon cloth (≈ 130 g/m² → 12 g) at a mean
 * c ≈ 0.65 J/(g·K) over 300–1340 K, plus the precursor: ≈ 8 J/K. With the power below this gives ≈ 2400 K/s
 * at full power from room temperature (PROCESS.md: ≥ 10³ K/s).
 */
export const WEB_HEAT_CAPACITY_J_PER_K = 8;
/** Heat capacity per metre of web, J/(K·m): what a moving web carries into and out of the zone. */
export const WEB_HEAT_CAPACITY_PER_M = WEB_HEAT_CAPACITY_J_PER_K / HTR_ZONE.zoneLengthM;
/** Web surface in the zone, both faces, m². */
export const WEB_AREA_M2 = 2 * HTR_ZONE.zoneLengthM * HTR_ZONE.webWidthM;
/**
 * Net radiative exchange of the web with its surroundings as an effective emissivity, dimensionless. Carbon
 * cloth itself is ε ≈ 0.9, but it faces the radiator and a gold-lined reflector that send most of its
 * emission back; 0.16 puts the radiative loss at 1340 K at ≈ 5.3 kW, so holding peak takes ≈ 55 % of the
 * supply's power with the gas knife on and ≈ 30 % with it off (PROCESS.md: "holds 1340 K at roughly half
 * power").
 */
export const WEB_EFFECTIVE_EMISSIVITY = 0.16;
/** Natural convection in the argon-filled chamber, W/(m²·K). */
export const H_NATURAL_W_M2K = 3;
/**
 * Gas-knife convection at its rated flow, W/(m²·K): 25 W/(m²·K) over 0.18 m² is 4.5 W/K, with natural
 * convection a 1.6 s time constant on the 8 J/K web, so after power off the web falls from 1340 K below
 * 373 K in ≈ 3.5 s (PROCESS.md: within 5 s), while the knife costs only ≈ 4.7 kW at peak.
 */
export const H_KNIFE_RATED_W_M2K = 25;
/** Gas-knife flow the convection figure is rated at, L/min (the default setpoint). */
export const KNIFE_RATED_FLOW_LPM = 150;
/** Impinging-jet heat transfer grows with flow^0.8 (turbulent jet correlations). */
const KNIFE_FLOW_EXPONENT = 0.8;
/** The web temperature node is integrated in sub-steps of at most this, s (explicit Euler stays accurate). */
const WEB_SUBSTEP_S = 0.002;

// ─── Radiator and DC supply ──────────────────────────────────────────────────────────────────────────────

/** Supply maximum output, W (48 V × 500 A). */
export const SUPPLY_MAX_POWER_W = 24_000;
/** Hot resistance of the carbon radiator, Ω: 48 V across it gives the 24 kW maximum at 500 A. */
export const RADIATOR_RESISTANCE_OHM = 0.096;
/** Fraction of the radiator's electric power the web absorbs (close-coupled radiator, reflector chamber). */
export const HEATER_EFFICIENCY = 0.8;
/** Resistance of the short to ground of the over-current fault, Ω (adds ≈ 3× the nominal current). */
const SHORT_RESISTANCE_OHM = 0.03;
/** The supply's own current limit, A (top of the htr.supply_current range). */
export const SUPPLY_CURRENT_LIMIT_A = 600;
/**
 * Radiator radiating area × emissivity, m²: sets how much hotter than the web the radiator runs for a given
 * power (≈ 1700 K while holding the web at 1340 K, ≈ 1830 K at full power onto a cold web).
 */
const RADIATOR_RADIATING_AREA_M2 = 0.04;
/** The thin carbon radiator follows its power much faster than the web, s. */
const RADIATOR_TAU_S = 0.1;

// ─── The model ───────────────────────────────────────────────────────────────────────────────────────────

/** Gas-knife heat transfer coefficient at a flow, W/(m²·K). */
export function knifeH(flowLpm: number): number {
  return flowLpm <= 0 ? 0 : H_KNIFE_RATED_W_M2K * (flowLpm / KNIFE_RATED_FLOW_LPM) ** KNIFE_FLOW_EXPONENT;
}

/** Heat the web in the zone loses at temperature T, W (radiation + convection + cold web carried in). */
export function webHeatLossW(tK: number, knifeFlowLpm: number, webSpeedMpm: number): number {
  const radiation = WEB_EFFECTIVE_EMISSIVITY * SIGMA * WEB_AREA_M2 * (tK ** 4 - HTR_ZONE.ambientK ** 4);
  const convection = webConvectionW(tK, knifeFlowLpm);
  const advection = WEB_HEAT_CAPACITY_PER_M * (webSpeedMpm / 60) * (tK - HTR_ZONE.ambientK);
  return radiation + convection + advection;
}

/** Heat the web at temperature T gives off by convection (natural + gas knife), W. */
export function webConvectionW(tK: number, knifeFlowLpm: number): number {
  return (H_NATURAL_W_M2K + knifeH(knifeFlowLpm)) * WEB_AREA_M2 * (tK - HTR_ZONE.ambientK);
}

export interface SupplyOut {
  readonly voltageV: number;
  readonly currentA: number;
  readonly powerKw: number;
  /** Power dissipated in the radiator itself (what heats the web), W. */
  readonly radiatorW: number;
}

/**
 * DC supply: a voltage source set for the demanded power (`powerCmd`, 0..1 of maximum) into the nominal
 * radiator, current-limited; off unless `on`. `shorted`: the radiator's short to ground (over-current fault).
 */
export function dcSupply(on: boolean, powerCmd: number, shorted: boolean): SupplyOut {
  if (!on) return { voltageV: 0, currentA: 0, powerKw: 0, radiatorW: 0 };
  const demandW = clamp(powerCmd, 0, 1) * SUPPLY_MAX_POWER_W;
  let voltageV = Math.sqrt(demandW * RADIATOR_RESISTANCE_OHM);
  const conductanceS = 1 / RADIATOR_RESISTANCE_OHM + (shorted ? 1 / SHORT_RESISTANCE_OHM : 0);
  let currentA = voltageV * conductanceS;
  if (currentA > SUPPLY_CURRENT_LIMIT_A) {
    voltageV *= SUPPLY_CURRENT_LIMIT_A / currentA;
    currentA = SUPPLY_CURRENT_LIMIT_A;
  }
  return {
    voltageV,
    currentA,
    powerKw: (voltageV * currentA) / 1000,
    radiatorW: (voltageV * voltageV) / RADIATOR_RESISTANCE_OHM,
  };
}

/** The radiator's temperature after dtS, from its power and the web it faces, K. */
export function stepRadiatorTemp(radiatorTempK: number, webTempK: number, radiatorW: number, dtS: number): number {
  const targetK = (webTempK ** 4 + radiatorW / (SIGMA * RADIATOR_RADIATING_AREA_M2)) ** 0.25;
  return lag(radiatorTempK, targetK, RADIATOR_TAU_S, dtS);
}

/** The web temperature in the zone after dtS, heated by the radiator's `radiatorW`, K. */
export function stepWebTemp(webTempK: number, radiatorW: number, knifeFlowLpm: number, webSpeedMpm: number, dtS: number): number {
  const heatInW = HEATER_EFFICIENCY * radiatorW;
  const substeps = Math.max(1, Math.ceil(dtS / WEB_SUBSTEP_S));
  const h = dtS / substeps;
  let t = webTempK;
  for (let i = 0; i < substeps; i++) {
    t += ((heatInW - webHeatLossW(t, knifeFlowLpm, webSpeedMpm)) / WEB_HEAT_CAPACITY_J_PER_K) * h;
  }
  return t;
}
