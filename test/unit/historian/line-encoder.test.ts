/**
 * LineEncoder (the writer's cached encoder) against the reference `encodePoint(p, "u", stamper)`: the same
 * bytes for the same points, the stamper's state included (µs uniquifying, forgetting series).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodePoint, type HistorianPoint, SeriesTimestamper } from "../../../src/historian/historian-point.js";
import { LineEncoder } from "../../../src/historian/line-encoder.js";
import { PointQueue } from "../../../src/historian/point-queue.js";

const T = 1_700_000_000_123;

/** Encodes the points with both, one stamper each, and checks line by line (null / throws alike). */
function assertSame(points: readonly unknown[], maxSeries = 100_000): string[] {
  const ref = new SeriesTimestamper(maxSeries);
  const enc = new LineEncoder(maxSeries);
  const out: string[] = [];
  points.forEach((p, i) => {
    let want: string | null | Error;
    let got: string | null | Error;
    try {
      want = encodePoint(p as HistorianPoint, "u", ref);
    } catch (e) {
      want = e as Error;
    }
    try {
      got = enc.encode(p as HistorianPoint);
    } catch (e) {
      got = e as Error;
    }
    if (want instanceof Error) assert.ok(got instanceof Error, `point ${i}: the reference throws (${want.message}), the encoder gave ${String(got)}`);
    else assert.equal(got, want, `point ${i}: ${JSON.stringify(p)}`);
    if (typeof want === "string") out.push(want);
  });
  return out;
}

/** The points through a PointQueue (the writer's byte path) vs the reference: the same text, the same rejects. */
async function assertSameBatches(points: readonly unknown[], maxSeries = 100_000, batchSize = 7): Promise<void> {
  const ref = new SeriesTimestamper(maxSeries);
  const want: string[] = [];
  let wantRejected = 0;
  for (const p of points) {
    let l: string | null = null;
    try {
      l = encodePoint(p as HistorianPoint, "u", ref);
    } catch {
      /* counted below */
    }
    if (l === null) wantRejected += 1;
    else want.push(l);
  }
  let rejected = 0;
  const q = new PointQueue(batchSize, maxSeries, (n) => (rejected += n));
  for (const p of points) q.push(p as HistorianPoint);
  const got: string[] = [];
  let n = 0;
  while (q.length > 0) {
    const b = await q.encodeBatch();
    assert.equal(b.lines, b.body.toString("utf8"));
    if (b.points > 0) got.push(b.lines);
    n += b.points;
  }
  assert.equal(got.join("\n"), want.join("\n"));
  assert.equal(n, want.length);
  assert.equal(rejected, wantRejected);
}

const pt = (measurement: string, tags: Record<string, string>, fields: HistorianPoint["fields"], timeMs = T): HistorianPoint => ({ measurement, tags, fields, timeMs });

