/**
 * Tag name (plc-config) ↔ plant variable. Every PLC variable the virtual plant offers, by the name the config
 * gives it, in engineering units: how to read it from the plant state and, for the SCADA's commands and
 * setpoints, how to write it. The VirtualPlant checks at construction that every config tag is in here.
 */
import type { TagScalar } from "../core/tag-value.js";
import type { PlantValue } from "./plant-io.js";
import type { HtrPlcMemory, LinePlcMemory, PlantState } from "./plant-state.js";

export type PlantVariableKind = "bool" | "number";

export interface TagBinding {
  readonly kind: PlantVariableKind;
  read(state: PlantState): PlantValue;
  /** Present for PLC variables the SCADA may write; returns the new state. */
  readonly write?: (state: PlantState, value: TagScalar) => PlantState;
}

type KeysOfType<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T];

function num(read: (s: PlantState) => number): TagBinding {
  return { kind: "number", read: (s) => ({ value: read(s) }) };
}

function bool(read: (s: PlantState) => boolean): TagBinding {
  return { kind: "bool", read: (s) => ({ value: read(s) }) };
}

/** A variable of one PLC's memory (state.htr or state.line) the SCADA may write. */
function plcVariable<M extends "htr" | "line">(memory: M, kind: PlantVariableKind, key: keyof PlantState[M]): TagBinding {
  return {
    kind,
    read: (s) => ({ value: s[memory][key] as TagScalar }),
    write: (s, v) => ({ ...s, [memory]: { ...s[memory], [key]: v } }),
  };
}

const htrNumber = (key: KeysOfType<HtrPlcMemory, number>): TagBinding => plcVariable("htr", "number", key);
const htrBool = (key: KeysOfType<HtrPlcMemory, boolean>): TagBinding => plcVariable("htr", "bool", key);
const lineNumber = (key: KeysOfType<LinePlcMemory, number>): TagBinding => plcVariable("line", "number", key);
const lineBool = (key: KeysOfType<LinePlcMemory, boolean>): TagBinding => plcVariable("line", "bool", key);

/** The encoder counts whole millimetres (a hair of tolerance so an exact 0.3 m index reads 0.300). */
const ENCODER_COUNTS_PER_M = 1000;
const ENCODER_ROUNDING_TOLERANCE = 1e-6;

