/**
 * Equipment limits (pure): every derived setpoint against its tag's engineering range (tags/*.yaml — the
 * same range the drivers enforce on writes), and the recipe against the limits of equipment-limits.yaml that
 * no single setpoint carries (ramp rate, trips the PLC enforces on its own, flows it needs). Each problem
 * names the recipe field, the value and the limit, e.g.
 *   recipes/BiSb.yaml:htr.peakTempK: htr.peak_sp 1600 K (from htr.peakTempK) exceeds equipment limit 1450 K
 */
import { QUANTITY_UNITS, type TagConfig } from "../tags/tag-schema.js";
import type { Derivation, DerivedSetpoint, LineGeometry, RecipeLine } from "./recipe-derivation.js";
import { deriveSetpoints, indexLengthM, lineGeometryOf, recipeFileOf } from "./recipe-derivation.js";
import type { Problem } from "../core/problem.js";
import type { EquipmentLimits, Recipe } from "./recipe-schema.js";

export interface LimitContext {
  readonly tags: readonly TagConfig[];
  readonly equipment: EquipmentLimits;
  readonly geometry: LineGeometry;
}

const INTEGER_TYPES = new Set(["int16", "uint16", "int32", "uint32"]);

/** A number as an operator reads it: at most 4 significant decimals, no trailing zeros. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(Math.abs(v) >= 1 ? Math.max(4, Math.ceil(Math.log10(Math.abs(v) + 1))) : 4)));
}

function withUnits(v: number, units: string): string {
  return units === "" ? formatNumber(v) : `${formatNumber(v)} ${units}`;
}

/** Problems of the derived setpoints against their tags' ranges and types. */
export function setpointLimitProblems(recipe: Recipe, setpoints: readonly DerivedSetpoint[], tags: readonly TagConfig[]): Problem[] {
  const file = recipeFileOf(recipe.alloy);
  const byName = new Map(tags.map((t) => [t.name, t]));
  const problems: Problem[] = [];
  for (const sp of setpoints) {
    const tag = byName.get(sp.tag);
    const path = sp.from[0] ?? "(root)";
    const from = `(from ${sp.from.join(", ")})`;
    if (tag === undefined) {
      problems.push({ file: "tags/", path: sp.tag, message: "recipes set this tag, but no tag file defines it" });
      continue;
    }
    if (tag.type === "bool") {
      if (typeof sp.value !== "boolean") problems.push({ file, path, message: `${sp.tag} ${from} needs true or false, derived ${String(sp.value)}` });
      continue;
    }
    if (typeof sp.value !== "number" || !Number.isFinite(sp.value)) {
      problems.push({ file, path, message: `${sp.tag} ${from} needs a finite number, derived ${String(sp.value)}` });
      continue;
    }
    if (INTEGER_TYPES.has(tag.type) && !Number.isInteger(sp.value)) {
      problems.push({ file, path, message: `${sp.tag} ${from} is an integer setpoint, derived ${sp.value}` });
      continue;
    }
    const units = tag.units || QUANTITY_UNITS[tag.quantity];
    const shown = `${sp.tag} ${withUnits(sp.value, units)} ${from}`;
    if (tag.range && sp.value > tag.range.max) {
      problems.push({ file, path, message: `${shown} exceeds equipment limit ${withUnits(tag.range.max, units)}` });
    } else if (tag.range && sp.value < tag.range.min) {
      problems.push({ file, path, message: `${shown} is below equipment limit ${withUnits(tag.range.min, units)}` });
    }
  }
  return problems;
}

/** Mean ramp rate the PLC's profile asks for: (peak − ramp start) / ramp time, K/s. */
export function rampRateKps(recipe: Recipe, equipment: EquipmentLimits): number {
  return (recipe.htr.peakTempK - equipment.htr.rampStartTempK) / recipe.htr.rampTimeS;
}

