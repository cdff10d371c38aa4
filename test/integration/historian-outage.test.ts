/**
 * Store and forward against a real private influxd: stopped while the writer keeps writing, the writer
 * process killed with -9 while InfluxDB is down, and the spool filling up. What arrived is read back with
 * the `influx` CLI. (The lead's 60 s end-to-end outage lives in test/e2e.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InfluxDB } from "influx";
import { DiskSpool } from "../../src/historian/disk-spool.js";
import type { HistorianPoint } from "../../src/historian/historian-point.js";
import { ensureHistorianSchema } from "../../src/historian/historian-schema.js";
import type { HistorianStatus } from "../../src/historian/historian-health.js";
import { HistorianWriter } from "../../src/historian/historian-writer.js";
import { spawnTsx } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { influxCsvRows, startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

/** seq values of `tag`, in time order, read with the influx CLI. */
function seqsInInflux(db: TestInfluxd, tag: string): number[] {
  return influxCsvRows(db, `SELECT seq FROM process WHERE "tag" = '${tag}' ORDER BY time ASC`, { database: "htr" }).map((r) => Number(r[2]));
}

const T0 = Date.now() - 3_600_000;
const point = (tag: string, seq: number): HistorianPoint => ({
  measurement: "process",
  tags: { line: "l1", station: "s", tag },
  // a few points share a millisecond: they must stay apart too
  fields: { value: seq, quality: 0, seq },
  timeMs: T0 + Math.floor(seq / 3),
});

