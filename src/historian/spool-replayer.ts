import type { Logger } from "../core/logger.js";
import type { DiskSpool } from "./disk-spool.js";
import type { HistorianHealth } from "./historian-health.js";
import type { InfluxLineClient, WriteOutcome } from "./influx-line-client.js";
import type { SpoolAppender } from "./spool-appender.js";
import type { SpoolBatch, SpoolRecord } from "./spool-record.js";

/** The time range of the points a replay delivered late (NaN when the records did not say). */
export interface ReplayedRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: number;
  readonly batches: number;
}

/** A batch whose request was still on the wire when it was also spooled as record `id` (the queue spilled). */
export interface InflightCopy {
  readonly id: number;
  readonly batch: SpoolBatch;
  readonly outcome: Promise<WriteOutcome>;
}

/** What the replay needs to know of the writer, and tells it. */
export interface ReplayHost {
  /** stop() is ending the writer: the replay ends after its current batch. */
  isStopped(): boolean;
  /** New batches still go to the spool: a replay that ended without emptying it is started again. */
  isSpooling(): boolean;
  /** The spool is empty and no append is running: new batches go to InfluxDB directly again. */
  writeDirectly(): void;
}

export interface SpoolReplayerOptions {
  readonly spool: DiskSpool;
  readonly client: InfluxLineClient;
  readonly health: HistorianHealth;
  readonly appender: SpoolAppender;
  readonly host: ReplayHost;
  /** Backoff cap (at least 100 ms, where the backoff starts). */
  readonly maxBackoffMs: number;
  readonly logger: Logger | undefined;
}

const MIN_BACKOFF_MS = 100;
/** A /ping or write that failed because the connection was refused. */
const REFUSED = /^ECONNREFUSED\b/;

/**
 * Sends the spool to InfluxDB oldest first: waits for /ping (backoff capped at `maxBackoffMs`; while the
 * connection is refused — InfluxDB restarting — it asks every MIN_BACKOFF_MS), writes the head record,
 * acknowledges it when it is done with (written or rejected as bad data), and repeats until the spool is
 * empty — then the writer writes directly again and `onReplayed` listeners get the time range that came in
 * late (to backfill the trends beyond the CQs' RESAMPLE window). One request at a time, oldest first; while
 * a record is on the wire the next one is read from disk (and checked), and the acknowledgement of the one
 * before (its cursor update) completes, so the wire is not idle between records.
 */
export class SpoolReplayer {
  private running: Promise<void> | null = null;
  private inflight: InflightCopy | null = null;
  private wakeSleeper: (() => void) | null = null;
  private range: { fromMs: number; toMs: number; points: number; batches: number } | null = null;
  private readonly listeners = new Set<(r: ReplayedRange) => void>();
  private readonly maxBackoffMs: number;

  constructor(private readonly o: SpoolReplayerOptions) {
    this.maxBackoffMs = Math.max(MIN_BACKOFF_MS, o.maxBackoffMs);
  }

  onReplayed(listener: (r: ReplayedRange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A spilled batch whose request is still in flight, spooled as record `copy.id`: if the request succeeds
   * (or is rejected) after all, the replay acknowledges that record without sending it again.
   */
  adopt(copy: InflightCopy): void {
    this.inflight = copy;
  }

  /** Starts the replay unless it runs (or the writer stopped); it restarts itself while the writer spools. */
  ensure(): void {
    if (this.running || this.o.host.isStopped()) return;
    this.running = this.loop()
      .catch((e: unknown) => this.o.logger?.error({ err: e }, "historian: replay failed"))
      .finally(() => {
        this.running = null;
        if (this.o.host.isSpooling() && !this.o.host.isStopped()) setTimeout(() => this.ensure(), MIN_BACKOFF_MS).unref();
      });
  }

  /** For stop(), once the writer is stopped: cuts a backoff short, waits for the loop and an adopted request. */
  async finish(): Promise<void> {
    this.wakeSleeper?.();
    if (this.running) await this.running;
    if (this.inflight) await this.inflight.outcome;
  }

  private async loop(): Promise<void> {
    const { spool, client, health, appender, host } = this.o;
    let backoff = MIN_BACKOFF_MS;
    /** The next record, read ahead while the one before it was on the wire (null: peek the spool). */
    let rec: SpoolRecord | null = null;
    /** The acknowledgement of the record sent before (its cursor update runs while the next one is sent). */
    let acking: Promise<void> = Promise.resolve();
    try {
      while (!host.isStopped()) {
        if (this.inflight) {
          await acking;
          rec = null;
          await this.settleInflight(this.inflight);
          continue;
        }
        if (rec === null) {
          await acking;
          if (spool.isEmpty()) {
            if (appender.pending > 0) {
              await appender.settled();
              continue;
            }
            host.writeDirectly();
            this.announce();
            health.checkStatus();
            return;
          }
          const down = health.online ? null : await client.check();
          if (down !== null) {
            health.setOffline(down);
            // refused: nothing listens there (yet) — a restart, usually; asking again costs nothing, so ask
            // at the shortest interval and start draining as soon as it is back. Other failures back off.
            if (REFUSED.test(down)) backoff = MIN_BACKOFF_MS;
            await this.sleep(backoff);
            backoff = Math.min(backoff * 2, this.maxBackoffMs);
            continue;
          }
          rec = await spool.peek();
          if (!rec) continue;
        }
        const writing = client.write(rec.body);
        const ahead = spool.peekNext(rec.id);
        ahead.catch(() => undefined); // awaited below; never an unhandled rejection if the loop ends first
        await acking;
        const r = await writing;
        if (health.settle(rec, r)) {
          acking = spool.ack(rec.id);
          acking.catch(() => undefined); // awaited before the next record is judged, or in `finally`
          this.noteReplayed(rec);
          backoff = MIN_BACKOFF_MS;
          rec = await ahead;
        } else {
          await ahead;
          rec = null;
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, this.maxBackoffMs);
        }
      }
    } finally {
      await acking;
    }
  }

  /** Waits for an adopted request; when it is done with, its spooled copy (still the head) is acknowledged. */
  private async settleInflight(copy: InflightCopy): Promise<void> {
    const r = await copy.outcome;
    this.inflight = null;
    if (!r.ok && r.retryable) return;
    const head = await this.o.spool.peek();
    if (head?.id !== copy.id) return;
    this.o.health.settle(copy.batch, r);
    await this.o.spool.ack(copy.id);
  }

  private noteReplayed(rec: SpoolRecord): void {
    this.o.health.replayedBatches += 1;
    const rr = (this.range ??= { fromMs: Infinity, toMs: -Infinity, points: 0, batches: 0 });
    if (rec.minTimeMs < rr.fromMs) rr.fromMs = rec.minTimeMs;
    if (rec.maxTimeMs > rr.toMs) rr.toMs = rec.maxTimeMs;
    rr.points += rec.points;
    rr.batches += 1;
  }

  /** Tells the listeners what the replay that just emptied the spool delivered. */
  private announce(): void {
    const rr = this.range;
    this.range = null;
    if (!rr || rr.batches === 0) return;
    this.o.logger?.info(rr, "historian: spool replayed; writing directly again");
    const range: ReplayedRange = { fromMs: Number.isFinite(rr.fromMs) ? rr.fromMs : Number.NaN, toMs: Number.isFinite(rr.toMs) ? rr.toMs : Number.NaN, points: rr.points, batches: rr.batches };
    for (const l of this.listeners) {
      try {
        l(range);
      } catch (e) {
        this.o.logger?.error({ err: e }, "historian: replay listener threw");
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.o.host.isStopped()) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}
