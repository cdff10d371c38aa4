/** Web transport of the virtual plant (pure): the drives (index move, continuous run, stop) and the tension loop. */
import type { FaultFlags } from "./plant-faults.js";
import type { LinePlcMemory, PlantPhysics } from "./plant-state.js";
import { lag } from "../process/process-math.js";

/** The web transport's design figures. */
const TRANSPORT = {
  /** Drive speed response to its setpoint, s. */
  speedTauS: 0.5,
  /** E-stop: drives coast down under their brakes, s. */
  estopStopTauS: 0.1,
  /** Below this a stopping web counts as stopped, m/min (0.17 mm/s: the drive holds position from here). */
  stoppedMpm: 0.01,
  /** Pulse-mode index move: cruise speed, m/s, acceleration, m/s², end creep, m/s. */
  indexSpeedMS: 0.1,
  indexAccelMS2: 0.5,
  indexCreepMS: 0.002,
  /** Tension loop (rewinder trim on tension) closes with this time constant, s. */
  tensionTauS: 0.2,
  /** Web span stiffness E·A/L, N per m of stretch (≈ 30 kN cloth over a 5 m span). */
  webSpanStiffnessNPerM: 6000,
  /** The rewinder's larger inertia lags the unwinder in speed changes by this, s (a tension dip on acceleration). */
  rewinderLagS: 0.02,
} as const;

/** Rewinder trim gain, (m/s)/N, from the loop time constant and the span stiffness. */
const TENSION_TRIM_GAIN = 1 / (TRANSPORT.webSpanStiffnessNPerM * TRANSPORT.tensionTauS);

export interface Transport {
  readonly speedMpm: number;
  readonly posM: number;
  readonly accelMS2: number;
}

/** Web drives: index move (servo profile), continuous run (first-order lag to the setpoint), or stop. */
export function stepTransport(p: PlantPhysics, line: LinePlcMemory, dtS: number): Transport {
  const v0 = p.webSpeedMpm;
  let v: number;
  let pos = p.encoderPosM;
  if (!p.estopOk) {
    v = lag(v0, 0, TRANSPORT.estopStopTauS, dtS);
    if (v < TRANSPORT.stoppedMpm) v = 0;
    pos += ((v0 + v) / 2 / 60) * dtS;
  } else if (line.indexing) {
    const remaining = line.indexTargetM - pos;
    const vMs0 = v0 / 60;
    const vLimit = Math.min(TRANSPORT.indexSpeedMS, Math.sqrt(2 * TRANSPORT.indexAccelMS2 * Math.max(0, remaining)));
    const vMs = Math.max(TRANSPORT.indexCreepMS, vMs0 < vLimit ? Math.min(vLimit, vMs0 + TRANSPORT.indexAccelMS2 * dtS) : vLimit);
    if (remaining <= vMs * dtS) {
      pos = Math.max(pos, line.indexTargetM);
      v = 0;
    } else {
      pos += vMs * dtS;
      v = vMs * 60;
    }
  } else {
    const target = line.drivesRunning ? line.webSpeedSpMpm : 0;
    v = lag(v0, target, TRANSPORT.speedTauS, dtS);
    if (target === 0 && v < TRANSPORT.stoppedMpm) v = 0;
    pos += ((v0 + v) / 2 / 60) * dtS;
  }
  return { speedMpm: v, posM: pos, accelMS2: (v - v0) / 60 / dtS };
}

/** Tension: the rewinder trims its speed on the tension error; it lags the unwinder in speed changes. */
export function stepTension(p: PlantPhysics, line: LinePlcMemory, faults: FaultFlags, tr: Transport, estopOk: boolean, dtS: number): number {
  if (faults["web-break"]) return 0;
  if (!estopOk) return p.webTensionN; // brakes hold the web as it is
  const target = line.tensionSpN - (TRANSPORT.rewinderLagS * tr.accelMS2) / TENSION_TRIM_GAIN;
  return Math.max(0, lag(p.webTensionN, target, TRANSPORT.tensionTauS, dtS));
}
