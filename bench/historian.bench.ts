/**
 * Historian write path: our HistorianWriter vs raw batched line-protocol writers, on one private influxd.
 *
 * 1. Sustained write (points/s), two figures from one run. Each round writes three fresh streams of
 *    SUSTAINED_N points (the point objects are made before any clock starts, for every side), one per side,
 *    the order of the sides rotating from round to round so noise from elsewhere on the machine hits all
 *    alike; the figures are the sums over ROUNDS rounds.
 *    - Ours: `HistorianWriter.write()` fed by a producer that keeps at most HIGH_WATER points queued (a
 *      steady source, well under the writer's 100 000-point spill bound: a burst of N points at once would
 *      spill to the disk spool and measure the spool), timed from the first `write()` until
 *      `status().writtenPoints` reaches N (the writer is made and started before the clock starts). Inside
 *      the clock: queueing, encoding (µs stamps, series keys), batching into 5000-point bodies, HTTP.
 *    - Raw, encoding inside its timed section ("raw+encode"): the same kind of point objects, encoded per
 *      point with the plain reference encoder (`encodePoint(p, "u")`: measurement and sorted tags escaped
 *      for every point, fields, timestamp) into 5000-point bodies — the same bytes ours sends (checked on
 *      the first round, outside the clock) — each body encoded while the one before is on the wire, POSTed
 *      one after the other over one keep-alive socket to /write?precision=u. Timed from the first point
 *      encoded to the last 204. It does no queueing, no µs uniquifying, no spool bookkeeping.
 *      Goal: ours ≥ 0.95 × raw+encode.
 *    - Transport only: the same, but every body is encoded before the clock starts; timed from the first
 *      POST to the last 204 — the limit of this influxd and socket. Goal: ours ≥ 0.8 × transport.
 * 2. Backlog drain (points/s). influxd stopped; our writer spools N points; influxd started; time from
 *    influxd answering /ping until the spool is empty and the writer online (this includes the writer
 *    noticing that influxd is back: its replay asks every 100 ms while the connection is refused, plus
 *    reading every record back from disk and checking it). Raw: influxd restarted the same way, then the
 *    same number of points, encoded before the clock starts, POSTed from memory as the transport-only side
 *    of 1. Goal: ours ≥ 0.8 × raw.
 * 3. Point lag, p99 (ms): `write()` at a steady LAG_RATE points/s for LAG_MS; a point's lag is the time
 *    from its `write()` to the end of the HTTP write that carried it, observed by polling
 *    `status().writtenPoints` every event-loop turn (the writer keeps order, one request at a time, so
 *    writtenPoints passing a point's index means its batch is stored). One figure per flush interval
 *    (1000 ms, the default, and 100 ms). Baseline: a raw writer's request latency (body ready → 204) for
 *    the very batch sizes our writer sent. Goal: p99 ≤ flush interval + 50 ms.
 *
 * Points look like process points: measurement `process`, tags line / station / tag over 100 tag names,
 * fields value (float) and quality 0. Every run writes its own time range (nothing overwrites). Figures 1
 * and 2 use a range two days back (inside the 30 d `raw` retention, outside the CQs' RESAMPLE windows, so
 * the CQs do no work on them); figure 3 uses the current time, as in production. influxd runs with the
 * production CQ run interval (10 s).
 */
