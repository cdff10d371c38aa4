/**
 * The two PLC programs of the virtual plant, as one pure scan: `scanPlc(state, dtS)` runs after every physics
 * step (10 ms) and computes the PLCs' outputs and status from their inputs (the sensor readings and the
 * hard-wired door / e-stop contacts) and the SCADA's commands and setpoints in their memory.
 *
 * HTR PLC, per scan, in this order:
 *  1. heartbeat (+1 per 100 ms of plant time, uint32);
 *  2. hard trips — over-temperature (pyrometer > 1500 K), door open, e-stop, O₂ > 1000 ppm while heating,
 *     supply over-current (> 550 A) — latch their bit in the trip word, the first one latches first-out, and
 *     power is cut in this same scan; a trip also drops the SCADA's heater-enable request (re-enabling is an
 *     explicit act after the reset). htr.trip_reset clears the latched bits whose cause is gone (first-out
 *     clears with the last bit) and is cleared by the PLC;
 *  3. the profile sequencer and 4. the PI loop (100 Hz): src/process/profile-controller.ts (scanProfile), on
 *     the pyrometer reading, with these permits: a pulse (pulse mode, on htr.pulse_start, consumed by the
 *     PLC whether or not it starts a pulse) or continuous heating (on heater_enable) starts when the heater
 *     may start — heater_enable, no latched trip, door closed, e-stop healthy, O₂ < 50 ppm, pyrometer Good —
 *     and the quench is ready (coolant flow ≥ 5 L/min, knife flow setpoint ≥ 50 L/min); losing
 *     heater_enable, the door, the e-stop or the pyrometer, or a trip aborts a running profile into the cool
 *     phase; the gas knife opens on the SCADA's request or in the cool phase; htr.heater_on is the power
 *     stage's state.
 *  With step 2, the SCADA watchdog (src/sim/scada-watchdog.ts, docs/plc-watchdog.md): once the SCADA
 *  heartbeat (htr-plc.scada_heartbeat) has changed at least once, it must change within the timeout while
 *  heating (heater enabled, heater on, or a profile ramping / holding / at temperature); else trip bit 5
 *  "SCADA lost" latches like the hard trips (first-out 6) and cuts the heater. While it is latched the PLC
 *  holds the SCADA's heater enable off, so heating needs the reset and a fresh enable; the reset clears it
 *  only while the heartbeat runs again. htr-plc.scada_heartbeat_ok: armed and not expired.
 * Line PLC: heartbeat (uint16); drives run on feed.drives_run, index moves on feed.index_cmd (only with the
 * drives not running continuously; consumed by the PLC); the doser runs only while the drives run (or index);
 * rinse pump and dryer on their commands; the e-stop chain stops every motor and aborts an index. SCADA
 * watchdog as the HTR PLC's, while running (drives commanded or running, indexing, doser commanded or running):
 * line-plc.trip_word bit 0 "SCADA lost" latches (first-out 1), stops drives and doser and ends an index (the
 * web stands); while latched the PLC holds drives_run and doser_on off; line-plc.trip_reset (cleared by the
 * PLC) clears it while the heartbeat runs again. Rinse pump and dryer keep their commands.
 */
import { PHASE, type ProfilePermits, overTempTripped, scanProfile } from "../process/profile-controller.js";
import {
  FIRST_OUT,
  type HtrPlcMemory,
  LINE_FIRST_OUT,
  LINE_TRIP_BIT,
  type LinePlcMemory,
  type PlantState,
  TRIP_BIT,
} from "./plant-state.js";
import { type ScadaWatchdogScan, scanScadaWatchdog } from "./scada-watchdog.js";

const UINT32_WRAP = 2 ** 32;
const UINT16_WRAP = 2 ** 16;

/**
 * The PLC programs' design figures: heartbeat, trip limits and permissives (the over-temperature trip and the
 * PI tuning are the profile control's: PROFILE_CONTROL in src/process/profile-controller.ts).
 */
export const PLC = {
  /** Heartbeat period, ms of plant time. */
  heartbeatPeriodMs: 100,
  /** Hard trip: O₂ above this while heating, ppm. */
  o2TripPpm: 1000,
  /** Permissive: the heater may only start below this O₂, ppm (IL-04). */
  o2PermissivePpm: 50,
  /** Hard trip: supply current above this, A (10 % over the radiator's 500 A at full power). */
  overCurrentTripA: 550,
  /** Quench ready: chill-plate coolant flow at least this, L/min. */
  quenchReadyCoolantLpm: 5,
  /** Quench ready: gas-knife flow setpoint at least this, L/min (the cool phase needs the knife). */
  quenchReadyKnifeSpLpm: 50,
} as const;

