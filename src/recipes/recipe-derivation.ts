/**
 * Recipe → PLC setpoints (pure). A recipe states physical targets; this is the one place that knows how
 * they become the writable setpoint tags of plc-config, with every unit conversion spelled out:
 *
 * | setpoint              | from (recipe field)                     | formula                                               |
 * |-----------------------|-----------------------------------------|-------------------------------------------------------|
 * | htr.peak_sp           | htr.peakTempK                           | K as is                                               |
 * | htr.ramp_time_sp      | htr.rampTimeS                           | s as is                                               |
 * | htr.hold_time_sp      | htr.holdTimeS                           | s as is                                               |
 * | htr.cool_time_sp      | htr.coolTimeS                           | s as is                                               |
 * | htr.mode              | htr.mode                                | pulse → 0, continuous → 1                             |
 * | htr.ar_flow_sp        | htr.argonFlowLpm                        | L/min as is                                           |
 * | quench.gas_flow_sp    | quench.gasFlowLpm                       | L/min as is                                           |
 * | feed.web_speed_sp     | feed.webSpeedMpm or htr.holdTimeS       | continuous: given, else zone length / hold × 60; pulse: 0 |
 * | feed.index_length_sp  | feed.indexLengthM                       | given, else the HTR zone length (line.yaml)           |
 * | feed.doser_rate_sp    | precursor.arealLoadingMgCm2             | loading × speed × web width × 10 (mg/cm²·m/min·m → g/min) |
 * | feed.tension_sp       | feed.webTensionN                        | N as is                                               |
 * | rinse.water_flow_sp   | rinse.waterFlowLpm                      | L/min as is                                           |
 * | rinse.dryer_temp_sp   | rinse.dryerTempK                        | K as is                                               |
 *
 * The doser's speed: continuous mode, the web speed. Pulse mode, the mean speed of an index move
 * (index length / move time, from the drive's index profile in equipment-limits.yaml): the line PLC runs the
 * doser only while the web moves, so a cycle's powder goes down during its index move.
 */
import type { TagScalar } from "../core/tag-value.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { Problem } from "../core/problem.js";
import type { EquipmentLimits, HtrMode, Recipe } from "./recipe-schema.js";
import type { SequenceParams } from "./sequence-params.js";

/** One derived setpoint, with the recipe fields it comes from (for messages). */
export interface DerivedSetpoint {
  readonly tag: string;
  readonly value: TagScalar;
  /** Recipe field paths it is computed from, e.g. ["htr.peakTempK"]. */
  readonly from: readonly string[];
}

export interface Derivation {
  readonly setpoints: readonly DerivedSetpoint[];
  readonly problems: readonly Problem[];
}

/** The part of the line configuration a recipe depends on (ScadaConfig has this shape). */
export interface RecipeLine {
  readonly line: { readonly webWidth: number };
  readonly stations: readonly { readonly id: string; readonly from: number; readonly to: number }[];
}

export interface LineGeometry {
  /** Width of the web, m. */
  readonly webWidthM: number;
  /** Length of the HTR radiation zone along the web, m (one pulse-mode index). */
  readonly htrZoneLengthM: number;
}

/** htr.mode values of the HTR PLC. */
export const HTR_MODE_CODES: Readonly<Record<HtrMode, number>> = { pulse: 0, continuous: 1 };

/** 1 mg/cm² over 1 m² is 10 g (10⁴ cm²/m² × 10⁻³ g/mg): mg/cm² × m/min × m × 10 = g/min. */
export const G_PER_MG_CM2_M2 = 10;

/** The writable setpoint tags a recipe sets, in the order they are written and read back. */
export const RECIPE_SETPOINT_TAGS = [
  "htr.mode",
  "htr.peak_sp",
  "htr.ramp_time_sp",
  "htr.hold_time_sp",
  "htr.cool_time_sp",
  "htr.ar_flow_sp",
  "quench.gas_flow_sp",
  "feed.web_speed_sp",
  "feed.index_length_sp",
  "feed.doser_rate_sp",
  "feed.tension_sp",
  "rinse.water_flow_sp",
  "rinse.dryer_temp_sp",
] as const;

