/**
 * The historian writer: batches points to InfluxDB, stores and forwards through a DiskSpool when it can't.
 *
 * - `write(point)` is synchronous, O(1), never throws and never awaits: it appends to an in-memory queue
 *   (the tag and trip paths call it). Encoding and I/O happen later, on a timer / setImmediate.
 * - A pump sends batches of `batchSize` points when that many are queued, and whatever is queued every
 *   `flushIntervalMs`. One request is in flight at a time, so batches reach InfluxDB in write order; the
 *   next batch is encoded (1000 points per event-loop turn, point-queue.ts) while the current one is on the
 *   wire.
 * - Time stamps: microseconds; a later point of the same series in the same millisecond gets +1 µs
 *   (SeriesTimestamper), so no two points merge. Encoding (line-encoder.ts): series keys are escaped once
 *   per series and cached, lines are written as bytes straight into the batch's body — the same bytes as
 *   `encodePoint` (historian-point.ts), at a fraction of its cost per point.
 * - A write that fails and may succeed later (connection refused, reset, timeout, 5xx, unknown database)
 *   puts the batch in the spool and the writer goes offline. **While the spool is not empty every new
 *   batch goes to the spool too, behind the older ones**, so order is kept. A replay loop (spool-replayer.ts;
 *   backoff capped at `maxBackoffMs`, 100 ms while refused) waits for /ping, then sends the spool oldest
 *   first (the next record read from disk while one is on the wire) and acknowledges each batch; when
 *   the spool is empty the pump writes directly again and `onReplayed` listeners get the time range that
 *   came in late (to backfill the trends beyond the CQs' RESAMPLE window).
 * - Bad data (400 partial write / field type conflict / beyond retention, 413, 422) is not retried: the
 *   points InfluxDB dropped are counted as `rejectedPoints` with the reason, logged (flood-controlled) and
 *   not spooled (historian-health.ts keeps the counters and tells the status listeners).
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
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { DiskSpool } from "./disk-spool.js";
import { HistorianHealth, type HistorianStatus } from "./historian-health.js";
import type { HistorianPoint } from "./historian-point.js";
import { type InfluxWriteTarget, InfluxLineClient, type WriteOutcome } from "./influx-line-client.js";
import { type LineBatch, PointQueue } from "./point-queue.js";
import { SpoolAppender } from "./spool-appender.js";
import { type ReplayedRange, SpoolReplayer } from "./spool-replayer.js";

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
  /**
   * Replay backoff cap (default 500 ms; starts at 100 ms): a /ping that often costs nothing, and the backlog
   * starts draining within 0.5 s of InfluxDB coming back. While the connection is refused (InfluxDB
   * restarting) the replay asks every 100 ms, so it starts draining within about 0.1 s.
   */
  readonly maxBackoffMs?: number;
  /** How long stop() lets requests in flight finish before failing them into the spool (default 5000 ms). */
  readonly stopTimeoutMs?: number;
  /** Series remembered for µs uniquifying (default 100 000). */
  readonly maxSeries?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class HistorianWriter {
  private readonly client: InfluxLineClient;
  private readonly spool: DiskSpool;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuePoints: number;
  private readonly hardQueuePoints: number;
  private readonly stopTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly health: HistorianHealth;
  private readonly appender: SpoolAppender;
  private readonly replayer: SpoolReplayer;
  private readonly points: PointQueue;

  /** Encoded batches waiting for their turn. */
  private readonly encoded: LineBatch[] = [];
  private encodedPoints = 0;
  private mode: "direct" | "spool" = "direct";
  private started = false;
  private stopping = false;
  private stopped = false;
  private flushDue = false;
  private scheduled = false;
  private pumping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private spillWaiter: (() => void) | null = null;

  constructor(opts: HistorianWriterOptions) {
    this.client = new InfluxLineClient(opts.influx, opts.requestTimeoutMs ?? 10_000);
    this.spool = opts.spool;
    this.batchSize = Math.max(1, opts.batchSize ?? 5000);
    this.flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 1000);
    this.maxQueuePoints = Math.max(this.batchSize, opts.maxQueuePoints ?? 100_000);
    this.hardQueuePoints = Math.max(this.maxQueuePoints, opts.hardQueuePoints ?? 2 * this.maxQueuePoints);
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    this.logger = opts.logger;
    const queued = () => this.points.length + this.encodedPoints + this.points.encodingPoints;
    this.health = new HistorianHealth(this.spool, queued, opts.clock ?? systemClock, this.logger);
    this.points = new PointQueue(this.batchSize, opts.maxSeries ?? 100_000, (n, reason) => this.health.reject(n, reason));
    this.appender = new SpoolAppender(this.spool, this.health, this.logger);
    const host = {
      isStopped: () => this.stopped,
      isSpooling: () => this.mode === "spool",
      writeDirectly: () => {
        this.mode = "direct";
      },
    };
    this.replayer = new SpoolReplayer({
      spool: this.spool,
      client: this.client,
      health: this.health,
      appender: this.appender,
      host,
      maxBackoffMs: opts.maxBackoffMs ?? 500,
      logger: this.logger,
    });
  }

  /** Starts the flush timer and, when the spool holds batches from before, their replay. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.timer = setInterval(() => {
      this.flushDue = true;
      this.kick();
      this.health.checkStatus();
    }, this.flushIntervalMs);
    this.timer.unref();
    if (!this.spool.isEmpty()) {
      this.mode = "spool";
      this.logger?.info({ spooledPoints: this.spool.status().points, spoolBytes: this.spool.bytes() }, "historian: replaying the spool");
      this.replayer.ensure();
    } else {
      void this.client.ping().then((up) => {
        if (up && this.mode === "direct" && this.health.lastError === null) this.health.setOnline();
      });
    }
  }

  /** Queues a point. Synchronous, O(1), never throws, never waits. */
  write(point: HistorianPoint): void {
    try {
      if (this.stopped) {
        this.health.memDropped += 1;
        return;
      }
      const n = this.points.length;
      if (n >= this.hardQueuePoints) {
        this.health.memDropped += 1;
        return;
      }
      this.points.push(point);
      if (n + 1 >= this.batchSize) {
        if (n + 1 > this.maxQueuePoints && this.spillWaiter) {
          const spill = this.spillWaiter;
          this.spillWaiter = null;
          spill();
        }
        this.schedule();
      }
    } catch {
      this.health.memDropped += 1;
    }
  }

  /** Sends (or spools) everything queued now; resolves when done. For shutdown paths and tests. */
  async flush(): Promise<void> {
    this.flushDue = true;
    while (this.pumping) await this.pumping;
    this.flushDue = true;
    this.kick();
    while (this.pumping) await this.pumping;
    await this.appender.settled();
  }

  status(): HistorianStatus {
    return this.health.status();
  }

  /** Called on every change of online / spoolFull / lastError, and at most once per flush interval when counters change. */
  onStatus(listener: (s: HistorianStatus) => void): () => void {
    return this.health.onStatus(listener);
  }

  /** Called when a replay has emptied the spool, with the time range of the points that arrived late. */
  onReplayed(listener: (r: ReplayedRange) => void): () => void {
    return this.replayer.onReplayed(listener);
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
    await this.replayer.finish();
    clearTimeout(grace);
    this.client.close();
    this.health.checkStatus();
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
        if ((this.points.length >= this.batchSize || this.encoded.length > 0) && !this.stopped) this.schedule();
      });
  }

  /** Is there something to encode now: a full batch, or anything when the timer / flush / stop says so. */
  private due(): boolean {
    const n = this.points.length;
    return n > 0 && (n >= this.batchSize || this.flushDue || this.stopping);
  }

  /**
   * Sends (or spools) batches one at a time, in order. The next batch is encoded while the current one is
   * on the wire, so encoding costs no throughput; encoding yields to the event loop every 1000 points.
   */
  private async pump(): Promise<void> {
    for (;;) {
      let batch = this.encoded.shift();
      if (batch) this.encodedPoints -= batch.points;
      else {
        if (!this.due()) break;
        batch = await this.points.encodeBatch();
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
    const b = await this.points.encodeBatch();
    if (b.points > 0) {
      this.encoded.push(b);
      this.encodedPoints += b.points;
    }
  }

  private async sendDirect(batch: LineBatch): Promise<void> {
    const outcome = this.client.write(batch.body);
    const spill = new Promise<"spill">((resolve) => {
      this.spillWaiter = () => resolve("spill");
    });
    if (this.points.length > this.maxQueuePoints) this.spillWaiter?.();
    const r = await Promise.race([outcome, spill]);
    this.spillWaiter = null;
    if (r === "spill") {
      await this.spillInflight(batch, outcome);
      return;
    }
    if (this.health.settle(batch, r)) return;
    await this.toSpool(batch);
  }

  /** InfluxDB is slow and the queue passed its bound: spool the batch in flight first (order), then the rest. */
  private async spillInflight(batch: LineBatch, outcome: Promise<WriteOutcome>): Promise<void> {
    this.mode = "spool";
    this.health.warn("spill", { queuedPoints: this.points.length }, "historian: InfluxDB is slow; spilling the queue to the spool");
    const id = await this.appender.append(batch);
    if (id !== null) this.replayer.adopt({ id, batch, outcome });
    else void outcome.then((o) => void (o.ok && (this.health.written += batch.points)));
    this.replayer.ensure();
  }

  private async toSpool(batch: LineBatch): Promise<void> {
    this.mode = "spool";
    await this.appender.append(batch);
    this.replayer.ensure();
  }
}
