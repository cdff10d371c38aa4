/**
 * The whole state of the virtual plant: the physics (what the equipment really does), the sensor readings the
 * PLCs see, the memory of both PLCs (setpoints, commands, status, internal timers) and the injected faults.
 * Immutable: `stepPhysics` and `scanPlc` return a new state; nothing in here reads a clock.
 */
import { HTR_ZONE } from "../process/htr-zone.js";
import { MODE, PHASE, type ProfileMemory, type ProfileOutputs } from "../process/profile-controller.js";
import { type FaultFlags, noFaults } from "./plant-faults.js";
import { type ScadaWatchdogMemory, initialScadaWatchdog } from "./scada-watchdog.js";

// ─── Plant-wide facts (PROCESS.md and plc-config/line.yaml) ────────────────────────────────────────────

/** The plant-wide facts. */
export const PLANT = {
  /** Room / hall temperature, K (src/process/htr-zone.ts). */
  ambientK: HTR_ZONE.ambientK,
  /** O₂ in air, ppm (20.9 %). */
  airO2Ppm: 209_000,
  /** Carbon-cloth web width, m (line.yaml webWidth; src/process/htr-zone.ts). */
  webWidthM: HTR_ZONE.webWidthM,
  /** Length of the HTR radiation zone along the web (1.00–1.30 m), m: one pulse-mode index (src/process/htr-zone.ts). */
  zoneLengthM: HTR_ZONE.zoneLengthM,
  /** Web path positions from the unwinder nip, m (line.yaml). */
  doserPositionM: 0.5,
  rinseEntryPositionM: 2.5,

  /**
   * The precursor loading the web carries from the doser to the rinse, kept per web segment so the NaCl
   * reaches the rinse tank when the dosed web does. Segment length and count cover the 2.0 m from the doser
   * to the rinse entry with margin (256 × 0.01 m = 2.56 m).
   */
  loadingSegmentM: 0.01,
  loadingSegments: 256,
} as const;

// ─── Codes shared with plc-config (tag descriptions) ───────────────────────────────────────────────────

// htr.profile_phase and htr.mode: PHASE and MODE of src/process/profile-controller.ts.

/** htr.trip_word bits. */
export const TRIP_BIT = { overTemp: 1 << 0, door: 1 << 1, estop: 1 << 2, o2: 1 << 3, overCurrent: 1 << 4, scadaLost: 1 << 5 } as const;

/** htr.first_out codes. */
export const FIRST_OUT = { none: 0, overTemp: 1, door: 2, estop: 3, o2: 4, overCurrent: 5, scadaLost: 6 } as const;

/** line-plc.trip_word bits. */
export const LINE_TRIP_BIT = { scadaLost: 1 << 0 } as const;

/** line-plc.first_out codes. */
export const LINE_FIRST_OUT = { none: 0, scadaLost: 1 } as const;

/** The PLCs' SCADA watchdog timeout unless the plant is told otherwise (devices.yaml scadaHeartbeat.timeoutMs), ms. */
export const SCADA_WATCHDOG_TIMEOUT_MS = 1000;

// ─── Default setpoints (PROCESS.md: the paper's BiSb profile and the line's design values) ─────────────

export const DEFAULTS = {
  peakSpK: 1340,
  rampTimeSpS: 3.0,
  holdTimeSpS: 7.0,
  coolTimeSpS: 5.0,
  mode: MODE.pulse,
  /** Argon purge: 30 L/min through the ≈ 5 L chamber purges air below 50 ppm in ≈ 85 s. */
  arFlowSpLpm: 30,
  /** Gas knife flow at which the knife's heat transfer is rated (see src/process/web-thermal-model.ts). */
  quenchGasFlowSpLpm: 150,
  /** Continuous mode: one zone length per hold time, 0.30 m / 7 s ≈ 2.57 m/min. */
  webSpeedSpMpm: (PLANT.zoneLengthM / 7.0) * 60,
  /** ≈ 3 mg/cm² at the continuous web speed: 3 mg/cm² × 0.30 m × 2.57 m/min = 23 g/min. */
  doserRateSpGpm: 23,
  indexLengthSpM: PLANT.zoneLengthM,
  tensionSpN: 50,
  waterFlowSpLpm: 20,
  dryerTempSpK: 393,
  hopperLevelPct: 80,
} as const;

