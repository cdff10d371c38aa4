/**
 * The thermal preview of a recipe (pure): its profile simulated with the virtual plant's thermal model and
 * the HTR PLC's profile control (src/process/profile-simulation.ts), with the gas knife blowing at the
 * recipe's quench flow, from the web at the hall's temperature — and what a process engineer reads off it,
 * with the verdict whether the version may be submitted.
 *
 * pulse: one pulse — ramp → hold → power off with quench for the cool time — on a standing web.
 * continuous: the zone's start-up ramp with the web moving at the recipe's speed (the cold web it carries
 * in is a heat load), then one piece of web that enters the zone at peak: it stays at the zone's temperature
 * for its dwell, holdTimeS (zone length / speed), then leaves the radiator and is cooled by the gas knife
 * (modelled as power off with the web standing: no more web carried in). Conservative for the cooling: the
 * chill plates of the quench section are not counted.
 *
 * The figures, each on the 10 ms scans of the run (t = 0 is the scan that switches the heater on):
 *  - peakK: the highest web temperature; overshootK = max(0, peakK − htr.peakTempK);
 *  - timeToPeakS: from heater on to the first scan at or above peak − tolerance;
 *  - timeInBandS: the time the web spends within peak ± tolerance (every scan in the band counts 10 ms);
 *  - maxHeatingKps / maxCoolingKps: the steepest rise / fall between two scans;
 *  - meanHeatingKps: (web at first reaching peak − tolerance − web at ramp start) / timeToPeakS;
 *  - coolTo373S: from power off to the first scan with the web below htr.safeWebTempK (373 K);
 *    meanCoolingKps: (web at power off − safeWebTempK) / coolTo373S;
 *  - marginToTripK: IL-02's limit for this recipe (interlocks.yaml's `{ recipe: peakTempK, plus: 80,
 *    max: 1500 }`, resolved as the interlocks resolve it) − peakK; marginToPlcTripK: 1500 K − peakK.
 *
 * Not submittable, a reason each, when the preview trips IL-02 or the PLC's hard trip (the simulation cuts
 * the power as they would: the PLC in the scan that sees 1500 K, IL-02 one scan later) or its peak comes
 * within twice the tolerance of either (TRIP_MARGIN_TOLERANCES: a 1480 K BiSb), its peak leaves its
 * own band (peakK outside peak ± tolerance, or the band never reached), the time in band falls short of
 * holdTimeS − HOLD_SHORTFALL_S, or the mean heating or cooling rate is below the recipe's minimum (or the
 * web does not cool to the safe temperature at all within the run).
 */
import { resolveLimit } from "../interlocks/interlock-operands.js";
import type { InterlockDefs, ValueRef } from "../interlocks/interlock-schema.js";
import { HTR_ZONE } from "../process/htr-zone.js";
import { PROFILE_CONTROL } from "../process/profile-controller.js";
import { type ProfileOutcome, type ProfileRun, type ProfileSample, simulateProfile } from "../process/profile-simulation.js";
import { continuousWebSpeedMpm } from "./recipe-derivation.js";
import { interlockParamsOf } from "./recipe-interlock-params.js";
import { type PreviewTrace, traceFigures, newTrace, recordScan } from "./recipe-preview-trace.js";
import type { Recipe } from "./recipe-schema.js";

/**
 * IL-02's limit as plc-config/interlocks.yaml states it (its cause's `value`): min(peak + 80 K, 1500 K).
 * The API passes the loaded configuration's (PreviewOptions.il02Limit, from il02LimitRefOf); the unit test
 * pins this to the file.
 */
export const IL02_LIMIT_REF: ValueRef = { recipe: "peakTempK", plus: 80, max: 1500, fallback: 1500 };

/**
 * How much shorter than holdTimeS the time in band may be, s. A profile the PLC tracks spends about the
 * hold time in the band (it enters the band at the end of the ramp, a few scans early, and leaves it a few
 * scans after power off); 0.2 s (20 scans) is the tolerance the process spec and the line-run test accept
 * on the paper's 7.0 s hold, and it absorbs that scan-level jitter without letting through a profile that
 * reaches its band late or sags out of it during the hold.
 */
export const HOLD_SHORTFALL_S = 0.2;

/**
 * The least margin from the predicted peak to IL-02's limit (and to the PLC's 1500 K), in peak tolerances.
 * The web may legitimately sit at the edge of its band (peak + tolerance); the trip must leave at least as
 * much again above that for the upsets the loop rejects (at 10³ K/s a 15 ms upset is 15 K) — twice the
 * tolerance in all, which is also the band of the web temperature's deviation alarm (alarms.yaml
 * HTR-WEBTEMP-DEV, 30 K for the 15 K recipes), so the operator is warned before the line trips.
 */
export const TRIP_MARGIN_TOLERANCES = 2;

export interface PreviewOptions {
  /** IL-02's limit (the `value` of its cause in the loaded interlocks.yaml); default IL02_LIMIT_REF. */
  readonly il02Limit?: ValueRef;
  /** Curve sampling, ms (a multiple of the 10 ms scan; thinned further to stay within maxCurvePoints). Default 20. */
  readonly curveStepMs?: number;
  /** Most points in the curve. Default 1000. */
  readonly maxCurvePoints?: number;
}

