/**
 * The verdict on one segment: its measured figures against its recipe's targets, as named rules, each with
 * its reason in plain words and the figures. Pure, O(rules + signals).
 *
 * Verdict precedence: fail > unverified > trial > pass. A rule that needs figures it does not have is not
 * judged (the missing data is its own, unverified, reason). A rule that only a low figure breaks (peak low,
 * hold short, heating or cooling slow, no pulse) is not judged when the figure may be incomplete — part of
 * the passage was not recorded (RECORD-GAP) or the signal behind it was not Good — since the part not seen
 * might have met it; a high figure seen (peak high, O₂ high) is a fact and always judged.
 *
 * Continuous mode: one pyrometer in the zone sees the web at a steady temperature, so the heating rate
 * cannot be seen (HTR-HEATING-SLOW is not judged) and the cooling rate is an estimate (see SegmentTracker).
 */
import type { SegmentReason, SegmentRecord, SegmentVerdict } from "./segment-record.js";
import { SEGMENT_SIGNALS } from "./segment-signals.js";
import type { SegmentTargets } from "./segment-targets.js";

/** The figures the rules read (as the record holds them). */
export type SegmentStats = Pick<
  SegmentRecord,
  | "peakK"
  | "timeInBandS"
  | "maxHeatingKps"
  | "maxCoolingKps"
  | "o2MaxPpm"
  | "arMinLpm"
  | "pulses"
  | "partialPulses"
  | "quenchGasMinLpm"
  | "coolantMinLpm"
  | "exitTempK"
  | "exitConductivityUsCm"
  | "arealLoadingMgCm2"
  | "trips"
  | "signals"
>;

/** What the figures do not say. */
export interface SegmentFlags {
  /** Made with a trial (unapproved) recipe version. */
  readonly trial: boolean;
  /** Which of the trips are about data, not the process (e.g. IL-08 "interlock signal not Good"): unverified, not fail. */
  readonly dataTrips: readonly string[];
  /** Tags that never had a value while the segment needed them. */
  readonly missing: readonly string[];
  /** Why part of the segment's passage was not recorded (null: all of it was). */
  readonly gap: string | null;
}

export interface SegmentJudgement {
  readonly verdict: SegmentVerdict;
  readonly reasons: SegmentReason[];
}

type Say = (rule: string, message: string) => void;

/** A target as written (at most 3 decimals, no trailing zeros): 1325, 6.65, 24. */
const n = (x: number): string => String(Number(x.toFixed(3)));
/** A measured figure with a fixed number of decimals. */
const m = (x: number, digits = 1): string => x.toFixed(digits);

export function judgeSegment(stats: SegmentStats, targets: SegmentTargets | null, flags: SegmentFlags): SegmentJudgement {
  const reasons: SegmentReason[] = [];
  const fail: Say = (rule, message) => reasons.push({ rule, message, kind: "fail" });
  const unverified: Say = (rule, message) => reasons.push({ rule, message, kind: "unverified" });
  dataReasons(stats, targets, flags, unverified);
  for (const trip of stats.trips) {
    if (flags.dataTrips.includes(trip)) {
      unverified(trip, `interlock ${trip} tripped while the segment was in the HTR zone (a data trip: the product cannot be verified)`);
    } else {
      fail(trip, `interlock ${trip} tripped while the segment was in the HTR zone`);
    }
  }
  if (targets !== null) {
    const webTempGood = (stats.signals[SEGMENT_SIGNALS.webTemp]?.worst ?? "Good") === "Good";
    const phaseGood = (stats.signals[SEGMENT_SIGNALS.phase]?.worst ?? "Good") === "Good";
    htrReasons(stats, targets, flags.gap === null && webTempGood, fail);
    if (targets.mode === "pulse") pulseReasons(stats, flags.gap === null && phaseGood, fail);
    downstreamReasons(stats, targets, fail);
  }
  const verdict: SegmentVerdict = reasons.some((r) => r.kind === "fail")
    ? "fail"
    : reasons.length > 0
      ? "unverified"
      : flags.trial
        ? "trial"
        : "pass";
  return { verdict, reasons };
}

function dataReasons(stats: SegmentStats, targets: SegmentTargets | null, flags: SegmentFlags, unverified: Say): void {
  if (flags.gap !== null) unverified("RECORD-GAP", flags.gap);
  if (targets === null) unverified("NO-RECIPE", "no recipe was in effect when the segment entered the HTR zone");
  for (const tag of flags.missing) unverified("DATA-MISSING", `${tag} never had a value while the segment needed it`);
  if (stats.peakK === null && !flags.missing.includes(SEGMENT_SIGNALS.webTemp)) unverified("DATA-MISSING", "the segment passed the HTR zone with no Good web-temperature sample");
  for (const [tag, use] of Object.entries(stats.signals)) {
    if (use.worst === "Good") continue;
    const why = use.reason === "" ? "" : ` (${use.reason})`;
    unverified("SIGNAL-NOT-GOOD", `${tag} was ${use.worst}${why} while the segment was measured`);
  }
}

