import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { GOOD, type Quality, type TagValue, bad, uncertain } from "../../../src/core/tag-value.js";
import type { SegmentRecord } from "../../../src/quality/segment-record.js";
import { segmentTargets } from "../../../src/quality/segment-targets.js";
import {
  ALIGN_TOLERANCE_M,
  MAX_TRAVEL_STEP_M,
  RATE_WINDOW_MS,
  SEGMENT_SIGNALS as S,
  SegmentTracker,
  type TrackedRecipe,
  type TrackerContext,
} from "../../../src/quality/segment-tracker.js";
import { DEFAULT_TRACKING, type TrackingGeometry, geometryProblems } from "../../../src/quality/tracking-geometry.js";
import { WebOdometer } from "../../../src/quality/web-odometer.js";
import { type Recipe, recipeSchema } from "../../../src/recipes/recipe-schema.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const BISB = new RecipeStore(join(root, "plc-config")).get("BiSb")!.recipe!;
/** BiSb run continuously at 0.30 m / 7 s = 2.57 m/min (a slower cooling limit: the quench path is 0.4 m long). */
const BISB_CONTINUOUS = recipeSchema.parse({
  ...BISB,
  htr: { ...BISB.htr, mode: "continuous", minCoolingRateKps: 100 },
  feed: { webSpeedMpm: 2.57, webTensionN: 50 },
});
const tracked = (r: Recipe, trial = false): TrackedRecipe => ({
  ref: { alloy: r.alloy, version: trial ? null : 3, hash: "sha256:abc", trial },
  targets: segmentTargets(r),
});

const T0 = 1_767_225_600_000;
const L = DEFAULT_TRACKING.segmentLengthM;
const EMPTY_CONTEXT: TrackerContext = { recipe: null, trips: [], dataTrips: [], bypasses: [], criticalAlarms: [] };
/** What every signal reads on a healthy, cold line. */
const STEADY: Readonly<Record<string, number | boolean>> = {
  [S.webTemp]: 300,
  [S.o2]: 5,
  [S.argon]: 30,
  [S.heaterOn]: false,
  [S.phase]: 0,
  [S.gasFlow]: 150,
  [S.coolantFlow]: 12,
  [S.exitTemp]: 310,
  [S.conductivity]: 20,
  [S.loading]: 3.0,
  [S.speed]: 0,
};

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/**
 * A synthetic line: a 10 ms clock; the pyrometer reports every tick (± 1 K of noise), the encoder every
 * 50 ms (in whole mm) through a WebOdometer into the tracker. Pulse mode: index, then ramp 3 s → hold 7 s
 * → cool 5 s; continuous mode: move at a speed with the zone at peak.
 */
class SyntheticLine {
  t = T0;
  encoderM = 17.0;
  reporting = true;
  /** How often the encoder is read, ms (a busy host reads it late). */
  reportEveryMs = 50;
  /** The encoder's readings over the last this-many ms of each index arrive only this long into the pulse (the line PLC's link late, the HTR PLC's not). */
  lateStopReadMs = 0;
  private lateReport = false;
  readonly odo = new WebOdometer();
  tracker: SegmentTracker;
  readonly closed: SegmentRecord[] = [];
  private readonly values = new Map<string, TagValue>();
  private ctx: TrackerContext;
  private seed = 12345;

  constructor(recipe: TrackedRecipe | null, steady: Readonly<Record<string, number | boolean>> = STEADY) {
    this.ctx = { ...EMPTY_CONTEXT, recipe };
    this.odo.update(this.t, this.encoderM);
    this.tracker = new SegmentTracker({ rollId: "R-1", geometry: DEFAULT_TRACKING, originTravelM: this.odo.travel() });
    this.tracker.context(this.t, this.ctx);
    for (const [tag, v] of Object.entries(steady)) this.set(tag, v);
  }

  set(tag: string, value: number | boolean | null, quality: Quality = GOOD): void {
    const v: TagValue = { value, quality, sourceTs: this.t, serverTs: this.t };
    this.values.set(tag, v);
    this.tracker.sample(this.t, tag, v);
  }

  setContext(change: Partial<TrackerContext>): void {
    this.ctx = { ...this.ctx, ...change };
    this.tracker.context(this.t, this.ctx);
  }