export type PreviewReasonCode =
  | "il02-trip"
  | "il02-margin"
  | "plc-trip"
  | "plc-margin"
  | "peak-out-of-band"
  | "hold-short"
  | "heating-rate-low"
  | "cooling-rate-low";

/** The preview of one recipe version (what GET …/preview returns as JSON). */
export interface RecipePreview {
  readonly peakK: number;
  /** Null when the web never reaches peak − tolerance. */
  readonly timeToPeakS: number | null;
  readonly timeInBandS: number;
  readonly overshootK: number;
  readonly maxHeatingKps: number;
  readonly maxCoolingKps: number;
  /** Null when the band is never reached. */
  readonly meanHeatingKps: number | null;
  /** Null when the web does not cool below the safe temperature within the run. */
  readonly meanCoolingKps: number | null;
  /** Null when the web does not cool below the safe temperature within the run. */
  readonly coolTo373S: number | null;
  readonly marginToTripK: number;
  readonly marginToPlcTripK: number;
  readonly submittable: boolean;
  /** Why it may not be submitted, one sentence each (empty when submittable). */
  readonly reasons: readonly string[];
  /** The kind of each reason, in the same order. */
  readonly reasonCodes: readonly PreviewReasonCode[];
  /** [t s, web K] from heater on, every curveStepMs. */
  readonly curve: readonly (readonly [number, number])[];
}

/** The web over-temperature limit of IL-02 as an interlocks file states it (its cause's `value`), if it refers to the recipe. */
export function il02LimitRefOf(defs: InterlockDefs): ValueRef | undefined {
  const cause = defs.interlocks.find((d) => d.id === "IL-02")?.cause;
  if (cause === undefined || !("tag" in cause) || !("op" in cause) || typeof cause.value !== "object") return undefined;
  return cause.value;
}

/** IL-02's limit for this recipe, K: the interlocks' own resolution of the limit from the recipe's parameters. */
export function il02LimitK(recipe: Recipe, ref: ValueRef = IL02_LIMIT_REF): number {
  const inputs = { tags: () => undefined, line: { running: true }, recipe: { verified: true, params: interlockParamsOf(recipe) }, heartbeats: {} };
  return resolveLimit(ref, inputs) ?? PROFILE_CONTROL.overTempTripK;
}

/**
 * The simulated run of a recipe's preview: its profile with the knife at the recipe's flow (continuous mode:
 * the web moving at its speed while heating, standing once the heater is off), IL-02 at `il02K`; it ends
 * once the profile is over and the web below the safe temperature, or after the recipe's stopping timeout
 * for the cooling (sequence.timeouts.coolS) beyond the profile.
 */
export function previewRunOf(recipe: Recipe, il02K: number): ProfileRun {
  const h = recipe.htr;
  const geometry = { webWidthM: HTR_ZONE.webWidthM, htrZoneLengthM: HTR_ZONE.zoneLengthM };
  return {
    mode: h.mode,
    peakK: h.peakTempK,
    rampS: h.rampTimeS,
    holdS: h.holdTimeS,
    coolS: h.coolTimeS,
    knifeFlowLpm: recipe.quench.gasFlowLpm,
    heatingWebSpeedMpm: h.mode === "continuous" ? continuousWebSpeedMpm(recipe, geometry) : 0,
    coolingWebSpeedMpm: 0,
    supervisoryTripK: il02K,
    untilBelowK: h.safeWebTempK,
    maxS: h.rampTimeS + h.holdTimeS + h.coolTimeS + recipe.sequence.timeouts.coolS,
  };
}

const round = (v: number, decimals: number): number => Number(v.toFixed(decimals));

/** Simulates the recipe's profile and reads the preview off it. */
export function previewRecipe(recipe: Recipe, opts: PreviewOptions = {}): RecipePreview {
  const h = recipe.htr;
  const limitK = il02LimitK(recipe, opts.il02Limit);
  const trace = newTrace(h.peakTempK - h.peakToleranceK, h.peakTempK + h.peakToleranceK, h.safeWebTempK);
  const outcome = simulateProfile(previewRunOf(recipe, limitK), (s: ProfileSample) => recordScan(trace, s));
  const f = traceFigures(trace);
  const reasons = reasonsOf(recipe, f, outcome, limitK);
  return {
    peakK: round(f.peakK, 2),
    timeToPeakS: f.timeToPeakS === null ? null : round(f.timeToPeakS, 3),
    timeInBandS: round(f.timeInBandS, 3),
    overshootK: round(Math.max(0, f.peakK - h.peakTempK), 2),
    maxHeatingKps: round(f.maxHeatingKps, 1),
    maxCoolingKps: round(f.maxCoolingKps, 1),
    meanHeatingKps: f.meanHeatingKps === null ? null : round(f.meanHeatingKps, 1),
    meanCoolingKps: f.meanCoolingKps === null ? null : round(f.meanCoolingKps, 1),
    coolTo373S: f.coolToSafeS === null ? null : round(f.coolToSafeS, 3),
    marginToTripK: round(limitK - f.peakK, 2),
    marginToPlcTripK: round(PROFILE_CONTROL.overTempTripK - f.peakK, 2),
    submittable: reasons.length === 0,
    reasons: reasons.map((r) => r.message),
    reasonCodes: reasons.map((r) => r.code),
    curve: curveOf(trace, opts.curveStepMs ?? 20, opts.maxCurvePoints ?? 1000),
  };
}