// ─── State types ───────────────────────────────────────────────────────────────────────────────────────

/** What the equipment really does (true values, no sensor noise). */
export interface PlantPhysics {
  // HTR zone
  readonly webTempK: number;
  readonly radiatorTempK: number;
  readonly supplyVoltageV: number;
  readonly supplyCurrentA: number;
  readonly supplyPowerKw: number;
  readonly arFlowLpm: number;
  readonly o2Ppm: number;
  readonly doorClosed: boolean;
  readonly estopOk: boolean;
  // quench
  readonly quenchGasFlowLpm: number;
  readonly coolantFlowLpm: number;
  readonly coolantTempK: number;
  readonly exitWebTempK: number;
  // web transport and feed
  readonly webSpeedMpm: number;
  readonly webTensionN: number;
  /** Web length that has passed the unwinder nip, m (the encoder, before its 1 mm quantisation). */
  readonly encoderPosM: number;
  readonly hopperLevelPct: number;
  readonly doserRateGpm: number;
  readonly arealLoadingMgCm2: number;
  /** Areal loading (mg/cm²) by web segment, ring-indexed by web coordinate (see PLANT.loadingSegmentM). */
  readonly loadingRing: readonly number[];
  // rinse, dryer, rewinder
  readonly waterFlowLpm: number;
  readonly tankLevelPct: number;
  readonly tankSaltG: number;
  readonly waterTempK: number;
  readonly conductivityUsCm: number;
  readonly dryerTempK: number;
  readonly rollLengthM: number;
}

/** What the PLCs' inputs read: the noisy or fault-prone measurements (the rest are read from physics). */
export interface SensorReadings {
  readonly webTempK: number;
  /** Set while the pyrometer signal is bad (the reason). */
  readonly webTempBad: string | undefined;
  readonly radiatorTempK: number;
  readonly o2Ppm: number;
  readonly arFlowLpm: number;
  readonly quenchGasFlowLpm: number;
  readonly coolantFlowLpm: number;
  readonly webTensionN: number;
  readonly rewindTensionN: number;
  readonly conductivityUsCm: number;
}

/**
 * The HTR PLC's memory (OPC UA device htr-plc): SCADA commands and setpoints, status, internal state. The
 * profile control's part — the profile setpoints and htr.pulse_start (written by the SCADA), the phase, pulse
 * count and power stage (status), the sequencer's and the PI loop's state — is ProfileMemory and
 * ProfileOutputs of src/process/profile-controller.ts.
 */
export interface HtrPlcMemory extends ProfileMemory, ProfileOutputs {
  // written by the SCADA
  readonly heaterEnable: boolean;
  readonly tripReset: boolean;
  readonly arFlowSpLpm: number;
  readonly quenchGasOn: boolean;
  readonly quenchGasFlowSpLpm: number;
  readonly coolantOn: boolean;
  /** The SCADA's heartbeat counter (htr-plc.scada_heartbeat): the watchdog watches it change. */
  readonly scadaHeartbeat: number;
  // status
  readonly tripWord: number;
  readonly firstOut: number;
  readonly heartbeat: number;
  /** The watchdog sees the SCADA heartbeat (armed, changed within the timeout): htr-plc.scada_heartbeat_ok. */
  readonly scadaOk: boolean;
  // internal
  /** Plant ms accumulated towards the next heartbeat increment. */
  readonly heartbeatAccMs: number;
  readonly scadaWatchdog: ScadaWatchdogMemory;
  /** Output to the gas knife valve (SCADA request, or the PLC's own quench in the cool phase). */
  readonly knifeOpen: boolean;
}

