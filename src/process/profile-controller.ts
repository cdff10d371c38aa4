/**
 * The HTR PLC's profile tracking (pure), as the virtual plant's PLC runs it and the recipe preview simulates
 * it: one PLC scan of the profile sequencer and the PI loop, and the PLC's hard over-temperature trip.
 *
 *  - the sequencer (phases 0 off, 1 ramp, 2 hold, 3 cool, 4 at temperature). Pulse mode: a pulse start
 *    (with the permits) starts a ramp; ramp: the setpoint runs linearly from the web temperature at the
 *    start to peak in the ramp time; hold: peak for the hold time; cool: power off for the cool time; then
 *    off, and the pulse counts. Continuous mode: the permits start a ramp, then "at temperature" holds peak
 *    while heating stays permitted; losing it cools, then off. Losing the permit to keep heating, or a mode
 *    change, aborts a running profile into the cool phase (an aborted pulse does not count);
 *  - the PI loop at the PLC's 100 Hz scan on the web temperature, with a feed-forward of the setpoint's
 *    slope and anti-windup, output 0..1 of the supply's maximum power;
 *  - the hard trip: web above 1500 K (the PLC latches it and cuts power in the same scan: src/sim/plc-program.ts).
 *
 * What may start or keep heating (trips, door, e-stop, O₂, quench ready) is the PLC's business: it passes
 * the verdicts in as `ProfilePermits`.
 */

/** htr.profile_phase codes (plc-config tag description). */
export const PHASE = { off: 0, ramp: 1, hold: 2, cool: 3, atTemperature: 4 } as const;
export type ProfilePhase = (typeof PHASE)[keyof typeof PHASE];

/** htr.mode codes (plc-config tag description). */
export const MODE = { pulse: 0, continuous: 1 } as const;

/** The profile control's design figures: scan, hard trip and the PI tuning. */
export const PROFILE_CONTROL = {
  /** The PLC scan the loop runs in, ms (100 Hz). */
  scanPeriodMs: 10,
  /** Hard trip: web temperature above this, K (docs/process.md IL-02's absolute ceiling). */
  overTempTripK: 1500,
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

const UINT32_WRAP = 2 ** 32;

/** The PLC's hard over-temperature trip: the web (pyrometer) above PROFILE_CONTROL.overTempTripK. */
export function overTempTripped(webTempK: number): boolean {
  return webTempK > PROFILE_CONTROL.overTempTripK;
}

/** The profile's setpoints (the SCADA writes them from the recipe). */
export interface ProfileSetpoints {
  readonly mode: number;
  readonly peakSpK: number;
  readonly rampTimeSpS: number;
  readonly holdTimeSpS: number;
  readonly coolTimeSpS: number;
}

/** What the controller keeps from one scan to the next. */
export interface ProfileState {
  readonly phase: ProfilePhase;
  /** Time spent in the current phase, ms (integer, so phase ends land on exact scans). */
  readonly phaseElapsedMs: number;
  /** Mode the running profile was started in (a mode change mid-profile aborts it). */
  readonly activeMode: number;
  /** Web temperature the ramp started from, K. */
  readonly rampStartK: number;
  /** The hold of the running pulse ran to its end (the pulse counts when its cool phase ends). */
  readonly holdCompleted: boolean;
  readonly pulseCount: number;
  /** Current profile setpoint of the PI loop, K. */
  readonly setpointK: number;
  readonly piIntegral: number;
}

/** What a scan puts out to the power stage. */
export interface ProfileOutputs {
  /** The power stage is on (a heating phase). */
  readonly heaterOn: boolean;
  /** Output to the power supply: demanded fraction of maximum power, 0..1. */
  readonly powerCmd: number;
}

/** What a scan reads: the setpoints, a pulse start request (pulse mode, consumed by the scan) and the state. */
export interface ProfileMemory extends ProfileSetpoints, ProfileState {
  readonly pulseStart: boolean;
}

/** What the sequencer may do this scan (the PLC's verdicts from its trips and permissives). */
export interface ProfilePermits {
  readonly mayKeepHeating: boolean;
  readonly mayStart: boolean;
  readonly quenchReady: boolean;
}

/** The controller's state and outputs after one scan. */
export type ProfileScan = ProfileState & ProfileOutputs;

export function isHeatingPhase(phase: ProfilePhase): boolean {
  return phase === PHASE.ramp || phase === PHASE.hold || phase === PHASE.atTemperature;
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

function sequenceProfile(h: ProfileMemory, dtMs: number, permits: ProfilePermits, webTempK: number): ProfileStep {
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
function regulate(h: ProfileMemory, step: ProfileStep, webTempK: number, dtS: number): { setpointK: number; heaterOn: boolean; powerCmd: number; piIntegral: number } {
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
    const feedForward = rampSlopeKPerS * PROFILE_CONTROL.rampFeedforwardSPerK;
    const integral = h.piIntegral + PROFILE_CONTROL.piKiPerKS * error * dtS;
    const unclamped = PROFILE_CONTROL.piKpPerK * error + integral + feedForward;
    powerCmd = Math.min(1, Math.max(0, unclamped));
    // Anti-windup: integrate only while the output is not pushed further into its limit.
    const saturatedHigh = unclamped > 1 && error > 0;
    const saturatedLow = unclamped < 0 && error < 0;
    piIntegral = saturatedHigh || saturatedLow ? h.piIntegral : integral;
  }
  return { setpointK, heaterOn, powerCmd, piIntegral };
}

/**
 * One PLC scan of the profile: the sequencer on the permits, then the setpoint and the PI loop on the web
 * temperature the scan reads (the pyrometer), dtS after the last scan.
 */
export function scanProfile(m: ProfileMemory, permits: ProfilePermits, webTempK: number, dtS: number): ProfileScan {
  const step = sequenceProfile(m, Math.round(dtS * 1000), permits, webTempK);
  const { setpointK, heaterOn, powerCmd, piIntegral } = regulate(m, step, webTempK, dtS);
  return {
    phase: step.phase,
    phaseElapsedMs: step.elapsedMs,
    activeMode: step.activeMode,
    rampStartK: step.rampStartK,
    holdCompleted: step.holdCompleted,
    pulseCount: step.pulseCount,
    setpointK,
    piIntegral,
    heaterOn,
    powerCmd,
  };
}