function nextHeartbeat(count: number, accMs: number, dtMs: number, wrap: number): { count: number; accMs: number } {
  let acc = accMs + dtMs;
  let c = count;
  while (acc >= PLC.heartbeatPeriodMs) {
    acc -= PLC.heartbeatPeriodMs;
    c = (c + 1) % wrap;
  }
  return { count: c, accMs: acc };
}

/** Lowest first-out code among the trip bits (the order of the trip word). */
function firstOutOf(bits: number): number {
  const order: [number, number][] = [
    [TRIP_BIT.overTemp, FIRST_OUT.overTemp],
    [TRIP_BIT.door, FIRST_OUT.door],
    [TRIP_BIT.estop, FIRST_OUT.estop],
    [TRIP_BIT.o2, FIRST_OUT.o2],
    [TRIP_BIT.overCurrent, FIRST_OUT.overCurrent],
    [TRIP_BIT.scadaLost, FIRST_OUT.scadaLost],
  ];
  for (const [bit, code] of order) if ((bits & bit) !== 0) return code;
  return FIRST_OUT.none;
}

/** The HTR PLC is heating, for its SCADA watchdog: heater enabled or on, or a profile ramping, holding or at temperature. */
function htrHeating(h: HtrPlcMemory): boolean {
  return h.heaterEnable || h.heaterOn || h.phase === PHASE.ramp || h.phase === PHASE.hold || h.phase === PHASE.atTemperature;
}

/**
 * Hard trips (and SCADA lost): latch their bits, the first one latches first-out; htr.trip_reset clears the
 * bits whose cause is gone — for SCADA lost, once the heartbeat runs again (not merely because heating stopped).
 */
function latchTrips(state: PlantState, pyrometerGood: boolean, scada: ScadaWatchdogScan): { tripWord: number; firstOut: number; newTrip: boolean } {
  const h = state.htr;
  const { sensors, physics } = state;
  let causes = 0;
  if (pyrometerGood && overTempTripped(sensors.webTempK)) causes |= TRIP_BIT.overTemp;
  if (!physics.doorClosed) causes |= TRIP_BIT.door;
  if (!physics.estopOk) causes |= TRIP_BIT.estop;
  if (h.heaterOn && sensors.o2Ppm > PLC.o2TripPpm) causes |= TRIP_BIT.o2;
  if (physics.supplyCurrentA > PLC.overCurrentTripA) causes |= TRIP_BIT.overCurrent;
  if (scada.expired && htrHeating(h)) causes |= TRIP_BIT.scadaLost;
  let tripWord = h.tripWord | causes;
  let firstOut = h.firstOut;
  if (h.tripWord === 0 && causes !== 0) firstOut = firstOutOf(causes);
  const newTrip = (causes & ~h.tripWord) !== 0;
  if (h.tripReset) {
    tripWord &= causes | (scada.running ? 0 : TRIP_BIT.scadaLost);
    if (tripWord === 0) firstOut = FIRST_OUT.none;
  }
  return { tripWord, firstOut, newTrip };
}

