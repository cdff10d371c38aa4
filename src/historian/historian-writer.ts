/**
 * The historian writer: batches points to InfluxDB, stores and forwards through a DiskSpool when it can't.
 *
 * - `write(point)` is synchronous, O(1), never throws and never awaits: it appends to an in-memory queue
 *   (the tag and trip paths call it). Encoding and I/O happen later, on a timer / setImmediate.
 * - A pump sends batches of `batchSize` points when that many are queued, and whatever is queued every
 *   `flushIntervalMs`. One request is in flight at a time, so batches reach InfluxDB in write order; the
 *   next batch is encoded (1000 points per event-loop turn) while the current one is on the wire.
 * - Time stamps: microseconds; a later point of the same series in the same millisecond gets +1 µs
 *   (SeriesTimestamper), so no two points merge.
 * - A write that fails and may succeed later (connection refused, reset, timeout, 5xx, unknown database)
 *   puts the batch in the spool and the writer goes offline. **While the spool is not empty every new
 *   batch goes to the spool too, behind the older ones**, so order is kept. A replay loop (backoff capped at
 *   `maxBackoffMs`) waits for /ping, then sends the spool oldest first and acknowledges each batch; when
 *   the spool is empty the pump writes directly again and `onReplayed` listeners get the time range that
 *   came in late (to backfill the trends beyond the CQs' RESAMPLE window).
 * - Bad data (400 partial write / field type conflict / beyond retention, 413, 422) is not retried: the
 *   points InfluxDB dropped are counted as `rejectedPoints` with the reason, logged (flood-controlled) and
 *   not spooled.
 * - Memory bound: when more than `maxQueuePoints` are queued (InfluxDB is slow or hangs) the pump spills
 *   to the spool — the batch in flight first (if its request succeeds after all, the replay acknowledges
 *   that copy without sending it), then the queue. Past `hardQueuePoints` (the disk cannot keep up either)
 *   new points are dropped and counted in `droppedPoints`. The spool's own full policy (drop and count,
 *   `spoolFull`) is in disk-spool.ts. No drop is ever silent: `droppedPoints` and `onStatus`.
 * - `stop()` stops the timers, sends what is queued (to InfluxDB, else the spool) and ends the replay
 *   after its current batch; requests still in flight after `stopTimeoutMs` are failed into the spool.
 *   What is still spooled is replayed by the next writer on that spool (replays are idempotent: a point
 *   written twice has the same series, µs time stamp and fields, so InfluxDB keeps one).
 * - `online` is false until the first successful write (or /ping at start with an empty spool).
 */
import { systemClock, type Clock } from "../core/clock.js";
import { FloodGate, type Logger } from "../core/logger.js";
import type { DiskSpool, SpoolBatch } from "./disk-spool.js";
import { encodePoint, SeriesTimestamper, type HistorianPoint } from "./historian-point.js";
import { InfluxLineClient, type InfluxWriteTarget, type WriteOutcome } from "./influx-line-client.js";

export interface HistorianWriterOptions {
  readonly influx: InfluxWriteTarget;
  readonly spool: DiskSpool;
  /** Points per request (default 5000). */
  readonly batchSize?: number;
  /** Longest time a point waits in memory before it is sent (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Queued points above which the queue is spilled to the spool (default 100 000). */
  readonly maxQueuePoints?: number;
  /** Queued points above which new points are dropped and counted (default 2 × maxQueuePoints). */
  readonly hardQueuePoints?: number;
  /** Per-request timeout (default 10 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Replay backoff cap (default 500 ms; starts at 100 ms): a /ping that often costs nothing, and the backlog starts draining within 0.5 s of InfluxDB coming back. */
  readonly maxBackoffMs?: number;
  /** How long stop() lets requests in flight finish before failing them into the spool (default 5000 ms). */
  readonly stopTimeoutMs?: number;
  /** Series remembered for µs uniquifying (default 100 000). */
  readonly maxSeries?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface HistorianStatus {
  /** The last write (or, when idle, /ping) succeeded. */
  readonly online: boolean;
  readonly lastError: string | null;
  readonly lastErrorAtMs: number | null;
  /** Points in memory, not yet sent or spooled. */
  readonly queuedPoints: number;
  readonly spoolBytes: number;
  readonly spoolFraction: number;
  readonly spoolPoints: number;
  /** The spool refused a batch for lack of room: raise a critical alarm. */
  readonly spoolFull: boolean;
  /** Points lost: spool full or failing, memory bound, or written after stop(). Never silent. */
  readonly droppedPoints: number;
  /** Points InfluxDB refused as bad data (or without any writable field). */
  readonly rejectedPoints: number;
  readonly lastRejectReason: string | null;
  readonly writtenPoints: number;
  readonly replayedBatches: number;
  /** Torn / corrupt spool records skipped (after a crash). */
  readonly spoolTornRecords: number;
}

export interface ReplayedRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: number;
  readonly batches: number;
}

