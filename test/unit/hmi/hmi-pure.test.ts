import assert from "node:assert/strict";
import type { AlarmsJson } from "../../../src/server/socket-contract.js";
import { alarmLimits, alarmPriorityFor, standingAlarms } from "../../../hmi/src/core/alarm-lookup.js";
import { decimalsFor, formatValue } from "../../../hmi/src/core/format-value.js";
import { alignSeries } from "../../../hmi/src/core/history-data.js";
import { alarmBand, recipeBand } from "../../../hmi/src/core/normal-bands.js";
import type { RecipeDoc } from "../../../hmi/src/core/plant-state.js";
import { ProductRate } from "../../../hmi/src/core/product-rate.js";
import { envelopeAt, pulseFigures } from "../../../hmi/src/core/profile-envelope.js";

const BISB: RecipeDoc = {
  alloy: "BiSb",
  htr: { mode: "pulse", peakTempK: 1340, peakToleranceK: 15, rampTimeS: 3, holdTimeS: 7, coolTimeS: 5, safeWebTempK: 373, argonFlowLpm: 30, o2PermissivePpm: 50, o2TripPpm: 1000 },
  quench: { gasFlowLpm: 150, minGasFlowLpm: 120, minCoolantFlowLpm: 10 },
  feed: { indexLengthM: 0.3, webTensionN: 50 },
  rinse: { waterFlowLpm: 20, minWaterFlowLpm: 15, conductivityEndpointUsCm: 50, dryerTempK: 393 },
};

const alarm = (id: string, state: string, priority: string, extra: Record<string, unknown> = {}) => ({ id, state, priority, ...extra });

