/**
 * The physics of the virtual plant, as one pure step: `stepPhysics(state, dtS)` moves the true process values
 * (PlantPhysics) and the sensor readings (SensorReadings) forward by dtS seconds, from the PLC outputs held
 * in the state (heater on, power demand, valves, drives). Deterministic: the only randomness is the sensor
 * noise, drawn from the seeded mulberry32 generator kept in the state.
 *
 * The constants are chosen so the numbers of PROCESS.md come out (see each comment); the unit test
 * test/unit/sim/plant-physics.test.ts measures them.
 */
import type { FaultFlags } from "./plant-faults.js";
import {
  AIR_O2_PPM,
  AMBIENT_K,
  COOLANT_INLET_K,
  DI_WATER_CONDUCTIVITY_US_CM,
  DOSER_POSITION_M,
  LOADING_SEGMENT_M,
  LOADING_SEGMENTS,
  type HtrPlcMemory,
  type LinePlcMemory,
  type PlantPhysics,
  type PlantState,
  RINSE_ENTRY_POSITION_M,
  RINSE_SUPPLY_K,
  type SensorReadings,
  TANK_WEIR_LEVEL_PCT,
  WEB_WIDTH_M,
  ZONE_LENGTH_M,
} from "./plant-state.js";

// ─── Web temperature node: C·dT/dt = η·P − εσA(T⁴ − Tₐ⁴) − h·A·(T − Tₐ) − (advection of cold web) ───────

/** Stefan–Boltzmann constant, W/(m²·K⁴). */
const SIGMA = 5.670374e-8;
/**
 * Heat capacity of the web in the zone, J/K: 0.30 × 0.30 m of carbon cloth (≈ 130 g/m² → 12 g) at a mean
 * c ≈ 0.65 J/(g·K) over 300–1340 K, plus the precursor: ≈ 8 J/K. With the power below this gives ≈ 2400 K/s
 * at full power from room temperature (PROCESS.md: ≥ 10³ K/s).
 */
export const WEB_HEAT_CAPACITY_J_PER_K = 8;
/** Heat capacity per metre of web, J/(K·m): what a moving web carries into and out of the zone. */
const WEB_HEAT_CAPACITY_PER_M = WEB_HEAT_CAPACITY_J_PER_K / ZONE_LENGTH_M;
/** Web surface in the zone, both faces, m². */
export const WEB_AREA_M2 = 2 * ZONE_LENGTH_M * WEB_WIDTH_M;
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

// ─── Argon chamber ───────────────────────────────────────────────────────────────────────────────────────

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

// ─── Quench ──────────────────────────────────────────────────────────────────────────────────────────────

/** Gas knife valve + line response, s. */
const KNIFE_FLOW_TAU_S = 0.2;
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

// ─── Web transport ───────────────────────────────────────────────────────────────────────────────────────

/** Drive speed response to its setpoint, s. */
const SPEED_TAU_S = 0.5;
/** E-stop: drives coast down under their brakes, s. */
const ESTOP_STOP_TAU_S = 0.1;
/** Below this a stopping web counts as stopped, m/min (0.17 mm/s: the drive holds position from here). */
const STOPPED_MPM = 0.01;
/** Pulse-mode index move: cruise speed, m/s, acceleration, m/s², end creep, m/s. */
const INDEX_SPEED_M_S = 0.1;
const INDEX_ACCEL_M_S2 = 0.5;
const INDEX_CREEP_M_S = 0.002;
/** Tension loop (rewinder trim on tension) closes with this time constant, s. */
const TENSION_TAU_S = 0.2;
/** Web span stiffness E·A/L, N per m of stretch (≈ 30 kN cloth over a 5 m span). */
const WEB_SPAN_STIFFNESS_N_PER_M = 6000;
/** Rewinder trim gain, (m/s)/N, from the loop time constant and the span stiffness. */
const TENSION_TRIM_GAIN = 1 / (WEB_SPAN_STIFFNESS_N_PER_M * TENSION_TAU_S);
/** The rewinder's larger inertia lags the unwinder in speed changes by this, s (a tension dip on acceleration). */
const REWINDER_LAG_S = 0.02;
/** Roller drag between the nip and the rewinder adds to the tension, ratio. */
const REWIND_TENSION_RATIO = 1.03;

// ─── Feed ────────────────────────────────────────────────────────────────────────────────────────────────

/** Powder hopper capacity, g (100 % level). */
export const HOPPER_CAPACITY_G = 5000;
const DOSER_TAU_S = 0.5;
/** Below this speed the loading gauge shows 0 (web stopped), m/min. */
const LOADING_MIN_SPEED_MPM = 0.01;
/** Loading gauge full scale, mg/cm² (feed.areal_loading range). */
const LOADING_GAUGE_MAX_MG_CM2 = 50;
/** 1 g/m² is 0.1 mg/cm². */
const MG_CM2_PER_G_M2 = 0.1;

