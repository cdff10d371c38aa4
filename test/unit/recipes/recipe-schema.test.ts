import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { lotIdProblem } from "../../../src/recipes/recipe-derivation.js";
import { formatProblem } from "../../../src/core/problem.js";
import { recipeJsonSchemas, recipeSchema } from "../../../src/recipes/recipe-schema.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");

/** PROCESS.md, product targets (paper): mean particle size by HTR, nm. */
const PARTICLE_SIZE_NM: Record<string, number | undefined> = {
  BiSb: 14.9,
  SnSb: 23.9,
  CoSb: 19.5,
  NiSb: 15.9,
  FeSb: 20.8,
  Cu2Sb: 19.0,
  SnBi: 20.6,
  Sb: undefined,
};
const ALLOYS = Object.keys(PARTICLE_SIZE_NM);

/** A copy of plc-config to break things in. */
function scratchConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "recipes-"));
  cpSync(plcConfig, dir, { recursive: true });
  return dir;
}

describe("recipes: schema and files", () => {
  const store = new RecipeStore(plcConfig);

  it("the 8 default recipes load and validate, one file per alloy, and equipment-limits.yaml too", () => {
    assert.deepEqual(store.alloys(), [...ALLOYS].sort());
    assert.deepEqual(store.problems().map(formatProblem), []);
    assert.ok(store.equipmentLimits().limits, "equipment-limits.yaml is valid");
    for (const summary of store.list()) {
      assert.equal(summary.valid, true, `${summary.alloy}: ${summary.problems.join("; ")}`);
      assert.equal(summary.file, `recipes/${summary.alloy}.yaml`);
      assert.ok(summary.description.length > 0);
    }
  });

  it("every default recipe uses the paper's profile: 1340 ± 15 K, ramp 3.0 s, hold 7.0 s, cool 5.0 s", () => {
    for (const alloy of ALLOYS) {
      const recipe = store.get(alloy)?.recipe;
      assert.ok(recipe, alloy);
      assert.equal(recipe.alloy, alloy);
      const { peakTempK, peakToleranceK, rampTimeS, holdTimeS, coolTimeS, mode } = recipe.htr;
      assert.deepEqual({ peakTempK, peakToleranceK, rampTimeS, holdTimeS, coolTimeS, mode }, {
        peakTempK: 1340,
        peakToleranceK: 15,
        rampTimeS: 3.0,
        holdTimeS: 7.0,
        coolTimeS: 5.0,
        mode: "pulse",
      }, alloy);
      assert.ok(recipe.htr.o2PermissivePpm <= 50 && recipe.htr.o2TripPpm <= 1000, `${alloy} O₂ limits`);
      assert.ok(recipe.htr.minHeatingRateKps > 0 && recipe.htr.minCoolingRateKps > 0);
      assert.ok(recipe.rinse.conductivityEndpointUsCm > 0 && recipe.targetRollLengthM > 0);
    }
  });

  it("carries PROCESS.md's product targets: particle size per alloy, BiSb 14.9 nm and 73.7 % alloy content", () => {
    for (const alloy of ALLOYS) assert.equal(store.get(alloy)?.recipe?.product.particleSizeNm, PARTICLE_SIZE_NM[alloy], alloy);
    assert.equal(store.get("BiSb")?.recipe?.product.alloyContentPct, 73.7);
  });

  it("fills the sequence timeouts with their defaults when a file leaves them out", () => {
    const timeouts = store.get("BiSb")!.recipe!.sequence.timeouts;
    assert.deepEqual(timeouts, { flowS: 30, purgeS: 300, webS: 30, heatS: 60, coolS: 60, flushS: 600 });
  });

  it("each recipe file points its editor at the committed JSON Schema, which is the generated one", () => {
    for (const alloy of ALLOYS) {
      const first = readFileSync(join(plcConfig, "recipes", `${alloy}.yaml`), "utf8").split("\n")[0];
      assert.equal(first, "# yaml-language-server: $schema=../schema/recipe.schema.json", alloy);
    }
    const limitsFirst = readFileSync(join(plcConfig, "equipment-limits.yaml"), "utf8").split("\n")[0];
    assert.equal(limitsFirst, "# yaml-language-server: $schema=./schema/equipment-limits.schema.json");
    for (const [name, schema] of Object.entries(recipeJsonSchemas())) {
      const committed = readFileSync(join(plcConfig, "schema", name), "utf8");
      assert.equal(committed, `${JSON.stringify(schema, null, 2)}\n`, `plc-config/schema/${name} is out of date`);
    }
  });

  it("a broken recipe lists every problem as file:path: message", () => {
    const dir = scratchConfig();
    try {
      writeFileSync(
        join(dir, "recipes", "BiSb.yaml"),
        [
          "alloy: BiSb",
          "description: broken on purpose",
          "precursor: { description: x, lotIdPattern: '^11[0-9', arealLoadingMgCm2: -3, arealLoadingToleranceMgCm2: 0.3 }",
          "htr:",
          "  mode: pulsed",
          "  peakTempK: hot",
          "  peakToleranceK: 15",
          "  holdTimeS: 7.0",
          "  coolTimeS: 5.0",
          "  minHeatingRateKps: 300",
          "  minCoolingRateKps: 200",
          "  argonFlowLpm: 30",
          "  o2PermissivePpm: 50",
          "  o2TripPpm: 1000",
          "  colour: red",
          "quench: { gasFlowLpm: 150, minGasFlowLpm: 120, minCoolantFlowLpm: 10 }",
          "feed: { webTensionN: 50 }",
          "rinse: { waterFlowLpm: 20, minWaterFlowLpm: 15, conductivityEndpointUsCm: 50, dryerTempK: 393 }",
          "product: {}",
          "",
        ].join("\n"),
      );
      const problems = new RecipeStore(dir).get("BiSb")!.problems.map(formatProblem);
      assert.deepEqual(problems.sort(), [
        "recipes/BiSb.yaml:htr.colour: unknown key",
        "recipes/BiSb.yaml:htr.mode: 'pulsed' is not one of: pulse, continuous",
        "recipes/BiSb.yaml:htr.peakTempK: expected a number, found 'hot'",
        "recipes/BiSb.yaml:htr.rampTimeS: required field missing (expected a number)",
        "recipes/BiSb.yaml:precursor.arealLoadingMgCm2: must be > 0 (found -3)",
        "recipes/BiSb.yaml:precursor.lotIdPattern: must be a valid regular expression",
        "recipes/BiSb.yaml:targetRollLengthM: required field missing (expected a number)",
      ]);
      assert.equal(new RecipeStore(dir).get("BiSb")!.recipe, undefined);
      const listed = new RecipeStore(dir).list().find((r) => r.alloy === "BiSb")!;
      assert.equal(listed.valid, false);
      assert.equal(listed.problems.length, problems.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports rules between fields, a name that is not the file's, YAML syntax errors and a missing file", () => {
    const dir = scratchConfig();
    try {
      const bisb = readFileSync(join(dir, "recipes", "BiSb.yaml"), "utf8");
      writeFileSync(
        join(dir, "recipes", "BiSb.yaml"),
        bisb
          .replace("o2PermissivePpm: 50", "o2PermissivePpm: 2000")
          .replace("minGasFlowLpm: 120", "minGasFlowLpm: 200")
          .replace("indexLengthM: 0.30 ", "webSpeedMpm: 2.0 "),
      );
      assert.deepEqual(new RecipeStore(dir).get("BiSb")!.problems.map(formatProblem), [
        "recipes/BiSb.yaml:htr.o2PermissivePpm: must be below htr.o2TripPpm (1000 ppm), found 2000",
        "recipes/BiSb.yaml:quench.minGasFlowLpm: must not exceed quench.gasFlowLpm (150 L/min), found 200",
        "recipes/BiSb.yaml:feed.webSpeedMpm: applies to continuous mode only (pulse mode indexes feed.indexLengthM)",
      ]);

      writeFileSync(join(dir, "recipes", "SnSb.yaml"), bisb);
      assert.deepEqual(new RecipeStore(dir).get("SnSb")!.problems.map(formatProblem), [
        "recipes/SnSb.yaml:alloy: 'BiSb' does not match the file name (SnSb.yaml)",
      ]);

      writeFileSync(join(dir, "recipes", "CoSb.yaml"), "alloy: CoSb\nalloy: NiSb\nhtr: [\n");
      const syntax = new RecipeStore(dir).get("CoSb")!.problems.map(formatProblem);
      assert.ok(syntax.length >= 1);
      for (const p of syntax) assert.match(p, /^recipes\/CoSb\.yaml:line \d+ col \d+: YAML syntax error: /);

      writeFileSync(join(dir, "recipes", "FeSb.yaml"), "# nothing yet\n");
      assert.deepEqual(new RecipeStore(dir).get("FeSb")!.problems.map(formatProblem), [
        "recipes/FeSb.yaml:(root): file is empty (expected a mapping with 'alloy', 'htr', 'quench', 'feed', 'rinse', …)",
      ]);

      rmSync(join(dir, "equipment-limits.yaml"));
      const all = new RecipeStore(dir).problems().map(formatProblem);
      assert.equal(all[0], "equipment-limits.yaml:(root): file is missing");
      assert.ok(all.some((p) => p.startsWith("recipes/CoSb.yaml:")) && all.some((p) => p.startsWith("recipes/SnSb.yaml:")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("problemsFor(config) adds each valid recipe's limit problems to the schema problems (for check-config)", () => {
    const dir = scratchConfig();
    try {
      const config = loadConfigOrThrow(dir);
      assert.deepEqual(new RecipeStore(dir).problemsFor(config), []);
      const sb = readFileSync(join(dir, "recipes", "Sb.yaml"), "utf8");
      writeFileSync(join(dir, "recipes", "Sb.yaml"), sb.replace("dryerTempK: 393", "dryerTempK: 480"));
      writeFileSync(join(dir, "recipes", "SnBi.yaml"), "alloy: SnBi\n");
      const problems = new RecipeStore(dir).problemsFor(config).map(formatProblem);
      assert.ok(problems.includes("recipes/Sb.yaml:rinse.dryerTempK: rinse.dryer_temp_sp 480 K (from rinse.dryerTempK) exceeds equipment limit 473 K"), problems.join("\n"));
      assert.ok(problems.includes("recipes/SnBi.yaml:htr: required field missing (expected a mapping)"), problems.join("\n"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("get() is undefined for an unknown alloy or a name that is not an alloy (no path tricks)", () => {
    assert.equal(store.get("Unobtainium"), undefined);
    assert.equal(store.get("../line"), undefined);
    assert.equal(store.get("bisb"), undefined);
  });

  it("the precursor lot spec: an 8-digit number with the alloy's code", () => {
    const recipe = store.get("BiSb")!.recipe!;
    assert.equal(lotIdProblem(recipe, 11_000_042), null);
    assert.match(lotIdProblem(recipe, 12_000_042) ?? "", /does not match the BiSb lot spec/);
    assert.match(lotIdProblem(recipe, -1) ?? "", /not a lot number/);
  });

  it("the schema is strict at every level", () => {
    const recipe = store.get("BiSb")!.recipe!;
    const withExtra = { ...recipe, rinse: { ...recipe.rinse, soap: true } };
    const r = recipeSchema.safeParse(withExtra);
    assert.equal(r.success, false);
  });
});
