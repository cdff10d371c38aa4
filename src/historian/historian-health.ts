import type { Clock } from "../core/clock.js";
import { FloodGate, type Logger } from "../core/logger.js";
import type { DiskSpool } from "./disk-spool.js";
import type { WriteOutcome } from "./influx-line-client.js";
import type { SpoolBatch } from "./spool-record.js";

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

/**
 * The historian writer's health: online / last error, the counters of what was written, rejected and lost,
 * flood-controlled logging of it, and the status listeners (the historian alarms hang on them).
 */
export class HistorianHealth {
  online = false;
  lastError: string | null = null;
  lastErrorAtMs: number | null = null;
  /** Points lost before reaching the spool (memory bound, after stop(), a spool append that threw). */
  memDropped = 0;
  rejected = 0;
  lastRejectReason: string | null = null;
  written = 0;
  replayedBatches = 0;

  private readonly flood = new FloodGate(10_000);
  private readonly listeners = new Set<(s: HistorianStatus) => void>();
  private lastSignature = "";

  constructor(
    private readonly spool: DiskSpool,
    /** Points in memory now (queued, being encoded, encoded and waiting). */
    private readonly queuedPoints: () => number,
    private readonly clock: Clock,
    private readonly logger: Logger | undefined,
  ) {}

  status(): HistorianStatus {
    const sp = this.spool.status();
    return {
      online: this.online,
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
      queuedPoints: this.queuedPoints(),
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

  onStatus(listener: (s: HistorianStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Accounts for one request's outcome: true when the batch is done with (written, or rejected as bad data
   * and not retried); false when it failed and may succeed later (the writer is offline; the caller keeps
   * the batch).
   */
  settle(batch: SpoolBatch, r: WriteOutcome): boolean {
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
    return false;
  }

  reject(points: number, reason: string): void {
    this.rejected += points;
    this.lastRejectReason = reason;
    this.warn("reject", { points, reason }, "historian: InfluxDB rejected points (not retried)");
  }

  setOnline(): void {
    if (this.online) return;
    this.online = true;
    this.flood.reset("offline");
    if (this.lastError !== null) this.logger?.info({ spoolBytes: this.spool.bytes() }, "historian: InfluxDB is back");
    this.checkStatus();
  }

  setOffline(error: string): void {
    const changed = this.online || this.lastError !== error;
    this.online = false;
    this.lastError = error;
    this.lastErrorAtMs = this.clock.now();
    this.warn("offline", { error }, "historian: InfluxDB write failed; spooling to disk");
    if (changed) this.checkStatus();
  }

  /** A warning, at most once per 10 s per `key` (with the number of repeats it held back). */
  warn(key: string, obj: object, msg: string): void {
    const suppressed = this.flood.pass(key);
    if (suppressed >= 0) this.logger?.warn({ ...obj, suppressed }, msg);
  }

  /**
   * Emits the status when an alarm-relevant part changed (online, spoolFull, lastError, dropped / rejected
   * counts, spool fill in 1 % steps, spool empty). Events call it when they change online / full / error;
   * the flush timer calls it for the counters, so listeners hear about counters at most once per interval.
   */
  checkStatus(): void {
    if (this.listeners.size === 0) return;
    const s = this.status();
    const sig = `${s.online}|${s.spoolFull}|${s.lastError}|${s.droppedPoints}|${s.rejectedPoints}|${Math.floor(s.spoolFraction * 100)}|${s.spoolBytes === 0}`;
    if (sig === this.lastSignature) return;
    this.lastSignature = sig;
    for (const l of this.listeners) {
      try {
        l(s);
      } catch (e) {
        this.logger?.error({ err: e }, "historian: status listener threw");
      }
    }
  }
}