interface Batch extends SpoolBatch {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
}

const MIN_BACKOFF_MS = 100;
/** Points encoded per event-loop turn (≈ 0.5–1 ms). */
const ENCODE_CHUNK = 1000;

export class HistorianWriter {
  private readonly client: InfluxLineClient;
  private readonly spool: DiskSpool;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuePoints: number;
  private readonly hardQueuePoints: number;
  private readonly maxBackoffMs: number;
  private readonly stopTimeoutMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly stamper: SeriesTimestamper;
  private readonly flood = new FloodGate(10_000);

  private queue: HistorianPoint[] = [];
  private qHead = 0;
  /** Encoded batches waiting for their turn, and points being encoded. */
  private readonly encoded: Batch[] = [];
  private encodedPoints = 0;
  private encodingPoints = 0;
  private mode: "direct" | "spool" = "direct";
  private started = false;
  private stopping = false;
  private stopped = false;
  private flushDue = false;
  private scheduled = false;
  private pumping: Promise<void> | null = null;
  private replaying: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private spillWaiter: (() => void) | null = null;
  private inflightCopy: { id: number; batch: Batch; outcome: Promise<WriteOutcome> } | null = null;
  private pendingAppends = 0;
  private lastAppend: Promise<unknown> = Promise.resolve();
  private wakeSleeper: (() => void) | null = null;
  private replayRange: { fromMs: number; toMs: number; points: number; batches: number } | null = null;

  private online = false;
  private lastError: string | null = null;
  private lastErrorAtMs: number | null = null;
  private memDropped = 0;
  private rejected = 0;
  private lastRejectReason: string | null = null;
  private written = 0;
  private replayedBatches = 0;

  private readonly statusListeners = new Set<(s: HistorianStatus) => void>();
  private readonly replayListeners = new Set<(r: ReplayedRange) => void>();
  private lastSignature = "";