  /** What the service does after a restore: the context and the current value of every signal. */
  resend(): void {
    this.tracker.context(this.t, this.ctx);
    for (const [tag, v] of this.values) this.tracker.sample(this.t, tag, v);
  }

  private noise(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return (this.seed / 2147483648) * 2 - 1;
  }

  tick(speedMpm: number, tempK: number): void {
    this.t += 10;
    this.encoderM += (speedMpm / 60) * 0.01;
    this.set(S.webTemp, tempK + this.noise());
    if ((this.t - T0) % this.reportEveryMs === 0 && this.reporting) this.report();
  }

  report(): void {
    const { travelM } = this.odo.update(this.t, Math.round(this.encoderM * 1000) / 1000);
    this.closed.push(...this.tracker.travel(this.t, travelM));
  }

  /** One index move of `lengthM` at `speedMpm` (fresh web: the pyrometer reads ≈ 300 K). */
  index(lengthM: number, speedMpm = 6): void {
    const start = this.encoderM;
    this.set(S.speed, speedMpm);
    const ticks = Math.round(lengthM / ((speedMpm / 60) * 0.01));
    for (let k = 0; k < ticks; k++) {
      if (this.lateStopReadMs > 0 && k === ticks - this.lateStopReadMs / 10) this.reporting = false;
      this.tick(speedMpm, 300);
    }
    this.encoderM = start + lengthM;
    this.set(S.speed, 0);
    if (this.lateStopReadMs > 0) {
      this.lateReport = true;
      return;
    }
    this.reporting = true;
    this.report();
  }

  /** The paper's profile: ramp 300 → 1340 K in 3 s, hold 7 s, cool at 322 K/s (heater off) for 5 s. */
  pulse(during?: (phase: number, tick: number) => void): void {
    this.set(S.heaterOn, true);
    this.set(S.phase, 1);
    for (let k = 0; k < 300; k++) {
      if (this.lateReport && k === this.lateStopReadMs / 10) {
        this.lateReport = false;
        this.reporting = true;
        this.report();
      }
      during?.(1, k);
      this.tick(0, 300 + (1040 * (k + 1)) / 300);
    }
    this.set(S.phase, 2);
    for (let k = 0; k < 700; k++) {
      during?.(2, k);
      this.tick(0, 1340);
    }
    this.set(S.heaterOn, false);
    this.set(S.phase, 3);
    for (let k = 0; k < 500; k++) {
      during?.(3, k);
      this.tick(0, Math.max(300, 1340 - 3.22 * (k + 1)));
    }
    this.set(S.phase, 0);
  }

  cycle(indexM = 0.3, speedMpm = 6, during?: (phase: number, tick: number) => void): void {
    this.index(indexM, speedMpm);
    this.pulse(during);
  }

  /** Ends the roll and indexes on (no heat) until its tail has left the rinse. */
  endAndDrain(indexM = 0.3): void {
    this.lateStopReadMs = 0;
    this.reporting = true;
    this.tracker.end(this.t);
    for (let guard = 0; !this.tracker.done() && guard < 100; guard++) this.index(indexM);
    assert.ok(this.tracker.done(), "the tail never closed");
  }
}

const byIndex = (records: readonly SegmentRecord[]): Map<number, SegmentRecord> => new Map(records.map((r) => [r.index, r]));
const rulesOf = (r: SegmentRecord): string[] => r.reasons.map((x) => x.rule);

/** Indices of the segments with some web inside any window while the web went from dPrev to d (travel past the origin). */
function sweptSegments(g: TrackingGeometry, dPrev: number, d: number, count: number): number[] {
  const { htr } = g.windows;
  return range(0, count).filter((i) =>
    Object.values(g.windows).some((w) => Math.min(htr.fromM + d - i * g.segmentLengthM, w.toM) - Math.max(htr.fromM + dPrev - (i + 1) * g.segmentLengthM, w.fromM) > 1e-6),
  );
}

