import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SegmentRecord } from "../../../src/quality/segment-record.js";
import { type SegmentFlags, type SegmentStats, judgeSegment } from "../../../src/quality/segment-rules.js";
import { ARGON_MIN_FRACTION, HOLD_TIME_ACCEPT_FRACTION, type SegmentTargets, segmentTargets } from "../../../src/quality/segment-targets.js";
import { recipeSchema } from "../../../src/recipes/recipe-schema.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bisb = new RecipeStore(join(root, "plc-config")).get("BiSb")!.recipe!;
const targets = segmentTargets(bisb);
/** BiSb with a production limit on the rinse effluent. */
const rinseLimited = segmentTargets(recipeSchema.parse({ ...bisb, rinse: { ...bisb.rinse, maxEffluentConductivityUsCm: 60 } }));
const continuous = segmentTargets(
  recipeSchema.parse({ ...bisb, htr: { ...bisb.htr, mode: "continuous" }, feed: { webSpeedMpm: 2.57, webTensionN: 50 } }),
);

/** A segment that met every target of BiSb, all signals Good. */
const GOOD_STATS: SegmentStats = {
  peakK: 1341.2,
  timeInBandS: 7.05,
  maxHeatingKps: 362,
  maxCoolingKps: 330,
  o2MaxPpm: 5,
  arMinLpm: 30,
  pulses: 1,
  partialPulses: 0,
  quenchGasMinLpm: 150,
  coolantMinLpm: 12,
  exitTempK: 310,
  exitConductivityUsCm: 20,
  arealLoadingMgCm2: 3.02,
  trips: [],
  signals: { "htr.web_temp": { samples: 1500, worst: "Good", reason: "" }, "htr.profile_phase": { samples: 4, worst: "Good", reason: "" } },
};
const NO_FLAGS: SegmentFlags = { trial: false, dataTrips: [], missing: [], gap: null };

const judge = (change: Partial<SegmentStats>, flags: Partial<SegmentFlags> = {}, t: SegmentTargets | null = targets) =>
  judgeSegment({ ...GOOD_STATS, ...change }, t, { ...NO_FLAGS, ...flags });
const rulesOf = (j: ReturnType<typeof judge>): string[] => j.reasons.map((r) => r.rule);

describe("quality: segment targets", () => {
  it("takes BiSb's figures, with the named acceptance fractions", () => {
    assert.equal(ARGON_MIN_FRACTION, 0.8);
    assert.equal(HOLD_TIME_ACCEPT_FRACTION, 0.95);
    assert.equal(targets.mode, "pulse");
    assert.equal(targets.peakK, 1340);
    assert.equal(targets.toleranceK, 15);
    assert.equal(targets.holdTimeS, 7);
    assert.ok(Math.abs(targets.minTimeInBandS - 6.65) < 1e-12);
    assert.equal(targets.minHeatingRateKps, 300);
    assert.equal(targets.minCoolingRateKps, 200);
    assert.equal(targets.safeWebTempK, 373);
    assert.equal(targets.o2LimitPpm, 50);
    assert.ok(Math.abs(targets.argonMinLpm - 24) < 1e-12);
    assert.equal(targets.quenchGasMinLpm, 120);
    assert.equal(targets.coolantMinLpm, 10);
    assert.equal(targets.maxEffluentConductivityUsCm, null, "BiSb sets no production limit: the effluent is recorded, not judged");
    assert.equal(targets.loadingMgCm2, 3);
    assert.equal(targets.loadingToleranceMgCm2, 0.3);
    assert.equal(continuous.mode, "continuous");
  });
});