/** The recipe's file, relative to the config directory (the store keeps file name = alloy). */
export function recipeFileOf(alloy: string): string {
  return `recipes/${alloy}.yaml`;
}

/** Web width and HTR zone length from line.yaml, or a problem naming what is missing. */
export function lineGeometryOf(config: RecipeLine): LineGeometry | Problem {
  const htr = config.stations.find((s) => s.id === "htr");
  if (htr === undefined) return { file: "line.yaml", path: "stations", message: "no station 'htr': recipes need the HTR zone length" };
  const htrZoneLengthM = Math.round((htr.to - htr.from) * 1e9) / 1e9; // 1.3 − 1.0 is 0.30000000000000004
  if (!(htrZoneLengthM > 0)) {
    return { file: "line.yaml", path: "stations", message: `station 'htr' has no length (from ${htr.from} m to ${htr.to} m)` };
  }
  return { webWidthM: config.line.webWidth, htrZoneLengthM };
}

/**
 * Duration of a pulse-mode index move over `lengthM`: a trapezoidal speed profile (accelerate, cruise,
 * decelerate), or a triangle when the move is too short to reach cruise speed. Seconds.
 */
export function indexMoveTimeS(lengthM: number, cruiseSpeedMpm: number, accelerationMps2: number): number {
  const v = cruiseSpeedMpm / 60;
  const rampDistanceM = (v * v) / accelerationMps2; // accelerating to v and back to 0
  return lengthM >= rampDistanceM ? lengthM / v + v / accelerationMps2 : 2 * Math.sqrt(lengthM / accelerationMps2);
}

/** Continuous-mode web speed: given, else one zone length per hold time. m/min. */
export function continuousWebSpeedMpm(recipe: Recipe, geometry: LineGeometry): number {
  return recipe.feed.webSpeedMpm ?? (geometry.htrZoneLengthM / recipe.htr.holdTimeS) * 60;
}

/** Pulse-mode index length: given, else one zone length. m. */
export function indexLengthM(recipe: Recipe, geometry: LineGeometry): number {
  return recipe.feed.indexLengthM ?? geometry.htrZoneLengthM;
}

/**
 * Speed of the web under the doser while it doses, m/min: the continuous web speed, or in pulse mode the
 * mean speed of an index move.
 */
export function dosingSpeedMpm(recipe: Recipe, geometry: LineGeometry, equipment: EquipmentLimits): number {
  if (recipe.htr.mode === "continuous") return continuousWebSpeedMpm(recipe, geometry);
  const length = indexLengthM(recipe, geometry);
  return (length / indexMoveTimeS(length, equipment.feed.indexSpeedMpm, equipment.feed.indexAccelerationMps2)) * 60;
}

/**
 * The PLC setpoints of a recipe. Problems are only about what the derivation needs from the configuration
 * (the HTR station, the setpoint tags); whether the values fit the equipment is recipe-limits' job.
 */
