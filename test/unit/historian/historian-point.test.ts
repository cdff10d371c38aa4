import assert from "node:assert/strict";
import { GOOD, bad } from "../../../src/core/tag-value.js";
import {
  encodePoint,
  escapeKey,
  escapeMeasurement,
  escapeStringField,
  processPoint,
  SeriesTimestamper,
  seriesKey,
  toLineProtocol,
  type HistorianPoint,
} from "../../../src/historian/historian-point.js";

const T = 1_700_000_000_123;

function pt(fields: HistorianPoint["fields"], tags: Record<string, string> = { tag: "a" }, timeMs = T, measurement = "process"): HistorianPoint {
  return { measurement, tags, fields, timeMs };
}

describe("historian point: line protocol", () => {
  it("escapes measurement, tag keys and values, field keys and string fields", () => {
    assert.equal(escapeMeasurement("cpu load,x=1"), "cpu\\ load\\,x=1");
    assert.equal(escapeKey("a b,c=d"), "a\\ b\\,c\\=d");
    // InfluxDB 1.x keeps inner backslashes literally and cannot carry one at the end or before , = space
    assert.equal(escapeKey("a\\b"), "a\\b");
    assert.equal(escapeKey("ends\\"), "ends/");
    assert.equal(escapeKey("x\\,y"), "x/\\,y");
    assert.equal(escapeMeasurement("m\\ n"), "m/\\ n");
    assert.equal(escapeKey("two\nlines"), "two\\ lines");
    assert.equal(escapeStringField('he said "hi" \\o/'), '"he said \\"hi\\" \\\\o/"');
    const line = encodePoint(pt({ "field key": "x,y=z", n: 1 }, { "tag key": "v a,l=ue", empty: "" }, T, "my meas"));
    assert.equal(line, `my\\ meas,tag\\ key=v\\ a\\,l\\=ue field\\ key="x,y=z",n=1 ${T * 1000}`);
  });

  it("writes every number as a float, booleans as true/false, and drops non-finite numbers", () => {
    assert.equal(encodePoint(pt({ value: 3, quality: 0, ok: true, off: false })), `process,tag=a value=3,quality=0,ok=true,off=false ${T * 1000}`);
    assert.equal(encodePoint(pt({ value: 2.5e-7, big: 1e21 })), `process,tag=a value=2.5e-7,big=1e+21 ${T * 1000}`);
    assert.equal(encodePoint(pt({ value: Number.NaN, quality: 2 })), `process,tag=a quality=2 ${T * 1000}`);
    assert.equal(encodePoint(pt({ value: Number.POSITIVE_INFINITY })), null);
    assert.equal(encodePoint(pt({})), null);
  });

  it("sorts tags, so the same series always has the same key", () => {
    assert.equal(seriesKey(pt({}, { z: "1", a: "2", m: "3" })), "process,a=2,m=3,z=1");
  });

  it("writes the asked precision", () => {
    const p = pt({ v: 1 });
    assert.equal(encodePoint(p, "u"), `process,tag=a v=1 ${T}000`);
    assert.equal(encodePoint(p, "ns"), `process,tag=a v=1 ${T}000000`);
    assert.equal(encodePoint(p, "ms"), `process,tag=a v=1 ${T}`);
    assert.equal(encodePoint(p, "s"), `process,tag=a v=1 ${Math.round(T / 1000)}`);
    assert.equal(encodePoint({ ...p, timeMs: T + 0.25 }, "u"), `process,tag=a v=1 ${T}250`);
  });

  it("toLineProtocol joins lines and skips points without fields", () => {
    assert.equal(toLineProtocol([pt({ v: 1 }), pt({}), pt({ v: 2 }, { tag: "b" })], "ms"), `process,tag=a v=1 ${T}\nprocess,tag=b v=2 ${T}`);
  });

  it("processPoint: booleans as 1/0, quality codes, null value leaves only quality", () => {
    const ids = { line: "l1", station: "htr", tag: "htr.zone1.temp" };
    assert.deepEqual(processPoint(ids, { value: true, quality: GOOD, sourceTs: T, serverTs: T + 5 }).fields, { value: 1, quality: 0 });
    assert.deepEqual(processPoint(ids, { value: 12.5, quality: { status: "Uncertain", reason: "stale" }, sourceTs: T, serverTs: T }).fields, { value: 12.5, quality: 1 });
    const b = processPoint(ids, { value: null, quality: bad("comm"), sourceTs: T, serverTs: T + 5 }, T + 5);
    assert.deepEqual(b.fields, { quality: 2 });
    assert.equal(b.timeMs, T + 5);
    assert.deepEqual(b.tags, ids);
  });
});

describe("historian point: same-millisecond points never merge", () => {
  it("gives later points of one series in the same ms +1 µs each", () => {
    const s = new SeriesTimestamper();
    const lines = [1, 2, 3].map((v) => encodePoint(pt({ v }), "u", s));
    assert.deepEqual(lines, [`process,tag=a v=1 ${T * 1000}`, `process,tag=a v=2 ${T * 1000 + 1}`, `process,tag=a v=3 ${T * 1000 + 2}`]);
  });

  it("keeps series apart and returns to the point's own time in the next ms", () => {
    const s = new SeriesTimestamper();
    assert.equal(s.stampUs("a", T), T * 1000);
    assert.equal(s.stampUs("b", T), T * 1000);
    assert.equal(s.stampUs("a", T), T * 1000 + 1);
    assert.equal(s.stampUs("a", T + 1), (T + 1) * 1000);
    assert.equal(s.stampUs("b", T), T * 1000 + 1);
  });

  it("stays strictly increasing past 1000 points in one ms", () => {
    const s = new SeriesTimestamper();
    const out: number[] = [];
    for (let i = 0; i < 1500; i++) out.push(s.stampUs("a", T));
    out.push(s.stampUs("a", T + 1), s.stampUs("a", T + 2));
    for (let i = 1; i < out.length; i++) assert.ok(out[i]! > out[i - 1]!, `index ${i}`);
    assert.equal(out.length, new Set(out).size);
  });

  it("leaves an older (out-of-order) point at its own time", () => {
    const s = new SeriesTimestamper();
    s.stampUs("a", T);
    s.stampUs("a", T + 10);
    assert.equal(s.stampUs("a", T + 5), (T + 5) * 1000);
    assert.equal(s.stampUs("a", T + 10), (T + 10) * 1000 + 1);
  });

  it("is bounded: remembers at most maxSeries series, the first seen forgotten first", () => {
    const s = new SeriesTimestamper(3);
    s.stampUs("a", T);
    s.stampUs("b", T);
    s.stampUs("c", T);
    s.stampUs("d", T); // evicts a
    assert.equal(s.size, 3);
    assert.equal(s.stampUs("b", T), T * 1000 + 1, "b still remembered");
    assert.equal(s.stampUs("a", T), T * 1000, "a forgotten: starts over");
  });

  it("toLineProtocol with a stamper uniquifies across a batch", () => {
    const s = new SeriesTimestamper();
    const text = toLineProtocol(Array.from({ length: 5 }, (_, i) => pt({ v: i })), "u", s);
    const stamps = text.split("\n").map((l) => l.split(" ").at(-1));
    assert.equal(new Set(stamps).size, 5);
  });
});
