import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DiskSpool } from "../../../src/historian/disk-spool.js";
import type { SpoolBatch } from "../../../src/historian/spool-record.js";
import { spawnTsx } from "../../helpers/child-process.js";

function batch(i: number, size = 100): SpoolBatch {
  return { lines: `m,n=${i} v=${i} ${i}\n`.padEnd(size, "#"), points: 1 + (i % 7), minTimeMs: i, maxTimeMs: i + 1 };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
}

async function drain(spool: DiskSpool): Promise<number[]> {
  const out: number[] = [];
  for (let r = await spool.peek(); r; r = await spool.peek()) {
    out.push(Number(/n=(\d+)/.exec(r.lines)![1]));
    await spool.ack(r.id);
  }
  return out;
}

describe("disk spool", function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("returns batches oldest first, exactly once, across segments and reopenings", async () => {
    let spool = await DiskSpool.open({ dir, maxBytes: 1_000_000, segmentBytes: 64 * 1024 });
    for (let i = 0; i < 1000; i++) assert.deepEqual((await spool.append(batch(i, 300))).spooled, true);
    assert.ok(readdirSync(dir).filter((n) => n.endsWith(".seg")).length > 3, "several segments");
    const first = await spool.peek();
    assert.equal(first?.points, 1);
    assert.equal(first?.minTimeMs, 0);
    assert.equal(first?.maxTimeMs, 1);
    const got: number[] = [];
    for (let k = 0; k < 400; k++) {
      const r = (await spool.peek())!;
      got.push(Number(/n=(\d+)/.exec(r.lines)![1]));
      await spool.ack(r.id);
    }
    await spool.close();
    spool = await DiskSpool.open({ dir, maxBytes: 1_000_000, segmentBytes: 64 * 1024 });
    assert.equal(spool.size(), 600);
    for (let i = 1000; i < 1100; i++) await spool.append(batch(i, 300));
    got.push(...(await drain(spool)));
    assert.deepEqual(got, Array.from({ length: 1100 }, (_, i) => i));
    assert.equal(spool.bytes(), 0);
    assert.equal(spool.status().points, 0);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".seg")), [], "segments removed once empty");
    await spool.close();
  });

  it("ack refuses an id that is not the oldest", async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    await spool.append(batch(1));
    await spool.append(batch(2));
    const r = (await spool.peek())!;
    await assert.rejects(spool.ack(r.id + 1), /oldest/);
    await spool.ack(r.id);
    assert.equal(spool.size(), 1);
    await spool.close();
  });

  it("detects a torn last record, skips and counts it, and appends cleanly after it", async () => {
    let spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    for (let i = 0; i < 3; i++) await spool.append(batch(i, 200));
    await spool.close();
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith(".seg"))!);
    truncateSync(seg, statSync(seg).size - 50); // the third record is cut in half
    spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    assert.equal(spool.size(), 2);
    assert.equal(spool.status().tornRecords, 1);
    assert.ok(spool.status().corruptBytes > 0);
    await spool.append(batch(3, 200));
    assert.deepEqual(await drain(spool), [0, 1, 3]);
    await spool.close();
  });

  it("detects garbage after the last record (a torn header)", async () => {
    let spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    await spool.append(batch(0));
    await spool.close();
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith(".seg"))!);
    appendFileSync(seg, Buffer.from([0x48, 0x53, 0x50, 0x31, 9, 9]));
    spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    assert.equal(spool.size(), 1);
    assert.equal(spool.status().tornRecords, 1);
    assert.deepEqual(await drain(spool), [0]);
    await spool.close();
  });

  it("skips and counts a record that fails its checksum when read back", async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 100_000 });
    for (let i = 0; i < 3; i++) await spool.append(batch(i, 200));
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith(".seg"))!);
    const buf = readFileSync(seg);
    buf.writeUInt8(buf.readUInt8(232 + 40) ^ 0xff, 232 + 40); // inside the second record's payload
    writeFileSync(seg, buf);
    assert.deepEqual(await drain(spool), [0, 2]);
    assert.equal(spool.status().tornRecords, 1);
    assert.match(spool.status().lastError ?? "", /corrupt/);
    await spool.close();
  });

  it("peekNext reads the record after one ahead (across segments), changes nothing, and leaves a corrupt one to peek", async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1_000_000, segmentBytes: 64 * 1024 });
    for (let i = 0; i < 400; i++) await spool.append(batch(i, 300));
    const ids: number[] = [];
    const seen: number[] = [];
    for (let r = await spool.peek(); r; ) {
      seen.push(Number(/n=(\d+)/.exec(r.lines)![1]));
      ids.push(r.id);
      const next = await spool.peekNext(r.id);
      assert.equal(spool.size(), 400 - ids.length + 1, "read ahead acknowledges nothing");
      await spool.ack(r.id);
      if (next) assert.equal(next.id, (await spool.peek())!.id, "the record read ahead is the next oldest");
      assert.equal(next?.lines, (await spool.peek())?.lines);
      r = next;
    }
    assert.deepEqual(seen, Array.from({ length: 400 }, (_, i) => i));
    assert.equal(spool.isEmpty(), true);
    assert.equal(await spool.peekNext(ids.at(-1)!), null, "no record after the last");

    for (let i = 0; i < 3; i++) await spool.append(batch(i, 200));
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith(".seg"))!);
    const buf = readFileSync(seg);
    buf.writeUInt8(buf.readUInt8(232 + 40) ^ 0xff, 232 + 40); // inside the second record's payload
    writeFileSync(seg, buf);
    const first = (await spool.peek())!;
    assert.equal(await spool.peekNext(first.id), null, "a corrupt record is not read ahead");
    assert.equal(spool.status().tornRecords, 0, "nor counted or skipped by reading ahead");
    await spool.ack(first.id);
    assert.deepEqual(await drain(spool), [2], "peek skips it once it is the oldest");
    assert.equal(spool.status().tornRecords, 1);
    await spool.close();
  });

  it("survives kill -9 of the appending process: reopens, keeps every acknowledged append, in order", async () => {
    const script = join(dir, "appender.ts");
    const spoolDir = join(dir, "spool");
    const mod = pathToFileURL(resolve("src/historian/disk-spool.ts")).href;
    writeFileSync(
      script,
      `import { DiskSpool } from ${JSON.stringify(mod)};
const spool = await DiskSpool.open({ dir: ${JSON.stringify(spoolDir)}, maxBytes: 50_000_000, segmentBytes: 256 * 1024 });
for (let i = 0; ; i++) {
  await spool.append({ lines: "m,n=" + i + " v=1 1\\n".padEnd(3000, "#"), points: 1 });
  process.stdout.write("ok " + i + "\\n");
}
`,
    );
    const child = spawnTsx([script], { stdin: "ignore", name: "the appender child" });
    try {
      await child.waitForOutput(/ok 300\n/, 15_000);
    } finally {
      await child.kill("SIGKILL");
    }
    const confirmed = Math.max(...[...child.stdout().matchAll(/ok (\d+)\n/g)].map((m) => Number(m[1])));
    const spool = await DiskSpool.open({ dir: spoolDir, maxBytes: 50_000_000, segmentBytes: 256 * 1024 }); // stale LOCK taken over
    const got = await drain(spool);
    assert.ok(got.length >= confirmed + 1, `every confirmed append is there (${got.length} ≥ ${confirmed + 1})`);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i), "in order, none twice, no gap");
    assert.ok(spool.status().tornRecords <= 1);
    await spool.close();
  });

  it("refuses a second open of the same directory while the first is in use", async () => {
    const a = await DiskSpool.open({ dir, maxBytes: 10_000 });
    writeFileSync(join(dir, "LOCK"), `${process.ppid}\n`); // another live process holds it
    await assert.rejects(DiskSpool.open({ dir, maxBytes: 10_000 }), /in use/);
    writeFileSync(join(dir, "LOCK"), `${process.pid}\n`);
    await a.close();
  });

  it("when full: drops and counts new batches, says full, and recovers when it drains", async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 10_000, segmentBytes: 64 * 1024 });
    let spooled = 0;
    let dropped = 0;
    for (let i = 0; i < 100; i++) {
      const r = await spool.append(batch(i, 500));
      if (r.spooled) spooled++;
      else {
        assert.equal(r.reason, "full");
        dropped += batch(i).points;
      }
    }
    const st = spool.status();
    assert.equal(st.full, true);
    assert.ok(spooled > 0 && spooled < 100);
    assert.equal(st.droppedPoints, dropped);
    assert.equal(st.droppedBatches, 100 - spooled);
    assert.ok(st.bytes <= 10_000 && st.fraction > 0.9 && st.fraction <= 1);
    // the oldest data is kept (nothing evicted)
    const first = (await spool.peek())!;
    assert.match(first.lines, /n=0 /);
    await spool.ack(first.id);
    await spool.ack();
    assert.equal(spool.status().full, false, "below the low-water mark again");
    assert.equal((await spool.append(batch(1000, 500))).spooled, true);
    await spool.close();
  });

  it("keeps the disk bounded: pending ≤ maxBytes and files ≤ maxBytes + one segment", async () => {
    const maxBytes = 200_000;
    const segmentBytes = 64 * 1024;
    const spool = await DiskSpool.open({ dir, maxBytes, segmentBytes });
    let maxDisk = 0;
    for (let i = 0; i < 3000; i++) {
      await spool.append(batch(i, 1000 + (i % 13) * 100));
      if (i % 3 === 0) {
        const r = await spool.peek();
        if (r) await spool.ack(r.id);
      }
      assert.ok(spool.bytes() <= maxBytes);
      maxDisk = Math.max(maxDisk, dirBytes(dir));
    }
    assert.ok(maxDisk <= maxBytes + segmentBytes + 1024, `disk ${maxDisk}`);
    assert.ok(spool.status().droppedPoints > 0);
    await spool.close();
  });
});
