import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { HOLD_SHORTFALL_S, IL02_LIMIT_REF, il02LimitK, il02LimitRefOf, previewRecipe } from "../../../src/recipes/recipe-preview.js";
import type { PreviewReasonCode, RecipePreview } from "../../../src/recipes/recipe-preview.js";
import type { Recipe } from "../../../src/recipes/recipe-schema.js";
import type { RecipePreviewJson } from "../../../src/server/socket-contract.js";
import { purgedPlantState } from "../../../src/sim/plant-state.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";
import { newPlant, num, set } from "../sim/plant-test-helpers.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const store = new RecipeStore(plcConfig);

function shipped(alloy: string): Recipe {
  const recipe = store.get(alloy)?.recipe;
  if (recipe === undefined) throw new Error(`plc-config/recipes/${alloy}.yaml is not a valid recipe`);
  return recipe;
}

function withHtr(r: Recipe, htr: Partial<Recipe["htr"]>): Recipe {
  return { ...r, htr: { ...r.htr, ...htr } };
}

function codes(p: RecipePreview): readonly PreviewReasonCode[] {
  assert.equal(p.reasonCodes.length, p.reasons.length);
  return p.reasonCodes;
}

/** The figures, without the curve (for messages). */
function figures(p: RecipePreview): string {
  const { curve: _curve, ...rest } = p;
  return JSON.stringify(rest);
}

