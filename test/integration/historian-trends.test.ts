/**
 * Trends on a real private influxd: a 2 h synthetic series (5 Hz, two tags) with one spike, one dip and
 * one Bad sample, down-sampled by `backfillTrends` (the CQs only resample their recent window) and read
 * with queryHistory over 1 min, 10 min and 2 h.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InfluxDB } from "influx";
import { DiskSpool } from "../../src/historian/disk-spool.js";
import { backfillTrends, ensureHistorianSchema } from "../../src/historian/historian-schema.js";
import { HistorianWriter } from "../../src/historian/historian-writer.js";
import { queryEvents, queryHistory, toCsv, type HistoryResult } from "../../src/historian/history-query.js";
import { startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const PERIOD = 200; // 5 Hz

describe("historian trends and queries (real influxd)", function () {
  this.timeout(60_000);
  let db: TestInfluxd;
  let influx: InfluxDB;
  let dir: string;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const from = now - 2 * HOUR;
  const spikeAt = from + 47 * MIN + 3 * PERIOD;
  const dipAt = from + 95 * MIN + 7 * PERIOD;
  const badAt = from + 80 * MIN;

  const base = (t: number) => 50 + 10 * Math.sin((2 * Math.PI * (t - from)) / (10 * MIN));

  before(async () => {
    db = await startTestInfluxd();
    influx = new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr" });
    await ensureHistorianSchema(influx);
    dir = mkdtempSync(join(tmpdir(), "trends-"));
    const spool = await DiskSpool.open({ dir, maxBytes: 100_000_000 });
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool });
    writer.start();
    for (let t = from; t <= now; t += PERIOD) {
      const v = t === spikeAt ? 500 : t === dipAt ? -300 : base(t);
      writer.write({ measurement: "process", tags: { line: "l1", station: "htr", tag: "htr.zone1.temp" }, fields: { value: v, quality: t === badAt ? 2 : 0 }, timeMs: t });
      writer.write({ measurement: "process", tags: { line: "l1", station: "feed", tag: "feed.speed" }, fields: { value: 3, quality: 0 }, timeMs: t });
    }
    writer.write({ measurement: "alarm", tags: { id: "AL-1", station: "htr", state: "active" }, fields: { message: "zone 1 high" }, timeMs: spikeAt });
    writer.write({ measurement: "alarm", tags: { id: "AL-2", station: "feed", state: "active" }, fields: { message: "web slack" }, timeMs: spikeAt + 1 });
    await writer.stop();
    await spool.close();
    assert.equal(writer.status().writtenPoints, 2 * (2 * HOUR / PERIOD + 1) + 2);
    const t = Date.now();
    await backfillTrends(influx, { fromMs: from, toMs: now + 1 });
    console.log(`      backfill of 2 h × 2 tags at 5 Hz: ${Date.now() - t} ms`);
  });
  after(async () => {
    await db?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function checkCount(r: HistoryResult, n: number): void {
    for (const s of r.series) assert.ok(Math.abs(s.points.length - n) <= 0.2 * n, `${s.tag}: ${s.points.length} points for ${n} (source ${r.source})`);
  }
  const zone = (r: HistoryResult) => r.series.find((s) => s.tag === "htr.zone1.temp")!.points;

  it("2 h in 300 points: the 1 s trend, ≈ 300 buckets per tag, spike and dip kept, worst quality kept", async () => {
    const t = Date.now();
    const r = await queryHistory(influx, { tags: ["htr.zone1.temp", "feed.speed"], fromMs: from, toMs: now, points: 300 });
    console.log(`      2 h / 300 points: ${Date.now() - t} ms, source ${r.source}`);
    assert.equal(r.source, "1s");
    assert.equal(r.bucketMs, 24_000);
    checkCount(r, 300);
    const pts = zone(r);
    assert.equal(Math.max(...pts.map((p) => p.max ?? -Infinity)), 500);
    assert.equal(Math.min(...pts.map((p) => p.min ?? Infinity)), -300);
    const spikeBucket = pts.find((p) => p.t <= spikeAt && spikeAt < p.t + r.bucketMs)!;
    assert.equal(spikeBucket.max, 500);
    assert.ok(spikeBucket.value! < 100, "the mean is not the spike");
    assert.equal(pts.find((p) => p.t <= badAt && badAt < p.t + r.bucketMs)!.quality, 2);
    assert.equal(pts.filter((p) => p.quality !== 0).length, 1);
    assert.deepEqual([...new Set(r.series.find((s) => s.tag === "feed.speed")!.points.map((p) => p.value))], [3]);
  });

  it("2 h in 100 points: the 1 min trend, ≈ 100 buckets, spike kept", async () => {
    const r = await queryHistory(influx, { tags: ["htr.zone1.temp"], fromMs: from, toMs: now, points: 100 });
    assert.equal(r.source, "1m");
    checkCount(r, 100);
    assert.equal(Math.max(...zone(r).map((p) => p.max ?? -Infinity)), 500);
    assert.equal(Math.min(...zone(r).map((p) => p.min ?? Infinity)), -300);
  });

  it("10 min around the spike in 300 points: ≈ 300 buckets, spike kept", async () => {
    const t = Date.now();
    const r = await queryHistory(influx, { tags: ["htr.zone1.temp", "feed.speed"], fromMs: spikeAt - 5 * MIN, toMs: spikeAt + 5 * MIN, points: 300 });
    console.log(`      10 min / 300 points: ${Date.now() - t} ms, source ${r.source}`);
    assert.equal(r.source, "1s");
    checkCount(r, 300);
    assert.equal(Math.max(...zone(r).map((p) => p.max ?? -Infinity)), 500);
  });

  it("the last 10 min (ending now) in 300 points: no hole at the end", async () => {
    const r = await queryHistory(influx, { tags: ["htr.zone1.temp"], fromMs: now - 10 * MIN, toMs: now, points: 300 });
    checkCount(r, 300);
    const last = zone(r).at(-1)!;
    assert.ok(now - last.t <= 2 * r.bucketMs, `last bucket ${now - last.t} ms before the end`);
  });

  it("reads the newest part, not yet down-sampled, from raw data (a tag written only in the last minute)", async () => {
    const spool = await DiskSpool.open({ dir: join(dir, "tail"), maxBytes: 10_000_000 });
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool });
    writer.start();
    const end = Date.now();
    for (let t = end - 50_000; t <= end; t += 1000) writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "tail.only" }, fields: { value: 7, quality: 1 }, timeMs: t });
    await writer.stop();
    await spool.close();
    const r = await queryHistory(influx, { tags: ["tail.only"], fromMs: end - 2 * HOUR, toMs: end, points: 100 }, { nowMs: end });
    assert.equal(r.source, "1m");
    const pts = r.series[0]!.points;
    assert.ok(pts.length >= 1 && pts.length <= 2, `${pts.length} buckets`);
    assert.deepEqual([pts.at(-1)!.value, pts.at(-1)!.min, pts.at(-1)!.max, pts.at(-1)!.quality], [7, 7, 7, 1]);
  });

  it("1 min in 300 points: raw buckets (200 ms: one sample each)", async () => {
    const r = await queryHistory(influx, { tags: ["htr.zone1.temp"], fromMs: spikeAt - 30_000, toMs: spikeAt + 30_000, points: 300 });
    assert.equal(r.source, "raw");
    checkCount(r, 300);
    const spike = zone(r).find((p) => p.t === spikeAt)!;
    assert.deepEqual([spike.value, spike.min, spike.max], [500, 500, 500]);
  });

  it("a tag stored only on change (a setpoint) with no point in a short range: its last value is carried to the range's start (not in the CSV)", async () => {
    const spool = await DiskSpool.open({ dir: join(dir, "carry"), maxBytes: 10_000_000 });
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool });
    writer.start();
    writer.write({ measurement: "process", tags: { line: "l1", station: "htr", tag: "htr.peak_sp" }, fields: { value: 1340, quality: 0 }, timeMs: now - 10 * MIN });
    writer.write({ measurement: "process", tags: { line: "l1", station: "htr", tag: "htr.peak_sp" }, fields: { value: 1350, quality: 0 }, timeMs: now - 30_000 });
    await writer.stop();
    await spool.close();
    // 500 ms buckets: raw data (the 1 s trend of these fresh points is not computed in this test).
    const r = await queryHistory(influx, { tags: ["htr.peak_sp", "no.such.tag"], fromMs: now - MIN, toMs: now, points: 120 });
    const pts = r.series[0]!.points;
    assert.deepEqual(pts.map((p) => [p.t, p.value, p.carried ?? false]), [
      [now - MIN, 1340, true],
      [now - 30_000, 1350, false],
    ]);
    assert.equal(r.series[1]!.points.length, 0, "nothing to carry for a tag never stored");
    assert.deepEqual(toCsv(r).trim().split("\r\n").slice(1).map((l) => l.split(",")[3]), ["1350"], "the CSV lists what was stored in the range");
    // A range that starts on a stored point carries nothing.
    const exact = await queryHistory(influx, { tags: ["htr.peak_sp"], fromMs: now - 30_000, toMs: now, points: 60 });
    assert.deepEqual(exact.series[0]!.points.map((p) => p.carried ?? false), [false]);
  });

  it("a tag without data comes back empty; CSV has one row per bucket", async () => {
    const r = await queryHistory(influx, { tags: ["feed.speed", "no.such.tag"], fromMs: now - MIN, toMs: now, points: 10 });
    assert.deepEqual(r.series.map((s) => s.tag), ["feed.speed", "no.such.tag"]);
    assert.equal(r.series[1]!.points.length, 0);
    const csv = toCsv(r).trim().split("\r\n");
    assert.equal(csv[0], "tag,time,t_ms,value,min,max,quality");
    assert.equal(csv.length - 1, r.series[0]!.points.length);
    assert.match(csv[1]!, /^feed\.speed,\d{4}-\d\d-\d\dT[\d:.]+Z,\d+,3,3,3,0$/);
  });

  it("queryEvents filters by tag and orders by time", async () => {
    const all = await queryEvents(influx, "alarm", { fromMs: from, toMs: now });
    assert.deepEqual(all.map((e) => e.values.id), ["AL-1", "AL-2"]);
    const htr = await queryEvents(influx, "alarm", { fromMs: from, toMs: now, where: { station: "htr" } });
    assert.equal(htr.length, 1);
    assert.deepEqual(htr[0], { t: spikeAt, values: { id: "AL-1", message: "zone 1 high", state: "active", station: "htr" } });
    const desc = await queryEvents(influx, "alarm", { fromMs: from, toMs: now, order: "desc", limit: 1 });
    assert.equal(desc[0]!.values.id, "AL-2");
    assert.deepEqual(await queryEvents(influx, "alarm", { fromMs: from, toMs: now, where: { station: "x' OR '1'='1" } }), []);
  });
});