describe("historian line encoder: byte-identical to encodePoint", () => {
  it("a varied set: escaping, booleans, integers vs floats, quality fields, strings, empty tags, tag order", async () => {
    const points: unknown[] = [
      pt("process", { line: "htr-line-1", station: "htr", tag: "htr.web_temp" }, { value: 1340.25, quality: 0 }),
      pt("process", { line: "htr-line-1", station: "htr", tag: "htr.web_temp" }, { value: 1341, quality: 1, reason: "stale" }),
      pt("process", { line: "htr-line-1", station: "htr", tag: "htr.web_temp" }, { quality: 2, reason: 'comm "timeout" \\ 3' }),
      pt("process", { tag: "htr.web_temp", station: "htr", line: "htr-line-1" }, { value: 7, quality: 0 }), // other key order, same series
      pt("process", { line: "htr-line-1", station: "", tag: "htr.web_temp" }, { value: 1, quality: 0 }), // empty tag left out
      pt("my meas,x=1", { "tag key": "v a,l=ue", "k=": "x\\", e: "" }, { "field key": "x,y=z", n: 1, "f,k=": 2.5 }),
      pt("m\\ n", { a: "x\\,y", b: "two\nlines", c: "back\\slash", d: "cr\rlf" }, { "fk\\": "s" }),
      pt("process", { tag: "a" }, { ok: true, off: false, i: 3, neg: -0, tiny: 2.5e-7, big: 1e21, max: Number.MAX_VALUE, min: Number.MIN_VALUE }),
      pt("process", { tag: "a" }, { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, q: 0 }),
      pt("process", { tag: "a" }, { i: -42, i31: 2 ** 31 - 1, m31: -(2 ** 31), o31: 2 ** 31, i53: 2 ** 53, n53: -(2 ** 53), f: -0.5, e: 1e-7, sum: 0.1 + 0.2 }),
      pt("process", { tag: "a" }, { nan: Number.NaN }), // no writable field: null
      pt("process", { tag: "a" }, {}),
      pt("process", { tag: "a" }, { s: "", quote: '"', unicode: "µ°C – ok ✓" }),
      pt("prozeß", { stätte: "Öfen ✓", "2": "numeric key", "10": "sorted" }, { wert: 1.5 }),
      pt("process", {}, { value: 1 }),
      pt("process", { tag: "a" }, { v: 1 }, T + 0.25),
      pt("process", { tag: "a" }, { v: 1 }, T + 0.0004),
      pt("process", { tag: "a" }, { v: 1 }, 0),
      pt("process", { tag: "a" }, { v: 1 }, 999.9994),
      pt("process", { tag: "a" }, { v: 1 }, -1234.5),
      pt("process", { tag: "a" }, { v: 1 }, 4_102_444_800_000), // 2100
      pt("process", { tag: "a" }, { v: 1 }, 9e12),
      pt("process", { tag: "a" }, { v: 1 }, Number.NaN),
      pt("process", { tag: "b" }, { v: 1 }, Number.MAX_SAFE_INTEGER / 1000),
      pt("process", { tag: "b" }, { v: 1 }, 1e16),
      // not points, or not the usual shape: the encoder takes the reference path (or throws like it)
      null,
      { measurement: "process", tags: { tag: 5 as unknown as string }, fields: { v: 1 }, timeMs: T },
      pt("process", { tag: "a", inherited: "x" }, { v: 1 }),
      { measurement: "process", tags: Object.assign(Object.create({ inherited: "x" }) as object, { tag: "a" }), fields: { v: 1 }, timeMs: T },
      { measurement: "process", tags: Object.assign(Object.create(null) as object, { tag: "a" }), fields: { v: 2 }, timeMs: T },
      { measurement: "process", tags: null, fields: { v: 1 }, timeMs: T },
      { measurement: "process", tags: null, fields: {}, timeMs: T },
      { measurement: 42, tags: { tag: "a" }, fields: { v: 1 }, timeMs: T },
      { measurement: "process", tags: { tag: "a" }, fields: null, timeMs: T },
      { measurement: "process", tags: { tag: "a" }, fields: { v: 1, o: { nested: 1 }, u: undefined }, timeMs: T },
    ];
    const lines = assertSame(points);
    await assertSameBatches(points);
    await assertSameBatches(points, 2, 1);
    assert.ok(lines.length >= 25);
    const enc = new LineEncoder();
    for (const p of points.slice(0, 5)) enc.encode(p as HistorianPoint);
    assert.equal(enc.cachedSeries, 3, "the cache is used: key order and empty tags are separate entries of one series");
    assert.equal(lines[0], `process,line=htr-line-1,station=htr,tag=htr.web_temp value=1340.25,quality=0 ${T * 1000}`);
    assert.equal(lines[1], `process,line=htr-line-1,station=htr,tag=htr.web_temp value=1341,quality=1,reason="stale" ${T * 1000 + 1}`);
    assert.equal(lines[5], `my\\ meas\\,x=1,k\\==x/,tag\\ key=v\\ a\\,l\\=ue field\\ key="x,y=z",n=1,f\\,k\\==2.5 ${T * 1000}`);
  });

  it("the same µs uniquifying: same-ms points of a series get +1 µs, across key orders and series", async () => {
    const points: HistorianPoint[] = [];
    for (let i = 0; i < 3000; i++) {
      const tags = i % 2 === 0 ? { line: "l", tag: `t${i % 5}` } : { tag: `t${i % 5}`, line: "l" };
      points.push(pt("process", tags, { value: i, quality: 0 }, T + Math.floor(i / 700) + (i % 3) * 0.0005));
    }
    points.push(pt("process", { line: "l", tag: "t0" }, { value: 1 }, T - 5)); // older: its own time
    const lines = assertSame(points);
    await assertSameBatches(points, 100_000, 1000);
    assert.equal(new Set(lines).size, lines.length);
  });

  it("the same when series are forgotten (small maxSeries) and come back", async () => {
    const points: HistorianPoint[] = [];
    for (let i = 0; i < 500; i++) points.push(pt("process", { tag: `t${(i * 7) % 13}` }, { v: i }, T + Math.floor(i / 50)));
    assertSame(points, 3);
    assertSame(points, 1);
    await assertSameBatches(points, 3, 64);
  });

  it("the same for random points (property), through the PointQueue too", async () => {
    const text = fc.oneof(
      fc.constantFrom("a", "htr.web_temp", "", " ", ",", "=", "\\", '"', "a b", "x,y=z", "end\\", "\n", "µ", "✓", "0", "10"),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: "grapheme", maxLength: 6 }),
    );
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
      fc.boolean(),
      text,
      fc.constantFrom(0, -0, 1, 2, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1e21, 1e-7, 0.1 + 0.2),
    );
    const point = fc.record({
      measurement: fc.oneof(fc.constantFrom("process", "state", "alarm"), text),
      tags: fc.dictionary(text, text, { maxKeys: 4 }),
      fields: fc.dictionary(text, value, { maxKeys: 4 }),
      timeMs: fc.oneof(fc.integer({ min: T - 10, max: T + 10 }), fc.double({ min: -1e13, max: 1e16, noNaN: true }), fc.constant(T + 0.0005)),
    });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (points, maxSeries) => {
        assertSame(points, maxSeries);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(point, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }), async (points, maxSeries, batch) => {
        await assertSameBatches(points, maxSeries, batch);
      }),
      { numRuns: 300 },
    );
  });

  it("PointQueue batches are the reference lines joined by newlines, as UTF-8", async () => {
    const points: HistorianPoint[] = [];
    for (let i = 0; i < 2500; i++) points.push(pt("process", { line: "l", station: i % 2 ? "htr" : "feed", tag: `t${i % 7} °C` }, { value: i / 3, quality: i % 3, ...(i % 11 === 0 ? { reason: "Ünsicher \"x\"" } : {}) }, T + i / 4));
    points.splice(100, 0, pt("process", { tag: "x" }, {}));
    const ref = new SeriesTimestamper();
    const want: string[] = [];
    for (const p of points) {
      const l = encodePoint(p, "u", ref);
      if (l !== null) want.push(l);
    }
    let rejected = 0;
    const q = new PointQueue(1000, 100_000, (n) => (rejected += n));
    for (const p of points) q.push(p);
    const got: string[] = [];
    let total = 0;
    while (q.length > 0) {
      const b = await q.encodeBatch();
      assert.equal(b.lines, b.body.toString("utf8"));
      assert.equal(b.body.length, Buffer.byteLength(b.lines));
      assert.equal(b.lines.split("\n").length, b.points);
      got.push(b.lines);
      total += b.points;
    }
    assert.equal(rejected, 1);
    assert.equal(total, want.length);
    assert.equal(got.join("\n"), want.join("\n"));
  });
});