import { Agent, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { InfluxDB } from "influx";
import { DiskSpool } from "../src/historian/disk-spool.js";
import { encodePoint, type HistorianPoint } from "../src/historian/historian-point.js";
import { ensureHistorianSchema, runInfluxQl } from "../src/historian/historian-schema.js";
import type { HistorianStatus } from "../src/historian/historian-health.js";
import { HistorianWriter } from "../src/historian/historian-writer.js";
import { PointQueue } from "../src/historian/point-queue.js";
import { startTestInfluxd, type TestInfluxd } from "../test/helpers/influxd.js";
import type { BenchFigure } from "./bench-figure.js";

const HOST = "127.0.0.1";
const DB = "htr";
const LINE = "htr-line-1";
/** The writer's default batch size; the raw writer uses the same. */
const BATCH = 5000;
const SERIES = 100;
/** Time between consecutive points of the generated stream: 100 tags every 10 ms. */
const STEP_MS = 0.1;

/** Sustained write: points per side per round, and rounds (the three sides in rotating order). */
const SUSTAINED_N = 200_000;
const ROUNDS = 3;
/** The producer keeps at most this many points queued in our writer (its spill bound is 100 000). */
const HIGH_WATER = 4 * BATCH;
const FEED_CHUNK = 1000;

/** Backlog drain: points per side per round, and rounds. */
const BACKLOG_N = 200_000;
const BACKLOG_ROUNDS = 2;

/** Lag: steady write rate, duration per flush interval, flush intervals. */
const LAG_RATE = 2000;
const LAG_MS = 10_000;
const LAG_FLUSH_MS = [1000, 100] as const;
/** Idle time before each raw lag-baseline request (the socket idles between flushes in our writer too). */
const RAW_LAG_GAP_MS = 20;
/** At most this many of our batch sizes (evenly spaced) are replayed by the raw writer. */
const RAW_LAG_SAMPLES = 100;

const TIMEOUT_MS = 60_000;

// --- points -----------------------------------------------------------------------------------------

interface Series {
  readonly tags: Readonly<Record<string, string>>;
  readonly base: number;
  readonly span: number;
}

const SERIES_LIST: readonly Series[] = (() => {
  const stations = ["feed", "htr", "quench", "rinse", "wind"];
  const kinds = [
    "web_speed", "web_tension", "temp", "pressure", "flow", "level", "current", "voltage", "power", "o2",
    "humidity", "vibration", "position", "torque", "setpoint", "valve_pos", "pump_speed", "dew_point", "ph", "conductivity",
  ];
  const out: Series[] = [];
  for (let i = 0; i < SERIES; i++) {
    const station = stations[i % stations.length]!;
    const kind = kinds[Math.floor(i / stations.length) % kinds.length]!;
    out.push({ tags: { line: LINE, station, tag: `${station}.${kind}` }, base: 20 + 13 * i, span: 1 + (i % 7) });
  }
  return out;
})();

/** Point i of a stream starting at t0Ms: series round-robin, one point every STEP_MS. */
function makePoint(i: number, timeMs: number): HistorianPoint {
  const s = SERIES_LIST[i % SERIES]!;
  return { measurement: "process", tags: s.tags, fields: { value: s.base + s.span * Math.sin(i * 0.001) + i * 1e-7, quality: 0 }, timeMs };
}

function makePoints(n: number, t0Ms: number): HistorianPoint[] {
  const out = new Array<HistorianPoint>(n);
  for (let i = 0; i < n; i++) out[i] = makePoint(i, t0Ms + i * STEP_MS);
  return out;
}

/** The line-protocol body of points [from, to) (µs precision, as our writer sends), per point with the reference encoder. */
function encodeBody(points: readonly HistorianPoint[], from: number, to: number): Buffer {
  const lines: string[] = [];
  for (let j = from; j < to; j++) {
    const l = encodePoint(points[j]!, "u");
    if (l !== null) lines.push(l);
  }
  return Buffer.from(lines.join("\n"), "utf8");
}

/** Line-protocol bodies of `batch` points each. */
function encodeBodies(points: readonly HistorianPoint[], batch: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < points.length; i += batch) out.push(encodeBody(points, i, Math.min(points.length, i + batch)));
  return out;
}

/**
 * What our writer sends for these points (its PointQueue, µs stamps included), to check that the raw sides
 * send the same bytes (not timed).
 */
async function ourBodies(points: readonly HistorianPoint[], batch: number): Promise<Buffer[]> {
  const q = new PointQueue(batch, 100_000, () => undefined);
  for (const p of points) q.push(p);
  const out: Buffer[] = [];
  while (q.length > 0) out.push((await q.encodeBatch()).body);
  return out;
}

/** Hands out disjoint time ranges (epoch ms), 1 s apart. */
class TimeRanges {
  constructor(private next: number) {}
  take(points: number): number {
    const t0 = this.next;
    this.next = t0 + Math.ceil(points * STEP_MS) + 1000;
    return t0;
  }
}

