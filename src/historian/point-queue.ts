import { encodePoint, SeriesTimestamper, type HistorianPoint } from "./historian-point.js";
import type { SpoolBatch } from "./spool-record.js";

/** An encoded batch with the time range of its points. */
export interface LineBatch extends SpoolBatch {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
}

/** Points encoded per event-loop turn (≈ 0.5–1 ms). */
const ENCODE_CHUNK = 1000;

/**
 * The historian writer's in-memory queue of points and its encoder to line protocol: `push` is O(1);
 * `encodeBatch` takes up to `batchSize` points off the front, in order, yielding to the event loop every
 * ENCODE_CHUNK points. Time stamps are microseconds; a later point of the same series in the same
 * millisecond gets +1 µs (SeriesTimestamper), so no two points merge.
 */
export class PointQueue {
  private queue: HistorianPoint[] = [];
  private head = 0;
  private encoding = 0;
  private readonly stamper: SeriesTimestamper;

  constructor(
    private readonly batchSize: number,
    maxSeries: number,
    /** Told of points that cannot be written (no writable field, or not a point at all). */
    private readonly reject: (points: number, reason: string) => void,
  ) {
    this.stamper = new SeriesTimestamper(maxSeries);
  }

  /** Points queued, not yet taken by `encodeBatch`. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Points taken off the queue by an `encodeBatch` still running. */
  get encodingPoints(): number {
    return this.encoding;
  }

  push(point: HistorianPoint): void {
    this.queue.push(point);
  }

  /** Takes up to batchSize points off the queue and encodes them (µs stamps assigned here, in queue order). */
  async encodeBatch(): Promise<LineBatch> {
    let lines = "";
    let points = 0;
    let invalid = 0;
    let min = Infinity;
    let max = -Infinity;
    let taken = 0;
    for (;;) {
      const end = Math.min(this.queue.length, this.head + ENCODE_CHUNK, this.head + this.batchSize - taken);
      for (let i = this.head; i < end; i++) {
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
      taken += end - this.head;
      this.encoding += end - this.head;
      this.head = end;
      this.compact();
      if (taken >= this.batchSize || this.queue.length === this.head) break;
      await new Promise<void>((r) => setImmediate(r)); // keep the event loop responsive
    }
    this.encoding -= taken;
    if (invalid > 0) this.reject(invalid, "point without a writable field (no field, only NaN/Infinity, or not a point)");
    return { lines, points, minTimeMs: min, maxTimeMs: max };
  }

  /** Drops the taken front of the array when it is all taken, or more than half of a long one. */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 65_536 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