function assertClosedInOrder(records: readonly SegmentRecord[], lengthM: number, firstIndex = 0): void {
  const n = lengthM <= 1e-6 ? 0 : Math.ceil((lengthM - 1e-6) / L);
  assert.deepEqual(records.map((r) => r.index), range(firstIndex, n));
  records.forEach((r, k) => {
    assert.ok(Math.abs(r.fromM - r.index * L) < 1e-9, `segment ${r.index} from ${r.fromM}`);
    assert.ok(Math.abs(r.toM - Math.min((r.index + 1) * L, lengthM)) < 1e-9, `segment ${r.index} to ${r.toM}`);
    if (k > 0) assert.equal(r.fromM, records[k - 1]!.toM);
  });
}

describe("quality: tracking geometry", () => {
  it("the default geometry (line 1, 0.10 m segments) has no problems", () => {
    assert.deepEqual(geometryProblems(DEFAULT_TRACKING), []);
    assert.deepEqual(DEFAULT_TRACKING.windows.htr, { fromM: 1.0, toM: 1.3 });
    assert.equal(DEFAULT_TRACKING.segmentLengthM, 0.1);
  });

  it("names each problem: window order, from < to, segment length", () => {
    const w = DEFAULT_TRACKING.windows;
    assert.deepEqual(geometryProblems({ segmentLengthM: 0, windows: w }), ["segment length must be above 0 m, found 0"]);
    assert.deepEqual(geometryProblems({ segmentLengthM: 0.4, windows: w }), ["segment length 0.4 m is longer than the HTR window (0.3 m)"]);
    assert.deepEqual(geometryProblems({ segmentLengthM: 0.1, windows: { ...w, quench: { fromM: 1.7, toM: 1.4 } } }), [
      "quench window: fromM (1.7 m) must be below toM (1.4 m)",
    ]);
    assert.deepEqual(geometryProblems({ segmentLengthM: 0.1, windows: { ...w, htr: { fromM: 0.6, toM: 0.9 } } }), [
      "htr window starts at 0.6 m, before the feed window ends (0.7 m): windows go feed < htr < quench < rinse",
    ]);
    assert.throws(
      () => new SegmentTracker({ rollId: "R", geometry: { segmentLengthM: -1, windows: w }, originTravelM: 0 }),
      /segment tracking geometry: segment length must be above 0 m/,
    );
  });
});