function scanHtr(state: PlantState, dtS: number): HtrPlcMemory {
  const h = state.htr;
  const { sensors, physics } = state;
  const dtMs = Math.round(dtS * 1000);
  const hb = nextHeartbeat(h.heartbeat, h.heartbeatAccMs, dtMs, UINT32_WRAP);

  // ── Inputs.
  const pyrometerGood = sensors.webTempBad === undefined;
  const webTempK = sensors.webTempK;

  // ── Hard trips and the SCADA watchdog, then the permissives.
  const scada = scanScadaWatchdog(h.scadaWatchdog, h.scadaHeartbeat, state.timeMs);
  const { tripWord, firstOut, newTrip } = latchTrips(state, pyrometerGood, scada);
  const tripped = tripWord !== 0;
  const scadaLost = (tripWord & TRIP_BIT.scadaLost) !== 0;
  const heaterEnable = h.heaterEnable && !newTrip && !scadaLost;
  const mayKeepHeating = heaterEnable && !tripped && physics.doorClosed && physics.estopOk && pyrometerGood;
  const permits: ProfilePermits = {
    mayKeepHeating,
    mayStart: mayKeepHeating && sensors.o2Ppm < PLC.o2PermissivePpm,
    quenchReady: sensors.coolantFlowLpm >= PLC.quenchReadyCoolantLpm && h.quenchGasFlowSpLpm >= PLC.quenchReadyKnifeSpLpm,
  };

  // ── Profile sequencer, setpoint and PI loop.
  const profile = scanProfile(h, permits, webTempK, dtS);

  return {
    ...h,
    heaterEnable,
    pulseStart: false,
    tripReset: false,
    ...profile,
    tripWord,
    firstOut,
    heartbeat: hb.count,
    heartbeatAccMs: hb.accMs,
    scadaOk: scada.running,
    scadaWatchdog: scada.memory,
    knifeOpen: h.quenchGasOn || profile.phase === PHASE.cool,
  };
}

/** An index move is done within this of its target, m. */
const INDEX_DONE_TOLERANCE_M = 1e-9;

/** The line PLC is running, for its SCADA watchdog: drives or doser commanded or running, or an index moving. */
function lineRunning(l: LinePlcMemory): boolean {
  return l.drivesRun || l.doserOn || l.drivesRunning || l.doserRunning || l.indexing;
}

/** The line PLC's SCADA-lost latch: set while running with the heartbeat lost; line-plc.trip_reset clears it once the heartbeat runs. */
function latchLineTrips(l: LinePlcMemory, scada: ScadaWatchdogScan): { tripWord: number; firstOut: number } {
  const causes = scada.expired && lineRunning(l) ? LINE_TRIP_BIT.scadaLost : 0;
  let tripWord = l.tripWord | causes;
  let firstOut = l.tripWord === 0 && causes !== 0 ? LINE_FIRST_OUT.scadaLost : l.firstOut;
  if (l.tripReset) {
    tripWord &= scada.running ? 0 : LINE_TRIP_BIT.scadaLost;
    if (tripWord === 0) firstOut = LINE_FIRST_OUT.none;
  }
  return { tripWord, firstOut };
}

function scanLine(state: PlantState, dtS: number): LinePlcMemory {
  const l = state.line;
  const { physics } = state;
  const hb = nextHeartbeat(l.heartbeat, l.heartbeatAccMs, Math.round(dtS * 1000), UINT16_WRAP);
  const estopOk = physics.estopOk;
  const scada = scanScadaWatchdog(l.scadaWatchdog, l.scadaHeartbeat, state.timeMs);
  const { tripWord, firstOut } = latchLineTrips(l, scada);
  // SCADA lost holds the web: drives, doser and index stop, and the SCADA's commands are held off.
  const scadaLost = (tripWord & LINE_TRIP_BIT.scadaLost) !== 0;
  const drivesRun = l.drivesRun && !scadaLost;
  const doserOn = l.doserOn && !scadaLost;

  let indexing = l.indexing;
  let indexTargetM = l.indexTargetM;
  if (indexing) {
    const arrived = physics.encoderPosM >= indexTargetM - INDEX_DONE_TOLERANCE_M && physics.webSpeedMpm === 0;
    if (!estopOk || scadaLost || arrived) indexing = false;
  } else if (l.indexCmd && estopOk && !scadaLost && !drivesRun) {
    indexing = true;
    indexTargetM = physics.encoderPosM + l.indexLengthSpM;
  }
  const drivesRunning = estopOk && (drivesRun || indexing);

  return {
    ...l,
    drivesRun,
    doserOn,
    indexCmd: false,
    tripReset: false,
    drivesRunning,
    indexing,
    indexTargetM,
    doserRunning: estopOk && doserOn && drivesRunning,
    pumpRunning: estopOk && l.pumpOn,
    dryerRunning: estopOk && l.dryerOn,
    heartbeat: hb.count,
    heartbeatAccMs: hb.accMs,
    tripWord,
    firstOut,
    scadaOk: scada.running,
    scadaWatchdog: scada.memory,
  };
}

/** Runs one scan of both PLCs on the state the physics step left (pure). */
export function scanPlc(state: PlantState, dtS: number): PlantState {
  return { ...state, htr: scanHtr(state, dtS), line: scanLine(state, dtS) };
}
