import type { InterlockRecipeParameter } from "../interlocks/interlock-recipe-parameters.js";
import type { Recipe } from "./recipe-schema.js";

/** The recipe values the interlocks may refer to (interlocks.yaml `value: { recipe: peakTempK … }`). */
export function interlockParamsOf(r: Recipe): Partial<Record<InterlockRecipeParameter, number>> {
  const out: Partial<Record<InterlockRecipeParameter, number>> = {
    peakTempK: r.htr.peakTempK,
    peakToleranceK: r.htr.peakToleranceK,
    safeWebTempK: r.htr.safeWebTempK,
    argonFlowLpm: r.htr.argonFlowLpm,
    o2PermissivePpm: r.htr.o2PermissivePpm,
    o2TripPpm: r.htr.o2TripPpm,
    minGasFlowLpm: r.quench.minGasFlowLpm,
    minCoolantFlowLpm: r.quench.minCoolantFlowLpm,
    webTensionN: r.feed.webTensionN,
  };
  if (r.feed.webSpeedMpm !== undefined) out.webSpeedMpm = r.feed.webSpeedMpm;
  return out;
}