/** The line PLC's memory (Modbus device line-plc). */
export interface LinePlcMemory {
  // written by the SCADA
  readonly webSpeedSpMpm: number;
  readonly doserRateSpGpm: number;
  readonly lotId: number;
  readonly indexLengthSpM: number;
  readonly tensionSpN: number;
  readonly drivesRun: boolean;
  readonly doserOn: boolean;
  readonly indexCmd: boolean;
  readonly pumpOn: boolean;
  readonly dryerOn: boolean;
  readonly waterFlowSpLpm: number;
  readonly dryerTempSpK: number;
  /** The SCADA's heartbeat counter (line-plc.scada_heartbeat): the watchdog watches it change. */
  readonly scadaHeartbeat: number;
  /** Reset the latched trips (line-plc.trip_reset; the PLC clears it). */
  readonly tripReset: boolean;
  // status
  readonly drivesRunning: boolean;
  readonly indexing: boolean;
  readonly doserRunning: boolean;
  readonly pumpRunning: boolean;
  readonly dryerRunning: boolean;
  readonly heartbeat: number;
  /** Latched trips (line-plc.trip_word, LINE_TRIP_BIT) and the first of them (line-plc.first_out, LINE_FIRST_OUT). */
  readonly tripWord: number;
  readonly firstOut: number;
  /** The watchdog sees the SCADA heartbeat (armed, changed within the timeout): line-plc.scada_heartbeat_ok. */
  readonly scadaOk: boolean;
  // internal
  readonly heartbeatAccMs: number;
  readonly scadaWatchdog: ScadaWatchdogMemory;
  /** Encoder position the running index move ends at, m. */
  readonly indexTargetM: number;
}

export interface PlantState {
  /** Plant time, ms since the plant started (advances in the physics step). */
  readonly timeMs: number;
  /** mulberry32 state for the sensor noise. */
  readonly rng: number;
  readonly faults: FaultFlags;
  readonly physics: PlantPhysics;
  readonly sensors: SensorReadings;
  readonly htr: HtrPlcMemory;
  readonly line: LinePlcMemory;
}

// ─── Initial state ─────────────────────────────────────────────────────────────────────────────────────

/** Chill-plate cooling water inlet temperature, K. */
export const COOLANT_INLET_K = 293;
/** DI-water supply temperature, K. */
export const RINSE_SUPPLY_K = 293;
/** Rinse tank overflow weir, % of tank height: the tank stands at this level with no flow ("normal"). */
export const TANK_WEIR_LEVEL_PCT = 60;
/** Conductivity of the DI water itself, µS/cm. */
export const DI_WATER_CONDUCTIVITY_US_CM = 1;