describe("recipes/recipe-preview", () => {
  const bisb = shipped("BiSb");
  const preview = previewRecipe(bisb);

  describe("the shipped BiSb recipe (the paper's profile)", () => {
    it("peaks at 1340 ± 15 K within 3.3 s of heater on, with no more than the tolerance of overshoot", () => {
      assert.ok(Math.abs(preview.peakK - 1340) <= 15, figures(preview));
      assert.ok(preview.timeToPeakS !== null && preview.timeToPeakS <= 3.3, figures(preview));
      assert.ok(preview.overshootK >= 0 && preview.overshootK <= 15, figures(preview));
    });

    it("holds within the band for 7.0 ± 0.2 s and cools below 373 K within 5 s of power off", () => {
      assert.ok(Math.abs(preview.timeInBandS - 7.0) <= 0.2, figures(preview));
      assert.ok(preview.coolTo373S !== null && preview.coolTo373S <= 5, figures(preview));
    });

    it("heats and cools at the recipe's rates: ≈ 10² – 10³ K/s, means above the minimums", () => {
      assert.ok(preview.meanHeatingKps !== null && preview.meanHeatingKps >= bisb.htr.minHeatingRateKps, figures(preview));
      assert.ok(preview.meanCoolingKps !== null && preview.meanCoolingKps >= bisb.htr.minCoolingRateKps, figures(preview));
      assert.ok(preview.maxHeatingKps >= preview.meanHeatingKps && preview.maxHeatingKps < 2500, figures(preview));
      assert.ok(preview.maxCoolingKps >= preview.meanCoolingKps && preview.maxCoolingKps < 2500, figures(preview));
    });

    it("keeps its margins to IL-02 (min(1340 + 80, 1500) = 1420 K) and to the PLC's 1500 K, and is submittable", () => {
      assert.equal(il02LimitK(bisb), 1420);
      assert.ok(Math.abs(preview.marginToTripK - (1420 - preview.peakK)) < 0.01, figures(preview));
      assert.ok(Math.abs(preview.marginToPlcTripK - (1500 - preview.peakK)) < 0.01, figures(preview));
      assert.equal(preview.submittable, true, figures(preview));
      assert.deepEqual(preview.reasons, []);
      assert.deepEqual(preview.reasonCodes, []);
    });

    it("returns the curve from heater on, every 20 ms, at most 1000 points, ending below 373 K", () => {
      const { curve } = preview;
      assert.ok(curve.length > 500 && curve.length <= 1000, String(curve.length));
      assert.deepEqual(curve[0], [0, 298]);
      assert.ok(Math.abs((curve[1]?.[0] ?? 0) - 0.02) < 1e-9);
      const last = curve.at(-1);
      assert.ok(last !== undefined && last[1] < 373 && last[0] >= 15, JSON.stringify(last));
      assert.ok(Math.max(...curve.map(([, k]) => k)) <= preview.peakK);
      // What GET …/preview sends: the preview as it is (the socket contract's RecipePreviewJson).
      const json: RecipePreviewJson = JSON.parse(JSON.stringify(preview)) as RecipePreview;
      assert.deepEqual(json, preview);
    });

    it("is the virtual plant's pulse: the same web temperature within 2 K on every point of the curve", () => {
      const plant = newPlant(1, purgedPlantState(1));
      set(plant, "quench.gas_on", true);
      plant.advance(2000);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      const plantK: number[] = [];
      for (let i = 0; i < 1500; i++) {
        plant.step();
        plantK.push(num(plant, "htr.web_temp"));
      }
      let worst = 0;
      for (const [t, k] of preview.curve) {
        const i = Math.round(t * 100);
        if (i < plantK.length) worst = Math.max(worst, Math.abs((plantK[i] ?? Number.NaN) - k));
      }
      assert.ok(worst < 2, `largest difference ${worst.toFixed(2)} K`);
    });
  });

  it("IL02_LIMIT_REF is IL-02's limit in plc-config/interlocks.yaml", () => {
    assert.deepEqual(il02LimitRefOf(loadConfigOrThrow(plcConfig).interlocks), IL02_LIMIT_REF);
  });

  it("a peak 20 K higher (1360 K) previews ≈ 20 K higher", () => {
    const hotter = previewRecipe(withHtr(bisb, { peakTempK: 1360 }));
    assert.ok(Math.abs(hotter.peakK - preview.peakK - 20) < 2, `${hotter.peakK} vs ${preview.peakK}`);
    assert.equal(hotter.submittable, true, figures(hotter));
  });

  it("a peak of 1480 K is not submittable: it sits 20 K under IL-02's 1500 K, less than twice its tolerance", () => {
    const p = previewRecipe(withHtr(bisb, { peakTempK: 1480 }));
    assert.equal(p.submittable, false);
    assert.ok(codes(p).includes("il02-margin"), figures(p));
    assert.ok(p.marginToTripK < 30 && p.marginToTripK > 0, figures(p));
    assert.match(p.reasons[codes(p).indexOf("il02-margin")] ?? "", /IL-02's limit 1500\.0 K/);
  });

  it("a profile that runs past 1500 K trips IL-02 and the PLC: the power is cut there, and the reasons say when", () => {
    const p = previewRecipe(withHtr(bisb, { peakTempK: 1550 }));
    assert.equal(p.submittable, false);
    assert.ok(codes(p).includes("il02-trip") && codes(p).includes("plc-trip"), figures(p));
    assert.ok(p.peakK > 1500 && p.peakK < 1510, `the web went on to ${p.peakK} K`);
    assert.ok(p.marginToTripK < 0 && p.marginToPlcTripK < 0);
    assert.match(p.reasons[0] ?? "", /IL-02 trips at \d+\.\d+ s/);
  });

  it("a tighter IL-02 from the configuration is the one applied", () => {
    const p = previewRecipe(bisb, { il02Limit: { recipe: "peakTempK", plus: 20 } });
    assert.ok(Math.abs(p.marginToTripK - (1360 - p.peakK)) < 0.01, figures(p));
    assert.ok(codes(p).includes("il02-margin"), figures(p));
  });

  it(`a ramp faster than the supply can follow leaves the band short of the hold (more than ${HOLD_SHORTFALL_S} s): hold-short`, () => {
    const p = previewRecipe(withHtr(bisb, { rampTimeS: 0.2 }));
    assert.ok(p.timeInBandS < bisb.htr.holdTimeS - HOLD_SHORTFALL_S, figures(p));
    assert.deepEqual(codes(p), ["hold-short"]);
  });

  it("a ramp too slow for the recipe's minimum heating rate: heating-rate-low", () => {
    const p = previewRecipe(withHtr(bisb, { rampTimeS: 6 }));
    assert.ok(p.meanHeatingKps !== null && p.meanHeatingKps < bisb.htr.minHeatingRateKps, figures(p));
    assert.deepEqual(codes(p), ["heating-rate-low"]);
  });

  it("a weak gas knife cools too slowly: cooling-rate-low", () => {
    const p = previewRecipe({ ...bisb, quench: { ...bisb.quench, gasFlowLpm: 60, minGasFlowLpm: 50 } });
    assert.ok(p.coolTo373S !== null && p.coolTo373S > 5, figures(p));
    assert.deepEqual(codes(p), ["cooling-rate-low"]);
  });

  it("an overshoot past a tight band: peak-out-of-band (a 1 K band the loop holds is fine)", () => {
    const p = previewRecipe(withHtr(bisb, { peakToleranceK: 1 }));
    assert.equal(p.submittable, true, figures(p));
    const tooFast = previewRecipe(withHtr(bisb, { rampTimeS: 0.5, peakToleranceK: 0.5 }));
    assert.ok(codes(tooFast).includes("peak-out-of-band"), figures(tooFast));
  });

  it("continuous mode: the zone's start-up ramp with the web moving, one dwell at peak, then the quench", () => {
    const continuous: Recipe = { ...withHtr(bisb, { mode: "continuous" }), feed: { webTensionN: bisb.feed.webTensionN } };
    const p = previewRecipe(continuous);
    assert.equal(p.submittable, true, figures(p));
    assert.ok(Math.abs(p.peakK - 1340) <= 15 && Math.abs(p.timeInBandS - 7.0) <= 0.2, figures(p));
    assert.ok(p.coolTo373S !== null && p.coolTo373S <= 5, figures(p));
  });

  it("every shipped recipe is submittable", () => {
    const alloys = store.alloys();
    assert.ok(alloys.length >= 8, alloys.join(", "));
    for (const alloy of alloys) {
      const p = previewRecipe(shipped(alloy));
      assert.equal(p.submittable, true, `${alloy}: ${figures(p)}`);
    }
  });
});
