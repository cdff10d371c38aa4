import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { NewLabResult, Roll, RollRecipeRange } from "../../../src/quality/roll-record.js";
import type { SegmentRecord, SegmentVerdict } from "../../../src/quality/segment-record.js";
import { SqliteRecipeVersionStore } from "../../../src/stores/recipe-version-store.js";
import { SqliteRollStore } from "../../../src/stores/roll-store.js";
import { SCADA_DB_FILE, SqliteUserStore } from "../../../src/stores/user-store.js";

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const DAY = 86_400_000;
const VERDICTS: readonly SegmentVerdict[] = ["pass", "pass", "pass", "fail", "unverified", "trial"];
const BISB_1: Omit<RollRecipeRange, "toM"> = { alloy: "BiSb", version: 1, hash: "a".repeat(64), trial: false, fromM: 0, approvedBy: "quinn", approvedAt: T0 - DAY };

/** A segment of 0.1 m with every kind of field filled (nulls and JSON parts varied by index). */
function segment(rollId: string, index: number, verdict: SegmentVerdict = VERDICTS[index % VERDICTS.length]!): SegmentRecord {
  const odd = index % 2 === 1;
  return {
    rollId,
    index,
    fromM: index / 10,
    toM: (index + 1) / 10,
    verdict,
    reasons: verdict === "fail" ? [{ rule: "HTR-PEAK-LOW", message: `peak 1290.${index % 10} K is below 1325 K (1340 − 15 K)`, kind: "fail" }] : [],
    passages: { feed: { enteredAt: T0 + index * 100, leftAt: T0 + index * 100 + 50 }, htr: { enteredAt: T0 + index * 100 + 60, leftAt: odd ? null : T0 + index * 100 + 90 } },
    peakK: 1340.25 + (index % 7),
    timeInBandS: odd ? null : 1.5,
    maxHeatingKps: 1.2e4,
    maxCoolingKps: odd ? null : 9.8e3,
    o2MaxPpm: odd ? null : 4.5,
    arMinLpm: 12.5,
    pulses: index % 4,
    partialPulses: index % 2,
    quenchGasMinLpm: 30,
    coolantMinLpm: odd ? null : 8.25,
    exitTempK: 301.5,
    exitConductivityUsCm: 2.75,
    arealLoadingMgCm2: odd ? null : 0.35,
    recipe: index % 5 === 0 ? null : { alloy: "BiSb", version: 1, hash: "a".repeat(64), trial: verdict === "trial" },
    bypasses: odd ? ["IL-07"] : [],
    trips: [],
    criticalAlarms: index % 3 === 0 ? ["O2-HH"] : [],
    signals: {
      "HTR.T_web": { samples: 12, worst: "Good", reason: "" },
      "HTR.O2": { samples: 4, worst: odd ? "Uncertain" : "Good", reason: odd ? "stale" : "" },
      "QCH.gas": { samples: 6, worst: "Good", reason: "" },
    },
    closedAt: T0 + index * 100 + 500,
  };
}

const segments = (rollId: string, from: number, to: number): SegmentRecord[] => Array.from({ length: to - from }, (_, i) => segment(rollId, from + i));

function lab(rollId: string, fromM: number, toM: number, extra: Partial<NewLabResult> = {}): NewLabResult {
  return {
    rollId, atM: (fromM + toM) / 2, fromM, toM, particleSizeNm: 42.5, alloyContentPct: 11.2, xrdMatch: true, betM2g: null, note: "ok",
    disposition: "accept", specFindings: [], inSpec: true, by: "quinn", at: T0 + DAY, corrects: null, ...extra,
  };
}

