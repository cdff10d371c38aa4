import assert from "node:assert/strict";
import { RECIPE_UNITS, diffRecipes, recipeFields, unitsOfDescription } from "../../../src/recipes/recipe-diff.js";
import type { Recipe } from "../../../src/recipes/recipe-schema.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";

const bisb = (): Recipe => structuredClone(new RecipeStore("plc-config").get("BiSb")!.recipe!);

describe("recipe diff (pure)", () => {
  it("every field of the schema has its units: a number field one of RECIPE_UNITS, any other field ''", () => {
    const fields = recipeFields();
    assert.ok(fields.length >= 39, `${fields.length} fields`);
    const missing = fields.filter((f) => (f.numeric ? !(RECIPE_UNITS as readonly string[]).includes(f.units) : f.units !== ""));
    assert.deepEqual(missing.map((f) => `${f.path}: '${f.units}' from "${f.description}"`), []);
    assert.equal(new Set(fields.map((f) => f.path)).size, fields.length);
  });

  it("units of some fields, by hand", () => {
    const units = Object.fromEntries(recipeFields().map((f) => [f.path, f.units]));
    assert.deepEqual(
      {
        "htr.peakTempK": units["htr.peakTempK"],
        "htr.rampTimeS": units["htr.rampTimeS"],
        "htr.minHeatingRateKps": units["htr.minHeatingRateKps"],
        "htr.argonFlowLpm": units["htr.argonFlowLpm"],
        "precursor.arealLoadingToleranceMgCm2": units["precursor.arealLoadingToleranceMgCm2"],
        "rinse.conductivityEndpointUsCm": units["rinse.conductivityEndpointUsCm"],
        "feed.webSpeedMpm": units["feed.webSpeedMpm"],
        "feed.indexLengthM": units["feed.indexLengthM"],
        "feed.webTensionN": units["feed.webTensionN"],
        "product.alloyContentPct": units["product.alloyContentPct"],
        "product.particleSizeNm": units["product.particleSizeNm"],
        "htr.o2TripPpm": units["htr.o2TripPpm"],
        "sequence.timeouts.flushS": units["sequence.timeouts.flushS"],
        "htr.mode": units["htr.mode"],
        "product.notes": units["product.notes"],
      },
      {
        "htr.peakTempK": "K",
        "htr.rampTimeS": "s",
        "htr.minHeatingRateKps": "K/s",
        "htr.argonFlowLpm": "L/min",
        "precursor.arealLoadingToleranceMgCm2": "mg/cm²",
        "rinse.conductivityEndpointUsCm": "µS/cm",
        "feed.webSpeedMpm": "m/min",
        "feed.indexLengthM": "m",
        "feed.webTensionN": "N",
        "product.alloyContentPct": "%",
        "product.particleSizeNm": "nm",
        "htr.o2TripPpm": "ppm",
        "sequence.timeouts.flushS": "s",
        "htr.mode": "",
        "product.notes": "",
      },
    );
    assert.equal(unitsOfDescription("Time at peak, s (paper: 7.0 s). In continuous mode the dwell."), "s");
    assert.equal(unitsOfDescription("What the precursor powder is (salts, carbon source, template)."), "");
  });

  it("a recipe against itself: no change", () => {
    assert.deepEqual(diffRecipes(bisb(), bisb()), []);
  });

  it("only the changed fields, with units, in schema order; added and removed optional fields", () => {
    const a = bisb();
    const b = bisb();
    b.htr.peakTempK = 1360;
    b.precursor.arealLoadingMgCm2 = 3.2;
    b.sequence.timeouts.flushS = 900;
    b.description = "BiSb, hotter";
    delete (b.product as { notes?: string }).notes;
    delete (a.feed as { indexLengthM?: number }).indexLengthM;
    assert.deepEqual(diffRecipes(a, b), [
      { path: "description", units: "", from: a.description, to: "BiSb, hotter", change: "changed" },
      { path: "precursor.arealLoadingMgCm2", units: "mg/cm²", from: 3, to: 3.2, change: "changed" },
      { path: "htr.peakTempK", units: "K", from: 1340, to: 1360, change: "changed" },
      { path: "feed.indexLengthM", units: "m", from: null, to: 0.3, change: "added" },
      { path: "product.notes", units: "", from: a.product.notes, to: null, change: "removed" },
      { path: "sequence.timeouts.flushS", units: "s", from: 600, to: 900, change: "changed" },
    ]);
  });

  it("fields the schema does not know follow, sorted, without units", () => {
    const a = bisb();
    const b = { ...bisb(), zeta: 1, extra: { x: "y" } } as unknown as Recipe;
    assert.deepEqual(diffRecipes(a, b), [
      { path: "extra.x", units: "", from: null, to: "y", change: "added" },
      { path: "zeta", units: "", from: null, to: 1, change: "added" },
    ]);
  });
});