describe("quality: segment tracker", () => {
  it("pulse mode, aligned 0.30 m index with speed changes and an encoder reset: every segment closes once, in order, and passes", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 0; c < 10; c++) {
      if (c === 5) {
        line.encoderM = 0.25; // PLC restart: the counter starts again (the web stands still)
        line.report();
        assert.ok(Math.abs(line.tracker.lengthM() - 1.5) < 1e-9);
      }
      line.cycle(0.3, c < 4 ? 6 : 3);
    }
    assert.ok(Math.abs(line.tracker.lengthM() - 3.0) < 1e-9);
    line.endAndDrain();
    assertClosedInOrder(line.closed, 3.0);
    assert.equal(line.closed.length, 30);
    for (const r of line.closed) {
      assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      assert.equal(r.pulses, 1);
      assert.equal(r.partialPulses, 0);
      assert.ok(r.peakK! > 1340 && r.peakK! <= 1341, `peak ${r.peakK}`);
      assert.ok(r.timeInBandS! > 7.0 && r.timeInBandS! < 7.2, `time in band ${r.timeInBandS}`);
      assert.ok(r.maxHeatingKps! > 340 && r.maxHeatingKps! < 400, `segment ${r.index}: heating ${r.maxHeatingKps}`);
      assert.ok(r.maxCoolingKps! > 300 && r.maxCoolingKps! < 370, `segment ${r.index}: cooling ${r.maxCoolingKps}`);
      assert.equal(r.o2MaxPpm, 5);
      assert.equal(r.arMinLpm, 30);
      assert.equal(r.quenchGasMinLpm, 150);
      assert.equal(r.coolantMinLpm, 12);
      assert.equal(r.exitTempK, 310);
      assert.equal(r.exitConductivityUsCm, 20);
      assert.deepEqual(r.recipe, { alloy: "BiSb", version: 3, hash: "sha256:abc", trial: false });
      assert.equal(r.rollId, "R-1");
      assert.equal(r.signals[S.webTemp]!.worst, "Good");
      assert.ok(r.passages.htr!.enteredAt! < r.passages.htr!.leftAt!);
      assert.ok(r.passages.rinse!.leftAt! <= r.closedAt);
    }
    // segments 0–2 had passed the doser when the roll began: loading not observed; from 3 on it was
    assert.deepEqual(line.closed.slice(0, 3).map((r) => r.arealLoadingMgCm2), [null, null, null]);
    assert.ok(line.closed.slice(3).every((r) => r.arealLoadingMgCm2 === 3));
  });

  it("a misaligned index (0.32 m) gives PULSE-PARTIAL: those segments fail", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 0; c < 8; c++) line.cycle(0.32);
    line.endAndDrain();
    assertClosedInOrder(line.closed, 2.56);
    const partial = line.closed.filter((r) => r.partialPulses > 0);
    assert.ok(partial.length >= 5, `only ${partial.length} partial`);
    for (const r of partial) {
      assert.equal(r.verdict, "fail");
      assert.ok(rulesOf(r).includes("PULSE-PARTIAL"));
    }
    // 0.32 m overruns the zone by 20 mm each cycle (> the 5 mm tolerance): a segment straddles the zone entry at every pulse
    assert.ok(0.32 - 0.3 > ALIGN_TOLERANCE_M);
  });

  it("a Bad web-temperature sample makes exactly the segments in the zone unverified (SIGNAL-NOT-GOOD); the others pass", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 6; c++) {
      line.cycle(0.3, 6, (phase, k) => {
        if (c === 4 && phase === 2 && k === 350) line.set(S.webTemp, 1340, bad("pyrometer comm lost"));
      });
    }
    line.endAndDrain();
    const hit = [9, 10, 11]; // in the zone during the 4th pulse: web 0.9–1.2 m
    for (const r of line.closed) {
      if (hit.includes(r.index)) {
        assert.equal(r.verdict, "unverified");
        assert.deepEqual(r.reasons, [
          { rule: "SIGNAL-NOT-GOOD", message: "htr.web_temp was Bad (pyrometer comm lost) while the segment was measured", kind: "unverified" },
        ]);
      } else {
        assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      }
    }
  });

  it("an Uncertain spell under 1 s (a late poll) keeps its reason but not the verdict; a longer one makes the segments unverified", () => {
    const line = new SyntheticLine(tracked(BISB));
    const late = uncertain("late: no update for 206 ms (expected every 100 ms)");
    for (let c = 1; c <= 6; c++) {
      line.cycle(0.3, 6, (phase, k) => {
        if (c === 3 && phase === 2 && k === 100) line.set(S.o2, 5, late);
        if (c === 3 && phase === 2 && k === 120) line.set(S.o2, 5); // Good again after 200 ms
        if (c === 5 && phase === 2 && k === 100) line.set(S.o2, 5, late);
        if (c === 5 && phase === 2 && k === 300) line.set(S.o2, 5); // after 2 s
      });
    }
    line.endAndDrain();
    const brief = [6, 7, 8]; // in the zone during the 3rd pulse
    const long = [12, 13, 14]; // during the 5th
    for (const r of line.closed) {
      if (long.includes(r.index)) {
        assert.equal(r.verdict, "unverified", `segment ${r.index}`);
        assert.deepEqual(rulesOf(r), ["SIGNAL-NOT-GOOD"]);
      } else {
        assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      }
      if (brief.includes(r.index)) assert.match(r.signals[S.o2]!.reason, /^briefly Uncertain, within the grace: late/);
    }
  });

  it("a brief late spell, then a Bad value in the same window: the verdict and its words name the Bad value's reason", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 5; c++) {
      line.cycle(0.3, 6, (phase, k) => {
        if (c === 3 && phase === 2 && k === 100) line.set(S.o2, 5, uncertain("late: no update for 506 ms (expected every 100 ms)"));
        if (c === 3 && phase === 2 && k === 120) line.set(S.o2, 5);
        if (c === 3 && phase === 2 && k === 150) line.set(S.o2, 5, bad("BadSensorFailure"));
        if (c === 3 && phase === 2 && k === 170) line.set(S.o2, 5);
      });
    }
    line.endAndDrain();
    for (const r of line.closed.filter((x) => [6, 7, 8].includes(x.index))) {
      assert.equal(r.verdict, "unverified", `segment ${r.index}`);
      assert.equal(r.signals[S.o2]!.reason, "BadSensorFailure", "the reason of the worst sample, not the brief spell's");
      assert.match(r.reasons.find((x) => x.rule === "SIGNAL-NOT-GOOD")!.message, /was Bad \(BadSensorFailure\)/);
    }
  });

  it("trip IL-07 while in the zone fails those segments with rule IL-07; IL-08 as a data trip makes them unverified", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 6; c++) {
      line.cycle(0.3, 6, (phase, k) => {
        if (c === 2 && phase === 2 && k === 100) line.setContext({ trips: ["IL-07"] });
        if (c === 4 && phase === 2 && k === 100) line.setContext({ trips: ["IL-08"], dataTrips: ["IL-08"] });
        if (phase === 3 && k === 0) line.setContext({ trips: [], dataTrips: [] }); // reset after the pulse
      });
    }
    line.endAndDrain();
    const records = byIndex(line.closed);
    for (const i of [3, 4, 5]) {
      const r = records.get(i)!;
      assert.equal(r.verdict, "fail");
      assert.deepEqual(r.trips, ["IL-07"]);
      assert.deepEqual(r.reasons, [{ rule: "IL-07", message: "interlock IL-07 tripped while the segment was in the HTR zone", kind: "fail" }]);
    }
    for (const i of [9, 10, 11]) {
      const r = records.get(i)!;
      assert.equal(r.verdict, "unverified");
      assert.deepEqual(r.trips, ["IL-08"]);
      assert.deepEqual(rulesOf(r), ["IL-08"]);
      assert.equal(r.reasons[0]!.kind, "unverified");
    }
    for (const r of line.closed) if (![3, 4, 5, 9, 10, 11].includes(r.index)) assert.equal(r.verdict, "pass", `segment ${r.index}`);
  });

  it("an index that stops 1 mm short (the encoder counts whole mm) keeps the next segment out of the zone: the trip fails only the three in it", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 6; c++) {
      line.cycle(c === 1 ? 0.299 : 0.3, 6, (phase, k) => {
        if (c === 2 && phase === 2 && k === 100) line.setContext({ trips: ["IL-07"] });
        if (phase === 3 && k === 0) line.setContext({ trips: [], dataTrips: [] });
      });
    }
    line.endAndDrain();
    const failed = line.closed.filter((r) => r.verdict !== "pass").map((r) => r.index);
    assert.deepEqual(failed, [3, 4, 5], JSON.stringify(line.closed.filter((r) => r.verdict !== "pass").map((r) => [r.index, rulesOf(r)])));
  });

  it("O₂ counts only with the heater on; bypasses and critical alarms are recorded where they were in force", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 5; c++) {
      if (c === 2) line.set(S.o2, 400); // high O₂ while the index runs cold: no harm
      line.index(0.3);
      if (c === 2) line.set(S.o2, 5);
      line.pulse((phase, k) => {
        if (c === 3 && phase === 1 && k === 10) line.set(S.o2, 80);
        if (c === 3 && phase === 1 && k === 20) line.set(S.o2, 5);
        if (c === 5 && phase === 2 && k === 0) line.setContext({ bypasses: ["IL-03"], criticalAlarms: ["IL-07-PLC-UNCONFIRMED"] });
        if (c === 5 && phase === 3 && k === 0) line.setContext({ bypasses: [], criticalAlarms: [] });
      });
    }
    line.endAndDrain();
    const records = byIndex(line.closed);
    for (const i of [6, 7, 8]) {
      const r = records.get(i)!;
      assert.equal(r.o2MaxPpm, 80);
      assert.deepEqual(r.reasons, [{ rule: "HTR-O2-HIGH", message: "O₂ reached 80.0 ppm with the heater on, above the 50 ppm permissive", kind: "fail" }]);
    }
    for (const i of [0, 1, 2, 3, 4, 5, 9, 10, 11]) assert.equal(records.get(i)!.o2MaxPpm, 5, `segment ${i}`);
    for (const i of [12, 13, 14]) {
      assert.deepEqual(records.get(i)!.bypasses, ["IL-03"]);
      assert.deepEqual(records.get(i)!.criticalAlarms, ["IL-07-PLC-UNCONFIRMED"]);
    }
    // in the quench (web 1.4–1.7 m: metres 0.8–1.1) while the alarm was active: the alarm, not the bypass
    for (const i of [8, 9, 10]) {
      assert.deepEqual(records.get(i)!.criticalAlarms, ["IL-07-PLC-UNCONFIRMED"], `segment ${i}`);
      assert.deepEqual(records.get(i)!.bypasses, []);
    }
    // between the zone and the quench (1.3–1.4 m), and downstream of the quench: neither
    for (const i of [7, 11]) assert.deepEqual(records.get(i)!.criticalAlarms, [], `segment ${i}`);
  });

  it("a trial recipe makes every good segment trial; no recipe makes them unverified (NO-RECIPE)", () => {
    const trial = new SyntheticLine(tracked(BISB, true));
    for (let c = 0; c < 3; c++) trial.cycle();
    trial.endAndDrain();
    assert.equal(trial.closed.length, 9);
    for (const r of trial.closed) {
      assert.equal(r.verdict, "trial", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      assert.equal(r.recipe?.trial, true);
    }
    const none = new SyntheticLine(null);
    for (let c = 0; c < 2; c++) none.cycle();
    none.endAndDrain();
    for (const r of none.closed) {
      assert.equal(r.verdict, "unverified");
      assert.deepEqual(rulesOf(r), ["NO-RECIPE"]);
      assert.equal(r.recipe, null);
      assert.equal(r.timeInBandS, null);
    }
  });

  it("continuous mode at 2.57 m/min: ≈ 7 s in band, no heating rate, cooling estimated over the quench path", () => {
    const line = new SyntheticLine(tracked(BISB_CONTINUOUS), { ...STEADY, [S.heaterOn]: true, [S.phase]: 4, [S.webTemp]: 1340 });
    line.set(S.speed, 2.57);
    const ticks = Math.round((1.0 / (2.57 / 60)) * 100);
    for (let k = 0; k < ticks; k++) line.tick(2.57, 1340);
    line.tracker.end(line.t);
    const length = line.tracker.lengthM();
    assert.ok(Math.abs(length - 1.0) < 0.003, `length ${length}`);
    for (let guard = 0; !line.tracker.done() && guard < 20_000; guard++) line.tick(2.57, 1340);
    assertClosedInOrder(line.closed, length);
    const v = 2.57 / 60;
    for (const r of line.closed) {
      assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      assert.ok(Math.abs(r.timeInBandS! - 0.3 / v) < 0.06, `segment ${r.index}: ${r.timeInBandS} s in band`);
      assert.equal(r.maxHeatingKps, null);
      const expected = (r.peakK! - 310) / (0.4 / v);
      assert.ok(Math.abs(r.maxCoolingKps! - expected) < 0.01 * expected, `segment ${r.index}: cooling ${r.maxCoolingKps} ≠ ${expected}`);
      assert.equal(r.pulses, 0);
    }
    const mean = line.closed.reduce((s, r) => s + r.timeInBandS!, 0) / line.closed.length;
    assert.ok(Math.abs(mean - 7.0) < 0.05, `mean ${mean} s`);
  });

  it("a jump of the web (no reading for 0.30 m) marks RECORD-GAP on exactly the segments inside a window during it", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 1; c <= 6; c++) {
      if (c === 4) line.reporting = false; // the whole 4th index goes unseen: one 0.30 m step
      line.cycle();
    }
    line.endAndDrain();
    const gap = sweptSegments(DEFAULT_TRACKING, 0.9, 1.2, 18);
    assert.deepEqual(gap, range(2, 17));
    for (const r of line.closed) {
      if (gap.includes(r.index)) {
        assert.equal(r.verdict, "unverified", `segment ${r.index}`);
        assert.equal(r.reasons[0]!.rule, "RECORD-GAP");
        assert.match(r.reasons[0]!.message, /the web moved 0\.300 m between two readings/);
        assert.ok(r.reasons.every((x) => x.kind === "unverified"));
      } else {
        assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      }
    }
    assert.ok(0.3 > MAX_TRAVEL_STEP_M);
  });

  it("encoder readings 0.6 s apart (a busy host: 0.06 m steps, less than a segment) lose nothing; 1.2 s apart (0.12 m) is a RECORD-GAP", () => {
    const late = new SyntheticLine(tracked(BISB));
    late.reportEveryMs = 600;
    for (let c = 1; c <= 6; c++) late.cycle();
    late.endAndDrain();
    assert.ok(late.closed.length >= 10, `${late.closed.length} closed`);
    for (const r of late.closed) assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);

    const lost = new SyntheticLine(tracked(BISB));
    lost.reportEveryMs = 1200;
    for (let c = 1; c <= 6; c++) lost.cycle();
    lost.endAndDrain();
    const gaps = lost.closed.filter((r) => rulesOf(r).includes("RECORD-GAP"));
    assert.ok(gaps.length > 0, "some segment is a RECORD-GAP");
    for (const r of gaps) assert.equal(r.verdict, "unverified");
    assert.match(gaps[0]!.reasons.find((x) => x.rule === "RECORD-GAP")!.message, /more than 0\.1 m/);
  });

  it("the heater's phase before the encoder's last reading of the index (the line PLC's link 0.4 s late): each pulse is placed where the web stood, every segment passes", () => {
    const line = new SyntheticLine(tracked(BISB));
    line.lateStopReadMs = 400;
    for (let c = 1; c <= 8; c++) line.cycle();
    line.endAndDrain();
    assert.ok(line.closed.length >= 12, `${line.closed.length} closed`);
    for (const r of line.closed.filter((x) => x.index < 20)) {
      assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      assert.equal(r.pulses, 1, `segment ${r.index}`);
    }
  });

  it("snapshot → restore continues at the right index, nothing lost or doubled, with gap marks on what was on the line", () => {
    const line = new SyntheticLine(tracked(BISB));
    for (let c = 0; c < 12; c++) line.cycle();
    const snap = JSON.parse(JSON.stringify(line.tracker.snapshot()));
    // at 3.6 m: segments close at 2.5 + (i + 1)·0.1 m, so 0–10 are closed
    assert.deepEqual(snap, { rollId: "R-1", originTravelM: 0, nextIndex: 11, endedLengthM: null, lastTravelM: line.tracker.lengthM() });
    assert.equal(line.closed.length, 11);
    line.tracker = SegmentTracker.restore(snap, DEFAULT_TRACKING);
    line.resend();
    assert.equal(line.tracker.nextIndex(), 11);
    for (let c = 0; c < 4; c++) line.cycle();
    line.endAndDrain();
    assertClosedInOrder(line.closed, 4.8);
    // segments that had reached the doser (0.5 m) by 3.6 m: up to (1.0 + 3.6 − 0.5) / 0.1 − 1 = 40
    for (const r of line.closed.slice(11)) {
      if (r.index <= 40) {
        assert.equal(r.verdict, "unverified", `segment ${r.index}`);
        assert.ok(rulesOf(r).includes("RECORD-GAP"), `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
        assert.ok(r.reasons.every((x) => x.kind === "unverified"));
      } else {
        assert.equal(r.verdict, "pass", `segment ${r.index}: ${JSON.stringify(r.reasons)}`);
      }
    }
    // a restored ended roll keeps its length
    const ended = SegmentTracker.restore({ rollId: "R-2", originTravelM: 5, nextIndex: 3, endedLengthM: 0.45, lastTravelM: 7.9 }, DEFAULT_TRACKING);
    assert.equal(ended.lengthM(), 0.45);
    assert.equal(ended.done(), false);
    const tail = ended.travel(T0, 8.0);
    assert.deepEqual(tail.map((r) => [r.index, r.verdict, r.toM]), [
      [3, "unverified", 0.4],
      [4, "unverified", 0.45],
    ]);
    assert.equal(ended.done(), true);
  });

  it("heating rate over a 50 ms baseline; a sample is taken into each segment in the window (carried in at entry)", () => {
    assert.equal(RATE_WINDOW_MS, 50);
    const t = new SegmentTracker({ rollId: "R", geometry: DEFAULT_TRACKING, originTravelM: 0 });
    t.context(T0, { ...EMPTY_CONTEXT, recipe: tracked(BISB) });
    t.travel(T0, 0.2); // segment 0 (metres 0–0.1) now at 1.1–1.2 m: middle in the zone — but a jump, so a gap
    for (let k = 0; k <= 10; k++) t.sample(T0 + k * 10, S.webTemp, { value: 300 + 10 * k, quality: GOOD, sourceTs: T0, serverTs: T0 });
    t.end(T0 + 100);
    let closed: SegmentRecord[] = [];
    for (let d = 0.24; closed.length === 0; d += 0.04) closed = t.travel(T0 + 200, d);
    // 10 K per 10 ms = 1000 K/s, over a 50 ms baseline
    assert.ok(Math.abs(closed[0]!.maxHeatingKps! - 1000) < 1e-6);
    assert.equal(closed[0]!.peakK, 400);
  });

  it("end() fixes the length: no segment beyond it, a short last segment, done() once the tail left the rinse", () => {
    const t = new SegmentTracker({ rollId: "R", geometry: DEFAULT_TRACKING, originTravelM: 100, firstIndex: 0 });
    const closed: SegmentRecord[] = [];
    let travel = 100;
    for (; travel < 100.25 - 1e-9; travel += 0.01) closed.push(...t.travel(T0, travel));
    closed.push(...t.travel(T0, 100.25));
    t.end(T0 + 1);
    assert.ok(Math.abs(t.lengthM() - 0.25) < 1e-9);
    assert.equal(t.done(), false);
    const n0 = t.openCount();
    assert.ok(n0 >= 3, `open ${n0}`);
    for (let k = 1; !t.done() && k < 1000; k++) closed.push(...t.travel(T0 + 1 + k, 100.25 + k * 0.04));
    assertClosedInOrder(closed, 0.25);
    assert.equal(closed.length, 3);
    assert.equal(t.openCount(), 0);
    assert.equal(t.nextIndex(), 3);
    // every one unverified: nothing was ever sampled
    assert.ok(closed.every((r) => r.verdict === "unverified" && rulesOf(r).includes("DATA-MISSING")));
    const zero = new SegmentTracker({ rollId: "Z", geometry: DEFAULT_TRACKING, originTravelM: 3 });
    zero.end(T0);
    assert.equal(zero.done(), true);
    assert.deepEqual(zero.travel(T0 + 1, 10), []);
  });

  it("property: for random travel with stops, jitter, encoder resets and jumps, the closed indices are exactly 0..n−1, once each", () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("move" as const), m: fc.double({ min: 0, max: 0.045, noNaN: true }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("stop" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("jitter" as const), m: fc.double({ min: 0, max: 0.0045, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const), to: fc.double({ min: 0, max: 0.5, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("jump" as const), m: fc.double({ min: 0.05, max: 1.5, noNaN: true }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), fc.nat({ max: 320 }), fc.double({ min: 0, max: 50, noNaN: true }), (ops, endAt, origin) => {
        const odo = new WebOdometer(origin);
        let encoder = 1.0;
        let t = T0;
        odo.update(t, encoder);
        const tracker = new SegmentTracker({ rollId: "P", geometry: DEFAULT_TRACKING, originTravelM: origin });
        const closed: SegmentRecord[] = [];
        const step = (reading: number): void => {
          t += 50;
          closed.push(...tracker.travel(t, odo.update(t, reading).travelM));
        };
        ops.forEach((o, k) => {
          if (k === endAt) tracker.end(t);
          if (o.kind === "move" || o.kind === "jump") encoder += o.m;
          if (o.kind === "reset" && encoder - o.to >= 0.005) encoder = o.to;
          step(o.kind === "jitter" ? encoder - o.m : encoder);
        });
        if (endAt >= ops.length) tracker.end(t);
        const length = tracker.lengthM();
        for (let guard = 0; !tracker.done() && guard < 200; guard++) {
          encoder += 0.04;
          step(encoder);
        }
        assert.ok(tracker.done());
        assertClosedInOrder(closed, length);
        assert.equal(new Set(closed.map((r) => r.index)).size, closed.length);
      }),
      { numRuns: 150 },
    );
  });
});