describe("hmi: pure display logic", () => {
  describe("thermal profile envelope", () => {
    it("ramps straight to peak in the ramp time, holds peak ± tolerance, then a cooling limit to the safe temperature", () => {
      const at = (t: number) => envelopeAt(t, 100, 300, BISB);
      assert.deepEqual(at(99), { target: null, lo: null, hi: null, coolLimit: null });
      assert.equal(at(100).target, 300);
      assert.equal(at(101.5).target, 820);
      assert.deepEqual([at(103).target, at(103).lo, at(103).hi], [1340, 1325, 1355]);
      assert.deepEqual([at(110).target, at(110).lo, at(110).hi], [1340, 1325, 1355]);
      assert.equal(at(110.001).target, null);
      assert.ok(Math.abs(at(115).coolLimit! - 373) < 1e-9);
      assert.deepEqual(at(115.1), { target: null, lo: null, hi: null, coolLimit: null });
    });
    it("pulse figures: peak, time to band, time held in band", () => {
      const samples = [];
      for (let t = 0; t <= 10; t += 0.1) samples.push({ t: 50 + t, temp: t < 3 ? 300 + (1040 * t) / 3 : 1340 + (t > 9.95 ? 0 : 1) });
      const f = pulseFigures(samples, 50, BISB)!;
      assert.equal(f.peak, 1341);
      assert.ok(Math.abs(f.toBandS! - 3.0) < 0.11, String(f.toBandS));
      assert.ok(Math.abs(f.heldS - 7.0) < 0.11, String(f.heldS));
      assert.equal(pulseFigures([], 50, BISB), null);
    });
  });

  describe("normal bands", () => {
    it("web temperature band follows the profile phase", () => {
      assert.deepEqual(recipeBand("htr.web_temp", BISB, 2), { lo: 1325, hi: 1355 });
      assert.deepEqual(recipeBand("htr.web_temp", BISB, 0), { lo: 250, hi: 373 });
      assert.deepEqual(recipeBand("htr.o2", BISB, 0), { lo: 0, hi: 50 });
      assert.deepEqual(recipeBand("rinse.conductivity", BISB, 0), { lo: 0, hi: 50 });
      assert.equal(recipeBand("feed.hopper_level", BISB, 0), null);
    });
    it("without a recipe band: between the highest low and the lowest high alarm limit", () => {
      const a: AlarmsJson = {
        alarms: [
          alarm("T-L", "normal", "medium", { tag: "x", limit: { level: "L", value: 10 } }),
          alarm("T-LL", "normal", "high", { tag: "x", limit: { level: "LL", value: 5 } }),
          alarm("T-H", "normal", "high", { tag: "x", limit: { level: "H", value: 80 } }),
          alarm("Y-H", "normal", "high", { tag: "y", limit: { level: "H", value: 1 } }),
        ],
        counts: {},
      };
      assert.deepEqual(alarmBand("x", a, { lo: 0, hi: 100 }), { lo: 10, hi: 80 });
      assert.equal(alarmBand("z", a, { lo: 0, hi: 100 }), null);
      assert.deepEqual(alarmLimits(a, "y"), [{ level: "H", value: 1 }]);
    });
  });

  describe("alarm lookup", () => {
    const a: AlarmsJson = {
      alarms: [
        alarm("A", "ack-active", "critical", { station: "htr", tag: "htr.web_temp", since: 5 }),
        alarm("B", "unack-active", "low", { station: "htr", tag: "htr.o2", since: 9 }),
        alarm("C", "unack-active", "critical", { station: "feed", since: 1 }),
        alarm("D", "normal", "critical", { station: "htr", tag: "htr.o2" }),
        alarm("E", "shelved", "high", { station: "htr" }),
        alarm("F", "rtn-unack", "high", { station: "rinse", since: 7 }),
      ],
      counts: {},
    };
    it("standing alarms: priority first, then unacknowledged before acknowledged; normal and shelved left out", () => {
      assert.deepEqual(standingAlarms(a).map((x) => x.id), ["C", "A", "F", "B"]);
    });
    it("worst standing priority per tag and per station", () => {
      assert.equal(alarmPriorityFor(a, { tag: "htr.o2" }), "low");
      assert.equal(alarmPriorityFor(a, { station: "htr" }), "critical");
      assert.equal(alarmPriorityFor(a, { station: "quench" }), null);
    });
  });

  describe("values", () => {
    it("numbers with their unit's decimals; stale when not Good or disconnected; missing shown as ----", () => {
      assert.equal(decimalsFor("K"), 0);
      assert.equal(decimalsFor("m/min"), 2);
      assert.deepEqual(formatValue({ value: 1340.26, quality: "Good", ts: 1 }, "K", true), { text: "1340", stale: false, bad: false });
      assert.deepEqual(formatValue({ value: 1340.26, quality: "Good", ts: 1 }, "K", false), { text: "1340", stale: true, bad: false });
      assert.deepEqual(formatValue({ value: 5.55, quality: "Uncertain", ts: 1 }, "ppm", true), { text: "5.5", stale: true, bad: false });
      assert.deepEqual(formatValue({ value: null, quality: "Bad", ts: 0 }, "K", true), { text: "----", stale: true, bad: true });
      assert.equal(formatValue({ value: false, quality: "Good", ts: 1 }, "", true, { onOff: ["CLOSED", "OPEN"] }).text, "OPEN");
    });
    it("product rate: metres per hour over the window up to now, from change-only samples; restarted by a roll change", () => {
      const r = new ProductRate(60);
      r.add(0, 10);
      assert.equal(r.metresPerHour(2), null);
      r.add(10, 10.5);
      assert.equal(r.metresPerHour(10), 180);
      assert.equal(r.metresPerHour(20), 90); // no change since t = 10: the web stands
      r.add(100, 10.8); // the length at the window's start (t = 40) was 10.5
      assert.ok(Math.abs(r.metresPerHour(100)! - 18) < 1e-9);
      assert.equal(r.metresPerHour(1000), 0);
      r.add(1001, 0.1);
      assert.equal(r.metresPerHour(1002), null);
    });
    it("history series aligned on the union of time stamps (uPlot layout, x in seconds)", () => {
      const data = alignSeries(
        { source: "raw", bucketMs: 1000, fromMs: 0, toMs: 3000, series: [{ tag: "a", points: [{ t: 1000, value: 1 }, { t: 2000, value: 2 }] }, { tag: "b", points: [{ t: 2000, value: 20 }, { t: 3000, value: null }] }] },
        ["a", "b"],
      );
      // undefined: only the other series has a point there (drawn across); null: the historian has no value (a gap).
      assert.deepEqual(data, [[1, 2, 3], [1, 2, undefined], [undefined, 20, null]]);
    });
  });
});