const BINDINGS: Readonly<Record<string, TagBinding>> = {
  // ── feed (line PLC)
  "feed.web_speed": num((s) => s.physics.webSpeedMpm),
  "feed.web_tension": num((s) => s.sensors.webTensionN),
  "feed.encoder_pos": num(
    (s) => Math.floor(s.physics.encoderPosM * ENCODER_COUNTS_PER_M + ENCODER_ROUNDING_TOLERANCE) / ENCODER_COUNTS_PER_M,
  ),
  "feed.hopper_level": num((s) => s.physics.hopperLevelPct),
  "feed.doser_rate": num((s) => s.physics.doserRateGpm),
  "feed.areal_loading": num((s) => s.physics.arealLoadingMgCm2),
  "feed.web_speed_sp": lineNumber("webSpeedSpMpm"),
  "feed.doser_rate_sp": lineNumber("doserRateSpGpm"),
  "feed.lot_id": lineNumber("lotId"),
  "feed.index_length_sp": lineNumber("indexLengthSpM"),
  "feed.tension_sp": lineNumber("tensionSpN"),
  "feed.drives_run": lineBool("drivesRun"),
  "feed.doser_on": lineBool("doserOn"),
  "feed.index_cmd": lineBool("indexCmd"),
  "feed.drives_running": bool((s) => s.line.drivesRunning),
  "feed.indexing": bool((s) => s.line.indexing),
  "line-plc.heartbeat": num((s) => s.line.heartbeat),
  "line-plc.scada_heartbeat": lineNumber("scadaHeartbeat"),
  "line-plc.scada_heartbeat_ok": bool((s) => s.line.scadaOk),
  "line-plc.trip_word": num((s) => s.line.tripWord),
  "line-plc.first_out": num((s) => s.line.firstOut),
  "line-plc.trip_reset": lineBool("tripReset"),

  // ── htr (HTR PLC)
  "htr.web_temp": {
    kind: "number",
    read: (s) =>
      s.sensors.webTempBad === undefined
        ? { value: s.sensors.webTempK }
        : { value: s.sensors.webTempK, bad: s.sensors.webTempBad },
  },
  "htr.radiator_temp": num((s) => s.sensors.radiatorTempK),
  "htr.supply_voltage": num((s) => s.physics.supplyVoltageV),
  "htr.supply_current": num((s) => s.physics.supplyCurrentA),
  "htr.supply_power": num((s) => s.physics.supplyPowerKw),
  "htr.ar_flow": num((s) => s.sensors.arFlowLpm),
  "htr.ar_flow_sp": htrNumber("arFlowSpLpm"),
  "htr.o2": num((s) => s.sensors.o2Ppm),
  "htr.door_closed": bool((s) => s.physics.doorClosed),
  "htr.estop_ok": bool((s) => s.physics.estopOk),
  "htr.heater_enable": htrBool("heaterEnable"),
  "htr.heater_on": bool((s) => s.htr.heaterOn),
  "htr.mode": htrNumber("mode"),
  "htr.profile_phase": num((s) => s.htr.phase),
  "htr.peak_sp": htrNumber("peakSpK"),
  "htr.ramp_time_sp": htrNumber("rampTimeSpS"),
  "htr.hold_time_sp": htrNumber("holdTimeSpS"),
  "htr.cool_time_sp": htrNumber("coolTimeSpS"),
  "htr.pulse_start": htrBool("pulseStart"),
  "htr.pulse_count": num((s) => s.htr.pulseCount),
  "htr.trip_word": num((s) => s.htr.tripWord),
  "htr.first_out": num((s) => s.htr.firstOut),
  "htr.trip_reset": htrBool("tripReset"),
  "htr-plc.heartbeat": num((s) => s.htr.heartbeat),
  "htr-plc.scada_heartbeat": htrNumber("scadaHeartbeat"),
  "htr-plc.scada_heartbeat_ok": bool((s) => s.htr.scadaOk),

  // ── quench (HTR PLC)
  "quench.gas_on": htrBool("quenchGasOn"),
  "quench.gas_flow": num((s) => s.sensors.quenchGasFlowLpm),
  "quench.gas_flow_sp": htrNumber("quenchGasFlowSpLpm"),
  "quench.coolant_on": htrBool("coolantOn"),
  "quench.coolant_flow": num((s) => s.sensors.coolantFlowLpm),
  "quench.coolant_temp": num((s) => s.physics.coolantTempK),
  "quench.exit_web_temp": num((s) => s.physics.exitWebTempK),

  // ── rinse, dryer, rewinder (line PLC)
  "rinse.water_flow": num((s) => s.physics.waterFlowLpm),
  "rinse.tank_level": num((s) => s.physics.tankLevelPct),
  "rinse.water_temp": num((s) => s.physics.waterTempK),
  "rinse.conductivity": num((s) => s.sensors.conductivityUsCm),
  "rinse.dryer_temp": num((s) => s.physics.dryerTempK),
  "rinse.rewind_tension": num((s) => s.sensors.rewindTensionN),
  "rinse.roll_length": num((s) => s.physics.rollLengthM),
  "rinse.water_flow_sp": lineNumber("waterFlowSpLpm"),
  "rinse.dryer_temp_sp": lineNumber("dryerTempSpK"),
  "rinse.pump_on": lineBool("pumpOn"),
  "rinse.dryer_on": lineBool("dryerOn"),
  "rinse.pump_running": bool((s) => s.line.pumpRunning),
};

/** Every PLC variable of the virtual plant, by tag name. */
export const PLANT_TAG_MAP: ReadonlyMap<string, TagBinding> = new Map(Object.entries(BINDINGS));

/** The SCADA heartbeat inputs of the PLCs' watchdogs: tag → the PLC memory that holds it. */
export const SCADA_HEARTBEAT_INPUTS: ReadonlyMap<string, "htr" | "line"> = new Map([
  ["htr-plc.scada_heartbeat", "htr"],
  ["line-plc.scada_heartbeat", "line"],
]);
