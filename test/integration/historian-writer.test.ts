/** HistorianWriter against a real private influxd; what arrived is read back with the `influx` CLI. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InfluxDB } from "influx";
import { DiskSpool } from "../../src/historian/disk-spool.js";
import type { HistorianPoint } from "../../src/historian/historian-point.js";
import { ensureHistorianSchema } from "../../src/historian/historian-schema.js";
import { HistorianWriter } from "../../src/historian/historian-writer.js";
import { queryEvents } from "../../src/historian/history-query.js";
import { influxCsvRows, startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

/** Rows of `q` on the htr database, µs time stamps, read with the influx CLI. */
const cliCsv = (db: TestInfluxd, q: string): string[][] => influxCsvRows(db, q, { database: "htr", precision: "u" });

describe("historian writer (real influxd)", function () {
  this.timeout(60_000);
  let db: TestInfluxd;
  let dir: string;
  let spool: DiskSpool;
  let writer: HistorianWriter;

  before(async () => {
    db = await startTestInfluxd();
    await ensureHistorianSchema(new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr" }));
    dir = mkdtempSync(join(tmpdir(), "hw-"));
    spool = await DiskSpool.open({ dir, maxBytes: 100_000_000 });
    writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 5000, flushIntervalMs: 100 });
    writer.start();
  });
  after(async () => {
    await writer?.stop();
    await spool?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.cleanup();
  });

  it("writes 20 000 points; each is in InfluxDB exactly once", async () => {
    const t0 = Date.now() - 60_000;
    const tags = ["feed.speed", "htr.zone1.temp", "htr.zone2.temp", "quench.flow"];
    const started = process.hrtime.bigint();
    for (let seq = 0; seq < 20_000; seq++) {
      writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: tags[seq % 4]! }, fields: { value: seq * 0.5, quality: 0, seq }, timeMs: t0 + seq });
    }
    await writer.flush();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`      writer: 20 000 points in ${ms.toFixed(0)} ms (${Math.round(20_000 / (ms / 1000))} points/s)`);
    const s = writer.status();
    assert.equal(s.writtenPoints, 20_000);
    assert.equal(s.online, true);
    assert.equal(s.spoolBytes, 0);
    const rows = cliCsv(db, `SELECT seq, value, "tag" FROM process WHERE time >= ${t0}ms`);
    const seqs = rows.map((r) => Number(r[2]));
    assert.equal(seqs.length, 20_000);
    assert.equal(new Set(seqs).size, 20_000, "no point twice");
    const bySeq = new Map(rows.map((r) => [Number(r[2]), r]));
    for (const k of [0, 1, 2, 3, 9999, 19_999]) {
      const r = bySeq.get(k)!;
      assert.equal(Number(r[3]), k * 0.5);
      assert.equal(r[4], tags[k % 4]);
      assert.equal(Number(r[1]), (t0 + k) * 1000, "µs time stamp");
    }
    const count = cliCsv(db, `SELECT count(value) FROM process WHERE time >= ${t0}ms`);
    assert.equal(Number(count[0]![2]), 20_000);
  });

  it("keeps same-millisecond points of one series apart (+1 µs), none merged", async () => {
    const t = Date.now() - 30_000;
    for (let i = 0; i < 50; i++) writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "same.ms" }, fields: { value: i, quality: 0 }, timeMs: t });
    writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "same.ms" }, fields: { value: 50, quality: 0 }, timeMs: t + 1 });
    await writer.flush();
    const rows = cliCsv(db, `SELECT value FROM process WHERE "tag" = 'same.ms'`);
    assert.equal(rows.length, 51);
    assert.deepEqual(
      rows.map((r) => Number(r[1])),
      [...Array.from({ length: 50 }, (_, i) => t * 1000 + i), (t + 1) * 1000],
    );
    assert.deepEqual(
      rows.map((r) => Number(r[2])),
      Array.from({ length: 51 }, (_, i) => i),
    );
  });

  it("round-trips escaped names, tag values and string fields through InfluxDB", async () => {
    const influx = new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr" });
    const t = Date.now() - 20_000;
    const odd: HistorianPoint = {
      measurement: "audit",
      tags: { user: "o'brien, \"admin\"", "kind of=event": "a=b\\c \\", station: "" },
      fields: { text: 'said "stop",\nthen \\ left', ok: true, n: 1e21, small: 2.5e-7 },
      timeMs: t,
    };
    writer.write(odd);
    await writer.flush();
    const rows = await queryEvents(influx, "audit", { fromMs: t - 1, toMs: t + 1, where: { user: "o'brien, \"admin\"" } });
    assert.equal(rows.length, 1, "found by its quoted tag value");
    assert.equal(rows[0]!.t, t);
    // a trailing backslash cannot be written in a tag (InfluxDB 1.x): it becomes "/"; inner ones are kept
    assert.deepEqual(rows[0]!.values, { "kind of=event": "a=b\\c /", user: "o'brien, \"admin\"", text: 'said "stop",\nthen \\ left', ok: true, n: 1e21, small: 2.5e-7 });
  });

  it("does not retry a field type conflict (400): rejected points counted with the reason, nothing spooled", async () => {
    const t = Date.now() - 10_000;
    const before = writer.status();
    writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "conflict" }, fields: { value: "not a number" }, timeMs: t });
    writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "conflict" }, fields: { value: 1, quality: 0 }, timeMs: t + 1 });
    await writer.flush();
    await waitFor("the bad point rejected", 20_000, () => writer.status().rejectedPoints === before.rejectedPoints + 1, { observe: () => writer.status() });
    const s = writer.status();
    assert.match(s.lastRejectReason ?? "", /field type conflict/);
    assert.equal(s.writtenPoints, before.writtenPoints + 1, "the good point of the batch was written");
    assert.equal(s.spoolBytes, 0);
    assert.equal(cliCsv(db, `SELECT value FROM process WHERE "tag" = 'conflict'`).length, 1);
  });
});
