/**
 * Recipe parameters an interlock limit may refer to (`{ recipe: peakTempK, … }`): the names of the recipe's
 * fields (plc-config/recipes/*.yaml, e.g. `htr.peakTempK` → `peakTempK`), each with what it is. The
 * integrator fills `InterlockInputs.recipe.params` with these from the loaded recipe; the config check refuses
 * other names. The contract between recipes/ and interlocks/.
 */
export const INTERLOCK_RECIPE_PARAMETERS = {
  peakTempK: "htr.peakTempK: peak web temperature, K",
  peakToleranceK: "htr.peakToleranceK: tolerance around the peak, K",
  safeWebTempK: "htr.safeWebTempK: web temperature safe to stop the quench, K",
  argonFlowLpm: "htr.argonFlowLpm: argon purge flow, L/min",
  o2PermissivePpm: "htr.o2PermissivePpm: O₂ below which the heater may start, ppm",
  o2TripPpm: "htr.o2TripPpm: O₂ above which heating trips, ppm",
  minGasFlowLpm: "quench.minGasFlowLpm: lowest gas-knife flow while heating, L/min",
  minCoolantFlowLpm: "quench.minCoolantFlowLpm: lowest chill-plate coolant flow while heating, L/min",
  webSpeedMpm: "feed.webSpeedMpm: web speed, m/min",
  webTensionN: "feed.webTensionN: web tension setpoint, N",
} as const;
export type InterlockRecipeParameter = keyof typeof INTERLOCK_RECIPE_PARAMETERS;
