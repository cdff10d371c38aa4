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
 * Line PLC: heartbeat (uint16); drives run on feed.drives_run, index moves on feed.index_cmd (only with the
 * drives not running continuously; consumed by the PLC); the doser runs only while the drives run (or index);
 * rinse pump and dryer on their commands; the e-stop chain stops every motor and aborts an index.
 */
import { PHASE, type ProfilePermits, overTempTripped, scanProfile } from "../process/profile-controller.js";
import { FIRST_OUT, type HtrPlcMemory, type LinePlcMemory, type PlantState, TRIP_BIT } from "./plant-state.js";

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
  ];
  for (const [bit, code] of order) if ((bits & bit) !== 0) return code;
  return FIRST_OUT.none;
}

/** Hard trips: latch their bits, the first one latches first-out; htr.trip_reset clears the bits whose cause is gone. */
function latchTrips(state: PlantState, pyrometerGood: boolean): { tripWord: number; firstOut: number; newTrip: boolean } {
  const h = state.htr;
  const { sensors, physics } = state;
  let causes = 0;
  if (pyrometerGood && overTempTripped(sensors.webTempK)) causes |= TRIP_BIT.overTemp;
  if (!physics.doorClosed) causes |= TRIP_BIT.door;
  if (!physics.estopOk) causes |= TRIP_BIT.estop;
  if (h.heaterOn && sensors.o2Ppm > PLC.o2TripPpm) causes |= TRIP_BIT.o2;
  if (physics.supplyCurrentA > PLC.overCurrentTripA) causes |= TRIP_BIT.overCurrent;
  let tripWord = h.tripWord | causes;
  let firstOut = h.firstOut;
  if (h.tripWord === 0 && causes !== 0) firstOut = firstOutOf(causes);
  const newTrip = (causes & ~h.tripWord) !== 0;
  if (h.tripReset) {
    tripWord &= causes;
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

  // ── Hard trips, then the permissives.
  const { tripWord, firstOut, newTrip } = latchTrips(state, pyrometerGood);
  const tripped = tripWord !== 0;
  const heaterEnable = h.heaterEnable && !newTrip;
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
    knifeOpen: h.quenchGasOn || profile.phase === PHASE.cool,
  };
}

/** An index move is done within this of its target, m. */
const INDEX_DONE_TOLERANCE_M = 1e-9;

function scanLine(state: PlantState, dtS: number): LinePlcMemory {
  const l = state.line;
  const { physics } = state;
  const hb = nextHeartbeat(l.heartbeat, l.heartbeatAccMs, Math.round(dtS * 1000), UINT16_WRAP);
  const estopOk = physics.estopOk;

  let indexing = l.indexing;
  let indexTargetM = l.indexTargetM;
  if (indexing) {
    const arrived = physics.encoderPosM >= indexTargetM - INDEX_DONE_TOLERANCE_M && physics.webSpeedMpm === 0;
    if (!estopOk || arrived) indexing = false;
  } else if (l.indexCmd && estopOk && !l.drivesRun) {
    indexing = true;
    indexTargetM = physics.encoderPosM + l.indexLengthSpM;
  }
  const drivesRunning = estopOk && (l.drivesRun || indexing);

  return {
    ...l,
    indexCmd: false,
    drivesRunning,
    indexing,
    indexTargetM,
    doserRunning: estopOk && l.doserOn && drivesRunning,
    pumpRunning: estopOk && l.pumpOn,
    dryerRunning: estopOk && l.dryerOn,
    heartbeat: hb.count,
    heartbeatAccMs: hb.accMs,
  };
}

/** Runs one scan of both PLCs on the state the physics step left (pure). */
export function scanPlc(state: PlantState, dtS: number): PlantState {
  return { ...state, htr: scanHtr(state, dtS), line: scanLine(state, dtS) };
}