// --- the raw writer ---------------------------------------------------------------------------------

class RawWriter {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly path = `/write?${new URLSearchParams({ db: DB, precision: "u" }).toString()}`;
  constructor(private readonly port: number) {}

  /** POSTs one body; resolves on 204, rejects otherwise. */
  post(body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: HOST, port: this.port, method: "POST", path: this.path, agent: this.agent, headers: { "content-type": "text/plain; charset=utf-8", "content-length": body.length } },
        (res) => {
          if (res.statusCode === 204) {
            res.resume();
            res.on("end", resolve);
            return;
          }
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => reject(new Error(`raw write: HTTP ${res.statusCode}: ${text.trim()}`)));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /**
   * Encodes the points (reference encoder, `batch` per body) and POSTs the bodies one after the other, each
   * body encoded while the one before is on the wire; returns the elapsed ms, encoding included.
   */
  async encodeAndPostAll(points: readonly HistorianPoint[], batch: number): Promise<{ ms: number; requests: number }> {
    const t0 = performance.now();
    let inflight: Promise<void> | null = null;
    let requests = 0;
    for (let i = 0; i < points.length; i += batch) {
      const body = encodeBody(points, i, Math.min(points.length, i + batch));
      if (inflight) await inflight;
      inflight = this.post(body);
      requests += 1;
    }
    if (inflight) await inflight;
    return { ms: performance.now() - t0, requests };
  }

  /** All bodies, one after the other; returns the elapsed ms. */
  async postAll(bodies: readonly Buffer[]): Promise<number> {
    const t0 = performance.now();
    for (const b of bodies) await this.post(b);
    return performance.now() - t0;
  }

  close(): void {
    this.agent.destroy();
  }
}

// --- our writer -------------------------------------------------------------------------------------

interface Ours {
  readonly writer: HistorianWriter;
  readonly spool: DiskSpool;
  close(): Promise<void>;
}

async function openOurs(port: number, flushIntervalMs?: number): Promise<Ours> {
  const dir = mkdtempSync(join(tmpdir(), "historian-bench-spool-"));
  const spool = await DiskSpool.open({ dir, maxBytes: 1 << 30 });
  const writer = new HistorianWriter({ influx: { host: HOST, port, database: DB }, spool, ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }) });
  return {
    writer,
    spool,
    close: async () => {
      try {
        await writer.stop();
        await spool.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls (every `everyMs`, 0 = every event-loop turn) until `cond`; throws after TIMEOUT_MS with `what`. */
async function until(what: string, cond: () => boolean, everyMs = 1, status?: () => HistorianStatus): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`historian bench: timed out waiting for ${what}${status ? ` (${JSON.stringify(status())})` : ""}`);
    await (everyMs > 0 ? sleep(everyMs) : tick());
  }
}

/** Feeds the points to `write()`, FEED_CHUNK per event-loop turn, keeping at most HIGH_WATER queued (else it waits 1 ms). */
async function feed(writer: HistorianWriter, points: readonly HistorianPoint[]): Promise<void> {
  let i = 0;
  while (i < points.length) {
    if (writer.status().queuedPoints < HIGH_WATER) {
      const end = Math.min(points.length, i + FEED_CHUNK);
      for (; i < end; i++) writer.write(points[i]!);
      await tick();
    } else await sleep(1);
  }
}

/** Node CPU time (user + system, ms) since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

function checkClean(s: HistorianStatus, what: string): void {
  if (s.droppedPoints !== 0 || s.rejectedPoints !== 0) throw new Error(`historian bench (${what}): dropped ${s.droppedPoints}, rejected ${s.rejectedPoints} (${s.lastRejectReason ?? s.lastError ?? ""})`);
}

/** Points stored in [fromMs, toMs). */
async function storedPoints(influx: InfluxDB, fromMs: number, toMs: number): Promise<number> {
  const q = `SELECT count(value) FROM raw.process WHERE time >= ${Math.floor(fromMs)}ms AND time < ${Math.ceil(toMs)}ms`;
  const res = await runInfluxQl(influx, q, DB);
  const v = res.results?.[0]?.series?.[0]?.values?.[0]?.[1];
  return typeof v === "number" ? v : 0;
}

