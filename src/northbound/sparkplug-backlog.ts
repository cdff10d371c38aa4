/**
 * Store-and-forward for the Sparkplug edge node: while the broker is unreachable (or earlier changes are still
 * being replayed), each tick's changes of one device are appended to a disk spool (the historian's DiskSpool:
 * fdatasync'd, first in first out, bounded, a torn tail after a crash skipped and counted) and, once a new
 * session has been born, published in order, every metric marked historical. Full: the batch is dropped and
 * counted by the spool, never silently (status().full, droppedPoints).
 */
import { join } from "node:path";
import { DiskSpool, type SpoolStatus } from "../historian/disk-spool.js";
import type { SparkplugMetric } from "./sparkplug-metrics.js";

/** One tick's changes of one Sparkplug device (or of the node itself: device null). */
export interface BacklogBatch {
  readonly device: string | null;
  readonly metrics: readonly SparkplugMetric[];
}

/** Default bound of the backlog on disk, bytes. */
export const SPARKPLUG_BACKLOG_MAX_BYTES = 64 * 1024 * 1024;

export class SparkplugBacklog {
  /** Records that were not a batch of ours (a damaged file): skipped. */
  private unreadable = 0;

  private constructor(private readonly spool: DiskSpool) {}

  static async open(dataDir: string, maxBytes = SPARKPLUG_BACKLOG_MAX_BYTES): Promise<SparkplugBacklog> {
    return new SparkplugBacklog(await DiskSpool.open({ dir: join(dataDir, "sparkplug-backlog"), maxBytes }));
  }

  isEmpty(): boolean {
    return this.spool.isEmpty();
  }

  async append(batch: BacklogBatch): Promise<boolean> {
    const times = batch.metrics.map((m) => Number(m.timestamp ?? Number.NaN));
    const r = await this.spool.append({
      lines: JSON.stringify(batch),
      points: batch.metrics.length,
      minTimeMs: Math.min(...times),
      maxTimeMs: Math.max(...times),
    });
    return r.spooled;
  }

  /**
   * Publishes the backlog oldest first; each batch is acknowledged once `publish` resolves, so a broker lost
   * mid-replay leaves the rest (and at worst the one in flight, again) for the next session. Returns how
   * many batches went out; stops early when `publish` resolves false (not connected any more).
   */
  async replay(publish: (batch: BacklogBatch) => Promise<boolean>): Promise<number> {
    let sent = 0;
    for (let rec = await this.spool.peek(); rec !== null; rec = await this.spool.peek()) {
      let batch: BacklogBatch;
      try {
        batch = JSON.parse(rec.lines) as BacklogBatch;
      } catch {
        await this.spool.ack(rec.id);
        this.unreadable++;
        continue;
      }
      if (!(await publish(batch))) break;
      await this.spool.ack(rec.id);
      sent++;
    }
    return sent;
  }

  /** The spool's figures (a full spool's refusals in droppedPoints), and batches skipped as unreadable. */
  status(): SpoolStatus & { unreadableBatches: number } {
    return { ...this.spool.status(), unreadableBatches: this.unreadable };
  }

  close(): Promise<void> {
    return this.spool.close();
  }
}
