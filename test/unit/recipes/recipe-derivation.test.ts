import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import type { SequenceParams } from "../../../src/recipes/sequence-params.js";
import {
  G_PER_MG_CM2_M2,
  RECIPE_SETPOINT_TAGS,
  deriveSetpoints,
  indexMoveTimeS,
  lineGeometryOf,
  sequenceParamsOf,
} from "../../../src/recipes/recipe-derivation.js";
import { checkRecipe, rampRateKps } from "../../../src/recipes/recipe-limits.js";
import { formatProblem } from "../../../src/core/problem.js";
import { type Recipe, recipeSchema } from "../../../src/recipes/recipe-schema.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const config = loadConfigOrThrow(plcConfig);
const store = new RecipeStore(plcConfig);
const equipment = store.equipmentLimits().limits!;
const bisb = store.get("BiSb")!.recipe!;
const ctx = { line: config, tags: config.tags, equipment };

/** BiSb with some fields changed (deep, per section). */
function variant(changes: { [K in keyof Recipe]?: Partial<Recipe[K]> } & { targetRollLengthM?: number }): Recipe {
  const out: Record<string, unknown> = { ...bisb };
  for (const [k, v] of Object.entries(changes)) {
    const base = (bisb as unknown as Record<string, unknown>)[k];
    out[k] = typeof v === "object" && v !== null ? { ...(base as object), ...v } : v;
  }
  return recipeSchema.parse(out);
}

const valuesOf = (r: Recipe): Record<string, number | boolean> =>
  Object.fromEntries(checkRecipe(r, ctx).setpoints.map((s) => [s.tag, s.value]));
