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
 *  3. the profile sequencer (phases 0 off, 1 ramp, 2 hold, 3 cool, 4 at temperature):
 *     pulse mode: htr.pulse_start (consumed by the PLC whether or not it starts a pulse) starts a ramp when
 *     the heater may start — heater_enable, no latched trip, door closed, e-stop healthy, O₂ < 50 ppm,
 *     pyrometer Good — and the quench is ready (coolant flow ≥ 5 L/min, knife flow setpoint ≥ 50 L/min);
 *     ramp: the setpoint runs linearly from the web temperature at the start to peak in ramp_time_sp;
 *     hold: peak for hold_time_sp; cool: power off, gas knife open, for cool_time_sp; then off, and the pulse
 *     counts. Continuous mode: the same start conditions with heater_enable start a ramp, then "at
 *     temperature" holds peak while heater_enable stays on; dropping it cools, then off.
 *     Losing heater_enable, the door, the e-stop or the pyrometer, a trip or a mode change aborts a running
 *     profile into the cool phase (an aborted pulse does not count);
 *  4. the PI loop (100 Hz) on the pyrometer reading with a feed-forward of the setpoint's slope, output
 *     0..1 of the supply's maximum power; htr.heater_on is the power stage's state.
 * Line PLC: heartbeat (uint16); drives run on feed.drives_run, index moves on feed.index_cmd (only with the
 * drives not running continuously; consumed by the PLC); the doser runs only while the drives run (or index);
 * rinse pump and dryer on their commands; the e-stop chain stops every motor and aborts an index.
 */
import {
  FIRST_OUT,
  type HtrPlcMemory,
  type LinePlcMemory,
  MODE,
  PHASE,
  type PlantState,
  type ProfilePhase,
  TRIP_BIT,
} from "./plant-state.js";

const UINT32_WRAP = 2 ** 32;
const UINT16_WRAP = 2 ** 16;

