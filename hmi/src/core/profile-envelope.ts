import type { RecipeDoc } from "./plant-state.js";

/** What the recipe's profile allows at one instant of a pulse. */
export interface EnvelopePoint {
  /** The profile's target: a straight ramp to peak in the ramp time, then the peak for the hold time. */
  readonly target: number | null;
  /** Band around the target (± the recipe's tolerance) during ramp and hold. */
  readonly lo: number | null;
  readonly hi: number | null;
  /** After power off: the web must fall to the safe temperature within the cool time (straight line). */
  readonly coolLimit: number | null;
}

const NONE: EnvelopePoint = { target: null, lo: null, hi: null, coolLimit: null };

/**
 * The envelope at `t` (s) of a pulse that started ramping at `start` (s) from `startTemp` (K). Pure.
 * Continuous mode has no pulse: the band is the peak ± tolerance whenever the zone is at temperature.
 */
export function envelopeAt(t: number, start: number, startTemp: number, r: RecipeDoc): EnvelopePoint {
  const { peakTempK: peak, peakToleranceK: tol, rampTimeS: ramp, holdTimeS: hold, coolTimeS: cool, safeWebTempK: safe } = r.htr;
  const dt = t - start;
  if (dt < 0) return NONE;
  if (dt <= ramp) {
    const target = startTemp + ((peak - startTemp) * dt) / ramp;
    return { target, lo: target - tol, hi: target + tol, coolLimit: null };
  }
  if (dt <= ramp + hold) return { target: peak, lo: peak - tol, hi: peak + tol, coolLimit: null };
  if (dt <= ramp + hold + cool) return { target: null, lo: null, hi: null, coolLimit: peak + tol - ((peak + tol - safe) * (dt - ramp - hold)) / cool };
  return NONE;
}

/** The times (s) a recipe pulse's envelope changes shape, for crisp corners on the chart. */
export function envelopeBreaks(start: number, r: RecipeDoc): number[] {
  const { rampTimeS: ramp, holdTimeS: hold, coolTimeS: cool } = r.htr;
  return [start, start + ramp, start + ramp + 1e-3, start + ramp + hold, start + ramp + hold + 1e-3, start + ramp + hold + cool];
}

export interface PulseSample {
  readonly t: number;
  readonly temp: number;
}

/** The last pulse in figures: peak, time from ramp start to the band, time held in the band (s). */
export function pulseFigures(samples: readonly PulseSample[], start: number, r: RecipeDoc): { peak: number; toBandS: number | null; heldS: number } | null {
  const after = samples.filter((s) => s.t >= start && s.t <= start + r.htr.rampTimeS + r.htr.holdTimeS + 0.5);
  if (after.length === 0) return null;
  const peak = Math.max(...after.map((s) => s.temp));
  const inBand = after.filter((s) => Math.abs(s.temp - r.htr.peakTempK) <= r.htr.peakToleranceK);
  const first = inBand[0];
  const last = inBand[inBand.length - 1];
  return { peak, toBandS: first ? first.t - start : null, heldS: first && last ? last.t - first.t : 0 };
}
