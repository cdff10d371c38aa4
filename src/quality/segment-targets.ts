/**
 * What the segment rules check a segment against, taken from its recipe: the HTR profile, the chamber
 * atmosphere, quench, rinse and loading targets, with the acceptance fractions named here. Pure.
 */
import type { HtrMode, Recipe } from "../recipes/recipe-schema.js";

/** Argon purge flow below this fraction of the recipe's flow, while the zone is hot, fails the segment. */
export const ARGON_MIN_FRACTION = 0.8;
/** Time within peak ± tolerance below this fraction of the hold time fails the segment. */
export const HOLD_TIME_ACCEPT_FRACTION = 0.95;

export interface SegmentTargets {
  readonly mode: HtrMode;
  readonly peakK: number;
  readonly toleranceK: number;
  readonly holdTimeS: number;
  readonly holdAcceptFraction: number;
  /** holdAcceptFraction × holdTimeS, s. */
  readonly minTimeInBandS: number;
  readonly minHeatingRateKps: number;
  readonly minCoolingRateKps: number;
  readonly safeWebTempK: number;
  /** O₂ above the heater permissive while heating spoils the product, ppm. */
  readonly o2LimitPpm: number;
  readonly argonFlowLpm: number;
  readonly argonMinFraction: number;
  /** argonMinFraction × argonFlowLpm, L/min. */
  readonly argonMinLpm: number;
  readonly quenchGasMinLpm: number;
  readonly coolantMinLpm: number;
  /** Highest effluent conductivity accepted while the segment is rinsed (null: recorded, not judged). */
  readonly maxEffluentConductivityUsCm: number | null;
  readonly loadingMgCm2: number;
  readonly loadingToleranceMgCm2: number;
}

export function segmentTargets(recipe: Recipe): SegmentTargets {
  const { htr, quench, rinse, precursor } = recipe;
  return {
    mode: htr.mode,
    peakK: htr.peakTempK,
    toleranceK: htr.peakToleranceK,
    holdTimeS: htr.holdTimeS,
    holdAcceptFraction: HOLD_TIME_ACCEPT_FRACTION,
    minTimeInBandS: HOLD_TIME_ACCEPT_FRACTION * htr.holdTimeS,
    minHeatingRateKps: htr.minHeatingRateKps,
    minCoolingRateKps: htr.minCoolingRateKps,
    safeWebTempK: htr.safeWebTempK,
    o2LimitPpm: htr.o2PermissivePpm,
    argonFlowLpm: htr.argonFlowLpm,
    argonMinFraction: ARGON_MIN_FRACTION,
    argonMinLpm: ARGON_MIN_FRACTION * htr.argonFlowLpm,
    quenchGasMinLpm: quench.minGasFlowLpm,
    coolantMinLpm: quench.minCoolantFlowLpm,
    maxEffluentConductivityUsCm: rinse.maxEffluentConductivityUsCm ?? null,
    loadingMgCm2: precursor.arealLoadingMgCm2,
    loadingToleranceMgCm2: precursor.arealLoadingToleranceMgCm2,
  };
}
