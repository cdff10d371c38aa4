import { FloodGate, type Logger } from "../core/logger.js";
import type { DiskSpool } from "./disk-spool.js";
import type { HistorianHealth } from "./historian-health.js";
import type { SpoolBatch } from "./spool-record.js";

/**
 * The historian writer's way into its DiskSpool: appends a batch, counts and logs (flood-controlled) a batch
 * the spool refused, and keeps track of the appends still running (the replay may only call the spool empty,
 * and a flush may only return, once they are done).
 */
export class SpoolAppender {
  private running = 0;
  private last: Promise<unknown> = Promise.resolve();
  private readonly flood = new FloodGate(10_000);

  constructor(
    private readonly spool: DiskSpool,
    private readonly health: HistorianHealth,
    private readonly logger: Logger | undefined,
  ) {}

  /** Appends still running. */
  get pending(): number {
    return this.running;
  }

  /** Settles when the latest append started so far has (never rejects). */
  settled(): Promise<unknown> {
    return this.last;
  }

  /** The spool record id, or null when the spool refused the batch (counted there). */
  async append(batch: SpoolBatch): Promise<number | null> {
    this.running += 1;
    const p = this.spool.append(batch);
    this.last = p.catch(() => undefined);
    try {
      const res = await p;
      if (res.spooled) return res.id;
      const suppressed = this.flood.pass(`spool-${res.reason}`);
      if (suppressed >= 0) {
        this.logger?.error(
          { reason: res.reason, error: res.error, droppedPoints: this.health.status().droppedPoints, spoolBytes: this.spool.bytes(), suppressed },
          res.reason === "full" ? "historian: spool full, points dropped" : "historian: spool write failed, points dropped",
        );
      }
      this.health.checkStatus();
      return null;
    } catch (e) {
      this.health.memDropped += batch.points;
      this.logger?.error({ err: e }, "historian: spool append failed, points dropped");
      return null;
    } finally {
      this.running -= 1;
    }
  }
}