// ─── Rinse, dryer ────────────────────────────────────────────────────────────────────────────────────────

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

// ─── Sensor noise (1 σ) ──────────────────────────────────────────────────────────────────────────────────

const NOISE = {
  webTempK: 0.3,
  radiatorTempK: 1,
  o2Relative: 0.005,
  o2Ppm: 0.05,
  flowLpm: 0.02,
  tensionN: 0.2,
  conductivityRelative: 0.003,
} as const;

// ─── Helpers ─────────────────────────────────────────────────────────────────────────────────────────────

/** mulberry32: one 32-bit state word, returns [uniform in [0, 1), next state]. */
export function mulberry32(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(next ^ (next >>> 15), 1 | next);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next >>> 0];
}

/** Zero-mean noise with unit σ (sum of three uniforms, rescaled) from a local copy of the generator. */
class Noise {
  constructor(public state: number) {}
  uniform(): number {
    const [u, next] = mulberry32(this.state);
    this.state = next;
    return u;
  }
  gauss(): number {
    return (this.uniform() + this.uniform() + this.uniform() - 1.5) * 2;
  }
}

/** One first-order lag step toward `target` with time constant `tau` (exact for a constant target). */
function lag(value: number, target: number, tau: number, dtS: number): number {
  return target + (value - target) * Math.exp(-dtS / tau);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Gas-knife heat transfer coefficient at a flow, W/(m²·K). */
export function knifeH(flowLpm: number): number {
  return flowLpm <= 0 ? 0 : H_KNIFE_RATED_W_M2K * (flowLpm / KNIFE_RATED_FLOW_LPM) ** KNIFE_FLOW_EXPONENT;
}

/** Heat the web in the zone loses at temperature T, W (radiation + convection + cold web carried in). */
export function webHeatLossW(tK: number, knifeFlowLpm: number, webSpeedMpm: number): number {
  const radiation = WEB_EFFECTIVE_EMISSIVITY * SIGMA * WEB_AREA_M2 * (tK ** 4 - AMBIENT_K ** 4);
  const convection = (H_NATURAL_W_M2K + knifeH(knifeFlowLpm)) * WEB_AREA_M2 * (tK - AMBIENT_K);
  const advection = WEB_HEAT_CAPACITY_PER_M * (webSpeedMpm / 60) * (tK - AMBIENT_K);
  return radiation + convection + advection;
}

// ─── The step ────────────────────────────────────────────────────────────────────────────────────────────

interface SupplyOut {
  readonly voltageV: number;
  readonly currentA: number;
  readonly powerKw: number;
  /** Power dissipated in the radiator itself (what heats the web), W. */
  readonly radiatorW: number;
}

/** DC supply: a voltage source set for the demanded power into the nominal radiator, current-limited. */
function supply(htr: HtrPlcMemory, estopOk: boolean, faults: FaultFlags): SupplyOut {
  if (!htr.heaterOn || !estopOk) return { voltageV: 0, currentA: 0, powerKw: 0, radiatorW: 0 };
  const demandW = clamp(htr.powerCmd, 0, 1) * SUPPLY_MAX_POWER_W;
  let voltageV = Math.sqrt(demandW * RADIATOR_RESISTANCE_OHM);
  const conductanceS = 1 / RADIATOR_RESISTANCE_OHM + (faults.overcurrent ? 1 / SHORT_RESISTANCE_OHM : 0);
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

interface Transport {
  readonly speedMpm: number;
  readonly posM: number;
  readonly accelMS2: number;
}

/** Web drives: index move (servo profile), continuous run (first-order lag to the setpoint), or stop. */
function transport(p: PlantPhysics, line: LinePlcMemory, dtS: number): Transport {
  const v0 = p.webSpeedMpm;
  let v: number;
  let pos = p.encoderPosM;
  if (!p.estopOk) {
    v = lag(v0, 0, ESTOP_STOP_TAU_S, dtS);
    if (v < STOPPED_MPM) v = 0;
    pos += ((v0 + v) / 2 / 60) * dtS;
  } else if (line.indexing) {
    const remaining = line.indexTargetM - pos;
    const vMs0 = v0 / 60;
    const vLimit = Math.min(INDEX_SPEED_M_S, Math.sqrt(2 * INDEX_ACCEL_M_S2 * Math.max(0, remaining)));
    const vMs = Math.max(INDEX_CREEP_M_S, vMs0 < vLimit ? Math.min(vLimit, vMs0 + INDEX_ACCEL_M_S2 * dtS) : vLimit);
    if (remaining <= vMs * dtS) {
      pos = Math.max(pos, line.indexTargetM);
      v = 0;
    } else {
      pos += vMs * dtS;
      v = vMs * 60;
    }
  } else {
    const target = line.drivesRunning ? line.webSpeedSpMpm : 0;
    v = lag(v0, target, SPEED_TAU_S, dtS);
    if (target === 0 && v < STOPPED_MPM) v = 0;
    pos += ((v0 + v) / 2 / 60) * dtS;
  }
  return { speedMpm: v, posM: pos, accelMS2: (v - v0) / 60 / dtS };
}

/** Ring slot of the web segment at web coordinate u (u = encoder position − path position; may be < 0). */
function ringSlot(u: number): number {
  const seg = Math.floor(u / LOADING_SEGMENT_M);
  return ((seg % LOADING_SEGMENTS) + LOADING_SEGMENTS) % LOADING_SEGMENTS;
}

/**
 * Writes the loading at the doser into the web segments that passed it during the step. The ring is longer
 * than the doser → rinse distance, so a segment is read at the rinse before the doser overwrites its slot;
 * web that was already past the doser when the plant started reads 0 (its slots were never written).
 */
function depositLoading(ring: readonly number[], pos0: number, pos1: number, loading: number): readonly number[] {
  if (pos1 <= pos0) return ring;
  const first = Math.floor((pos0 - DOSER_POSITION_M) / LOADING_SEGMENT_M);
  const last = Math.floor((pos1 - DOSER_POSITION_M) / LOADING_SEGMENT_M);
  const out = ring.slice();
  for (let seg = first; seg <= last; seg++) out[ringSlot(seg * LOADING_SEGMENT_M + LOADING_SEGMENT_M / 2)] = loading;
  return out;
}

/** Loading of the web segment at the rinse entry, mg/cm². */
function loadingAtRinse(ring: readonly number[], pos: number): number {
  return ring[ringSlot(pos - RINSE_ENTRY_POSITION_M)] ?? 0;
}

/** Advances the plant's physics and sensor readings by dtS seconds (pure). */
export function stepPhysics(state: PlantState, dtS: number): PlantState {
  const { physics: p, htr, line, faults } = state;
  const noise = new Noise(state.rng);
  const dtMin = dtS / 60;

  // Hard-wired inputs follow the faults (the door switch, the e-stop chain).
  const doorClosed = !faults["door-open"];
  const estopOk = !faults.estop;

  // DC supply and radiator.
  const sup = supply(htr, estopOk, faults);
  const radiatorTargetK = (p.webTempK ** 4 + sup.radiatorW / (SIGMA * RADIATOR_RADIATING_AREA_M2)) ** 0.25;
  const radiatorTempK = lag(p.radiatorTempK, radiatorTargetK, RADIATOR_TAU_S, dtS);

  // Gas flows (purge and knife share the argon supply).
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

  // Web transport (needed by the web temperature for the advected heat).
  const tr = transport({ ...p, estopOk }, line, dtS);

  // Web temperature in the zone.
  const heatInW = HEATER_EFFICIENCY * sup.radiatorW;
  const substeps = Math.max(1, Math.ceil(dtS / WEB_SUBSTEP_S));
  const h = dtS / substeps;
  let webTempK = p.webTempK;
  for (let i = 0; i < substeps; i++) {
    webTempK += ((heatInW - webHeatLossW(webTempK, quenchGasFlowLpm, tr.speedMpm)) / WEB_HEAT_CAPACITY_J_PER_K) * h;
  }
  const convectedW = (H_NATURAL_W_M2K + knifeH(quenchGasFlowLpm)) * WEB_AREA_M2 * (webTempK - AMBIENT_K);

  // Chill plates and coolant.
  const coolantOk = !faults["coolant-loss"];
  const coolantFlowLpm = lag(p.coolantFlowLpm, htr.coolantOn && coolantOk ? COOLANT_NOMINAL_LPM : 0, COOLANT_FLOW_TAU_S, dtS);
  const coolantWPerK = (coolantFlowLpm / 60) * WATER_CP_J_PER_KG_K;
  const plateHeatW = (1 - HEATER_EFFICIENCY) * sup.radiatorW + Math.max(0, convectedW);
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
  if (tr.speedMpm > LOADING_MIN_SPEED_MPM) {
    const ntu =
      ((knifeH(quenchGasFlowLpm) + H_CHILL_W_M2K) * QUENCH_AREA_M2) / (WEB_HEAT_CAPACITY_PER_M * (tr.speedMpm / 60));
    exitTargetK = coolantTempK + (webTempK - coolantTempK) * Math.exp(-ntu);
  }
  const exitWebTempK = lag(p.exitWebTempK, exitTargetK, EXIT_TEMP_TAU_S, dtS);

  // Tension: the rewinder trims its speed on the tension error; it lags the unwinder in speed changes.
  const webBroken = faults["web-break"];
  let webTensionN: number;
  if (webBroken) webTensionN = 0;
  else if (!estopOk) webTensionN = p.webTensionN; // brakes hold the web as it is
  else {
    const target = line.tensionSpN - (REWINDER_LAG_S * tr.accelMS2) / TENSION_TRIM_GAIN;
    webTensionN = Math.max(0, lag(p.webTensionN, target, TENSION_TAU_S, dtS));
  }
  const movedM = tr.posM - p.encoderPosM;
  const rollLengthM = webBroken ? p.rollLengthM : p.rollLengthM + movedM;

  // Feed: hopper and screw doser, loading on the web.
  const hopperEmpty = faults["hopper-empty"];
  const doserTarget = line.doserRunning && !hopperEmpty && p.hopperLevelPct > 0 ? line.doserRateSpGpm : 0;
  const doserRateGpm = lag(p.doserRateGpm, doserTarget, DOSER_TAU_S, dtS);
  const hopperLevelPct = hopperEmpty
    ? 0
    : Math.max(0, p.hopperLevelPct - ((doserRateGpm * dtMin) / HOPPER_CAPACITY_G) * 100);
  const arealLoadingMgCm2 =
    tr.speedMpm >= LOADING_MIN_SPEED_MPM
      ? Math.min(LOADING_GAUGE_MAX_MG_CM2, (MG_CM2_PER_G_M2 * doserRateGpm) / (tr.speedMpm * WEB_WIDTH_M))
      : 0;
  const loadingRing = depositLoading(p.loadingRing, p.encoderPosM, tr.posM, arealLoadingMgCm2);

  // Rinse: NaCl arrives with the dosed web, dissolves in the well-mixed dip tank, leaves over the weir.
  const waterFlowLpm = lag(p.waterFlowLpm, line.pumpRunning ? line.waterFlowSpLpm : 0, WATER_FLOW_TAU_S, dtS);
  const saltInGpm = webBroken
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

  // Dryer.
  const dryerTempK = line.dryerRunning
    ? lag(p.dryerTempK, line.dryerTempSpK, DRYER_HEAT_TAU_S, dtS)
    : lag(p.dryerTempK, AMBIENT_K, DRYER_COOL_TAU_S, dtS);

  const physics: PlantPhysics = {
    webTempK,
    radiatorTempK,
    supplyVoltageV: sup.voltageV,
    supplyCurrentA: sup.currentA,
    supplyPowerKw: sup.powerKw,
    arFlowLpm,
    o2Ppm,
    doorClosed,
    estopOk,
    quenchGasFlowLpm,
    coolantFlowLpm,
    coolantTempK,
    exitWebTempK,
    webSpeedMpm: tr.speedMpm,
    webTensionN,
    encoderPosM: tr.posM,
    hopperLevelPct,
    doserRateGpm,
    arealLoadingMgCm2,
    loadingRing,
    waterFlowLpm,
    tankLevelPct,
    tankSaltG,
    waterTempK,
    conductivityUsCm,
    dryerTempK,
    rollLengthM,
  };

  // Sensors: always draw the same noise samples in the same order (determinism does not depend on branches).
  const n = {
    web: noise.gauss(),
    radiator: noise.gauss(),
    o2: noise.gauss(),
    ar: noise.gauss(),
    knife: noise.gauss(),
    coolant: noise.gauss(),
    tension: noise.gauss(),
    rewind: noise.gauss(),
    cond: noise.gauss(),
  };
  const flowReading = (flow: number, g: number): number => (flow > 0.01 ? Math.max(0, flow + NOISE.flowLpm * g) : 0);
  const frozen = faults["pyrometer-frozen"] || faults["pyrometer-bad"];
  const sensors: SensorReadings = {
    webTempK: frozen ? state.sensors.webTempK : webTempK + NOISE.webTempK * n.web,
    webTempBad: faults["pyrometer-bad"] ? "pyrometer signal lost" : undefined,
    radiatorTempK: radiatorTempK + NOISE.radiatorTempK * n.radiator,
    o2Ppm: Math.max(0, o2Ppm * (1 + NOISE.o2Relative * n.o2) + NOISE.o2Ppm * n.o2),
    arFlowLpm: flowReading(arFlowLpm, n.ar),
    quenchGasFlowLpm: flowReading(quenchGasFlowLpm, n.knife),
    coolantFlowLpm: flowReading(coolantFlowLpm, n.coolant),
    webTensionN: webBroken ? 0 : Math.max(0, webTensionN + NOISE.tensionN * n.tension),
    rewindTensionN: webBroken ? 0 : Math.max(0, webTensionN * REWIND_TENSION_RATIO + NOISE.tensionN * n.rewind),
    conductivityUsCm: conductivityUsCm * (1 + NOISE.conductivityRelative * n.cond),
  };

  return {
    ...state,
    timeMs: state.timeMs + Math.round(dtS * 1000),
    rng: noise.state >>> 0,
    physics,
    sensors,
  };
}