/** The PLC programs' design figures: heartbeat, trip limits, permissives and the PI tuning. */
export const PLC = {
  /** Heartbeat period, ms of plant time. */
  heartbeatPeriodMs: 100,
  /** Hard trip: web temperature above this, K (PROCESS.md IL-02's absolute ceiling). */
  overTempTripK: 1500,
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

  /**
   * PI gains on the web temperature error (output: fraction of maximum power). With the web's full-power
   * heating rate of ≈ 2400 K/s, Kp = 0.015 /K closes the loop at ≈ 36 rad/s — well inside the 100 Hz scan —
   * and Ki = 0.3 /(K·s) puts the integral's corner at 20 rad/s; both tuned on the default BiSb profile for
   * < 10 K overshoot at the end of the ramp.
   */
  piKpPerK: 0.015,
  piKiPerKS: 0.3,
  /**
   * Feed-forward of the ramp: the setpoint's slope divided by the web's heating rate at full power (the PLC's
   * commissioning figure: C / (η · Pmax) ≈ 1 / 2400 K/s), so the integral does not have to learn the ramp.
   */
  rampFeedforwardSPerK: 1 / 2400,
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

function isHeatingPhase(phase: ProfilePhase): boolean {
  return phase === PHASE.ramp || phase === PHASE.hold || phase === PHASE.atTemperature;
}

/** Hard trips: latch their bits, the first one latches first-out; htr.trip_reset clears the bits whose cause is gone. */
function latchTrips(state: PlantState, pyrometerGood: boolean): { tripWord: number; firstOut: number; newTrip: boolean } {
  const h = state.htr;
  const { sensors, physics } = state;
  let causes = 0;
  if (pyrometerGood && sensors.webTempK > PLC.overTempTripK) causes |= TRIP_BIT.overTemp;
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

/** The profile sequencer's state after a scan. */
interface ProfileStep {
  readonly phase: ProfilePhase;
  readonly elapsedMs: number;
  readonly activeMode: number;
  readonly rampStartK: number;
  readonly holdCompleted: boolean;
  readonly pulseCount: number;
}

/** What the sequencer may do this scan (from the trips and the permissives). */
interface Permits {
  readonly mayKeepHeating: boolean;
  readonly mayStart: boolean;
  readonly quenchReady: boolean;
}

function sequenceProfile(h: HtrPlcMemory, dtMs: number, permits: Permits, webTempK: number): ProfileStep {
  const { mayKeepHeating, mayStart, quenchReady } = permits;
  let phase: ProfilePhase = h.phase;
  let elapsedMs = h.phaseElapsedMs + dtMs;
  let activeMode = h.activeMode;
  let rampStartK = h.rampStartK;
  let holdCompleted = h.holdCompleted;
  let pulseCount = h.pulseCount;
  const enter = (p: ProfilePhase): void => {
    phase = p;
    elapsedMs = 0;
  };
  const startRamp = (mode: number): void => {
    enter(PHASE.ramp);
    activeMode = mode;
    rampStartK = webTempK;
    holdCompleted = false;
  };

  if (isHeatingPhase(phase) && (!mayKeepHeating || h.mode !== activeMode)) {
    enter(PHASE.cool);
  }
  switch (phase) {
    case PHASE.off:
      if (h.mode === MODE.pulse && h.pulseStart && mayStart && quenchReady) startRamp(MODE.pulse);
      else if (h.mode === MODE.continuous && mayStart && quenchReady) startRamp(MODE.continuous);
      break;
    case PHASE.ramp:
      if (elapsedMs >= h.rampTimeSpS * 1000) enter(activeMode === MODE.pulse ? PHASE.hold : PHASE.atTemperature);
      break;
    case PHASE.hold:
      if (elapsedMs >= h.holdTimeSpS * 1000) {
        enter(PHASE.cool);
        holdCompleted = true;
      }
      break;
    case PHASE.atTemperature:
      break;
    case PHASE.cool:
      if (elapsedMs >= h.coolTimeSpS * 1000) {
        enter(PHASE.off);
        if (holdCompleted) pulseCount = (pulseCount + 1) % UINT32_WRAP;
        holdCompleted = false;
      }
      break;
  }
  return { phase, elapsedMs, activeMode, rampStartK, holdCompleted, pulseCount };
}

/** The profile setpoint and the PI loop (with the ramp's feed-forward and anti-windup). */
function regulate(h: HtrPlcMemory, step: ProfileStep, webTempK: number, dtS: number): { setpointK: number; heaterOn: boolean; powerCmd: number; piIntegral: number } {
  const { phase, elapsedMs, rampStartK } = step;
  let setpointK = h.setpointK;
  let rampSlopeKPerS = 0;
  if (phase === PHASE.ramp) {
    const rampS = Math.max(h.rampTimeSpS, dtS);
    const frac = Math.min(1, elapsedMs / 1000 / rampS);
    setpointK = rampStartK + (h.peakSpK - rampStartK) * frac;
    rampSlopeKPerS = (h.peakSpK - rampStartK) / rampS;
  } else if (phase === PHASE.hold || phase === PHASE.atTemperature) {
    setpointK = h.peakSpK;
  } else {
    setpointK = webTempK;
  }

  const heaterOn = isHeatingPhase(phase);
  let powerCmd = 0;
  let piIntegral = 0;
  if (heaterOn) {
    const error = setpointK - webTempK;
    const feedForward = rampSlopeKPerS * PLC.rampFeedforwardSPerK;
    const integral = h.piIntegral + PLC.piKiPerKS * error * dtS;
    const unclamped = PLC.piKpPerK * error + integral + feedForward;
    powerCmd = Math.min(1, Math.max(0, unclamped));
    // Anti-windup: integrate only while the output is not pushed further into its limit.
    const saturatedHigh = unclamped > 1 && error > 0;
    const saturatedLow = unclamped < 0 && error < 0;
    piIntegral = saturatedHigh || saturatedLow ? h.piIntegral : integral;
  }
  return { setpointK, heaterOn, powerCmd, piIntegral };
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
  const permits: Permits = {
    mayKeepHeating,
    mayStart: mayKeepHeating && sensors.o2Ppm < PLC.o2PermissivePpm,
    quenchReady: sensors.coolantFlowLpm >= PLC.quenchReadyCoolantLpm && h.quenchGasFlowSpLpm >= PLC.quenchReadyKnifeSpLpm,
  };

  // ── Profile sequencer, setpoint and PI loop.
  const step = sequenceProfile(h, dtMs, permits, webTempK);
  const { setpointK, heaterOn, powerCmd, piIntegral } = regulate(h, step, webTempK, dtS);

  return {
    ...h,
    heaterEnable,
    pulseStart: false,
    tripReset: false,
    heaterOn,
    phase: step.phase,
    pulseCount: step.pulseCount,
    tripWord,
    firstOut,
    heartbeat: hb.count,
    heartbeatAccMs: hb.accMs,
    activeMode: step.activeMode,
    phaseElapsedMs: step.elapsedMs,
    rampStartK: step.rampStartK,
    setpointK,
    piIntegral,
    powerCmd,
    knifeOpen: h.quenchGasOn || step.phase === PHASE.cool,
    holdCompleted: step.holdCompleted,
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
