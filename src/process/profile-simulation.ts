/**
 * One thermal profile simulated as the virtual plant runs it (pure): the web temperature node of
 * web-thermal-model.ts heated through the DC supply, and the HTR PLC's profile control of
 * profile-controller.ts, scan for scan at the PLC's 10 ms — the virtual plant's physics step, then the
 * PLC scan, as src/sim/virtual-plant.ts does. What the virtual plant adds and this leaves out: sensor noise
 * (the PLC reads the true web temperature), the gas knife's valve lag (the knife blows at its flow from the
 * start: the line's sequencer opens it before heating), the chamber, the drives and the other sections.
 *
 * Trips: the PLC's own hard trip (web > 1500 K) cuts power in the scan that sees it, as the PLC does. A
 * supervisory trip limit (the SCADA's IL-02) drops the heater enable one scan after the scan that saw the
 * web above it — the trip path's best case (tag change → verdict → PLC write within one PLC scan).
 */
import { HTR_ZONE } from "./htr-zone.js";
import { MODE, PHASE, PROFILE_CONTROL, type ProfileMemory, type ProfilePhase, overTempTripped, scanProfile } from "./profile-controller.js";
import { dcSupply, stepWebTemp } from "./web-thermal-model.js";

export interface ProfileRun {
  /** pulse: one pulse (ramp → hold → cool); continuous: ramp → at temperature for holdS, then heating off. */
  readonly mode: "pulse" | "continuous";
  readonly peakK: number;
  readonly rampS: number;
  readonly holdS: number;
  readonly coolS: number;
  /** Gas-knife flow over the web throughout, L/min. */
  readonly knifeFlowLpm: number;
  /** Web speed through the zone while the heater is on, m/min (0 in pulse mode: the web stands). */
  readonly heatingWebSpeedMpm: number;
  /** Web speed once the heater is off, m/min (0: the node follows one piece of web, nothing new comes in). */
  readonly coolingWebSpeedMpm: number;
  /** The web temperature the run starts from, K (default: the hall's). */
  readonly startK?: number;
  /** The SCADA's supervisory trip (IL-02): heater enable dropped one scan after the web is seen above this, K. */
  readonly supervisoryTripK?: number;
  /** The run ends once the profile is over (phase off) and the web is below this, K … */
  readonly untilBelowK: number;
  /** … or at this time, s. */
  readonly maxS: number;
}

/** One PLC scan of the run; t = 0 is the scan that started the ramp (heater on). */
export interface ProfileSample {
  readonly tS: number;
  /** The web temperature the scan read, K (the true one: no sensor noise). */
  readonly webTempK: number;
  readonly phase: ProfilePhase;
  readonly heaterOn: boolean;
  /** Supply demand the scan put out, 0..1 of maximum power. */
  readonly powerCmd: number;
}

/** How the run ended. */
export interface ProfileOutcome {
  /** Scans run after the start scan (each 10 ms). */
  readonly scans: number;
  /** Time of the scan in which the PLC's hard over-temperature trip latched, s; null without. */
  readonly plcTripAtS: number | null;
  /** Time of the scan that saw the web above the supervisory limit first, s; null without. */
  readonly supervisoryTripAtS: number | null;
}

const DT_S = PROFILE_CONTROL.scanPeriodMs / 1000;

function initialMemory(run: ProfileRun, startK: number): ProfileMemory {
  return {
    mode: run.mode === "pulse" ? MODE.pulse : MODE.continuous,
    peakSpK: run.peakK,
    rampTimeSpS: run.rampS,
    holdTimeSpS: run.holdS,
    coolTimeSpS: run.coolS,
    pulseStart: run.mode === "pulse",
    phase: PHASE.off,
    phaseElapsedMs: 0,
    activeMode: MODE.pulse,
    rampStartK: startK,
    holdCompleted: false,
    pulseCount: 0,
    setpointK: startK,
    piIntegral: 0,
  };
}

/**
 * Runs the profile from the start scan to its end, calling `onScan` for every scan (the start scan
 * included). Continuous mode drops the heater enable once the web has been at temperature for holdS.
 */
export function simulateProfile(run: ProfileRun, onScan: (s: ProfileSample) => void): ProfileOutcome {
  const startK = run.startK ?? HTR_ZONE.ambientK;
  const supervisoryK = run.supervisoryTripK ?? Number.POSITIVE_INFINITY;
  const heatingEndMs = Math.round((run.rampS + run.holdS) * 1000);
  const maxScans = Math.ceil(run.maxS / DT_S);
  const permits = { mayKeepHeating: true, mayStart: true, quenchReady: true };
  let m = initialMemory(run, startK);
  let webK = startK;
  let plcTripAtS: number | null = null;
  let supervisoryTripAtS: number | null = null;
  let enableDropScan = Number.POSITIVE_INFINITY;
  for (let scan = 0; ; scan++) {
    const tS = scan * DT_S;
    if (plcTripAtS === null && overTempTripped(webK)) plcTripAtS = tS;
    if (supervisoryTripAtS === null && webK > supervisoryK) {
      supervisoryTripAtS = tS;
      enableDropScan = scan + 1;
    }
    const continuousDone = run.mode === "continuous" && scan * PROFILE_CONTROL.scanPeriodMs >= heatingEndMs;
    const enabled = plcTripAtS === null && scan < enableDropScan && !continuousDone;
    const p = enabled ? permits : { mayKeepHeating: false, mayStart: false, quenchReady: true };
    const out = scanProfile(m, p, webK, DT_S);
    m = { ...m, ...out, pulseStart: false };
    onScan({ tS, webTempK: webK, phase: out.phase, heaterOn: out.heaterOn, powerCmd: out.powerCmd });
    if ((out.phase === PHASE.off && scan > 0 && webK < run.untilBelowK) || scan >= maxScans) {
      return { scans: scan, plcTripAtS, supervisoryTripAtS };
    }
    // The physics step to the next scan, on what this scan put out.
    const radiatorW = dcSupply(out.heaterOn, out.powerCmd, false).radiatorW;
    const speed = out.heaterOn ? run.heatingWebSpeedMpm : run.coolingWebSpeedMpm;
    webK = stepWebTemp(webK, radiatorW, run.knifeFlowLpm, speed, DT_S);
  }
}
