/**
 * The web temperature of a recipe preview's run, scan by scan, and the figures read off it as it runs
 * (pure; recipe-preview.ts defines them). Scan i is at i × 10 ms after the heater went on.
 */
import { PROFILE_CONTROL } from "../process/profile-controller.js";
import type { ProfileSample } from "../process/profile-simulation.js";

const DT_S = PROFILE_CONTROL.scanPeriodMs / 1000;

export interface PreviewTrace {
  readonly bandLoK: number;
  readonly bandHiK: number;
  readonly safeK: number;
  /** The web temperature of every scan, K. */
  readonly webK: number[];
  count: number;
  peakK: number;
  /** First scan at or above the band's bottom; -1 before. */
  reachScan: number;
  inBandScans: number;
  maxRiseK: number;
  maxFallK: number;
  /** First scan with the heater off after it was on; -1 before. */
  powerOffScan: number;
  powerOffK: number;
  /** First scan after power off with the web below the safe temperature; -1 before. */
  safeScan: number;
  heated: boolean;
}

export function newTrace(bandLoK: number, bandHiK: number, safeK: number): PreviewTrace {
  return {
    bandLoK,
    bandHiK,
    safeK,
    webK: [],
    count: 0,
    peakK: Number.NEGATIVE_INFINITY,
    reachScan: -1,
    inBandScans: 0,
    maxRiseK: 0,
    maxFallK: 0,
    powerOffScan: -1,
    powerOffK: Number.NaN,
    safeScan: -1,
    heated: false,
  };
}

export function recordScan(t: PreviewTrace, s: ProfileSample): void {
  const i = t.count;
  const k = s.webTempK;
  if (i > 0) {
    const dK = k - (t.webK[i - 1] ?? k);
    if (dK > t.maxRiseK) t.maxRiseK = dK;
    if (-dK > t.maxFallK) t.maxFallK = -dK;
  }
  t.webK.push(k);
  t.count = i + 1;
  if (k > t.peakK) t.peakK = k;
  if (t.reachScan < 0 && k >= t.bandLoK) t.reachScan = i;
  if (k >= t.bandLoK && k <= t.bandHiK) t.inBandScans++;
  if (s.heaterOn) t.heated = true;
  else if (t.heated && t.powerOffScan < 0) {
    t.powerOffScan = i;
    t.powerOffK = k;
  }
  if (t.powerOffScan >= 0 && t.safeScan < 0 && k < t.safeK) t.safeScan = i;
}

/** The figures of a finished trace (unrounded). */
export function traceFigures(t: PreviewTrace) {
  const startK = t.webK[0] ?? Number.NaN;
  const timeToPeakS = t.reachScan < 0 ? null : t.reachScan * DT_S;
  const reachK = t.reachScan < 0 ? Number.NaN : (t.webK[t.reachScan] ?? Number.NaN);
  const powerOffS = t.powerOffScan < 0 ? null : t.powerOffScan * DT_S;
  const coolToSafeS = t.safeScan < 0 ? null : (t.safeScan - t.powerOffScan) * DT_S;
  return {
    peakK: t.peakK,
    timeToPeakS,
    timeInBandS: t.inBandScans * DT_S,
    maxHeatingKps: t.maxRiseK / DT_S,
    maxCoolingKps: t.maxFallK / DT_S,
    meanHeatingKps: timeToPeakS === null || timeToPeakS === 0 ? null : (reachK - startK) / timeToPeakS,
    powerOffS,
    coolToSafeS,
    meanCoolingKps: coolToSafeS === null || coolToSafeS === 0 ? null : (t.powerOffK - t.safeK) / coolToSafeS,
    /** Time of the run's last scan, s. */
    endS: (t.count - 1) * DT_S,
  };
}