// --- figures ----------------------------------------------------------------------------------------

const perSecond = (n: number, ms: number) => (n * 1000) / ms;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;

function quantile(sorted: Float64Array | readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function sustainedWrite(db: TestInfluxd, influx: InfluxDB, ranges: TimeRanges): Promise<BenchFigure[]> {
  const rawEnc = { points: 0, ms: 0, requests: 0, cpuMs: 0 };
  const transport = { points: 0, ms: 0, encodeMs: 0, requests: 0, cpuMs: 0 };
  const ours = { points: 0, ms: 0, spooled: 0, cpuMs: 0 };
  const perRound: { rawEncode: number; transport: number; ours: number }[] = [];
  const rangesWritten: [number, number][] = [];
  const rawWriter = new RawWriter(db.port);
  let sameBytes = true;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const round = { rawEncode: 0, transport: 0, ours: 0 };
      const sides: Record<keyof typeof round, () => Promise<void>> = {
        rawEncode: async () => {
          const t0 = ranges.take(SUSTAINED_N);
          const points = makePoints(SUSTAINED_N, t0);
          if (r === 0) sameBytes &&= Buffer.concat(encodeBodies(points, BATCH)).equals(Buffer.concat(await ourBodies(points, BATCH)));
          const c = process.cpuUsage();
          const { ms, requests } = await rawWriter.encodeAndPostAll(points, BATCH);
          rawEnc.cpuMs += cpuMs(c);
          rawEnc.ms += ms;
          rawEnc.points += SUSTAINED_N;
          rawEnc.requests += requests;
          round.rawEncode = perSecond(SUSTAINED_N, ms);
          rangesWritten.push([t0, t0 + SUSTAINED_N * STEP_MS]);
        },
        transport: async () => {
          const t0 = ranges.take(SUSTAINED_N);
          const points = makePoints(SUSTAINED_N, t0);
          const te = performance.now();
          const bodies = encodeBodies(points, BATCH);
          transport.encodeMs += performance.now() - te;
          const c = process.cpuUsage();
          const ms = await rawWriter.postAll(bodies);
          transport.cpuMs += cpuMs(c);
          transport.ms += ms;
          transport.points += SUSTAINED_N;
          transport.requests += bodies.length;
          round.transport = perSecond(SUSTAINED_N, ms);
          rangesWritten.push([t0, t0 + SUSTAINED_N * STEP_MS]);
        },
        ours: async () => {
          const t0 = ranges.take(SUSTAINED_N);
          const points = makePoints(SUSTAINED_N, t0);
          const o = await openOurs(db.port);
          try {
            o.writer.start();
            const c = process.cpuUsage();
            const ts = performance.now();
            await feed(o.writer, points);
            await until("sustained write", () => o.writer.status().writtenPoints >= SUSTAINED_N, 1, () => o.writer.status());
            const ms = performance.now() - ts;
            ours.cpuMs += cpuMs(c);
            ours.ms += ms;
            ours.points += SUSTAINED_N;
            round.ours = perSecond(SUSTAINED_N, ms);
            const s = o.writer.status();
            checkClean(s, "sustained");
            ours.spooled += s.replayedBatches;
          } finally {
            await o.close();
          }
          rangesWritten.push([t0, t0 + SUSTAINED_N * STEP_MS]);
        },
      };
      const order = (["rawEncode", "transport", "ours"] as const).map((_, i, a) => a[(i + r) % a.length]!);
      for (const side of order) await sides[side]();
      perRound.push({ rawEncode: Math.round(round.rawEncode), transport: Math.round(round.transport), ours: Math.round(round.ours) });
    }
  } finally {
    rawWriter.close();
  }
  if (!sameBytes) throw new Error("historian bench: the raw writer's bodies differ from what our writer sends");
  let stored = 0;
  for (const [a, b] of rangesWritten) stored += await storedPoints(influx, a, b);
  const value = perSecond(ours.points, ours.ms);
  const rawEncRate = perSecond(rawEnc.points, rawEnc.ms);
  const transportRate = perSecond(transport.points, transport.ms);
  const detail = {
    pointsPerSidePerRound: SUSTAINED_N,
    rounds: ROUNDS,
    batchSize: BATCH,
    series: SERIES,
    producerHighWater: HIGH_WATER,
    perRoundPointsPerSec: perRound,
    oursMs: Math.round(ours.ms),
    rawEncodeMs: Math.round(rawEnc.ms),
    transportMs: Math.round(transport.ms),
    rawRequests: rawEnc.requests + transport.requests,
    transportEncodeMsNotTimed: Math.round(transport.encodeMs),
    rawEncodePointsPerSec: Math.round(rawEncRate),
    transportPointsPerSec: Math.round(transportRate),
    oursBatchesReplayedFromSpool: ours.spooled,
    oursNodeCpuMs: Math.round(ours.cpuMs),
    rawEncodeNodeCpuMs: Math.round(rawEnc.cpuMs),
    transportNodeCpuMs: Math.round(transport.cpuMs),
    // node CPU per point (µs) in this process: less sensitive to other load than the rates, but not immune
    nodeCpuUsPerPoint: { ours: r3((ours.cpuMs * 1000) / ours.points), rawEncode: r3((rawEnc.cpuMs * 1000) / rawEnc.points), transport: r3((transport.cpuMs * 1000) / transport.points) },
    sameBytesAsOurs: sameBytes,
    cpus: availableParallelism(),
    storedPoints: stored,
    expectedStoredPoints: rawEnc.points + transport.points + ours.points,
  };
  const vsEncode = value / rawEncRate;
  const vsTransport = value / transportRate;
  return [
    {
      name: "historian sustained write: HistorianWriter vs raw batched writer encoding the same points (same influxd)",
      unit: "points/s",
      value: Math.round(value),
      baseline: Math.round(rawEncRate),
      ratio: r3(vsEncode),
      goal: ">= 0.95x raw batched writer that encodes the points inside its timed section",
      pass: vsEncode >= 0.95,
      detail: { ...detail, ratioVsTransport: r3(vsTransport) },
    },
    {
      name: "historian sustained write: HistorianWriter vs transport-only limit (points encoded before the clock starts)",
      unit: "points/s",
      value: Math.round(value),
      baseline: Math.round(transportRate),
      ratio: r3(vsTransport),
      goal: ">= 0.8x raw batched writer with pre-encoded bodies (transport only)",
      pass: vsTransport >= 0.8,
      detail: { sameRunAs: "the figure above", ratioVsRawEncode: r3(vsEncode), perRoundPointsPerSec: perRound },
    },
  ];
}