  constructor(opts: HistorianWriterOptions) {
    this.client = new InfluxLineClient(opts.influx, opts.requestTimeoutMs ?? 10_000);
    this.spool = opts.spool;
    this.batchSize = Math.max(1, opts.batchSize ?? 5000);
    this.flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 1000);
    this.maxQueuePoints = Math.max(this.batchSize, opts.maxQueuePoints ?? 100_000);
    this.hardQueuePoints = Math.max(this.maxQueuePoints, opts.hardQueuePoints ?? 2 * this.maxQueuePoints);
    this.maxBackoffMs = Math.max(MIN_BACKOFF_MS, opts.maxBackoffMs ?? 500);
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger;
    this.stamper = new SeriesTimestamper(opts.maxSeries ?? 100_000);
  }

  /** Starts the flush timer and, when the spool holds batches from before, their replay. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.timer = setInterval(() => {
      this.flushDue = true;
      this.kick();
      this.checkStatus();
    }, this.flushIntervalMs);
    this.timer.unref();
    if (!this.spool.isEmpty()) {
      this.mode = "spool";
      this.logger?.info({ spooledPoints: this.spool.status().points, spoolBytes: this.spool.bytes() }, "historian: replaying the spool");
      this.ensureReplay();
    } else {
      void this.client.ping().then((up) => {
        if (up && this.mode === "direct" && this.lastError === null) this.setOnline();
      });
    }
  }

  /** Queues a point. Synchronous, O(1), never throws, never waits. */
  write(point: HistorianPoint): void {
    try {
      if (this.stopped) {
        this.memDropped += 1;
        return;
      }
      const n = this.queue.length - this.qHead;
      if (n >= this.hardQueuePoints) {
        this.memDropped += 1;
        return;
      }
      this.queue.push(point);
      if (n + 1 >= this.batchSize) {
        if (n + 1 > this.maxQueuePoints && this.spillWaiter) {
          const spill = this.spillWaiter;
          this.spillWaiter = null;
          spill();
        }
        this.schedule();
      }
    } catch {
      this.memDropped += 1;
    }
  }

  /** Sends (or spools) everything queued now; resolves when done. For shutdown paths and tests. */
  async flush(): Promise<void> {
    this.flushDue = true;
    while (this.pumping) await this.pumping;
    this.flushDue = true;
    this.kick();
    while (this.pumping) await this.pumping;
    await this.lastAppend;
  }

  status(): HistorianStatus {
    const sp = this.spool.status();
    return {
      online: this.online,
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
      queuedPoints: this.queue.length - this.qHead + this.encodedPoints + this.encodingPoints,
      spoolBytes: sp.bytes,
      spoolFraction: sp.fraction,
      spoolPoints: sp.points,
      spoolFull: sp.full,
      droppedPoints: sp.droppedPoints + this.memDropped,
      rejectedPoints: this.rejected,
      lastRejectReason: this.lastRejectReason,
      writtenPoints: this.written,
      replayedBatches: this.replayedBatches,
      spoolTornRecords: sp.tornRecords,
    };
  }

  /** Called on every change of online / spoolFull / lastError, and at most once per flush interval when counters change. */
  onStatus(listener: (s: HistorianStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called when a replay has emptied the spool, with the time range of the points that arrived late. */
  onReplayed(listener: (r: ReplayedRange) => void): () => void {
    this.replayListeners.add(listener);
    return () => this.replayListeners.delete(listener);
  }

  /** Stops the timer, sends or spools what is queued, ends the replay. The spool stays open (the caller owns it). */
  async stop(): Promise<void> {
    if (this.stopping) {
      while (!this.stopped) await new Promise((r) => setTimeout(r, 10));
      return;
    }
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // a hung InfluxDB must not hold the shutdown: after the grace time requests fail and go to the spool
    const grace = setTimeout(() => this.client.close(), this.stopTimeoutMs);
    await this.flush();
    this.stopped = true;
    this.wakeSleeper?.();
    if (this.replaying) await this.replaying;
    if (this.inflightCopy) await this.inflightCopy.outcome;
    clearTimeout(grace);
    this.client.close();
    this.checkStatus();
  }

  // --- pump -------------------------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.kick();
    });
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump()
      .catch((e: unknown) => this.logger?.error({ err: e }, "historian: pump failed"))
      .finally(() => {
        this.pumping = null;
        if ((this.queue.length - this.qHead >= this.batchSize || this.encoded.length > 0) && !this.stopped) this.schedule();
      });
  }

  /** Is there something to encode now: a full batch, or anything when the timer / flush / stop says so. */
  private due(): boolean {
    const n = this.queue.length - this.qHead;
    return n > 0 && (n >= this.batchSize || this.flushDue || this.stopping);
  }

  /**
   * Sends (or spools) batches one at a time, in order. The next batch is encoded while the current one is
   * on the wire, so encoding costs no throughput; encoding yields to the event loop every ENCODE_CHUNK points.
   */
  private async pump(): Promise<void> {
    for (;;) {
      let batch = this.encoded.shift();
      if (batch) this.encodedPoints -= batch.points;
      else {
        if (!this.due()) break;
        batch = await this.encodeBatch();
        if (batch.points === 0) continue;
      }
      const sending = this.mode === "direct" ? this.sendDirect(batch) : this.toSpool(batch);
      const prefetch = this.due() ? this.prefetch().catch((e: unknown) => this.logger?.error({ err: e }, "historian: encoding failed")) : undefined;
      await sending;
      if (prefetch) await prefetch;
    }
    this.flushDue = false;
  }

  private async prefetch(): Promise<void> {
    const b = await this.encodeBatch();
    if (b.points > 0) {
      this.encoded.push(b);
      this.encodedPoints += b.points;
    }
  }

  /** Takes up to batchSize points off the queue and encodes them (µs stamps assigned here, in queue order). */
  private async encodeBatch(): Promise<Batch> {
    let lines = "";
    let points = 0;
    let invalid = 0;
    let min = Infinity;
    let max = -Infinity;
    let taken = 0;
    for (;;) {
      const end = Math.min(this.queue.length, this.qHead + ENCODE_CHUNK, this.qHead + this.batchSize - taken);
      for (let i = this.qHead; i < end; i++) {
        const p = this.queue[i]!;
        let line: string | null = null;
        try {
          line = encodePoint(p, "u", this.stamper);
        } catch {
          // not a point at all (the type system was bypassed): counted with the others below
        }
        if (line === null) {
          invalid += 1;
          continue;
        }
        lines = points === 0 ? line : `${lines}\n${line}`;
        points += 1;
        if (p.timeMs < min) min = p.timeMs;
        if (p.timeMs > max) max = p.timeMs;
      }
      taken += end - this.qHead;
      this.encodingPoints += end - this.qHead;
      this.qHead = end;
      if (this.qHead === this.queue.length) {
        this.queue = [];
        this.qHead = 0;
      } else if (this.qHead > 65_536 && this.qHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.qHead);
        this.qHead = 0;
      }
      if (taken >= this.batchSize || this.queue.length === this.qHead) break;
      await new Promise<void>((r) => setImmediate(r)); // keep the event loop responsive
    }
    this.encodingPoints -= taken;
    if (invalid > 0) this.reject(invalid, "point without a writable field (no field, only NaN/Infinity, or not a point)");
    return { lines, points, minTimeMs: min, maxTimeMs: max };
  }

  private async sendDirect(batch: Batch): Promise<void> {
    const outcome = this.client.write(batch.lines);
    const spill = new Promise<"spill">((resolve) => {
      this.spillWaiter = () => resolve("spill");
    });
    if (this.queue.length - this.qHead > this.maxQueuePoints) this.spillWaiter?.();
    const r = await Promise.race([outcome, spill]);
    this.spillWaiter = null;
    if (r === "spill") {
      // InfluxDB is slow and the queue passed its bound: spool the batch in flight first (order), then the rest
      this.mode = "spool";
      this.warn("spill", { queuedPoints: this.queue.length - this.qHead }, "historian: InfluxDB is slow; spilling the queue to the spool");
      const res = await this.appendToSpool(batch);
      if (res !== null) this.inflightCopy = { id: res, batch, outcome };
      else void outcome.then((o) => void (o.ok && (this.written += batch.points)));
      this.ensureReplay();
      return;
    }
    await this.settle(batch, r, false);
  }

  /** Accounts for one request's outcome. Returns true when the batch is done with (written or rejected). */
  private async settle(batch: SpoolBatch, r: WriteOutcome, fromSpool: boolean): Promise<boolean> {
    if (r.ok) {
      this.written += batch.points;
      this.setOnline();
      return true;
    }
    if (!r.retryable) {
      const dropped = r.droppedPoints ?? batch.points;
      this.written += batch.points - dropped;
      this.reject(dropped, r.error);
      this.setOnline();
      return true;
    }
    this.setOffline(r.error);
    if (!fromSpool) {
      this.mode = "spool";
      await this.appendToSpool(batch);
      this.ensureReplay();
    }
    return false;
  }

  private async toSpool(batch: Batch): Promise<void> {
    await this.appendToSpool(batch);
    this.ensureReplay();
  }

  /** The spool record id, or null when the spool refused the batch (counted there). */
  private async appendToSpool(batch: SpoolBatch): Promise<number | null> {
    this.pendingAppends += 1;
    const p = this.spool.append(batch);
    this.lastAppend = p.catch(() => undefined);
    try {
      const res = await p;
      if (res.spooled) return res.id;
      const suppressed = this.flood.pass(`spool-${res.reason}`);
      if (suppressed >= 0) {
        this.logger?.error(
          { reason: res.reason, error: res.error, droppedPoints: this.status().droppedPoints, spoolBytes: this.spool.bytes(), suppressed },
          res.reason === "full" ? "historian: spool full, points dropped" : "historian: spool write failed, points dropped",
        );
      }
      this.checkStatus();
      return null;
    } catch (e) {
      this.memDropped += batch.points;
      this.logger?.error({ err: e }, "historian: spool append failed, points dropped");
      return null;
    } finally {
      this.pendingAppends -= 1;
    }
  }

  // --- replay -----------------------------------------------------------------------------------------

  private ensureReplay(): void {
    if (this.replaying || this.stopped) return;
    this.replaying = this.replayLoop()
      .catch((e: unknown) => this.logger?.error({ err: e }, "historian: replay failed"))
      .finally(() => {
        this.replaying = null;
        if (this.mode === "spool" && !this.stopped) setTimeout(() => this.ensureReplay(), MIN_BACKOFF_MS).unref();
      });
  }

  private async replayLoop(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      if (this.inflightCopy) {
        const copy = this.inflightCopy;
        const r = await copy.outcome;
        this.inflightCopy = null;
        if (r.ok || !r.retryable) {
          const head = await this.spool.peek();
          if (head?.id === copy.id) {
            await this.settle(copy.batch, r, true);
            await this.spool.ack(copy.id);
          }
        }
        continue;
      }
      if (this.spool.isEmpty()) {
        if (this.pendingAppends > 0) {
          await this.lastAppend;
          continue;
        }
        this.mode = "direct";
        this.finishReplay();
        this.checkStatus();
        return;
      }
      const down = this.online ? null : await this.client.check();
      if (down !== null) {
        this.setOffline(down);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
        continue;
      }
      const rec = await this.spool.peek();
      if (!rec) continue;
      const r = await this.client.write(rec.lines);
      if (await this.settle(rec, r, true)) {
        await this.spool.ack(rec.id);
        this.replayedBatches += 1;
        backoff = MIN_BACKOFF_MS;
        const rr = (this.replayRange ??= { fromMs: Infinity, toMs: -Infinity, points: 0, batches: 0 });
        if (rec.minTimeMs < rr.fromMs) rr.fromMs = rec.minTimeMs;
        if (rec.maxTimeMs > rr.toMs) rr.toMs = rec.maxTimeMs;
        rr.points += rec.points;
        rr.batches += 1;
      } else {
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  private finishReplay(): void {
    const rr = this.replayRange;
    this.replayRange = null;
    if (!rr || rr.batches === 0) return;
    this.logger?.info(rr, "historian: spool replayed; writing directly again");
    const range: ReplayedRange = { fromMs: Number.isFinite(rr.fromMs) ? rr.fromMs : Number.NaN, toMs: Number.isFinite(rr.toMs) ? rr.toMs : Number.NaN, points: rr.points, batches: rr.batches };
    for (const l of this.replayListeners) {
      try {
        l(range);
      } catch (e) {
        this.logger?.error({ err: e }, "historian: replay listener threw");
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }

  // --- status -----------------------------------------------------------------------------------------

  private reject(points: number, reason: string): void {
    this.rejected += points;
    this.lastRejectReason = reason;
    this.warn("reject", { points, reason }, "historian: InfluxDB rejected points (not retried)");
  }

  private setOnline(): void {
    if (this.online) return;
    this.online = true;
    this.flood.reset("offline");
    if (this.lastError !== null) this.logger?.info({ spoolBytes: this.spool.bytes() }, "historian: InfluxDB is back");
    this.checkStatus();
  }

  private setOffline(error: string): void {
    const changed = this.online || this.lastError !== error;
    this.online = false;
    this.lastError = error;
    this.lastErrorAtMs = this.clock.now();
    this.warn("offline", { error }, "historian: InfluxDB write failed; spooling to disk");
    if (changed) this.checkStatus();
  }

  private warn(key: string, obj: object, msg: string): void {
    const suppressed = this.flood.pass(key);
    if (suppressed >= 0) this.logger?.warn({ ...obj, suppressed }, msg);
  }

  /**
   * Emits the status when an alarm-relevant part changed (online, spoolFull, lastError, dropped / rejected
   * counts, spool fill in 1 % steps, spool empty). Events call it when they change online / full / error;
   * the flush timer calls it for the counters, so listeners hear about counters at most once per interval.
   */
  private checkStatus(force = false): void {
    if (this.statusListeners.size === 0) return;
    const s = this.status();
    const sig = `${s.online}|${s.spoolFull}|${s.lastError}|${s.droppedPoints}|${s.rejectedPoints}|${Math.floor(s.spoolFraction * 100)}|${s.spoolBytes === 0}`;
    if (sig === this.lastSignature && !force) return;
    this.lastSignature = sig;
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch (e) {
        this.logger?.error({ err: e }, "historian: status listener threw");
      }
    }
  }
}