describe("roll store (SQLite)", () => {
  let dir: string;
  let store: SqliteRollStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "roll-store-"));
    store = SqliteRollStore.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const raw = (fn: (db: Database.Database) => void): void => {
    const db = new Database(join(dir, SCADA_DB_FILE));
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  const start = (at = T0, line = "L1", lot: string | null = "P-1"): Roll => store.createRoll({ line, lot, startedAt: at, startedBy: "olga" });
  /** An ended roll of `n` segments (0.1 m each) with BiSb v1 from 0 m. */
  function endedRoll(n: number): Roll {
    const roll = start();
    store.addRecipeRange(roll.id, BISB_1);
    store.appendSegments(segments(roll.id, 0, n));
    store.endRoll(roll.id, T0 + 3_600_000, n / 10);
    return store.getRoll(roll.id)!;
  }

  it("adds its tables to scada.db beside the user and recipe tables, in WAL mode, its version under 'rolls'", () => {
    SqliteUserStore.open(dir).close();
    SqliteRecipeVersionStore.open(dir).close();
    raw((db) => {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("user_version", { simple: true }), 1);
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
      for (const t of ["rolls", "roll_recipes", "segments", "segment_counts", "lab_results", "tracker_state", "line_states", "users", "recipes"]) assert.ok(tables.includes(t), t);
      assert.deepEqual(db.prepare("SELECT area, version FROM store_schema_versions ORDER BY area").all(), [{ area: "recipes", version: 1 }, { area: "rolls", version: 1 }]);
    });
  });

  it("refuses roll tables newer than it knows", () => {
    store.close();
    raw((db) => db.prepare("UPDATE store_schema_versions SET version = 7 WHERE area = 'rolls'").run());
    assert.throws(() => SqliteRollStore.open(dir), /roll tables are version 7, newer than this program knows \(1\)/);
    raw((db) => db.prepare("UPDATE store_schema_versions SET version = 1 WHERE area = 'rolls'").run());
    store = SqliteRollStore.open(dir);
  });

  it("numbers the rolls per line and UTC day: 001, 002 …, and 001 again on the next day", () => {
    const a = start(T0);
    assert.equal(a.id, "L1-20260302-001");
    assert.deepEqual({ ...a, recipes: [...a.recipes], children: [...a.children] }, {
      id: a.id, line: "L1", state: "open", lot: "P-1", startedAt: T0, endedAt: null, lengthM: 0, segmentsRecorded: 0, recipes: [],
      counts: { pass: 0, fail: 0, unverified: 0, trial: 0 }, parent: null, children: [], startedBy: "olga",
    });
    store.endRoll(a.id, T0 + 1000, 5);
    const b = start(T0 + 2000);
    assert.equal(b.id, "L1-20260302-002");
    store.endRoll(b.id, T0 + 3000, 5);
    const c = start(Date.UTC(2026, 2, 2, 23, 59, 59, 999));
    assert.equal(c.id, "L1-20260302-003");
    store.endRoll(c.id, T0 + DAY, 5);
    const d = start(Date.UTC(2026, 2, 3, 0, 0, 0));
    assert.equal(d.id, "L1-20260303-001");
    store.endRoll(d.id, T0 + DAY + 1, 5);
    assert.equal(start(Date.UTC(2026, 2, 3, 1), "L2", null).id, "L2-20260303-001");
  });

  it("keeps one open roll: a second start is refused by the store and by the database", () => {
    const a = start();
    assert.throws(() => start(T0 + 1000), /roll L1-20260302-001 is still open: end it before starting another/);
    assert.equal(store.currentRoll()?.id, a.id);
    raw((db) => {
      assert.throws(
        () => db.prepare("INSERT INTO rolls (id, line, day, seq, state, started_at, started_by, length_m) VALUES ('X-1', 'X', '20260302', 1, 'open', 0, 'x', 0)").run(),
        /UNIQUE constraint failed: rolls.state/,
      );
    });
  });

  it("ends the open roll; an ended roll's state, length and end stay (store and triggers)", () => {
    const a = start();
    store.setLength(a.id, 12.5);
    assert.equal(store.getRoll(a.id)?.lengthM, 12.5);
    store.endRoll(a.id, T0 + 5000, 13.25);
    assert.equal(store.currentRoll(), null);
    const ended = store.getRoll(a.id)!;
    assert.deepEqual([ended.state, ended.endedAt, ended.lengthM], ["ended", T0 + 5000, 13.25]);
    assert.throws(() => store.endRoll(a.id, T0 + 6000, 14), /roll L1-20260302-001 is ended: only an open roll can end/);
    assert.throws(() => store.setLength(a.id, 14), /is ended: only the open roll grows/);
    assert.throws(() => store.setLength("nope", 1), /roll nope does not exist/);
    raw((db) => {
      assert.throws(() => db.prepare("UPDATE rolls SET state = 'open' WHERE id = ?").run(a.id), /a roll goes only open → ended → split/);
      assert.throws(() => db.prepare("UPDATE rolls SET length_m = 1 WHERE id = ?").run(a.id), /an ended roll's length and end never change/);
      assert.throws(() => db.prepare("UPDATE rolls SET lot = 'P-2' WHERE id = ?").run(a.id), /identity, lot, start and parent never change/);
      assert.throws(() => db.prepare("DELETE FROM rolls").run(), /rolls are never deleted/);
    });
  });

  it("keeps recipe ranges: a new one closes the one in effect at its start, the same one again changes nothing", () => {
    const a = start();
    store.addRecipeRange(a.id, BISB_1);
    store.addRecipeRange(a.id, { ...BISB_1, fromM: 5 });
    const v2 = { ...BISB_1, version: 2, hash: "b".repeat(64), fromM: 10 };
    store.addRecipeRange(a.id, v2);
    const trial = { ...v2, version: 3, hash: "c".repeat(64), trial: true, approvedBy: null, approvedAt: null, fromM: 20.5 };
    store.addRecipeRange(a.id, trial);
    assert.deepEqual(store.getRoll(a.id)!.recipes, [{ ...BISB_1, toM: 10 }, { ...v2, toM: 20.5 }, { ...trial, toM: null }]);
    assert.throws(() => store.addRecipeRange(a.id, { ...BISB_1, fromM: 3 }), /3 m is before the recipe in effect since 20.5 m/);
    raw((db) => {
      assert.throws(() => db.prepare("UPDATE roll_recipes SET to_m = 11 WHERE from_m = 0").run(), /a recipe range is only ever closed, once/);
      assert.throws(() => db.prepare("UPDATE roll_recipes SET alloy = 'CuNi' WHERE to_m IS NULL").run(), /only ever closed/);
      assert.throws(() => db.prepare("DELETE FROM roll_recipes").run(), /recipe ranges are never deleted/);
    });
  });

  it("appends segments and streams them back equal, in order, as an iterator", () => {
    const a = start();
    const written = segments(a.id, 0, 60);
    store.appendSegments(written.slice(0, 25));
    store.appendSegments(written.slice(25));
    const stream = store.segments(a.id);
    assert.equal(typeof stream.next, "function");
    assert.equal(typeof stream[Symbol.iterator], "function");
    assert.deepEqual([...stream], written);
    assert.equal(store.getRoll(a.id)!.segmentsRecorded, 60);
    assert.throws(() => store.segments("nope"), /roll nope does not exist/);
  });

  it("refuses a segment already recorded, and writes nothing of its batch", () => {
    const a = start();
    store.appendSegments(segments(a.id, 0, 10));
    assert.throws(() => store.appendSegments([...segments(a.id, 10, 20), segment(a.id, 5)]), /segment 5 of roll L1-20260302-001 is already recorded: none of the 11 segments of the batch was written/);
    assert.throws(() => store.appendSegments([segment(a.id, 10), segment(a.id, 10)]), /segment 10 of roll .* already recorded/);
    assert.deepEqual([...store.segments(a.id)].map((s) => s.index), [...Array(10).keys()]);
    assert.equal(store.getRoll(a.id)!.segmentsRecorded, 10);
    assert.throws(() => store.appendSegments([segment("nope", 0)]), /roll nope does not exist/);
  });

  it("streams a range of metres [fromM, toM)", () => {
    const a = start();
    store.appendSegments(segments(a.id, 0, 100));
    assert.deepEqual([...store.segments(a.id, { fromM: 1, toM: 2 })].map((s) => s.index), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.deepEqual([...store.segments(a.id, { fromM: 9.5 })].map((s) => s.index), [95, 96, 97, 98, 99]);
    assert.deepEqual([...store.segments(a.id, { toM: 0.3 })].map((s) => s.index), [0, 1, 2]);
    assert.deepEqual([...store.segments(a.id, { fromM: 0.3, toM: 0.3 })], []);
    // a stream taken half-way and dropped (break returns it) leaves the store usable
    for (const s of store.segments(a.id)) if (s.index === 3) break;
    store.appendSegments([segment(a.id, 100)]);
  });

  it("counts the segments per verdict", () => {
    const a = start();
    store.appendSegments(segments(a.id, 0, 12));
    const expected = { pass: 6, fail: 2, unverified: 2, trial: 2 };
    assert.deepEqual(store.segmentCounts(a.id), expected);
    assert.deepEqual(store.getRoll(a.id)!.counts, expected);
    store.appendSegments([segment(a.id, 12, "fail")]);
    assert.deepEqual(store.getRoll(a.id)!.counts, { ...expected, fail: 3 });
    assert.equal(store.getRoll(a.id)!.segmentsRecorded, 13);
  });

  it("a stream does not block the writer: segments are appended while a report reads", () => {
    const a = start();
    store.appendSegments(segments(a.id, 0, 10));
    const stream = store.segments(a.id);
    assert.equal(stream.next().value?.index, 0);
    store.appendSegments(segments(a.id, 10, 20));
    store.setLength(a.id, 2);
    assert.equal([...stream].length, 9, "the stream reads the roll as it was when it began");
    assert.equal([...store.segments(a.id)].length, 20);
  });

  it("appends 100 000 segments in batches of 1000 and streams them back without holding them", function () {
    this.timeout(120_000);
    const a = start();
    const N = 100_000;
    let t = performance.now();
    for (let b = 0; b < N; b += 1000) store.appendSegments(segments(a.id, b, b + 1000));
    const appendMs = performance.now() - t;
    t = performance.now();
    let n = 0;
    let last = -1;
    let fails = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapMax = heapBefore;
    for (const s of store.segments(a.id)) {
      if (s.index % 5000 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
      assert.equal(s.index, last + 1);
      last = s.index;
      if (s.verdict === "fail") fails += 1;
      n += 1;
    }
    const streamMs = performance.now() - t;
    t = performance.now();
    const counts = store.segmentCounts(a.id);
    const countMs = performance.now() - t;
    store.endRoll(a.id, T0 + DAY / 2, N / 10);
    const [child] = store.split(a.id, [{ fromM: 0, toM: N / 20 }, { fromM: N / 20, toM: N / 10 }], "quinn", T0 + DAY);
    t = performance.now();
    const childCounts = store.segmentCounts(child!.id);
    const childCountMs = performance.now() - t;
    t = performance.now();
    const tail = [...store.segments(a.id, { fromM: N / 10 - 1 })];
    const tailMs = performance.now() - t;
    console.log(
      `      100 000 segments: append ${appendMs.toFixed(0)} ms, stream ${streamMs.toFixed(0)} ms, counts ${countMs.toFixed(2)} ms, ` +
        `child counts (50 000) ${childCountMs.toFixed(1)} ms, last metre ${tailMs.toFixed(2)} ms; heap growth while streaming ${((heapMax - heapBefore) / 1e6).toFixed(0)} MB`,
    );
    assert.equal(n, N);
    assert.equal(counts.fail, fails);
    assert.equal(Object.values(counts).reduce((x, y) => x + y), N);
    assert.equal(Object.values(childCounts).reduce((x, y) => x + y), N / 2);
    assert.equal(tail.length, 10);
    assert.ok(streamMs < 30_000 && appendMs < 60_000, "far too slow");
  });

  describe("split", () => {
    it("makes children of an ended roll: re-based segments, clipped recipe ranges, the parent split", () => {
      const a = start();
      store.addRecipeRange(a.id, BISB_1);
      const v2 = { ...BISB_1, version: 2, hash: "b".repeat(64), fromM: 4 };
      store.addRecipeRange(a.id, v2);
      store.appendSegments(segments(a.id, 0, 100));
      store.endRoll(a.id, T0 + 3_600_000, 10);
      const children = store.split(a.id, [{ fromM: 0, toM: 3 }, { fromM: 3, toM: 7 }, { fromM: 7, toM: 10 }], "quinn", T0 + DAY);
      assert.deepEqual(children.map((c) => c.id), [`${a.id}-A`, `${a.id}-B`, `${a.id}-C`]);
      const parent = store.getRoll(a.id)!;
      assert.equal(parent.state, "split");
      assert.deepEqual(parent.children, children.map((c) => c.id));
      const b = children[1]!;
      assert.deepEqual([b.state, b.line, b.lot, b.startedAt, b.endedAt, b.startedBy, b.lengthM], ["ended", "L1", "P-1", T0, T0 + 3_600_000, "olga", 4]);
      assert.deepEqual(b.parent, { id: a.id, fromM: 3, toM: 7 });
      assert.deepEqual(b.recipes, [{ ...BISB_1, fromM: 0, toM: 1 }, { ...v2, fromM: 1, toM: 4 }]);
      assert.deepEqual(children[0]!.recipes, [{ ...BISB_1, fromM: 0, toM: 3 }]);
      assert.deepEqual(children[2]!.recipes, [{ ...v2, fromM: 0, toM: 3 }]);
      const expected = segments(a.id, 30, 70).map((s) => ({ ...s, rollId: b.id, index: s.index - 30, fromM: Math.round((s.fromM - 3) * 1e6) / 1e6, toM: Math.round((s.toM - 3) * 1e6) / 1e6 }));
      assert.deepEqual([...store.segments(b.id)], expected);
      assert.deepEqual([...store.segments(b.id, { fromM: 1, toM: 1.3 })].map((s) => [s.index, s.fromM]), [[10, 1], [11, 1.1], [12, 1.2]]);
      assert.equal(b.segmentsRecorded, 40);
      const counts = { pass: 0, fail: 0, unverified: 0, trial: 0 };
      for (const s of expected) counts[s.verdict] += 1;
      assert.deepEqual(b.counts, counts);
      assert.deepEqual(children.map((c) => c.segmentsRecorded), [30, 40, 30]);
      assert.equal(parent.segmentsRecorded, 100);
      // a child of a child: B's [2, 4) is the parent's [5, 7)
      const [, bb] = store.split(b.id, [{ fromM: 0, toM: 2 }, { fromM: 2, toM: 4 }], "quinn", T0 + DAY + 1);
      assert.equal(bb!.id, `${a.id}-B-B`);
      assert.deepEqual([...store.segments(bb!.id)], expected.slice(20).map((s) => ({ ...s, rollId: bb!.id, index: s.index - 20, fromM: Math.round((s.fromM - 2) * 1e6) / 1e6, toM: Math.round((s.toM - 2) * 1e6) / 1e6 })));
      assert.deepEqual(bb!.recipes, [{ ...v2, fromM: 0, toM: 2 }]);
      assert.equal(bb!.segmentsRecorded, 20);
      assert.deepEqual(store.getRoll(b.id)!.children, [`${b.id}-A`, `${b.id}-B`]);
    });

    it("reportSegments: the report's fields of the same segments, for a roll, its child and a child's child", () => {
      const a = start();
      const many = segments(a.id, 0, 100).map((s, i) => (i >= 40 && i < 44 ? { ...s, trips: ["IL-02"], recipe: { alloy: "BiSb", version: 2, hash: "b".repeat(64), trial: false } } : s));
      store.appendSegments(many);
      store.endRoll(a.id, T0 + 3_600_000, 10);
      const report = (x: SegmentRecord) => ({ fromM: x.fromM, toM: x.toM, verdict: x.verdict, peakK: x.peakK, timeInBandS: x.timeInBandS, reasons: x.reasons, trips: x.trips, bypasses: x.bypasses, recipe: x.recipe });
      assert.deepEqual([...store.reportSegments(a.id)], [...store.segments(a.id)].map(report));
      assert.equal([...store.reportSegments(a.id)].length, 100);
      const [, b] = store.split(a.id, [{ fromM: 0, toM: 3 }, { fromM: 3, toM: 7 }, { fromM: 7, toM: 10 }], "quinn", T0 + DAY);
      const bSegments = [...store.reportSegments(b!.id)];
      assert.deepEqual(bSegments, [...store.segments(b!.id)].map(report));
      assert.deepEqual([bSegments.length, bSegments[0]!.fromM, bSegments.at(-1)!.toM], [40, 0, 4]);
      assert.deepEqual(bSegments.filter((x) => x.trips.length > 0).map((x) => [x.fromM, x.recipe?.version]), [[1, 2], [1.1, 2], [1.2, 2], [1.3, 2]]);
      const [bb] = store.split(b!.id, [{ fromM: 0, toM: 2 }, { fromM: 2, toM: 4 }], "quinn", T0 + DAY + 1);
      assert.deepEqual([...store.reportSegments(bb!.id)], [...store.segments(bb!.id)].map(report));
      assert.throws(() => store.reportSegments("nope"), /roll nope does not exist/);
    });

    it("reads the parent's lab results through into the children, re-based", () => {
      const a = endedRoll(100);
      const r1 = store.addLabResult(lab(a.id, 1, 2));
      const r2 = store.addLabResult(lab(a.id, 4.5, 5.5, { disposition: "reject", inSpec: false, specFindings: ["particle size 61 nm above 50 nm"] }));
      const [x, y] = store.split(a.id, [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 10 }], "quinn", T0 + DAY);
      const r3 = store.addLabResult(lab(a.id, 8, 9, { note: "after the split" }));
      assert.deepEqual(store.labResults(x!.id), [{ ...r1, rollId: x!.id }, { ...r2, rollId: x!.id, toM: 5 }]);
      assert.deepEqual(store.labResults(y!.id), [
        { ...r2, rollId: y!.id, atM: 0, fromM: 0, toM: 0.5 },
        { ...r3, rollId: y!.id, atM: 3.5, fromM: 3, toM: 4 },
      ]);
      const own = store.addLabResult(lab(y!.id, 1, 2));
      assert.deepEqual(store.labResults(y!.id).map((r) => r.id), [r2.id, r3.id, own.id]);
      // a correction on the parent reads through too
      const fix = store.addLabResult(lab(a.id, 1, 2, { corrects: r1.id, particleSizeNm: 44 }));
      assert.deepEqual(store.labResults(x!.id).map((r) => [r.id, r.correctedBy]), [[r1.id, fix.id], [r2.id, null], [fix.id, null]]);
      assert.throws(() => store.addLabResult(lab(x!.id, 1, 2, { corrects: r1.id })), /lab result 1, which is of roll L1-20260302-001: a correction is entered on the same roll/);
    });

    it("refuses a split that is not of an ended roll or does not cover it exactly", () => {
      const open = start();
      assert.throws(() => store.split(open.id, [{ fromM: 0, toM: 1 }, { fromM: 1, toM: 2 }], "quinn", T0), /the roll is open: only an ended roll can be split/);
      store.appendSegments(segments(open.id, 0, 100));
      store.endRoll(open.id, T0 + 1000, 10);
      const id = open.id;
      const bad: [string, { fromM: number; toM: number }[], RegExp][] = [
        ["one piece", [{ fromM: 0, toM: 10 }], /at least two pieces/],
        ["a gap", [{ fromM: 0, toM: 4 }, { fromM: 5, toM: 10 }], /do not cover the roll: a gap \[4, 5\) between piece 1 and 2/],
        ["overlapping", [{ fromM: 0, toM: 6 }, { fromM: 5, toM: 10 }], /piece 2 \[5, 10\) overlaps piece 1 \[0, 6\)/],
        ["out of order", [{ fromM: 5, toM: 10 }, { fromM: 0, toM: 5 }], /the first begins at 5 m, not 0/],
        ["outside", [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 12 }], /piece 2 \[5, 12\) lies outside the roll \[0, 10\]/],
        ["negative", [{ fromM: -1, toM: 5 }, { fromM: 5, toM: 10 }], /piece 1 \[-1, 5\) lies outside the roll/],
        ["short", [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 9 }], /the last ends at 9 m, the roll is 10 m/],
        ["empty", [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 5 }, { fromM: 5, toM: 10 }], /piece 2 \[5, 5\) is empty or reversed/],
        ["NaN", [{ fromM: 0, toM: Number.NaN }, { fromM: 5, toM: 10 }], /piece 1 \[0, NaN\) needs finite metres/],
      ];
      for (const [name, pieces, message] of bad) assert.throws(() => store.split(id, pieces, "quinn", T0), message, name);
      assert.equal(store.getRoll(id)!.state, "ended", "nothing happened");
      assert.deepEqual(store.getRoll(id)!.children, []);
      store.split(id, [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 10 }], "quinn", T0);
      assert.throws(() => store.split(id, [{ fromM: 0, toM: 5 }, { fromM: 5, toM: 10 }], "quinn", T0), /the roll is split: only an ended roll can be split/);
      assert.throws(() => store.split("nope", [], "quinn", T0), /no such roll/);
      // nothing more is written to a split roll or a child
      assert.throws(() => store.appendSegments([segment(id, 100)]), /roll L1-20260302-001 is split: segments are recorded on the roll being made/);
      assert.throws(() => store.appendSegments([segment(`${id}-A`, 0)]), /is a split child/);
      assert.throws(() => store.addRecipeRange(`${id}-A`, BISB_1), /its recipes are fixed/);
      raw((db) => {
        assert.throws(() => db.prepare("INSERT INTO segments SELECT * FROM segments WHERE idx = 0").run(), /never on a split roll or a split child/);
        assert.throws(() => db.prepare("UPDATE rolls SET split_by = 'x' WHERE id = ?").run(id), /a split roll never changes/);
      });
    });
  });

  describe("lab results", () => {
    it("keeps entries and corrections: a correction names an existing entry of the same roll, once", () => {
      const a = endedRoll(10);
      const other = start(T0 + 5000);
      const first = store.addLabResult(lab(a.id, 0.2, 0.4, { xrdMatch: null }));
      assert.deepEqual(first, { ...lab(a.id, 0.2, 0.4, { xrdMatch: null }), id: first.id, correctedBy: null });
      const fix = store.addLabResult(lab(a.id, 0.2, 0.4, { corrects: first.id, particleSizeNm: 51, inSpec: false, disposition: "hold", note: "re-measured" }));
      assert.deepEqual(store.labResults(a.id), [{ ...first, correctedBy: fix.id }, fix]);
      assert.throws(() => store.addLabResult(lab(a.id, 0, 1, { corrects: first.id })), /lab result 1 is already corrected by 2: correct that entry instead/);
      assert.throws(() => store.addLabResult(lab(a.id, 0, 1, { corrects: 99 })), /corrects lab result 99, which does not exist/);
      assert.throws(() => store.addLabResult(lab(other.id, 0, 1, { corrects: fix.id })), /which is of roll L1-20260302-001: a correction is entered on the same roll/);
      assert.throws(() => store.addLabResult(lab("nope", 0, 1)), /roll nope does not exist/);
      assert.throws(() => store.addLabResult(lab(a.id, 2, 1)), /ends before it begins/);
      assert.deepEqual(store.labResults(other.id), []);
      raw((db) => {
        const insert = "INSERT INTO lab_results (roll_id, at_m, from_m, to_m, note, disposition, spec_findings, in_spec, by, at, corrects) VALUES (?, 0, 0, 0, '', 'accept', '[]', 1, 'x', 0, ?)";
        assert.throws(() => db.prepare(insert).run(other.id, fix.id), /a lab correction names an entry of the same roll/);
        assert.throws(() => db.prepare(insert).run(a.id, first.id), /UNIQUE constraint failed: lab_results.corrects/);
      });
    });
  });

  it("keeps people's records and segments append-only: a raw UPDATE or DELETE is refused", () => {
    const a = endedRoll(5);
    store.addLabResult(lab(a.id, 0, 0.5));
    store.appendLineState({ at: T0, state: "Execute", from: "Starting", stopReason: null, firstOut: null, rollId: a.id });
    raw((db) => {
      for (const table of ["segments", "lab_results", "line_states"]) {
        assert.throws(() => db.prepare(`UPDATE ${table} SET roll_id = 'x'`).run(), new RegExp(`${table} is append-only`), table);
        assert.throws(() => db.prepare(`DELETE FROM ${table}`).run(), new RegExp(`${table} is append-only`), table);
      }
      assert.equal(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM segments").get()!.n, 5);
    });
  });

  it("keeps one tracker state, overwritten", () => {
    assert.equal(store.loadTrackerState(), null);
    store.saveTrackerState('{"next":1}');
    store.saveTrackerState('{"next":2}');
    assert.equal(store.loadTrackerState(), '{"next":2}');
    raw((db) => assert.equal(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM tracker_state").get()!.n, 1));
  });

  it("gives the line states of a window with the one it opened in", () => {
    const entry = (at: number, state: string, from: string | null) => ({ at, state, from, stopReason: state === "Held" ? "IL-03" : null, firstOut: null, rollId: null });
    const all = [entry(T0, "Idle", null), entry(T0 + 10, "Starting", "Idle"), entry(T0 + 20, "Execute", "Starting"), entry(T0 + 30, "Held", "Execute"), entry(T0 + 40, "Execute", "Held")];
    for (const e of all) store.appendLineState(e);
    assert.deepEqual(store.lineStates(T0 + 15, T0 + 30), all.slice(1, 4));
    assert.deepEqual(store.lineStates(T0 + 20, T0 + 20), all.slice(1, 3));
    assert.deepEqual(store.lineStates(T0 - 5, T0 + 5), all.slice(0, 1));
    assert.deepEqual(store.lineStates(T0 + 45, T0 + 99), all.slice(4));
  });

  it("lists rolls newest first, filtered by time, lot, alloy and state, at most `limit`", () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = start(T0 + i * DAY, "L1", i % 2 === 0 ? "P-even" : "P-odd");
      store.addRecipeRange(r.id, i === 2 ? { ...BISB_1, alloy: "CuNi" } : BISB_1);
      if (i < 3) store.endRoll(r.id, T0 + i * DAY + 1000, 1);
      ids.push(r.id);
    }
    const list = (f: Parameters<SqliteRollStore["listRolls"]>[0]) => store.listRolls(f).map((r) => r.id);
    assert.deepEqual(list({}), [...ids].reverse());
    assert.deepEqual(list({ limit: 2 }), [ids[3], ids[2]]);
    assert.deepEqual(list({ from: T0 + DAY, to: T0 + 3 * DAY }), [ids[2], ids[1]]);
    assert.deepEqual(list({ lot: "P-even" }), [ids[2], ids[0]]);
    assert.deepEqual(list({ alloy: "CuNi" }), [ids[2]]);
    assert.deepEqual(list({ state: "open" }), [ids[3]]);
    assert.deepEqual(list({ state: "ended", alloy: "BiSb" }), [ids[1], ids[0]]);
    assert.throws(() => store.listRolls({ limit: 0 }), /limit must be a whole number/);
  });

  it("keeps everything, and its schema version, when the file is opened again", () => {
    const a = endedRoll(30);
    const [child] = store.split(a.id, [{ fromM: 0, toM: 1 }, { fromM: 1, toM: 3 }], "quinn", T0 + DAY);
    const result = store.addLabResult(lab(a.id, 0.5, 0.7));
    store.saveTrackerState('{"segment":30}');
    store.appendLineState({ at: T0, state: "Execute", from: "Starting", stopReason: null, firstOut: "IL-01", rollId: a.id });
    const next = start(T0 + DAY);
    const before = { rolls: store.listRolls(), segments: [...store.segments(a.id)], child: [...store.segments(child!.id)] };
    store.close();
    store = SqliteRollStore.open(dir);
    assert.deepEqual({ rolls: store.listRolls(), segments: [...store.segments(a.id)], child: [...store.segments(child!.id)] }, before);
    assert.equal(store.currentRoll()?.id, next.id);
    assert.deepEqual(store.labResults(child!.id), [{ ...result, rollId: child!.id }]);
    assert.equal(store.loadTrackerState(), '{"segment":30}');
    assert.equal(store.lineStates(T0, T0).length, 1);
    raw((db) => assert.deepEqual(db.prepare("SELECT area, version FROM store_schema_versions").all(), [{ area: "rolls", version: 1 }]));
  });
});