describe("quality: segment rules", () => {
  it("a segment that met every target passes with no reasons; a trial recipe makes it trial", () => {
    assert.deepEqual(judge({}), { verdict: "pass", reasons: [] });
    assert.deepEqual(judge({}, { trial: true }), { verdict: "trial", reasons: [] });
  });

  const FAILS: readonly { name: string; change: Partial<SegmentStats>; rule: string; message: string; t?: SegmentTargets }[] = [
    { name: "peak low", change: { peakK: 1290.4 }, rule: "HTR-PEAK-LOW", message: "peak 1290.4 K is below 1325 K (1340 − 15 K)" },
    { name: "peak high", change: { peakK: 1362.04 }, rule: "HTR-PEAK-HIGH", message: "peak 1362.0 K is above 1355 K (1340 + 15 K)" },
    { name: "hold short", change: { timeInBandS: 6.2 }, rule: "HTR-HOLD-SHORT", message: "6.20 s within 1340 ± 15 K is below 6.65 s (0.95 × 7 s hold)" },
    { name: "heating slow", change: { maxHeatingKps: 250.26 }, rule: "HTR-HEATING-SLOW", message: "fastest heating 250.3 K/s is below the 300 K/s minimum" },
    { name: "cooling slow", change: { maxCoolingKps: 150 }, rule: "HTR-COOLING-SLOW", message: "fastest cooling 150.0 K/s is below the 200 K/s minimum" },
    { name: "O₂ high", change: { o2MaxPpm: 80 }, rule: "HTR-O2-HIGH", message: "O₂ reached 80.0 ppm with the heater on, above the 50 ppm permissive" },
    {
      name: "argon low",
      change: { arMinLpm: 20 },
      rule: "HTR-ARGON-LOW",
      message: "argon purge fell to 20.0 L/min with the zone hot, below 24 L/min (0.8 × 30 L/min)",
    },
    { name: "gas low", change: { quenchGasMinLpm: 100 }, rule: "QUENCH-GAS-LOW", message: "gas-knife flow fell to 100.0 L/min with the zone hot, below the 120 L/min minimum" },
    { name: "coolant low", change: { coolantMinLpm: 8.5 }, rule: "QUENCH-COOLANT-LOW", message: "chill-plate coolant fell to 8.5 L/min with the zone hot, below the 10 L/min minimum" },
    { name: "exit hot", change: { exitTempK: 420 }, rule: "QUENCH-EXIT-HOT", message: "web left the quench at 420.0 K, above the 373 K safe temperature" },
    {
      name: "conductivity high",
      change: { exitConductivityUsCm: 75 },
      rule: "RINSE-CONDUCTIVITY-HIGH",
      message: "rinse effluent was 75.0 µS/cm when the segment left the rinse, above the 60 µS/cm the recipe accepts",
      t: rinseLimited,
    },
    { name: "loading low (continuous)", change: { arealLoadingMgCm2: 2.5, maxHeatingKps: null, pulses: 0 }, rule: "FEED-LOADING", message: "areal loading 2.50 mg/cm² is outside 3 ± 0.3 mg/cm²", t: continuous },
    { name: "loading high (continuous)", change: { arealLoadingMgCm2: 3.41, maxHeatingKps: null, pulses: 0 }, rule: "FEED-LOADING", message: "areal loading 3.41 mg/cm² is outside 3 ± 0.3 mg/cm²", t: continuous },
    { name: "no pulse", change: { pulses: 0 }, rule: "PULSE-NONE", message: "no heating pulse started with the segment wholly in the zone (one is right)" },
    { name: "two pulses", change: { pulses: 2 }, rule: "PULSE-MULTIPLE", message: "2 heating pulses started with the segment wholly in the zone (one is right)" },
    { name: "partial pulse", change: { partialPulses: 1 }, rule: "PULSE-PARTIAL", message: "1 heating pulse started with the segment only partly in the zone (index misaligned)" },
    { name: "trip", change: { trips: ["IL-07"] }, rule: "IL-07", message: "interlock IL-07 tripped while the segment was in the HTR zone" },
    {
      name: "continuous cooling slow",
      change: { maxHeatingKps: null, maxCoolingKps: 110.44, pulses: 0 },
      rule: "HTR-COOLING-SLOW",
      message: "estimated cooling (peak − quench exit over the travel time from the zone to the quench exit) 110.4 K/s is below the 200 K/s minimum",
      t: continuous,
    },
  ];
  it("without a production limit the rinse effluent is recorded, not judged", () => {
    assert.equal(judge({ exitConductivityUsCm: 640 }, {}, targets).verdict, "pass");
  });
  it("pulse mode: the areal loading is recorded, not judged (the gauge reads only while the web indexes)", () => {
    assert.equal(judge({ arealLoadingMgCm2: 1.8 }, {}, targets).verdict, "pass");
  });
  for (const f of FAILS) {
    it(`${f.name} → fail ${f.rule}, in plain words with the figures`, () => {
      const j = judge(f.change, {}, f.t ?? targets);
      assert.equal(j.verdict, "fail");
      assert.deepEqual(j.reasons, [{ rule: f.rule, message: f.message, kind: "fail" }]);
    });
  }

  it("loading not observed (powder dosed before the roll began) is not a failure", () => {
    assert.equal(judge({ arealLoadingMgCm2: null }).verdict, "pass");
  });

  it("continuous mode: no pulse rules, no heating rule (it cannot be seen)", () => {
    assert.deepEqual(judge({ pulses: 0, maxHeatingKps: null, maxCoolingKps: 250 }, {}, continuous), { verdict: "pass", reasons: [] });
    assert.equal(judge({ pulses: 3, partialPulses: 2, maxHeatingKps: 1 }, {}, continuous).verdict, "pass");
  });

  it("a data trip (IL-08) is unverified, a process trip beside it still fails", () => {
    const data = judge({ trips: ["IL-08"] }, { dataTrips: ["IL-08"] });
    assert.equal(data.verdict, "unverified");
    assert.deepEqual(data.reasons, [
      { rule: "IL-08", message: "interlock IL-08 tripped while the segment was in the HTR zone (a data trip: the product cannot be verified)", kind: "unverified" },
    ]);
    const both = judge({ trips: ["IL-08", "IL-07"] }, { dataTrips: ["IL-08"] });
    assert.equal(both.verdict, "fail");
    assert.deepEqual(both.reasons.map((r) => [r.rule, r.kind]), [["IL-08", "unverified"], ["IL-07", "fail"]]);
  });

  it("a signal not Good makes it unverified, naming the tag and the reason", () => {
    const j = judge({ signals: { ...GOOD_STATS.signals, "htr.o2": { samples: 3, worst: "Bad", reason: "comm lost" } } });
    assert.equal(j.verdict, "unverified");
    assert.deepEqual(j.reasons, [{ rule: "SIGNAL-NOT-GOOD", message: "htr.o2 was Bad (comm lost) while the segment was measured", kind: "unverified" }]);
  });

  it("missing data, no web temperature, a record gap and no recipe are unverified", () => {
    const missing = judge({}, { missing: ["quench.gas_flow"] });
    assert.deepEqual(missing.reasons, [{ rule: "DATA-MISSING", message: "quench.gas_flow never had a value while the segment needed it", kind: "unverified" }]);
    const noTemp = judge({ peakK: null, timeInBandS: null, maxHeatingKps: null, maxCoolingKps: null });
    assert.equal(noTemp.verdict, "unverified");
    assert.deepEqual(rulesOf(noTemp), ["DATA-MISSING"]);
    assert.match(noTemp.reasons[0]!.message, /no Good web-temperature sample/);
    const gap = judge({}, { gap: "the web moved 0.300 m between two readings" });
    assert.deepEqual(gap.reasons, [{ rule: "RECORD-GAP", message: "the web moved 0.300 m between two readings", kind: "unverified" }]);
    const noRecipe = judge({}, {}, null);
    assert.equal(noRecipe.verdict, "unverified");
    assert.deepEqual(rulesOf(noRecipe), ["NO-RECIPE"]);
    // trial does not lift an unverified segment
    assert.equal(judge({}, { trial: true, missing: ["htr.o2"] }).verdict, "unverified");
  });

  it("with the passage incomplete, a low figure is not judged (unverified) but a high one still fails", () => {
    const gap = "not recorded";
    const low = judge({ peakK: 1200, timeInBandS: 2, pulses: 0, maxHeatingKps: 10, maxCoolingKps: 10 }, { gap });
    assert.equal(low.verdict, "unverified");
    assert.deepEqual(rulesOf(low), ["RECORD-GAP"]);
    const badTemp = judge({ peakK: 1200, signals: { "htr.web_temp": { samples: 900, worst: "Uncertain", reason: "stale" } } });
    assert.deepEqual(rulesOf(badTemp), ["SIGNAL-NOT-GOOD"]);
    const high = judge({ peakK: 1400 }, { gap });
    assert.equal(high.verdict, "fail");
    assert.deepEqual(rulesOf(high), ["RECORD-GAP", "HTR-PEAK-HIGH"]);
  });

  it("fail outranks unverified outranks trial", () => {
    const j = judge({ peakK: 1290.4, o2MaxPpm: 80 }, { trial: true, missing: ["htr.o2"] });
    assert.equal(j.verdict, "fail");
    assert.deepEqual(rulesOf(j), ["DATA-MISSING", "HTR-PEAK-LOW", "HTR-O2-HIGH"]);
  });

  it("judges a whole record's figures (a SegmentRecord is SegmentStats)", () => {
    const rec: Pick<SegmentRecord, keyof SegmentStats> = { ...GOOD_STATS, exitTempK: 380 };
    assert.deepEqual(rulesOf(judgeSegment(rec, targets, NO_FLAGS)), ["QUENCH-EXIT-HOT"]);
  });
});
