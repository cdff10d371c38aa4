import type { AlarmsJson } from "../../../src/server/socket-contract.js";
import { alarmLimits } from "./alarm-lookup.js";
import type { PlantState, RecipeDoc, TagMeta } from "./plant-state.js";

export interface Band {
  readonly lo: number;
  readonly hi: number;
}

/** The recipe's normal operating band of a tag now (the web temperature's depends on the profile phase). */
export function recipeBand(tag: string, r: RecipeDoc, phase: number | null): Band | null {
  switch (tag) {
    case "htr.web_temp":
      if (phase === 2 || phase === 4) return { lo: r.htr.peakTempK - r.htr.peakToleranceK, hi: r.htr.peakTempK + r.htr.peakToleranceK };
      if (phase === 1) return { lo: 250, hi: r.htr.peakTempK + r.htr.peakToleranceK };
      return { lo: 250, hi: r.htr.safeWebTempK };
    case "htr.o2":
      return { lo: 0, hi: r.htr.o2PermissivePpm };
    case "htr.ar_flow":
      return { lo: r.htr.argonFlowLpm * 0.8, hi: r.htr.argonFlowLpm * 1.2 };
    case "quench.gas_flow":
      return { lo: r.quench.minGasFlowLpm, hi: r.quench.gasFlowLpm * 1.2 };
    case "quench.coolant_flow":
      return { lo: r.quench.minCoolantFlowLpm, hi: 50 };
    case "rinse.conductivity":
      return { lo: 0, hi: r.rinse.conductivityEndpointUsCm };
    case "rinse.water_flow":
      return { lo: r.rinse.minWaterFlowLpm, hi: r.rinse.waterFlowLpm * 1.25 };
    case "rinse.dryer_temp":
      return { lo: r.rinse.dryerTempK - 15, hi: r.rinse.dryerTempK + 15 };
    case "feed.web_tension":
    case "rinse.rewind_tension":
      return { lo: r.feed.webTensionN * 0.7, hi: r.feed.webTensionN * 1.3 };
    case "feed.areal_loading":
      return r.precursor ? { lo: r.precursor.arealLoadingMgCm2 - r.precursor.arealLoadingToleranceMgCm2, hi: r.precursor.arealLoadingMgCm2 + r.precursor.arealLoadingToleranceMgCm2 } : null;
    default:
      return null;
  }
}

/** Between the highest low alarm limit and the lowest high one (tags the recipe says nothing about). */
export function alarmBand(tag: string, alarms: AlarmsJson | null, range: Band): Band | null {
  const limits = alarmLimits(alarms, tag);
  if (limits.length === 0) return null;
  const lows = limits.filter((l) => l.level.startsWith("L")).map((l) => l.value);
  const highs = limits.filter((l) => l.level.startsWith("H")).map((l) => l.value);
  return { lo: lows.length ? Math.max(...lows) : range.lo, hi: highs.length ? Math.min(...highs) : range.hi };
}

/** Display ranges where the configured instrument range would squash the interesting part. */
const DISPLAY: Record<string, Band> = {
  "htr.web_temp": { lo: 250, hi: 1600 },
  "htr.radiator_temp": { lo: 250, hi: 2200 },
  "htr.o2": { lo: 0, hi: 200 },
  "htr.ar_flow": { lo: 0, hi: 60 },
  "quench.gas_flow": { lo: 0, hi: 300 },
  "quench.exit_web_temp": { lo: 250, hi: 600 },
  "rinse.conductivity": { lo: 0, hi: 200 },
  "feed.web_tension": { lo: 0, hi: 150 },
  "rinse.rewind_tension": { lo: 0, hi: 150 },
  "feed.web_speed": { lo: 0, hi: 10 },
};

export function displayRange(tag: string, meta: TagMeta | undefined): Band {
  return DISPLAY[tag] ?? (meta?.range ? { lo: meta.range.min, hi: meta.range.max } : { lo: 0, hi: 100 });
}

/** The band to draw: the recipe's, else the alarm limits'. */
export function normalBand(state: PlantState, tag: string): Band | null {
  const phase = state.num("htr.profile_phase");
  const fromRecipe = state.recipe ? recipeBand(tag, state.recipe, phase) : null;
  return fromRecipe ?? alarmBand(tag, state.alarms, displayRange(tag, state.meta.get(tag)));
}