/** The plant at rest: room temperature, chamber full of air, door closed, drives stopped, heater off. */
export function initialPlantState(seed: number): PlantState {
  const physics: PlantPhysics = {
    webTempK: PLANT.ambientK,
    radiatorTempK: PLANT.ambientK,
    supplyVoltageV: 0,
    supplyCurrentA: 0,
    supplyPowerKw: 0,
    arFlowLpm: 0,
    o2Ppm: PLANT.airO2Ppm,
    doorClosed: true,
    estopOk: true,
    quenchGasFlowLpm: 0,
    coolantFlowLpm: 0,
    coolantTempK: COOLANT_INLET_K,
    exitWebTempK: PLANT.ambientK,
    webSpeedMpm: 0,
    webTensionN: DEFAULTS.tensionSpN,
    encoderPosM: 0,
    hopperLevelPct: DEFAULTS.hopperLevelPct,
    doserRateGpm: 0,
    arealLoadingMgCm2: 0,
    loadingRing: new Array<number>(PLANT.loadingSegments).fill(0),
    waterFlowLpm: 0,
    tankLevelPct: TANK_WEIR_LEVEL_PCT,
    tankSaltG: 0,
    waterTempK: RINSE_SUPPLY_K,
    conductivityUsCm: DI_WATER_CONDUCTIVITY_US_CM,
    dryerTempK: PLANT.ambientK,
    rollLengthM: 0,
  };
  return {
    timeMs: 0,
    rng: seed >>> 0,
    faults: noFaults(),
    physics,
    sensors: {
      webTempK: PLANT.ambientK,
      webTempBad: undefined,
      radiatorTempK: PLANT.ambientK,
      o2Ppm: PLANT.airO2Ppm,
      arFlowLpm: 0,
      quenchGasFlowLpm: 0,
      coolantFlowLpm: 0,
      webTensionN: DEFAULTS.tensionSpN,
      rewindTensionN: DEFAULTS.tensionSpN,
      conductivityUsCm: DI_WATER_CONDUCTIVITY_US_CM,
    },
    htr: {
      heaterEnable: false,
      mode: DEFAULTS.mode,
      peakSpK: DEFAULTS.peakSpK,
      rampTimeSpS: DEFAULTS.rampTimeSpS,
      holdTimeSpS: DEFAULTS.holdTimeSpS,
      coolTimeSpS: DEFAULTS.coolTimeSpS,
      pulseStart: false,
      tripReset: false,
      arFlowSpLpm: DEFAULTS.arFlowSpLpm,
      quenchGasOn: false,
      quenchGasFlowSpLpm: DEFAULTS.quenchGasFlowSpLpm,
      coolantOn: true,
      heaterOn: false,
      phase: PHASE.off,
      pulseCount: 0,
      scadaHeartbeat: 0,
      tripWord: 0,
      firstOut: FIRST_OUT.none,
      heartbeat: 0,
      scadaOk: false,
      heartbeatAccMs: 0,
      scadaWatchdog: initialScadaWatchdog(SCADA_WATCHDOG_TIMEOUT_MS),
      activeMode: DEFAULTS.mode,
      phaseElapsedMs: 0,
      rampStartK: PLANT.ambientK,
      setpointK: PLANT.ambientK,
      piIntegral: 0,
      powerCmd: 0,
      knifeOpen: false,
      holdCompleted: false,
    },
    line: {
      webSpeedSpMpm: DEFAULTS.webSpeedSpMpm,
      doserRateSpGpm: DEFAULTS.doserRateSpGpm,
      lotId: 0,
      indexLengthSpM: DEFAULTS.indexLengthSpM,
      tensionSpN: DEFAULTS.tensionSpN,
      drivesRun: false,
      doserOn: false,
      indexCmd: false,
      pumpOn: false,
      dryerOn: false,
      waterFlowSpLpm: DEFAULTS.waterFlowSpLpm,
      dryerTempSpK: DEFAULTS.dryerTempSpK,
      scadaHeartbeat: 0,
      tripReset: false,
      drivesRunning: false,
      indexing: false,
      doserRunning: false,
      pumpRunning: false,
      dryerRunning: false,
      heartbeat: 0,
      tripWord: 0,
      firstOut: LINE_FIRST_OUT.none,
      scadaOk: false,
      heartbeatAccMs: 0,
      scadaWatchdog: initialScadaWatchdog(SCADA_WATCHDOG_TIMEOUT_MS),
      indexTargetM: 0,
    },
  };
}

/** O₂ in a chamber kept under argon (well below the 50 ppm heater permissive), ppm. */
export const PURGED_O2_PPM = 5;

/**
 * The plant at rest with the chamber already purged (kept under argon between runs): as
 * initialPlantState, with O₂ at PURGED_O2_PPM and argon flowing at the default setpoint.
 */
export function purgedPlantState(seed: number): PlantState {
  const s = initialPlantState(seed);
  return {
    ...s,
    physics: { ...s.physics, o2Ppm: PURGED_O2_PPM, arFlowLpm: DEFAULTS.arFlowSpLpm },
    sensors: { ...s.sensors, o2Ppm: PURGED_O2_PPM, arFlowLpm: DEFAULTS.arFlowSpLpm },
  };
}

/** The SCADA watchdog timeouts of both PLCs, ms (a PLC parameter; default SCADA_WATCHDOG_TIMEOUT_MS). */
export interface ScadaWatchdogTimeouts {
  readonly htr?: number;
  readonly line?: number;
}

/** The state with the PLCs' SCADA watchdog timeouts set (the plant at start, before any scan). */
export function withScadaWatchdogTimeouts(s: PlantState, timeouts: ScadaWatchdogTimeouts): PlantState {
  return {
    ...s,
    htr: timeouts.htr === undefined ? s.htr : { ...s.htr, scadaWatchdog: initialScadaWatchdog(timeouts.htr, s.htr.scadaHeartbeat) },
    line: timeouts.line === undefined ? s.line : { ...s.line, scadaWatchdog: initialScadaWatchdog(timeouts.line, s.line.scadaHeartbeat) },
  };
}