type Figures = ReturnType<typeof traceFigures>;

const K = (v: number): string => `${v.toFixed(1)} K`;
const S = (v: number): string => `${v.toFixed(2)} s`;
const KPS = (v: number): string => `${v.toFixed(0)} K/s`;

interface PreviewReason {
  readonly code: PreviewReasonCode;
  readonly message: string;
}

function reasonsOf(recipe: Recipe, f: Figures, outcome: ProfileOutcome, limitK: number): PreviewReason[] {
  const h = recipe.htr;
  const out: PreviewReason[] = [];
  if (outcome.supervisoryTripAtS !== null) {
    out.push({ code: "il02-trip", message: `IL-02 trips at ${S(outcome.supervisoryTripAtS)}: the web exceeds its limit ${K(limitK)} (min(peak + 80 K, 1500 K)), peaking at ${K(f.peakK)}` });
  }
  const minMarginK = TRIP_MARGIN_TOLERANCES * h.peakToleranceK;
  if (outcome.supervisoryTripAtS === null && limitK - f.peakK < minMarginK) {
    out.push({ code: "il02-margin", message: `the peak ${K(f.peakK)} is ${K(limitK - f.peakK)} below IL-02's limit ${K(limitK)}: it needs ${K(minMarginK)} (twice the tolerance)` });
  }
  const plcTripK = PROFILE_CONTROL.overTempTripK;
  if (outcome.plcTripAtS !== null) {
    out.push({ code: "plc-trip", message: `the PLC's hard trip fires at ${S(outcome.plcTripAtS)}: the web exceeds ${K(plcTripK)}` });
  } else if (plcTripK - f.peakK < minMarginK) {
    out.push({ code: "plc-margin", message: `the peak ${K(f.peakK)} is ${K(plcTripK - f.peakK)} below the PLC's hard trip ${K(plcTripK)}: it needs ${K(minMarginK)} (twice the tolerance)` });
  }
  const lo = h.peakTempK - h.peakToleranceK;
  const hi = h.peakTempK + h.peakToleranceK;
  if (f.timeToPeakS === null) {
    out.push({ code: "peak-out-of-band", message: `the web never reaches its band (${K(lo)}–${K(hi)}): it peaks at ${K(f.peakK)}` });
  } else if (f.peakK > hi) {
    out.push({ code: "peak-out-of-band", message: `the web peaks at ${K(f.peakK)}, above its band (${K(lo)}–${K(hi)})` });
  }
  const minInBandS = h.holdTimeS - HOLD_SHORTFALL_S;
  if (f.timeInBandS < minInBandS) {
    out.push({ code: "hold-short", message: `the web is within peak ± tolerance for ${S(f.timeInBandS)}, less than the hold time ${S(h.holdTimeS)} − ${S(HOLD_SHORTFALL_S)}` });
  }
  if (f.meanHeatingKps !== null && f.meanHeatingKps < h.minHeatingRateKps) {
    out.push({ code: "heating-rate-low", message: `mean heating rate ${KPS(f.meanHeatingKps)} (ramp start → peak − tolerance) is below the minimum ${KPS(h.minHeatingRateKps)}` });
  }
  if (f.meanCoolingKps === null) {
    out.push({ code: "cooling-rate-low", message: `the web does not cool below ${K(h.safeWebTempK)} within ${S(f.endS - (f.powerOffS ?? 0))} of power off` });
  } else if (f.meanCoolingKps < h.minCoolingRateKps) {
    out.push({ code: "cooling-rate-low", message: `mean cooling rate ${KPS(f.meanCoolingKps)} (power off → ${K(h.safeWebTempK)}) is below the minimum ${KPS(h.minCoolingRateKps)}` });
  }
  return out;
}

function curveOf(trace: PreviewTrace, stepMs: number, maxPoints: number): [number, number][] {
  const n = trace.count;
  const scanMs = PROFILE_CONTROL.scanPeriodMs;
  const stride = Math.max(1, Math.round(stepMs / scanMs), Math.ceil(n / Math.max(2, maxPoints - 1)));
  const curve: [number, number][] = [];
  for (let i = 0; i < n; i += stride) curve.push([round((i * scanMs) / 1000, 3), round(trace.webK[i] ?? 0, 2)]);
  const last = n - 1;
  if (last % stride !== 0) curve.push([round((last * scanMs) / 1000, 3), round(trace.webK[last] ?? 0, 2)]);
  return curve;
}