async function backlogDrain(db: TestInfluxd, influx: InfluxDB, ranges: TimeRanges): Promise<BenchFigure> {
  const raw = { points: 0, ms: 0, restartMs: 0 };
  const ours = { points: 0, ms: 0, spoolMs: 0, reconnectMs: [] as number[], drainOnlyMs: 0, drainOnlyPoints: 0, spoolBytes: [] as number[], replayedBatches: 0, restartMs: 0 };
  let stored = 0;
  for (let r = 0; r < BACKLOG_ROUNDS; r++) {
    // raw: right after a restart, from memory (encoded beforehand)
    const rt0 = ranges.take(BACKLOG_N);
    const bodies = encodeBodies(makePoints(BACKLOG_N, rt0), BATCH);
    await db.stop();
    let t = performance.now();
    await db.start();
    raw.restartMs += performance.now() - t;
    const rawWriter = new RawWriter(db.port);
    try {
      raw.ms += await rawWriter.postAll(bodies);
      raw.points += BACKLOG_N;
    } finally {
      rawWriter.close();
    }
    stored += await storedPoints(influx, rt0, rt0 + BACKLOG_N * STEP_MS);

    // ours: spool while influxd is down, then drain
    const ot0 = ranges.take(BACKLOG_N);
    const points = makePoints(BACKLOG_N, ot0);
    await db.stop();
    const o = await openOurs(db.port);
    try {
      o.writer.start();
      t = performance.now();
      await feed(o.writer, points);
      await until("backlog spooled", () => o.writer.status().queuedPoints === 0 && o.writer.status().spoolPoints === BACKLOG_N, 1, () => o.writer.status());
      ours.spoolMs += performance.now() - t;
      const before = o.writer.status();
      if (before.writtenPoints !== 0) throw new Error(`historian bench: ${before.writtenPoints} points written while influxd was down`);
      ours.spoolBytes.push(before.spoolBytes);
      t = performance.now();
      await db.start();
      ours.restartMs += performance.now() - t;
      const t0 = performance.now();
      let tFirst = Number.NaN;
      let pointsAtFirst = 0;
      await until(
        "backlog drained",
        () => {
          const s = o.writer.status();
          if (Number.isNaN(tFirst) && s.spoolPoints < BACKLOG_N) {
            tFirst = performance.now();
            pointsAtFirst = BACKLOG_N - s.spoolPoints;
          }
          return s.spoolPoints === 0 && s.online;
        },
        1,
        () => o.writer.status(),
      );
      const tEnd = performance.now();
      ours.ms += tEnd - t0;
      ours.points += BACKLOG_N;
      ours.reconnectMs.push(Math.round(tFirst - t0));
      ours.drainOnlyMs += tEnd - tFirst;
      ours.drainOnlyPoints += BACKLOG_N - pointsAtFirst;
      const s = o.writer.status();
      checkClean(s, "backlog");
      if (s.writtenPoints !== BACKLOG_N) throw new Error(`historian bench: drained ${s.writtenPoints} of ${BACKLOG_N} points`);
      ours.replayedBatches += s.replayedBatches;
    } finally {
      await o.close();
    }
    stored += await storedPoints(influx, ot0, ot0 + BACKLOG_N * STEP_MS);
  }
  const value = perSecond(ours.points, ours.ms);
  const baseline = perSecond(raw.points, raw.ms);
  const ratio = value / baseline;
  return {
    name: "historian backlog drain: HistorianWriter spool replay vs raw writer from memory (same influxd, after a restart)",
    unit: "points/s",
    value: Math.round(value),
    baseline: Math.round(baseline),
    ratio: r3(ratio),
    goal: ">= 0.8x raw batched line-protocol writer",
    pass: ratio >= 0.8,
    detail: {
      pointsPerSidePerRound: BACKLOG_N,
      rounds: BACKLOG_ROUNDS,
      timedFrom: "influxd answering /ping after start() → spool empty and writer online",
      spoolBytesPerRound: ours.spoolBytes,
      spoolBytesPerPoint: r1(ours.spoolBytes.reduce((a, b) => a + b, 0) / ours.points),
      spoolWritePointsPerSec: Math.round(perSecond(ours.points, ours.spoolMs)),
      oursMs: Math.round(ours.ms),
      rawMs: Math.round(raw.ms),
      reconnectMsPerRound: ours.reconnectMs,
      reconnectNote: "influxd up → first spooled batch acknowledged: the replay's next /ping (every 100 ms while refused) plus one request",
      oursDrainOnlyPointsPerSec: Math.round(perSecond(ours.drainOnlyPoints, ours.drainOnlyMs)),
      drainOnlyRatio: r3(perSecond(ours.drainOnlyPoints, ours.drainOnlyMs) / baseline),
      replayedBatches: ours.replayedBatches,
      influxdRestartMs: Math.round((raw.restartMs + ours.restartMs) / (2 * BACKLOG_ROUNDS)),
      storedPoints: stored,
      expectedStoredPoints: raw.points + ours.points,
    },
  };
}