export function deriveSetpoints(
  recipe: Recipe,
  lineConfig: RecipeLine,
  tags: readonly TagConfig[],
  equipment: EquipmentLimits,
): Derivation {
  const geometry = lineGeometryOf(lineConfig);
  if ("message" in geometry) return { setpoints: [], problems: [geometry] };

  const continuous = recipe.htr.mode === "continuous";
  const dosingSpeed = dosingSpeedMpm(recipe, geometry, equipment);
  const values: Record<(typeof RECIPE_SETPOINT_TAGS)[number], { value: TagScalar; from: string[] }> = {
    "htr.mode": { value: HTR_MODE_CODES[recipe.htr.mode], from: ["htr.mode"] },
    "htr.peak_sp": { value: recipe.htr.peakTempK, from: ["htr.peakTempK"] },
    "htr.ramp_time_sp": { value: recipe.htr.rampTimeS, from: ["htr.rampTimeS"] },
    "htr.hold_time_sp": { value: recipe.htr.holdTimeS, from: ["htr.holdTimeS"] },
    "htr.cool_time_sp": { value: recipe.htr.coolTimeS, from: ["htr.coolTimeS"] },
    "htr.ar_flow_sp": { value: recipe.htr.argonFlowLpm, from: ["htr.argonFlowLpm"] },
    "quench.gas_flow_sp": { value: recipe.quench.gasFlowLpm, from: ["quench.gasFlowLpm"] },
    "feed.web_speed_sp": continuous
      ? { value: continuousWebSpeedMpm(recipe, geometry), from: recipe.feed.webSpeedMpm === undefined ? ["htr.holdTimeS"] : ["feed.webSpeedMpm"] }
      : { value: 0, from: ["htr.mode"] },
    "feed.index_length_sp": { value: indexLengthM(recipe, geometry), from: recipe.feed.indexLengthM === undefined ? ["htr.mode"] : ["feed.indexLengthM"] },
    "feed.doser_rate_sp": {
      value: recipe.precursor.arealLoadingMgCm2 * dosingSpeed * geometry.webWidthM * G_PER_MG_CM2_M2,
      from: [
        "precursor.arealLoadingMgCm2",
        ...(continuous
          ? [recipe.feed.webSpeedMpm === undefined ? "htr.holdTimeS" : "feed.webSpeedMpm"]
          : [recipe.feed.indexLengthM === undefined ? "htr.mode" : "feed.indexLengthM"]),
      ],
    },
    "feed.tension_sp": { value: recipe.feed.webTensionN, from: ["feed.webTensionN"] },
    "rinse.water_flow_sp": { value: recipe.rinse.waterFlowLpm, from: ["rinse.waterFlowLpm"] },
    "rinse.dryer_temp_sp": { value: recipe.rinse.dryerTempK, from: ["rinse.dryerTempK"] },
  };

  const byName = new Map(tags.map((t) => [t.name, t]));
  const setpoints: DerivedSetpoint[] = [];
  const problems: Problem[] = [];
  for (const tag of RECIPE_SETPOINT_TAGS) {
    const config = byName.get(tag);
    if (config === undefined) {
      problems.push({ file: "tags/", path: tag, message: "recipes set this tag, but no tag file defines it" });
      continue;
    }
    if (!config.writable) {
      problems.push({ file: "tags/", path: tag, message: "recipes set this tag, but it is not writable" });
      continue;
    }
    const { value, from } = values[tag];
    setpoints.push({ tag, value, from });
  }
  return { setpoints, problems };
}

/** The sequencer's parameters of a recipe (web speed 0 in pulse mode: the web indexes). */
export function sequenceParamsOf(recipe: Recipe, geometry: LineGeometry): SequenceParams {
  const t = recipe.sequence.timeouts;
  return {
    recipe: recipe.alloy,
    mode: recipe.htr.mode,
    targetLengthM: recipe.targetRollLengthM,
    o2PermissivePpm: recipe.htr.o2PermissivePpm,
    safeWebTempK: recipe.htr.safeWebTempK,
    conductivityEndpoint: recipe.rinse.conductivityEndpointUsCm,
    minQuenchGasFlow: recipe.quench.minGasFlowLpm,
    minCoolantFlow: recipe.quench.minCoolantFlowLpm,
    minRinseFlow: recipe.rinse.minWaterFlowLpm,
    webSpeed: recipe.htr.mode === "continuous" ? continuousWebSpeedMpm(recipe, geometry) : 0,
    flowSetpoints: {
      arFlowLpm: recipe.htr.argonFlowLpm,
      quenchGasFlowLpm: recipe.quench.gasFlowLpm,
      rinseWaterFlowLpm: recipe.rinse.waterFlowLpm,
    },
    timeouts: {
      flowMs: t.flowS * 1000,
      purgeMs: t.purgeS * 1000,
      webMs: t.webS * 1000,
      heatMs: t.heatS * 1000,
      coolMs: t.coolS * 1000,
      flushMs: t.flushS * 1000,
    },
  };
}

/** Why a precursor lot number does not fit the recipe's lot spec, or null when it does. */
export function lotIdProblem(recipe: Recipe, lotId: number): string | null {
  if (!Number.isInteger(lotId) || lotId < 0 || lotId > 0xffffffff) return `lot ${lotId} is not a lot number (a uint32)`;
  const pattern = new RegExp(recipe.precursor.lotIdPattern, "u");
  return pattern.test(String(lotId)) ? null : `lot ${lotId} does not match the ${recipe.alloy} lot spec /${recipe.precursor.lotIdPattern}/`;
}