function htrReasons(s: SegmentStats, t: SegmentTargets, lowsComplete: boolean, fail: Say): void {
  const low = t.peakK - t.toleranceK;
  const high = t.peakK + t.toleranceK;
  if (s.peakK !== null && s.peakK < low && lowsComplete) {
    fail("HTR-PEAK-LOW", `peak ${m(s.peakK)} K is below ${n(low)} K (${n(t.peakK)} − ${n(t.toleranceK)} K)`);
  }
  if (s.peakK !== null && s.peakK > high) {
    fail("HTR-PEAK-HIGH", `peak ${m(s.peakK)} K is above ${n(high)} K (${n(t.peakK)} + ${n(t.toleranceK)} K)`);
  }
  if (s.timeInBandS !== null && s.timeInBandS < t.minTimeInBandS && lowsComplete) {
    fail(
      "HTR-HOLD-SHORT",
      `${m(s.timeInBandS, 2)} s within ${n(t.peakK)} ± ${n(t.toleranceK)} K is below ${n(t.minTimeInBandS)} s (${n(t.holdAcceptFraction)} × ${n(t.holdTimeS)} s hold)`,
    );
  }
  if (t.mode === "pulse" && s.maxHeatingKps !== null && s.maxHeatingKps < t.minHeatingRateKps && lowsComplete) {
    fail("HTR-HEATING-SLOW", `fastest heating ${m(s.maxHeatingKps)} K/s is below the ${n(t.minHeatingRateKps)} K/s minimum`);
  }
  if (s.maxCoolingKps !== null && s.maxCoolingKps < t.minCoolingRateKps && lowsComplete) {
    const what = t.mode === "continuous" ? "estimated cooling (peak − quench exit over the travel time from the zone to the quench exit)" : "fastest cooling";
    fail("HTR-COOLING-SLOW", `${what} ${m(s.maxCoolingKps)} K/s is below the ${n(t.minCoolingRateKps)} K/s minimum`);
  }
  if (s.o2MaxPpm !== null && s.o2MaxPpm > t.o2LimitPpm) {
    fail("HTR-O2-HIGH", `O₂ reached ${m(s.o2MaxPpm)} ppm with the heater on, above the ${n(t.o2LimitPpm)} ppm permissive`);
  }
  if (s.arMinLpm !== null && s.arMinLpm < t.argonMinLpm) {
    fail(
      "HTR-ARGON-LOW",
      `argon purge fell to ${m(s.arMinLpm)} L/min with the zone hot, below ${n(t.argonMinLpm)} L/min (${n(t.argonMinFraction)} × ${n(t.argonFlowLpm)} L/min)`,
    );
  }
}

function pulseReasons(s: SegmentStats, lowsComplete: boolean, fail: Say): void {
  if (s.pulses === 0 && lowsComplete) fail("PULSE-NONE", "no heating pulse started with the segment wholly in the zone (one is right)");
  if (s.pulses > 1) fail("PULSE-MULTIPLE", `${s.pulses} heating pulses started with the segment wholly in the zone (one is right)`);
  if (s.partialPulses > 0) {
    const what = s.partialPulses === 1 ? "1 heating pulse" : `${s.partialPulses} heating pulses`;
    fail("PULSE-PARTIAL", `${what} started with the segment only partly in the zone (index misaligned)`);
  }
}

function downstreamReasons(s: SegmentStats, t: SegmentTargets, fail: Say): void {
  if (s.quenchGasMinLpm !== null && s.quenchGasMinLpm < t.quenchGasMinLpm) {
    fail("QUENCH-GAS-LOW", `gas-knife flow fell to ${m(s.quenchGasMinLpm)} L/min with the zone hot, below the ${n(t.quenchGasMinLpm)} L/min minimum`);
  }
  if (s.coolantMinLpm !== null && s.coolantMinLpm < t.coolantMinLpm) {
    fail("QUENCH-COOLANT-LOW", `chill-plate coolant fell to ${m(s.coolantMinLpm)} L/min with the zone hot, below the ${n(t.coolantMinLpm)} L/min minimum`);
  }
  if (s.exitTempK !== null && s.exitTempK > t.safeWebTempK) {
    fail("QUENCH-EXIT-HOT", `web left the quench at ${m(s.exitTempK)} K, above the ${n(t.safeWebTempK)} K safe temperature`);
  }
  const maxEffluent = t.maxEffluentConductivityUsCm;
  if (s.exitConductivityUsCm !== null && maxEffluent !== null && s.exitConductivityUsCm > maxEffluent) {
    fail(
      "RINSE-CONDUCTIVITY-HIGH",
      `rinse effluent was ${m(s.exitConductivityUsCm)} µS/cm when the segment left the rinse, above the ${n(maxEffluent)} µS/cm the recipe accepts`,
    );
  }
  // Pulse mode: the loading gauge reads only while the web indexes, not the powder dosed while it stands
  // (the doser runs on), so its mean is not the segment's loading: recorded, not judged (docs/process.md).
  const loading = t.mode === "pulse" ? null : s.arealLoadingMgCm2;
  if (loading !== null && Math.abs(loading - t.loadingMgCm2) > t.loadingToleranceMgCm2) {
    fail("FEED-LOADING", `areal loading ${m(loading, 2)} mg/cm² is outside ${n(t.loadingMgCm2)} ± ${n(t.loadingToleranceMgCm2)} mg/cm²`);
  }
}