async function pointLag(db: TestInfluxd, flushMs: number): Promise<BenchFigure> {
  const total = Math.round((LAG_RATE * LAG_MS) / 1000);
  const writeAt = new Float64Array(total);
  const lag = new Float64Array(total);
  const batchSizes: number[] = [];
  const o = await openOurs(db.port, flushMs);
  let lateTicks = 0;
  try {
    o.writer.start();
    await until("writer online", () => o.writer.status().online, 1, () => o.writer.status());
    let written = 0;
    let seen = 0;
    const start = performance.now();
    const wallStart = Date.now();
    while (seen < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * LAG_RATE) / 1000));
      if (due - written > LAG_RATE / 100) lateTicks += 1; // the loop fell > 10 ms behind the source
      for (; written < due; written++) {
        writeAt[written] = now;
        o.writer.write(makePoint(written, wallStart + (now - start)));
      }
      const w = o.writer.status().writtenPoints;
      if (w > seen) {
        const t = performance.now();
        for (let j = seen; j < w; j++) lag[j] = t - writeAt[j]!;
        batchSizes.push(w - seen);
        seen = w;
      }
      if (now - start > LAG_MS + TIMEOUT_MS) throw new Error(`historian bench: lag run stalled at ${seen} of ${total} (${JSON.stringify(o.writer.status())})`);
      await tick();
    }
    checkClean(o.writer.status(), "lag");
  } finally {
    await o.close();
  }
  const ours = Float64Array.from(lag).sort();

  // raw: request latency for the same batch sizes, each body encoded before its request (not timed)
  const rawLat: number[] = [];
  const rawWriter = new RawWriter(db.port);
  try {
    const t0 = Date.now();
    let k = 0;
    const step = Math.max(1, batchSizes.length / RAW_LAG_SAMPLES);
    const sizes: number[] = [];
    for (let x = 0; Math.floor(x) < batchSizes.length; x += step) sizes.push(batchSizes[Math.floor(x)]!);
    for (const size of sizes) {
      const pts = new Array<HistorianPoint>(size);
      for (let i = 0; i < size; i++, k++) pts[i] = makePoint(k, t0 + k * (1000 / LAG_RATE));
      const [body] = encodeBodies(pts, size);
      await sleep(RAW_LAG_GAP_MS);
      const ts = performance.now();
      await rawWriter.post(body!);
      rawLat.push(performance.now() - ts);
    }
  } finally {
    rawWriter.close();
  }
  rawLat.sort((a, b) => a - b);

  const value = quantile(ours, 0.99);
  const baseline = quantile(rawLat, 0.99);
  const goalMs = flushMs + 50;
  return {
    name: `historian point lag (write() → its batch stored), flushIntervalMs ${flushMs}`,
    unit: "ms (p99)",
    value: r1(value),
    baseline: r1(baseline),
    ratio: r3(baseline / value),
    goal: `p99 <= flush interval + 50 ms (${goalMs} ms)`,
    pass: value <= goalMs,
    detail: {
      flushIntervalMs: flushMs,
      pointsPerSec: LAG_RATE,
      durationMs: LAG_MS,
      points: total,
      oursP50Ms: r1(quantile(ours, 0.5)),
      oursP99Ms: r1(value),
      oursMaxMs: r1(quantile(ours, 1)),
      batches: batchSizes.length,
      meanBatchPoints: Math.round(total / batchSizes.length),
      rawRequests: rawLat.length,
      rawRequestP50Ms: r1(quantile(rawLat, 0.5)),
      rawRequestP99Ms: r1(baseline),
      rawRequestMaxMs: r1(quantile(rawLat, 1)),
      baselineIs: "raw writer request latency (body ready → 204) for the same batch sizes; ratio = baseline / value",
      sourceFellBehindTicks: lateTicks,
    },
  };
}

export async function run(): Promise<BenchFigure[]> {
  const db = await startTestInfluxd({ cqRunInterval: "10s" });
  try {
    const influx = new InfluxDB({ host: HOST, port: db.port, database: DB });
    await ensureHistorianSchema(influx, { database: DB });
    // two days back, on a whole second: inside the 30 d raw retention, outside the CQs' RESAMPLE windows
    const ranges = new TimeRanges(Math.floor((Date.now() - 2 * 86_400_000) / 1000) * 1000);
    const figures: BenchFigure[] = [];
    figures.push(...(await sustainedWrite(db, influx, ranges)));
    figures.push(await backlogDrain(db, influx, ranges));
    for (const f of LAG_FLUSH_MS) figures.push(await pointLag(db, f));
    return figures;
  } finally {
    await db.cleanup();
  }
}

// `tsx bench/historian.bench.ts` runs it alone: one JSON line per figure.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (figures) => {
      for (const f of figures) console.log(JSON.stringify(f));
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