/** Problems of the recipe against equipment-limits.yaml and the line, and between its own profile figures. */
export function equipmentLimitProblems(recipe: Recipe, equipment: EquipmentLimits, geometry: LineGeometry): Problem[] {
  const file = recipeFileOf(recipe.alloy);
  const problems: Problem[] = [];
  const add = (path: string, message: string): void => void problems.push({ file, path, message });
  const { htr, quench } = recipe;
  const eq = equipment.htr;

  const ramp = rampRateKps(recipe, equipment);
  if (ramp > eq.maxHeatingRateKps) {
    add("htr.rampTimeS", `ramp rate ${withUnits(ramp, "K/s")} (from htr.peakTempK, htr.rampTimeS) exceeds equipment limit ${withUnits(eq.maxHeatingRateKps, "K/s")}`);
  }
  if (htr.minHeatingRateKps > eq.maxHeatingRateKps) {
    add("htr.minHeatingRateKps", `${withUnits(htr.minHeatingRateKps, "K/s")} exceeds equipment limit ${withUnits(eq.maxHeatingRateKps, "K/s")}`);
  } else if (ramp < htr.minHeatingRateKps) {
    add(
      "htr.minHeatingRateKps",
      `the profile ramps at ${withUnits(ramp, "K/s")} (from ${formatNumber(eq.rampStartTempK)} K to htr.peakTempK in htr.rampTimeS), below the recipe's minimum heating rate ${withUnits(htr.minHeatingRateKps, "K/s")}`,
    );
  }
  const coolNeededS = (htr.peakTempK - htr.safeWebTempK) / htr.minCoolingRateKps;
  if (coolNeededS > htr.coolTimeS) {
    add(
      "htr.coolTimeS",
      `${withUnits(htr.coolTimeS, "s")} is too short: at the minimum cooling rate ${withUnits(htr.minCoolingRateKps, "K/s")} the web needs ${withUnits(coolNeededS, "s")} from peak to the safe ${withUnits(htr.safeWebTempK, "K")}`,
    );
  }
  const hottest = htr.peakTempK + htr.peakToleranceK;
  if (hottest >= eq.overTempTripK) {
    add("htr.peakToleranceK", `peak + tolerance ${withUnits(hottest, "K")} (from htr.peakTempK, htr.peakToleranceK) reaches the PLC over-temperature trip ${withUnits(eq.overTempTripK, "K")}`);
  }
  if (htr.o2PermissivePpm > eq.o2PermissiveMaxPpm) {
    add("htr.o2PermissivePpm", `${withUnits(htr.o2PermissivePpm, "ppm")} exceeds equipment limit ${withUnits(eq.o2PermissiveMaxPpm, "ppm")} (the HTR PLC does not heat above it)`);
  }
  if (htr.o2TripPpm > eq.o2TripMaxPpm) {
    add("htr.o2TripPpm", `${withUnits(htr.o2TripPpm, "ppm")} exceeds equipment limit ${withUnits(eq.o2TripMaxPpm, "ppm")} (the HTR PLC trips above it)`);
  }
  if (quench.minCoolantFlowLpm > equipment.quench.coolantFlowLpm) {
    add("quench.minCoolantFlowLpm", `${withUnits(quench.minCoolantFlowLpm, "L/min")} exceeds equipment limit ${withUnits(equipment.quench.coolantFlowLpm, "L/min")} (the chill plates' full flow)`);
  }
  if (quench.gasFlowLpm < equipment.quench.minGasFlowSpLpm) {
    add("quench.gasFlowLpm", `quench.gas_flow_sp ${withUnits(quench.gasFlowLpm, "L/min")} (from quench.gasFlowLpm) is below equipment limit ${withUnits(equipment.quench.minGasFlowSpLpm, "L/min")} (the HTR PLC starts no pulse below it)`);
  }
  if (recipe.htr.mode === "pulse") {
    const index = indexLengthM(recipe, geometry);
    if (index > geometry.htrZoneLengthM + 1e-9) {
      add(
        recipe.feed.indexLengthM === undefined ? "htr.mode" : "feed.indexLengthM",
        `index length ${withUnits(index, "m")} is longer than the HTR zone (${withUnits(geometry.htrZoneLengthM, "m")}): web between pulses would pass unheated`,
      );
    }
  }
  return problems;
}

/** Every limit problem of a recipe and its derived setpoints (empty when it may be downloaded). */
export function checkLimits(recipe: Recipe, setpoints: readonly DerivedSetpoint[], ctx: LimitContext): Problem[] {
  return [...setpointLimitProblems(recipe, setpoints, ctx.tags), ...equipmentLimitProblems(recipe, ctx.equipment, ctx.geometry)];
}

/** What checking a recipe against this line needs: line.yaml, the tags, equipment-limits.yaml. */
export interface RecipeCheckContext {
  readonly line: RecipeLine;
  readonly tags: readonly TagConfig[];
  readonly equipment: EquipmentLimits;
}

/**
 * A valid recipe → its setpoints and every problem that forbids downloading them (derivation, setpoint
 * ranges, equipment limits). Download only when `problems` is empty.
 */
export function checkRecipe(recipe: Recipe, ctx: RecipeCheckContext): Derivation {
  const geometry = lineGeometryOf(ctx.line);
  if ("message" in geometry) return { setpoints: [], problems: [geometry] };
  const derived = deriveSetpoints(recipe, ctx.line, ctx.tags, ctx.equipment);
  return {
    setpoints: derived.setpoints,
    problems: [...derived.problems, ...checkLimits(recipe, derived.setpoints, { tags: ctx.tags, equipment: ctx.equipment, geometry })],
  };
}
