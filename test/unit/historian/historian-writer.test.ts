/**
 * The writer against a fake InfluxDB /write endpoint that can be up, down (closed port), failing (500),
 * refusing data (400 partial write) or hanging — to check order, spool hand-over, spill and accounting.
 * The real-influxd behaviour is in test/integration/historian-*.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskSpool } from "../../../src/historian/disk-spool.js";
import type { HistorianPoint } from "../../../src/historian/historian-point.js";
import type { HistorianStatus } from "../../../src/historian/historian-health.js";
import { HistorianWriter, type HistorianWriterOptions } from "../../../src/historian/historian-writer.js";
import { freePort } from "../../helpers/free-port.js";
import { waitFor } from "../../helpers/wait-for.js";

type Mode = "up" | "500" | "400" | "hang";

class FakeInflux {
  mode: Mode = "up";
  /** seq numbers in the order they were accepted. */
  readonly accepted: number[] = [];
  readonly bodies: string[] = [];
  requests = 0;
  /** Answer 500 to the write request with this number (counting from 1), once, whatever the mode. */
  failRequest: number | null = null;
  private server: Server | null = null;
  private hung: { res: ServerResponse; body: string }[] = [];
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        if (req.url === "/ping") return void res.writeHead(204).end(); // influxd answers /ping even when writes fail
        this.requests++;
        if (this.requests === this.failRequest) return void res.writeHead(500).end('{"error":"timeout"}');
        if (this.mode === "500") return void res.writeHead(500).end('{"error":"engine: cache full"}');
        if (this.mode === "400") {
          const n = body.split("\n").length;
          return void res.writeHead(400).end(JSON.stringify({ error: `partial write: field type conflict: input field "value" on measurement "process" is type string, already exists as type float dropped=${n}` }));
        }
        if (this.mode === "hang") return void this.hung.push({ res, body });
        this.accept(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(this.port, "127.0.0.1", r));
    this.server = server;
  }

  accept(body: string): void {
    this.bodies.push(body);
    for (const line of body.split("\n")) this.accepted.push(Number(/seq=(\d+)/.exec(line)![1]));
  }

  /** Answers hung requests (as if InfluxDB woke up) — they are written. */
  release(): void {
    for (const h of this.hung.splice(0)) {
      this.accept(h.body);
      h.res.writeHead(204).end();
    }
  }

  async stop(): Promise<void> {
    for (const h of this.hung.splice(0)) h.res.destroy();
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

const T0 = 1_700_000_000_000;
const point = (seq: number, timeMs = T0 + seq): HistorianPoint => ({ measurement: "process", tags: { tag: `t${seq % 3}` }, fields: { value: seq, seq }, timeMs });

describe("historian writer (fake InfluxDB)", function () {
  this.timeout(20_000);
  let dir: string;
  let influx: FakeInflux;
  let spool: DiskSpool;
  let writer: HistorianWriter | undefined;

  async function makeWriter(o: Partial<HistorianWriterOptions> = {}): Promise<HistorianWriter> {
    writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: influx.port, database: "htr" }, spool, batchSize: 100, flushIntervalMs: 20, maxBackoffMs: 50, ...o });
    writer.start();
    return writer;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "writer-"));
    influx = new FakeInflux(await freePort());
    await influx.start();
    spool = await DiskSpool.open({ dir, maxBytes: 50_000_000 });
  });
  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    await influx.stop();
    await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("write() only queues: synchronous, returns at once, never throws", async () => {
    const w = await makeWriter();
    const t = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) w.write(point(i));
    const perPointNs = Number(process.hrtime.bigint() - t) / 10_000;
    assert.equal(w.status().queuedPoints, 10_000);
    assert.equal(influx.requests, 0, "nothing sent inside write()");
    assert.ok(perPointNs < 20_000, `${perPointNs} ns per write`);
    assert.doesNotThrow(() => w.write(null as unknown as HistorianPoint));
    await w.flush();
    await waitFor("all written", 10_000, () => influx.accepted.length === 10_000);
    assert.equal(w.status().rejectedPoints, 1, "the non-point is counted, the batch around it is not lost");
  });

  it("sends full batches at once and the rest on the timer, in order, each point once", async () => {
    const w = await makeWriter({ flushIntervalMs: 200 });
    for (let i = 0; i < 250; i++) w.write(point(i));
    await waitFor("two full batches", 150, () => influx.accepted.length === 200);
    // Written: InfluxDB took them and the writer has its answer (the server can accept a batch a moment before
    // the writer counts it).
    await waitFor("the rest on the timer", 1000, () => influx.accepted.length === 250 && w.status().writtenPoints === 250);
    assert.deepEqual(influx.accepted, Array.from({ length: 250 }, (_, i) => i));
    assert.equal(w.status().writtenPoints, 250);
    assert.equal(w.status().online, true);
  });

  it("gives same-ms points of one series distinct µs stamps", async () => {
    const w = await makeWriter();
    for (let i = 0; i < 5; i++) w.write({ measurement: "process", tags: { tag: "x" }, fields: { value: i, seq: i }, timeMs: T0 });
    await w.flush();
    const stamps = influx.bodies.join("\n").split("\n").map((l) => l.split(" ").at(-1));
    assert.deepEqual(stamps, [0, 1, 2, 3, 4].map((k) => String(T0 * 1000 + k)));
  });

  it("spools while InfluxDB is down, keeps new batches behind the spooled ones, replays in order", async () => {
    const w = await makeWriter();
    const statuses: HistorianStatus[] = [];
    w.onStatus((s) => statuses.push(s));
    const replayed: { fromMs: number; toMs: number; points: number }[] = [];
    w.onReplayed((r) => replayed.push(r));
    let seq = 0;
    for (; seq < 300; seq++) w.write(point(seq));
    await w.flush();
    await waitFor("online", 10_000, () => w.status().online);
    await influx.stop();
    for (; seq < 1300; seq++) {
      w.write(point(seq));
      if (seq % 100 === 0) await new Promise((r) => setTimeout(r, 5)); // the load's pace, not a synchronisation
    }
    await w.flush();
    await waitFor("offline", 10_000, () => !w.status().online);
    assert.ok(w.status().spoolPoints > 0, "spooled");
    assert.match(w.status().lastError ?? "", /ECONNREFUSED/);
    await influx.start();
    // keep writing while it replays: these must land after the spooled ones
    for (; seq < 2000; seq++) {
      w.write(point(seq));
      if (seq % 50 === 0) await new Promise((r) => setTimeout(r, 2)); // the load's pace, not a synchronisation
    }
    await w.flush();
    await waitFor("drained", 10_000, () => influx.accepted.length === 2000 && w.status().writtenPoints === 2000 && w.status().spoolBytes === 0 && replayed.length > 0);
    assert.deepEqual(influx.accepted, Array.from({ length: 2000 }, (_, i) => i), "every point once, in write order");
    const s = w.status();
    assert.equal(s.online, true);
    assert.ok(s.replayedBatches > 0);
    assert.equal(s.droppedPoints, 0);
    assert.equal(s.writtenPoints, 2000);
    assert.ok(statuses.some((x) => !x.online) && statuses.at(-1)!.online, "status changes were emitted");
    assert.equal(replayed.length, 1);
    assert.ok(replayed[0]!.fromMs >= T0 + 300 - 1 && replayed[0]!.fromMs <= T0 + 400, `replay from ${replayed[0]!.fromMs - T0}`);
  });

  it("treats 5xx as retryable: spools and replays", async () => {
    const w = await makeWriter();
    influx.mode = "500";
    for (let i = 0; i < 150; i++) w.write(point(i));
    await w.flush();
    await waitFor("offline", 10_000, () => !w.status().online && w.status().spoolPoints === 150);
    assert.match(w.status().lastError ?? "", /HTTP 500: engine: cache full/);
    influx.mode = "up";
    await waitFor("replayed", 10_000, () => influx.accepted.length === 150 && w.status().spoolBytes === 0);
    assert.deepEqual(influx.accepted, Array.from({ length: 150 }, (_, i) => i));
  });

  it("a replay that fails part-way (5xx) drops its read-ahead and resumes from the failed record: in order, each once", async () => {
    const w = await makeWriter();
    influx.mode = "500";
    for (let i = 0; i < 2000; i++) w.write(point(i));
    await w.flush();
    await waitFor("all spooled", 10_000, () => w.status().spoolPoints === 2000 && w.status().queuedPoints === 0);
    const spooledRecords = spool.size();
    assert.ok(spooledRecords >= 10, `${spooledRecords} records`);
    // up again; the 5th replayed record's request fails (its successor was read ahead by then), then up for good
    influx.failRequest = influx.requests + 5;
    influx.mode = "up";
    await waitFor("replayed", 10_000, () => influx.accepted.length === 2000 && w.status().spoolBytes === 0 && w.status().online);
    assert.deepEqual(influx.accepted, Array.from({ length: 2000 }, (_, i) => i), "every point once, in write order");
    assert.equal(w.status().writtenPoints, 2000);
    assert.ok(influx.requests >= influx.failRequest!, "the failing request was made");
  });

  it("does not retry bad data (400 partial write): counts rejected points with the reason", async () => {
    const w = await makeWriter();
    influx.mode = "400";
    for (let i = 0; i < 150; i++) w.write(point(i));
    await w.flush();
    await waitFor("rejected", 10_000, () => w.status().rejectedPoints === 150);
    const before = influx.requests;
    await new Promise((r) => setTimeout(r, 200)); // nothing more happens: no retry in 200 ms
    assert.equal(influx.requests, before, "not retried");
    const s = w.status();
    assert.equal(s.spoolPoints, 0, "not spooled");
    assert.match(s.lastRejectReason ?? "", /field type conflict/);
    assert.equal(s.online, true, "InfluxDB answered");
  });

  it("counts points that have no writable field as rejected", async () => {
    const w = await makeWriter();
    w.write({ measurement: "process", tags: { tag: "x" }, fields: { value: Number.NaN }, timeMs: T0 });
    w.write(point(1));
    await w.flush();
    await waitFor("written", 10_000, () => influx.accepted.length === 1);
    assert.equal(w.status().rejectedPoints, 1);
    assert.match(w.status().lastRejectReason ?? "", /without a writable field/);
  });

  it("bounds memory when InfluxDB hangs: spills to the spool (batch in flight first), nothing lost or doubled", async () => {
    const w = await makeWriter({ maxQueuePoints: 500, requestTimeoutMs: 60_000 });
    influx.mode = "hang";
    let seq = 0;
    for (; seq < 3000; seq++) {
      w.write(point(seq));
      if (seq % 100 === 0) await new Promise((r) => setTimeout(r, 5)); // the load's pace (≈ 20 000 points/s), not a synchronisation
      assert.ok(w.status().queuedPoints <= 1000, `queue ${w.status().queuedPoints}`);
    }
    await w.flush();
    assert.ok(w.status().spoolPoints >= 2500, `spooled ${w.status().spoolPoints}`);
    influx.mode = "up";
    influx.release(); // the hung request succeeds after all: its spooled copy must not be sent again
    await waitFor("drained", 10_000, () => w.status().spoolBytes === 0 && influx.accepted.length >= 3000);
    await new Promise((r) => setTimeout(r, 100)); // nothing more happens: no copy sent twice in 100 ms
    assert.deepEqual(influx.accepted, Array.from({ length: 3000 }, (_, i) => i), "each point once, in order");
    assert.equal(w.status().droppedPoints, 0);
    assert.equal(w.status().writtenPoints, 3000);
  });

  it("stop() sends what is queued to the spool when InfluxDB is down; the next writer replays it", async () => {
    const w = await makeWriter({ flushIntervalMs: 10_000 });
    await influx.stop();
    for (let i = 0; i < 250; i++) w.write(point(i));
    await w.stop();
    writer = undefined;
    assert.equal(spool.status().points, 250);
    await influx.start();
    const w2 = await makeWriter();
    await waitFor("replayed", 10_000, () => influx.accepted.length === 250 && w2.status().spoolBytes === 0);
    assert.deepEqual(influx.accepted, Array.from({ length: 250 }, (_, i) => i));
  });

  it("stop() does not hang on a hung InfluxDB: after stopTimeoutMs the batch in flight goes to the spool", async () => {
    const w = await makeWriter({ stopTimeoutMs: 300, requestTimeoutMs: 60_000 });
    influx.mode = "hang";
    for (let i = 0; i < 250; i++) w.write(point(i));
    await waitFor("a request in flight", 10_000, () => influx.requests > 0);
    const t = Date.now();
    await w.stop();
    writer = undefined;
    const took = Date.now() - t;
    assert.ok(took >= 250 && took < 2000, `stop took ${took} ms`);
    assert.equal(spool.status().points, 250, "nothing lost: all of it spooled for the next start");
    assert.equal(w.status().droppedPoints, 0);
  });

  it("counts points written after stop() or past the hard memory bound as dropped", async () => {
    const w = await makeWriter({ maxQueuePoints: 100, hardQueuePoints: 150, flushIntervalMs: 10_000 });
    influx.mode = "hang";
    for (let i = 0; i < 200; i++) w.write(point(i)); // synchronous: the pump cannot run in between
    assert.equal(w.status().queuedPoints, 150);
    assert.equal(w.status().droppedPoints, 50);
    influx.mode = "up";
    influx.release();
    await w.stop();
    writer = undefined;
    w.write(point(999));
    assert.equal(w.status().droppedPoints, 51);
  });
});