const problemsOf = (r: Recipe): string[] => checkRecipe(r, ctx).problems.map(formatProblem);
const close = (a: number | boolean | undefined, b: number, what: string): void => {
  assert.equal(typeof a, "number", what);
  assert.ok(Math.abs((a as number) - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${String(a)} ≠ ${b}`);
};

describe("recipes: setpoint derivation", () => {
  it("derives every setpoint of BiSb (pulse, the paper's profile) with no problems", () => {
    const { setpoints, problems } = checkRecipe(bisb, ctx);
    assert.deepEqual(problems, []);
    assert.deepEqual(setpoints.map((s) => s.tag), [...RECIPE_SETPOINT_TAGS]);
    const v = valuesOf(bisb);
    assert.deepEqual(
      { ...v, "feed.doser_rate_sp": undefined },
      {
        "htr.mode": 0,
        "htr.peak_sp": 1340,
        "htr.ramp_time_sp": 3.0,
        "htr.hold_time_sp": 7.0,
        "htr.cool_time_sp": 5.0,
        "htr.ar_flow_sp": 30,
        "quench.gas_flow_sp": 150,
        "feed.web_speed_sp": 0,
        "feed.index_length_sp": 0.3,
        "feed.doser_rate_sp": undefined,
        "feed.tension_sp": 50,
        "rinse.water_flow_sp": 20,
        "rinse.dryer_temp_sp": 393,
      },
    );
    // pulse: 0.30 m index at 6 m/min cruise, 0.5 m/s² → 3.0 s + 0.2 s; mean 5.625 m/min while the doser runs
    close(v["feed.doser_rate_sp"], 3.0 * (0.3 / 3.2) * 60 * 0.3 * 10, "doser in pulse mode");
    close(v["feed.doser_rate_sp"], 50.625, "doser in pulse mode, g/min");
    for (const s of checkRecipe(bisb, ctx).setpoints) assert.ok(s.from.length > 0, `${s.tag} names its source`);
  });

  it("converts units: 1 mg/cm² on a 1 m web at 1 m/min is 10 g/min", () => {
    assert.equal(G_PER_MG_CM2_M2, 10);
    // 1 mg/cm² × 10⁴ cm²/m² = 10⁴ mg/m² = 10 g/m²; × 1 m/min × 1 m = 10 g/min
    assert.equal((1 * 1e4 * 1e-3) * 1 * 1, G_PER_MG_CM2_M2);
  });

  it("continuous mode: web speed = zone length / hold time (≈ 2.57 m/min), doser = loading × speed × width", () => {
    const r = variant({ htr: { mode: "continuous" }, feed: { indexLengthM: undefined } });
    const v = valuesOf(r);
    assert.equal(v["htr.mode"], 1);
    close(v["feed.web_speed_sp"], (0.3 / 7.0) * 60, "web speed");
    close(v["feed.web_speed_sp"], 2.5714285714285716, "web speed ≈ 2.57 m/min");
    // 3 mg/cm² × 2.571 m/min × 0.30 m × 10 = 23.14 g/min (the virtual plant's default doser rate is 23)
    close(v["feed.doser_rate_sp"], 3.0 * ((0.3 / 7.0) * 60) * 0.3 * 10, "doser");
    close(v["feed.index_length_sp"], 0.3, "index length defaults to the zone length");
    assert.deepEqual(problemsOf(r), []);

    const given = variant({ htr: { mode: "continuous" }, feed: { webSpeedMpm: 2.0 } });
    const g = valuesOf(given);
    close(g["feed.web_speed_sp"], 2.0, "given web speed");
    close(g["feed.doser_rate_sp"], 3.0 * 2.0 * 0.3 * 10, "doser at the given speed: 18 g/min");
    const doser = checkRecipe(given, ctx).setpoints.find((s) => s.tag === "feed.doser_rate_sp")!;
    assert.deepEqual(doser.from, ["precursor.arealLoadingMgCm2", "feed.webSpeedMpm"]);
  });

  it("pulse mode: the doser follows the index move's mean speed; short moves never reach cruise speed", () => {
    close(indexMoveTimeS(0.3, 6, 0.5), 3.2, "0.30 m: 0.2 s accelerating/decelerating + 3.0 s");
    close(indexMoveTimeS(0.2, 6, 0.5), 2.2, "0.20 m");
    close(indexMoveTimeS(0.01, 6, 0.5), 2 * Math.sqrt(0.01 / 0.5), "0.01 m: a triangle");
    const r = variant({ feed: { indexLengthM: 0.2 } });
    const v = valuesOf(r);
    close(v["feed.index_length_sp"], 0.2, "index length");
    close(v["feed.doser_rate_sp"], 3.0 * (0.2 / 2.2) * 60 * 0.3 * 10, "doser for a 0.20 m index");
    assert.equal(v["feed.web_speed_sp"], 0);
  });

  it("takes the web width and zone length from line.yaml", () => {
    const wide = { ...config, line: { ...config.line, webWidth: 0.6 } };
    const v = Object.fromEntries(deriveSetpoints(bisb, wide, config.tags, equipment).setpoints.map((s) => [s.tag, s.value]));
    close(v["feed.doser_rate_sp"], 2 * 50.625, "twice the width, twice the powder");
    assert.deepEqual(lineGeometryOf(config), { webWidthM: 0.3, htrZoneLengthM: 0.3 });
    const noHtr = { ...config, stations: config.stations.filter((s) => s.id !== "htr") };
    assert.deepEqual(deriveSetpoints(bisb, noHtr, config.tags, equipment).problems.map(formatProblem), [
      "line.yaml:stations: no station 'htr': recipes need the HTR zone length",
    ]);
  });

  it("names setpoint tags the configuration lacks or does not let it write", () => {
    const tags = config.tags
      .filter((t) => t.name !== "htr.cool_time_sp")
      .map((t) => (t.name === "feed.tension_sp" ? { ...t, writable: false } : t));
    assert.deepEqual(deriveSetpoints(bisb, config, tags, equipment).problems.map(formatProblem), [
      "tags/:htr.cool_time_sp: recipes set this tag, but no tag file defines it",
      "tags/:feed.tension_sp: recipes set this tag, but it is not writable",
    ]);
  });

  it("maps a recipe to the sequencer's parameters (control's SequenceParams)", () => {
    const geometry = lineGeometryOf(config);
    assert.ok(!("message" in geometry));
    const params: SequenceParams = sequenceParamsOf(bisb, geometry);
    assert.deepEqual(params, {
      recipe: "BiSb",
      mode: "pulse",
      targetLengthM: 100,
      o2PermissivePpm: 50,
      safeWebTempK: 373,
      conductivityEndpoint: 50,
      minQuenchGasFlow: 120,
      minCoolantFlow: 10,
      minRinseFlow: 15,
      webSpeed: 0,
      flowSetpoints: { arFlowLpm: 30, quenchGasFlowLpm: 150, rinseWaterFlowLpm: 20 },
      timeouts: { flowMs: 30_000, purgeMs: 300_000, webMs: 30_000, heatMs: 60_000, coolMs: 60_000, flushMs: 600_000 },
    });
    const continuous: SequenceParams = sequenceParamsOf(variant({ htr: { mode: "continuous" }, feed: { indexLengthM: undefined } }), geometry);
    close(continuous.webSpeed, (0.3 / 7) * 60, "continuous web speed");
  });
});

describe("recipes: equipment limits", () => {
  it("refuses a setpoint above its tag's range, naming the field, the value and the limit", () => {
    const problems = problemsOf(variant({ htr: { peakTempK: 1600, peakToleranceK: 15 } }));
    assert.ok(problems.includes("recipes/BiSb.yaml:htr.peakTempK: htr.peak_sp 1600 K (from htr.peakTempK) exceeds equipment limit 1450 K"), problems.join("\n"));
  });

  it("refuses a setpoint below its tag's range", () => {
    assert.deepEqual(problemsOf(variant({ rinse: { dryerTempK: 280 } })), [
      "recipes/BiSb.yaml:rinse.dryerTempK: rinse.dryer_temp_sp 280 K (from rinse.dryerTempK) is below equipment limit 293 K",
    ]);
  });

  it("refuses a derived setpoint out of range, naming every field it comes from", () => {
    // 10 mg/cm² in pulse mode → 168.75 g/min, over the doser's 150 g/min
    const r = variant({ precursor: { arealLoadingMgCm2: 10, arealLoadingToleranceMgCm2: 1 } });
    assert.deepEqual(problemsOf(r), [
      "recipes/BiSb.yaml:precursor.arealLoadingMgCm2: feed.doser_rate_sp 168.8 g/min (from precursor.arealLoadingMgCm2, feed.indexLengthM) exceeds equipment limit 150 g/min",
    ]);
  });

  it("refuses a ramp faster than the radiator can drive (max heating rate 2000 K/s)", () => {
    const r = variant({ htr: { rampTimeS: 0.5 } });
    assert.equal(rampRateKps(r, equipment), 2080);
    assert.deepEqual(problemsOf(r), [
      "recipes/BiSb.yaml:htr.rampTimeS: ramp rate 2080 K/s (from htr.peakTempK, htr.rampTimeS) exceeds equipment limit 2000 K/s",
    ]);
    assert.deepEqual(problemsOf(variant({ htr: { minHeatingRateKps: 2500, rampTimeS: 0.6 } })), [
      "recipes/BiSb.yaml:htr.minHeatingRateKps: 2500 K/s exceeds equipment limit 2000 K/s",
    ]);
  });

  it("refuses a profile that contradicts its own minimum heating or cooling rate", () => {
    assert.deepEqual(problemsOf(variant({ htr: { minHeatingRateKps: 400 } })), [
      "recipes/BiSb.yaml:htr.minHeatingRateKps: the profile ramps at 346.7 K/s (from 300 K to htr.peakTempK in htr.rampTimeS), below the recipe's minimum heating rate 400 K/s",
    ]);
    assert.deepEqual(problemsOf(variant({ htr: { minCoolingRateKps: 150 } })), [
      "recipes/BiSb.yaml:htr.coolTimeS: 5 s is too short: at the minimum cooling rate 150 K/s the web needs 6.447 s from peak to the safe 373 K",
    ]);
  });

  it("refuses O₂ limits, flows and an index the PLCs and the line cannot honour", () => {
    assert.deepEqual(problemsOf(variant({ htr: { o2PermissivePpm: 100, o2TripPpm: 2000 } })), [
      "recipes/BiSb.yaml:htr.o2PermissivePpm: 100 ppm exceeds equipment limit 50 ppm (the HTR PLC does not heat above it)",
      "recipes/BiSb.yaml:htr.o2TripPpm: 2000 ppm exceeds equipment limit 1000 ppm (the HTR PLC trips above it)",
    ]);
    assert.deepEqual(problemsOf(variant({ quench: { gasFlowLpm: 40, minGasFlowLpm: 30, minCoolantFlowLpm: 25 } })), [
      "recipes/BiSb.yaml:quench.minCoolantFlowLpm: 25 L/min exceeds equipment limit 20 L/min (the chill plates' full flow)",
      "recipes/BiSb.yaml:quench.gasFlowLpm: quench.gas_flow_sp 40 L/min (from quench.gasFlowLpm) is below equipment limit 50 L/min (the HTR PLC starts no pulse below it)",
    ]);
    assert.deepEqual(problemsOf(variant({ feed: { indexLengthM: 0.4 } })), [
      "recipes/BiSb.yaml:feed.indexLengthM: index length 0.4 m is longer than the HTR zone (0.3 m): web between pulses would pass unheated",
    ]);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf(variant({ htr: { peakTempK: 1600, rampTimeS: 0.6 }, rinse: { dryerTempK: 500 }, feed: { webTensionN: 400 } }));
    for (const field of ["htr.peakTempK", "htr.rampTimeS", "rinse.dryerTempK", "feed.webTensionN", "htr.peakToleranceK", "htr.coolTimeS"]) {
      assert.ok(problems.some((p) => p.startsWith(`recipes/BiSb.yaml:${field}:`)), `${field} in\n${problems.join("\n")}`);
    }
  });

  it("property: a recipe passes the check only if every derived setpoint is within its tag's range; an out-of-range one is always named", () => {
    const ranges = new Map(config.tags.map((t) => [t.name, t.range]));
    let passed = 0;
    const recipes = fc.record({
      mode: fc.constantFrom("pulse" as const, "continuous" as const),
      peakTempK: fc.double({ min: 300, max: 1600, noNaN: true }),
      rampTimeS: fc.double({ min: 0.3, max: 70, noNaN: true }),
      holdTimeS: fc.double({ min: 0.1, max: 700, noNaN: true }),
      coolTimeS: fc.double({ min: 0.5, max: 70, noNaN: true }),
      argonFlowLpm: fc.double({ min: 1, max: 70, noNaN: true }),
      gasFlowLpm: fc.double({ min: 30, max: 350, noNaN: true }),
      loading: fc.double({ min: 0.5, max: 12, noNaN: true }),
      webSpeedMpm: fc.option(fc.double({ min: 0.1, max: 12, noNaN: true }), { nil: undefined }),
      indexLengthM: fc.option(fc.double({ min: 0.01, max: 0.4, noNaN: true }), { nil: undefined }),
      webTensionN: fc.double({ min: 1, max: 330, noNaN: true }),
      waterFlowLpm: fc.double({ min: 1, max: 55, noNaN: true }),
      dryerTempK: fc.double({ min: 280, max: 490, noNaN: true }),
    });
    fc.assert(
      fc.property(recipes, (g) => {
        const r = variant({
          htr: { mode: g.mode, peakTempK: g.peakTempK, peakToleranceK: 15, rampTimeS: g.rampTimeS, holdTimeS: g.holdTimeS, coolTimeS: g.coolTimeS, argonFlowLpm: g.argonFlowLpm, minHeatingRateKps: 1, minCoolingRateKps: 5000, safeWebTempK: 273 },
          quench: { gasFlowLpm: g.gasFlowLpm, minGasFlowLpm: 1 },
          precursor: { arealLoadingMgCm2: g.loading, arealLoadingToleranceMgCm2: 0.1 },
          feed: { webSpeedMpm: g.mode === "continuous" ? g.webSpeedMpm : undefined, indexLengthM: g.indexLengthM, webTensionN: g.webTensionN },
          rinse: { waterFlowLpm: g.waterFlowLpm, minWaterFlowLpm: 0.5, dryerTempK: g.dryerTempK },
        });
        const { setpoints, problems } = checkRecipe(r, ctx);
        const texts = problems.map(formatProblem);
        for (const s of setpoints) {
          const range = ranges.get(s.tag);
          const inRange = range === undefined || (typeof s.value === "number" && s.value >= range.min && s.value <= range.max);
          if (!inRange) assert.ok(texts.some((t) => t.includes(` ${s.tag} `)), `${s.tag} = ${String(s.value)} out of range but not named:\n${texts.join("\n")}`);
        }
        if (problems.length === 0) {
          passed += 1;
          for (const s of setpoints) {
            const range = ranges.get(s.tag);
            if (range) assert.ok(typeof s.value === "number" && s.value >= range.min && s.value <= range.max, `${s.tag} = ${String(s.value)}`);
          }
        }
      }),
      { numRuns: 3000, seed: 20240501 },
    );
    assert.ok(passed >= 25, `only ${passed} generated recipes passed: the property saw too few valid ones`);
  });
});