describe("historian store and forward (real influxd)", function () {
  this.timeout(60_000);
  let db: TestInfluxd;
  const dirs: string[] = [];
  const tmp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  before(async () => {
    db = await startTestInfluxd();
    await ensureHistorianSchema(new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr" }));
  });
  after(async () => {
    await db?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("influxd stopped for ≈ 5 s while writing: every point arrives exactly once, in order, spool empty after", async () => {
    const spool = await DiskSpool.open({ dir: tmp("spool-"), maxBytes: 200_000_000 });
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 1000, flushIntervalMs: 100 });
    const statuses: HistorianStatus[] = [];
    writer.onStatus((s) => statuses.push(s));
    writer.start();
    let seq = 0;
    const producer = setInterval(() => {
      for (let i = 0; i < 40; i++) writer.write(point("outage", seq++)); // ≈ 4 000 points/s
    }, 10);
    try {
      await waitFor("the first points written to influxd", 10_000, () => writer.status().writtenPoints > 0, { observe: () => writer.status() });
      await db.stop();
      const downAt = seq;
      const downFrom = Date.now();
      // The outage: ≈ 5 s of influxd stopped (the scenario), and until the writer is offline with > 10 000 points spooled.
      await waitFor("≈ 5 s of outage, the writer offline with > 10 000 points spooled", 30_000, () => {
        const s = writer.status();
        return Date.now() - downFrom >= 5000 && !s.online && s.spoolPoints > 10_000;
      }, { everyMs: 20, observe: () => writer.status() });
      assert.equal(writer.status().online, false);
      assert.ok(writer.status().spoolPoints > 10_000, `spooled ${writer.status().spoolPoints}`);
      assert.match(writer.status().lastError ?? "", /ECONNREFUSED|ECONNRESET|socket hang up/);
      const spooledAtRestart = writer.status().spoolPoints;
      let replayed = false;
      writer.onReplayed(() => (replayed = true));
      await db.start();
      const upAt = Date.now();
      // Drained: the replay is over and the writer writes directly again (the spool can be empty for a moment
      // between two replayed batches while points produced meanwhile are still being spooled).
      await waitFor("spool drained: replay over, writing directly", 30_000, () => replayed && writer.status().spoolBytes === 0, { everyMs: 20, observe: () => ({ replayed, ...writer.status() }) });
      const drainMs = Date.now() - upAt;
      console.log(`      outage: ${seq - downAt} points written while down, ${spooledAtRestart} spooled at restart, drained in ${drainMs} ms while writing on`);
      const seqAtDrain = seq;
      await waitFor("writing on directly: every point produced until the drain written", 10_000, () => writer.status().writtenPoints >= seqAtDrain, {
        observe: () => ({ seqAtDrain, ...writer.status() }),
      });
    } finally {
      clearInterval(producer);
    }
    await writer.stop();
    await spool.close();
    const s = writer.status();
    assert.equal(s.droppedPoints, 0);
    assert.equal(s.rejectedPoints, 0);
    assert.equal(s.writtenPoints, seq);
    assert.ok(s.replayedBatches > 0);
    assert.equal(spool.bytes(), 0);
    assert.ok(statuses.some((x) => !x.online) && statuses.at(-1)!.online);
    const got = seqsInInflux(db, "outage");
    assert.equal(got.length, seq, "each point once");
    assert.deepEqual(got, Array.from({ length: seq }, (_, i) => i), "in order");
  });

  it("drains a 100 000-point backlog at a rate comparable to direct writes", async () => {
    const spoolDir = tmp("spool-");
    let spool = await DiskSpool.open({ dir: spoolDir, maxBytes: 500_000_000 });
    await db.stop();
    const down = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 5000, flushIntervalMs: 100 });
    down.start();
    for (let i = 0; i < 100_000; i++) down.write(point("backlog", i));
    await down.stop();
    assert.equal(spool.status().points, 100_000);
    await spool.close();
    await db.start();

    // direct rate, same influxd, same batch size
    const direct = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool: await DiskSpool.open({ dir: tmp("spool-"), maxBytes: 1e8 }), batchSize: 5000 });
    direct.start();
    let t = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) direct.write(point("direct", i));
    await direct.flush();
    const directMs = Number(process.hrtime.bigint() - t) / 1e6;
    await direct.stop();

    spool = await DiskSpool.open({ dir: spoolDir, maxBytes: 500_000_000 });
    const replay = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 5000 });
    t = process.hrtime.bigint();
    replay.start();
    await waitFor("backlog drained", 30_000, () => spool.bytes() === 0, { everyMs: 20, observe: () => replay.status() });
    const drainMs = Number(process.hrtime.bigint() - t) / 1e6;
    await replay.stop();
    await spool.close();
    const directRate = Math.round(100_000 / (directMs / 1000));
    const drainRate = Math.round(100_000 / (drainMs / 1000));
    console.log(`      direct ${directRate} points/s, drain ${drainRate} points/s (ratio ${(drainRate / directRate).toFixed(2)})`);
    assert.deepEqual(seqsInInflux(db, "backlog"), Array.from({ length: 100_000 }, (_, i) => i));
    assert.ok(drainRate > 0.5 * directRate, "drain is not much slower than direct writing");
  });

  it("writer killed with -9 while influxd is down: a new writer on the same spool delivers every spooled point", async () => {
    const spoolDir = tmp("spool-");
    const deadPort = await freePort(); // nothing listens: InfluxDB is down for the child
    const script = join(tmp("child-"), "writer-child.mts");
    const mod = (f: string) => JSON.stringify(pathToFileURL(resolve(`src/historian/${f}`)).href);
    writeFileSync(
      script,
      `import { DiskSpool } from ${mod("disk-spool.ts")};
import { HistorianWriter } from ${mod("historian-writer.ts")};
const spool = await DiskSpool.open({ dir: ${JSON.stringify(spoolDir)}, maxBytes: 100_000_000 });
const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: ${deadPort}, database: "htr" }, spool, batchSize: 500, flushIntervalMs: 50 });
writer.start();
const T0 = ${T0};
for (let seq = 0; ; ) {
  for (let i = 0; i < 250; i++, seq++) {
    writer.write({ measurement: "process", tags: { line: "l1", station: "s", tag: "killed" }, fields: { value: seq, quality: 0, seq }, timeMs: T0 + Math.floor(seq / 3) });
  }
  await writer.flush();
  process.stdout.write("SPOOLED " + seq + "\\n");
}
`,
    );
    const child = spawnTsx([script], { stdin: "ignore", name: "the writer child" });
    try {
      await child.waitForOutput(/SPOOLED (2\d{4}|[3-9]\d{4})\n/, 20_000); // the child spooled 20 000 points
    } finally {
      await child.kill("SIGKILL");
    }
    assert.equal(child.stderr().trim(), "");
    const confirmed = Math.max(...[...child.stdout().matchAll(/SPOOLED (\d+)\n/g)].map((m) => Number(m[1])));

    const spool = await DiskSpool.open({ dir: spoolDir, maxBytes: 100_000_000 });
    const torn = spool.status().tornRecords;
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 5000 });
    writer.start();
    await waitFor("the spool replayed", 30_000, () => spool.bytes() === 0 && writer.status().replayedBatches > 0, { everyMs: 20, observe: () => writer.status() });
    await writer.stop();
    await spool.close();
    const got = seqsInInflux(db, "killed");
    console.log(`      kill -9: ${confirmed} points confirmed spooled, ${got.length} delivered, ${torn} torn record(s) skipped`);
    assert.ok(got.length >= confirmed, `every confirmed point arrived (${got.length} ≥ ${confirmed})`);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i), "each once, in order, no gap");
    assert.ok(torn <= 1);
  });

  it("spool full: new batches dropped and counted, status says spoolFull; what was spooled still arrives", async () => {
    const spool = await DiskSpool.open({ dir: tmp("spool-"), maxBytes: 100_000, segmentBytes: 64 * 1024 });
    await db.stop();
    const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: db.port, database: "htr" }, spool, batchSize: 200, flushIntervalMs: 50 });
    const seen: HistorianStatus[] = [];
    writer.onStatus((s) => seen.push(s));
    writer.start();
    for (let i = 0; i < 10_000; i++) {
      writer.write(point("full", i));
      if (i % 200 === 199) await writer.flush(); // each batch of 200 taken (spooled or dropped) before the next
    }
    await writer.flush();
    const s = writer.status();
    assert.equal(s.spoolFull, true);
    assert.ok(s.droppedPoints > 0);
    assert.equal(s.spoolPoints + s.droppedPoints, 10_000, "every point is either spooled or counted as dropped");
    assert.ok(s.spoolBytes <= 100_000 && s.spoolFraction > 0.9);
    assert.ok(seen.some((x) => x.spoolFull && x.droppedPoints > 0), "the full state was emitted for the alarm");
    const spooled = s.spoolPoints;
    await db.start();
    await waitFor("the spool drained", 30_000, () => spool.bytes() === 0, { everyMs: 20, observe: () => writer.status() });
    await writer.stop();
    await spool.close();
    assert.equal(writer.status().spoolFull, false);
    const got = seqsInInflux(db, "full");
    assert.equal(got.length, spooled);
    assert.deepEqual(got, Array.from({ length: spooled }, (_, i) => i), "the oldest points were kept, the newest dropped");
  });
});
